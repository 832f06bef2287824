"""Read a run folder for the report, tolerating whatever is missing or half-written.

A run folder is written by the experiments layer (see :mod:`memtwin.experiments.runfolder`) or by
``memtwin characterize``. The report must render for a running, crashed or partial run, so every file
here is optional: a missing file leaves its field ``None``; a file that exists but cannot be read is
recorded in ``problems`` (shown in the report) instead of raising. Only a folder holding none of the
files a run writes is refused, with a :class:`~memtwin.errors.ConfigError`, because then the user
most likely passed the wrong path.
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memtwin.errors import ConfigError
from memtwin.report.figures import figure_rank

#: Files a memtwin run (or characterization) folder may hold; a folder with none of them is not a run.
MARKERS = (
    "status.json",
    "config.toml",
    "results.json",
    "results.csv",
    "characterization.json",
    "device.toml",
)
#: Folders whose contents never appear in a report (training state, not results).
SKIP_DIRS = frozenset({"checkpoints", "__pycache__"})
#: Figures larger than this are linked, not embedded, so a report stays a file one can mail.
MAX_FIGURE_BYTES = 20 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The report's own files, left out of the folder listing it shows.
REPORT_FILES = frozenset({"report.html", "report.md"})


@dataclass(frozen=True)
class FigureFile:
    path: Path
    data: bytes
    mime: str


@dataclass
class RunContents:
    """What a run folder holds, parsed as far as possible. ``problems`` lists files that exist but
    could not be used, in words for the reader."""

    path: Path
    status: dict[str, Any] | None = None
    config_text: str | None = None
    config: dict[str, Any] | None = None
    results: dict[str, Any] | None = None
    results_source: str | None = None
    characterization: dict[str, dict[str, Any]] | None = None
    device_to_device: dict[str, Any] | None = None
    devices_skipped: dict[str, Any] | None = None
    device_toml: str | None = None
    figures: list[FigureFile] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def state(self) -> str | None:
        """The run's state from status.json ('running', 'complete', …), or None without one."""
        if self.status is None:
            return None
        state = self.status.get("state")
        return None if state is None else str(state)

    @property
    def is_experiment(self) -> bool:
        """True for an evaluation/sweep run, False for a characterization-only folder."""
        return any(x is not None for x in (self.status, self.config_text, self.results))


def read_run(run_dir: str | Path) -> RunContents:
    """Everything the report shows from ``run_dir``.

    Raises:
        ConfigError: ``run_dir`` does not exist, is not a folder, or holds none of :data:`MARKERS`.
    """
    path = Path(run_dir)
    if not path.exists():
        raise ConfigError(f"{path}: no such folder; pass the folder a memtwin run wrote (e.g. runs/NAME)")
    if not path.is_dir():
        raise ConfigError(f"{path} is a file, not a run folder; pass the folder that holds results.json")
    present = [name for name in MARKERS if (path / name).is_file()]
    if not present:
        raise ConfigError(
            f"{path} is not a memtwin run folder: it holds none of {', '.join(MARKERS)}. "
            "Pass a folder written by `memtwin evaluate`, `memtwin run` or `memtwin characterize`."
        )
    run = RunContents(path=path)
    run.files = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in path.iterdir()
        if not p.name.startswith(".") and p.name not in REPORT_FILES
    )
    run.status = _read_json_object(path / "status.json", run.problems)
    run.config_text = _read_text(path / "config.toml", run.problems)
    if run.config_text is not None:
        try:
            run.config = tomllib.loads(run.config_text)
        except tomllib.TOMLDecodeError as exc:
            run.problems.append(f"config.toml is not valid TOML ({exc}); it is shown verbatim")
    run.results = _read_json_object(path / "results.json", run.problems)
    if run.results is not None:
        run.results_source = "results.json"
    elif (path / "results.csv").is_file():
        run.results = _results_from_csv(path / "results.csv", run.problems)
        if run.results is not None:
            run.results_source = "results.csv"
    run.characterization = _read_characterization(path / "characterization.json", run.problems)
    if run.characterization is not None:
        whole = _read_json_object(path / "characterization.json", [])
        spread = whole.get("device_to_device") if whole else None
        skipped = whole.get("devices_skipped") if whole else None
        run.device_to_device = spread if isinstance(spread, dict) else None
        run.devices_skipped = skipped if isinstance(skipped, dict) and skipped else None
    run.device_toml = _read_text(path / "device.toml", run.problems)
    run.figures = _find_figures(path, run.problems)
    return run


