"""A run folder: resolved config, status, results, checkpoints and figures of one experiment.

``status.json`` says ``running`` from the first write until every result is in place, then
``complete``; a run that stops on an error says ``failed``, with the error. A folder whose status is
not ``complete`` is never mistaken for a finished run, and a rerun into it resumes (checkpoints are
kept in ``checkpoints/``). Commands validate their inputs (data, device, config) before they create
the folder, so a typo never leaves an empty run behind.
"""

from __future__ import annotations

import json
import operator
import platform
import shutil
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memtwin import __version__
from memtwin.atomic import write_json_atomic, write_text_atomic
from memtwin.errors import ConfigError

RUNNING = "running"
COMPLETE = "complete"
FAILED = "failed"


@dataclass(frozen=True)
class RunFolder:
    path: Path

    @property
    def status_file(self) -> Path:
        return self.path / "status.json"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def figures(self) -> Path:
        return self.path / "figures"

    def state(self) -> str | None:
        if not self.status_file.exists():
            return None
        return str(json.loads(self.status_file.read_text()).get("state"))

    def start(
        self,
        config_toml: str,
        *,
        overwrite: bool = False,
        same_config: Callable[[str, str], bool] = operator.eq,
    ) -> None:
        """Open the folder for a run. A complete run is only replaced with ``overwrite``; an
        incomplete run of the same configuration is resumed from its checkpoints. ``same_config``
        compares the folder's config text with this run's (default: identical text)."""
        state = self.state()
        if self.path.exists() and state is None and any(self.path.iterdir()):
            raise ConfigError(f"{self.path} exists and is not a memtwin run folder; choose another --out")
        if state is not None and overwrite:
            shutil.rmtree(self.path)
        elif state == COMPLETE:
            raise ConfigError(
                f"{self.path} already holds a complete run; choose another --out or pass --overwrite"
            )
        elif state in (RUNNING, FAILED):
            previous = self.path / "config.toml"
            if previous.exists() and not same_config(previous.read_text(), config_toml):
                raise ConfigError(
                    f"{self.path} holds an unfinished run of a different configuration; resume it with "
                    f"`memtwin run {previous}`, or pass --overwrite to start afresh"
                )
        self.path.mkdir(parents=True, exist_ok=True)
        self.checkpoints.mkdir(exist_ok=True)
        self.figures.mkdir(exist_ok=True)
        write_text_atomic(self.path / "config.toml", config_toml)
        self._write_status(RUNNING)

    def import_checkpoints(self, source_run: Path, stages: Collection[str] | None = None) -> list[str]:
        """Copy the training checkpoints of another run folder that this run has not got yet (e.g. a
        sweep on the network an evaluation already trained; the caller checks that it trained the same
        way), all of them or only ``stages``. Returns the imported stage names."""
        source = RunFolder(Path(source_run)).checkpoints
        if not source.is_dir():
            raise ConfigError(f"{source_run} has no checkpoints/ folder; is it a memtwin run folder?")
        imported = []
        for stage in sorted(p for p in source.iterdir() if (p / "last.pt").is_file()):
            if stages is not None and stage.name not in stages:
                continue
            target = self.checkpoints / stage.name
            if (target / "last.pt").exists():
                continue
            tmp = self.checkpoints / f".{stage.name}.importing"
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(stage, tmp)
            tmp.rename(target)  # a stage appears whole or not at all
            imported.append(stage.name)
        return imported

    def complete(self) -> None:
        self._write_status(COMPLETE)

    def fail(self, error: Exception) -> None:
        """Mark the run ``failed`` with the error; a rerun of the same config resumes it."""
        self._write_status(FAILED, error=f"{type(error).__name__}: {error}")

    @contextmanager
    def failing_on_error(self) -> Iterator[RunFolder]:
        """``with run.failing_on_error():`` — an error inside marks a running run failed, then propagates
        (a folder that was never started is left alone; an interrupt, like a kill, leaves it running)."""
        try:
            yield self
        except Exception as exc:
            if self.state() == RUNNING:
                self.fail(exc)
            raise

    def _write_status(self, state: str, **extra: str) -> None:
        write_json_atomic(
            self.status_file,
            {
                "state": state,
                "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "memtwin": __version__,
                "python": platform.python_version(),
                **extra,
            },
        )

    def write_json(self, name: str, obj: Any) -> Path:
        return write_json_atomic(self.path / name, obj)
