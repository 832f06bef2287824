"""scripts/reproduce-paper.sh runs the paper's protocol and its device-to-device sweep as a user would."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "reproduce-paper.sh"
MEMTWIN = Path(sys.executable).parent / "memtwin"


def _run(out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEMTWIN": str(MEMTWIN), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    flags = [
        "--epochs",
        "3",
        "--hwat-epochs",
        "1",
        "--repetitions",
        "2",
        "--modes",
        "potentiation",
        "--quiet",
    ]
    return subprocess.run(
        ["bash", str(SCRIPT), "digits", str(out / "no-data"), str(out), *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_protocol_then_sweep_under_every_write_on_the_same_networks(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    evaluations = {}
    for write in ("open-loop", "verify", "exact"):
        evaluation = json.loads((tmp_path / f"evaluate-{write}" / "results.json").read_text())
        sweep = json.loads((tmp_path / f"d2d-sweep-{write}" / "results.json").read_text())
        assert evaluation["write"] == sweep["write"] == write
        assert sweep["digital_accuracy"] == evaluation["digital_accuracy"]
        assert [r["value"] for r in sweep["analog"]] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
        # The preset's own 30 % just after programming is the evaluation's HWAT + compensation row at 0 s:
        # the same networks on the same chips.
        swept = next(r for r in sweep["analog"] if r["value"] == 0.3)
        evaluated = next(r for r in evaluation["analog"] if r["variant"] == "hwat_gdc" and r["time_s"] == 0.0)
        assert swept["accuracies"] == evaluated["accuracies"]
        for folder in (f"evaluate-{write}", f"d2d-sweep-{write}"):
            assert (tmp_path / folder / "report.html").stat().st_size > 10_000
        evaluations[write] = evaluation
    # One digital network for all three writes; one table row per write (one mode here).
    assert len({e["digital_accuracy"] for e in evaluations.values()}) == 1
    table = (tmp_path / "writes.md").read_text()
    assert [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ") and "%" in line] == [
        "exact", "open-loop", "verify"
    ]  # fmt: skip
    # A second call finds every run complete and keeps them.
    before = (tmp_path / "evaluate-exact" / "results.json").read_bytes()
    again = _run(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "evaluate-exact" / "results.json").read_bytes() == before