def _read_text(path: Path, problems: list[str]) -> str | None:
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name} could not be read ({exc})")
        return None


def _read_json_object(path: Path, problems: list[str]) -> dict[str, Any] | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}); it is left out")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name} holds a {type(data).__name__}, not a JSON object; it is left out")
        return None
    return data


def _read_characterization(path: Path, problems: list[str]) -> dict[str, dict[str, Any]] | None:
    """Device name → one-device characterization dict, from either JSON layout of
    :mod:`memtwin.characterization.result` (one device, or a ``devices`` set)."""
    data = _read_json_object(path, problems)
    if data is None:
        return None
    devices = data.get("devices")
    if isinstance(devices, dict):
        out = {str(k): v for k, v in devices.items() if isinstance(v, dict)}
    elif "potentiation" in data or "depression" in data or "bins" in data:
        out = {str(data.get("device") or "device"): data}
    else:
        problems.append("characterization.json holds no device's figures of merit; it is left out")
        return None
    return out or None


def _cell(text: str) -> Any:
    """A CSV cell as the JSON value it most likely was: number, JSON list, empty → None, else text."""
    text = text.strip()
    if text == "":
        return None
    if text[0] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _results_from_csv(path: Path, problems: list[str]) -> dict[str, Any] | None:
    """results.json's shape from results.csv (used only when results.json is missing or unreadable).
    Columns whose value is the same in every row (task, device, digital accuracy) go to the top."""
    text = _read_text(path, problems)
    if text is None:
        return None
    # An empty cell is a field the row does not have (e.g. a sweep's parameter in an evaluation row).
    rows = [
        {k: c for k, v in row.items() if k and (c := _cell(v or "")) is not None}
        for row in csv.DictReader(text.splitlines())
    ]
    if not rows:
        problems.append("results.csv holds no rows; it is left out")
        return None
    results: dict[str, Any] = {}
    for key in ("task", "device", "digital_accuracy"):
        values = {json.dumps(r.get(key)) for r in rows}
        if key in rows[0] and len(values) == 1:
            results[key] = rows[0][key]
            for r in rows:
                r.pop(key, None)
    results["analog"] = rows
    return results


def _find_figures(root: Path, problems: list[str]) -> list[FigureFile]:
    """Every PNG under the folder (SVG where no PNG of the same name exists), checkpoints skipped."""
    candidates: dict[Path, Path] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        suffix = p.suffix.lower()
        if suffix not in (".png", ".svg") or not p.is_file():
            continue
        key = p.with_suffix("")
        if suffix == ".png" or key not in candidates:
            candidates[key] = p
    figures: list[FigureFile] = []
    for p in sorted(candidates.values(), key=lambda p: (figure_rank(p.relative_to(root)), str(p))):
        name = p.relative_to(root).as_posix()
        try:
            size = p.stat().st_size
            if size > MAX_FIGURE_BYTES:
                problems.append(f"{name} is {size / 2**20:.0f} MiB; too large to embed, left out")
                continue
            data = p.read_bytes()
        except OSError as exc:
            problems.append(f"{name} could not be read ({exc}); left out")
            continue
        if p.suffix.lower() == ".png":
            if not data.startswith(PNG_SIGNATURE):
                problems.append(f"{name} is not a PNG image (damaged or half-written); left out")
                continue
            mime = "image/png"
        else:
            if b"<svg" not in data[:4096]:
                problems.append(f"{name} is not an SVG image; left out")
                continue
            mime = "image/svg+xml"
        figures.append(FigureFile(path=p, data=data, mime=mime))
    return figures
