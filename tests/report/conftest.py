"""Fixtures: a realistic run folder built in tmp_path (see report_run.py for what it holds)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from report_run import CONFIG_TOML, PNG_FIGURES, RunFactory, characterization_dict, results_csv, results_dict


@pytest.fixture(scope="session")
def figure_bytes() -> dict[str, bytes]:
    """One small, real matplotlib PNG per figure name (made once per session: matplotlib is slow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, bytes] = {}
    for k, name in enumerate(PNG_FIGURES):
        fig, ax = plt.subplots(figsize=(4.0, 2.6), dpi=80)
        x = list(range(10))
        ax.plot(x, [v * (k + 1) for v in x], marker="o", color=f"C{k}")
        ax.set_title(Path(name).stem)
        ax.grid(alpha=0.3)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        out[name] = buf.getvalue()
    return out


@pytest.fixture(scope="session")
def device_toml() -> str:
    from memtwin.devices.presets import preset

    return preset("hfs2-xhameni2025").to_toml_str()


@pytest.fixture
def make_run(tmp_path: Path, figure_bytes: dict[str, bytes], device_toml: str) -> RunFactory:
    """Build a run folder; leave parts out with ``without=("device.toml", ...)``, set ``state=None``
    for no status.json, override results with ``results=...``."""

    def make(
        name: str = "run",
        *,
        state: str | None = "complete",
        without: tuple[str, ...] = (),
        results: dict[str, Any] | None = None,
    ) -> Path:
        root = tmp_path / name
        (root / "figures").mkdir(parents=True)
        (root / "checkpoints").mkdir()
        (root / "checkpoints" / "ignored.png").write_bytes(b"not a figure of the report")
        res = results if results is not None else results_dict()
        files: dict[str, str | bytes] = {
            "config.toml": CONFIG_TOML,
            "results.json": json.dumps(res, indent=2),
            "results.csv": results_csv(res),
            "characterization.json": json.dumps(characterization_dict(), indent=2),
            "device.toml": device_toml,
            "figures/custom_plot.svg": (
                '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60">'
                '<rect width="120" height="60" fill="#1f5f99"/></svg>'
            ),
            **figure_bytes,
        }
        if state is not None:
            status = {
                "state": state,
                "updated": "2025-06-01T12:00:00+0000",
                "memtwin": "0.1.0",
                "python": "3.11.7",
            }
            files["status.json"] = json.dumps(status)
        for rel, content in files.items():
            if rel in without or (rel.startswith("figures/") and "figures" in without):
                continue
            if rel.endswith(".png") and "png" in without:
                continue
            path = root / rel
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make
