"""Write a retention fit: ``retention.json``, ``drift.toml`` and the figure, each atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memtwin.atomic import write_json_atomic
from memtwin.devices.drift_file import write_drift_file
from memtwin.retention.fit import MODELS, RetentionFit
from memtwin.retention.result import TIME_ZERO, retention_to_dict
from memtwin.retention.series import RetentionData

__all__ = ["DRIFT_FILE", "RESULT_FILE", "write_retention"]

RESULT_FILE = "retention.json"
DRIFT_FILE = "drift.toml"


def _comment(result: dict[str, Any], path: Path) -> str:
    overall = result["overall"]
    chosen = overall[result["model"]]
    r2 = ", ".join(
        f"{m} {overall[m]['r2']:.4f}" if overall[m]["r2"] is not None else f"{m} undefined" for m in MODELS
    )
    return "\n".join(
        [
            "memtwin drift model fitted by `memtwin retention` to",
            *(f"  {f}" for f in result["files"]),
            f"kind: {result['model']} ({result['model_chosen_by']}); R² over all states: {r2}",
            f"relative change per decade of time: {100 * chosen['per_decade_change']:+.3g} % "
            f"(mean over {chosen['n_states']} state(s))",
            *(f"note: {n}" for n in result["fit_notes"]),
            f"{TIME_ZERO}; t0_s is kept fixed.",
            f"Use it with: memtwin evaluate --drift {path} (or memtwin.devices.read_drift_file in Python).",
        ]
    )


def write_retention(
    data: RetentionData,
    fit: RetentionFit,
    out_dir: str | Path,
    *,
    model: str | None = None,
    figures: bool = True,
) -> dict[str, Any]:
    """Write the results of ``fit`` to ``out_dir``; returns the ``retention.json`` dict with the paths
    written under ``"written"`` (not stored in the file)."""
    out = Path(out_dir)
    result = retention_to_dict(data, fit, model)
    written = [write_json_atomic(out / RESULT_FILE, result)]
    drift_path = out / DRIFT_FILE
    written.append(write_drift_file(drift_path, result["drift"], comment=_comment(result, drift_path)))
    if figures:
        from memtwin.retention.plots import plot_retention

        written += plot_retention(fit, out, result["model"])
    return {**result, "written": [str(p) for p in written]}
