"""Every analysis gets its own report section, and its tables are one model rendered three ways: the
run's results.md, the report (HTML and Markdown) and the terminal show the same rows."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from memtwin.crossbar.periphery import Periphery
from memtwin.experiments.ablate import ablate
from memtwin.experiments.compare import compare_devices
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.tolerance import threshold_text, tolerance
from memtwin.report import present_run, print_blocks, write_report
from memtwin.report.tables import ablation_blocks, analysis_kind, tolerance_blocks


def _quick(**changes: Any) -> ExperimentConfig:
    # Ideal periphery (no converters, no IR drop to solve): the report, not the physics, is under test.
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=2, times_s=(1.0,), modes=("potentiation",), variants=("baseline",), drift="none",
        periphery=Periphery.ideal(), subset=300, test_subset=100,
    )  # fmt: skip
    return replace(replace(cfg, digital=cfg.digital.replace(epochs=2)), **changes)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("analyses")
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    with make_executor("serial") as ex:
        common: dict[str, Any] = {"executor": ex, "progress": False, "present": present_run}
        out["ablate"] = (
            root / "abl",
            ablate(_quick(), root / "abl", variant="baseline", times_s=(1.0,), **common),
        )
        out["tolerance"] = (
            root / "tol",
            tolerance(_quick(), root / "tol", parameters=("d2d",), grids={"d2d": (0.0, 1.2)}, variant="baseline",
                      rounds=1, points_per_round=1, **common),
        )  # fmt: skip
        out["compare"] = (
            root / "cmp",
            compare_devices(_quick(), root / "cmp", ["ideal", "hfs2-xhameni2025"], **common),
        )
    return out  # fmt: skip


def _section(html: str, sid: str) -> str:
    match = re.search(rf'<section class="card" id="{sid}">(.*?)</section>', html, re.S)
    assert match is not None, f"no section {sid}"
    return match.group(1)


def _table_rows(markdown: str, first_cell: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(f"| {first_cell} |")]


def test_the_ablation_has_its_own_section(runs: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    run, results = runs["ablate"]
    assert analysis_kind(results) == "ablate"
    html_path, md_path = write_report(run)
    html = html_path.read_text(encoding="utf-8")
    section = _section(html, "ablation")
    assert "non-ideality" in section and "device-to-device variation" in section
    assert results["by_time"][0]["statement"].split(".")[0] in section
    assert "ablation.png" in section  # its figure, in its section
    assert '<section class="card" id="sweep">' not in html  # its rows are not a "sweep"
    # Not dumped as raw JSON under provenance any more.
    assert "by_time" not in _section(html, "provenance")
    # results.md and report.md hold the very same table rows.
    results_md, report_md = (run / "results.md").read_text(), md_path.read_text(encoding="utf-8")
    rows = _table_rows(results_md, "device-to-device variation")
    assert len(rows) == len(results["by_time"]) and set(rows) <= set(
        _table_rows(report_md, "device-to-device variation")
    )


def test_the_tolerance_search_has_its_own_section(runs: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    run, results = runs["tolerance"]
    html = write_report(run)[0].read_text(encoding="utf-8")
    section = _section(html, "tolerance")
    (found,) = results["thresholds"]
    assert threshold_text(found).split(":")[0] in section
    assert "tolerance_d2d.png" in section
    assert "thresholds" not in _section(html, "provenance")
    summary = _section(html, "summary")
    assert "largest device-to-device variation" in summary  # a card per threshold


def test_the_comparison_section_shows_the_comparison_table(
    runs: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    run, results = runs["compare"]
    html = write_report(run)[0].read_text(encoding="utf-8")
    section = _section(html, "comparison")
    assert "σ/bin" in section and "compare_loss.png" in section
    assert "| ideal |" in (run / "results.md").read_text()
    assert [d["name"] for d in results["devices"]] == ["ideal", "hfs2-xhameni2025"]


def test_the_terminal_prints_the_same_tables(runs: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    for kind, blocks in (("ablate", ablation_blocks), ("tolerance", tolerance_blocks)):
        _, results = runs[kind]
        console = Console(record=True, width=200)
        print_blocks(blocks(results), console)
        text = console.export_text()
        if kind == "ablate":
            for item in results["by_time"][0]["items"]:
                assert item["label"] in text
            assert "recovered (± SE)" in text
        else:
            assert threshold_text(results["thresholds"][0]) in text.replace("\n", " ")


def test_a_run_without_a_presenter_holds_the_numbers_only(tmp_path: Path) -> None:
    with make_executor("serial") as ex:
        ablate(_quick(), tmp_path / "abl", variant="baseline", times_s=(1.0,), executor=ex, progress=False)
    assert (tmp_path / "abl" / "results.json").is_file()
    assert not (tmp_path / "abl" / "results.md").exists()
    assert not list((tmp_path / "abl" / "figures").glob("*.png"))
    # The presentation can be written afterwards, from the folder alone.
    written = present_run(tmp_path / "abl")
    assert (tmp_path / "abl" / "results.md") in written and (
        tmp_path / "abl" / "figures" / "ablation.png"
    ) in written
