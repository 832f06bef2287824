"""A run folder: resolved config, status, results, checkpoints and figures of one experiment.

``status.json`` says ``running`` from the first write until every result is in place, then
``complete``; a folder whose status is not ``complete`` is never mistaken for a finished run, and a
rerun into it resumes (checkpoints are kept in ``checkpoints/``).
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memtwin import __version__
from memtwin.atomic import write_json_atomic, write_text_atomic
from memtwin.errors import ConfigError

RUNNING = "running"
COMPLETE = "complete"


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

    def start(self, config_toml: str, *, overwrite: bool = False) -> None:
        """Open the folder for a run. A complete run is only replaced with ``overwrite``; an
        incomplete run of the same configuration is resumed from its checkpoints."""
        state = self.state()
        if self.path.exists() and state is None and any(self.path.iterdir()):
            raise ConfigError(f"{self.path} exists and is not a memtwin run folder; choose another --out")
        if state is not None and overwrite:
            shutil.rmtree(self.path)
        elif state == COMPLETE:
            raise ConfigError(
                f"{self.path} already holds a complete run; choose another --out or pass --overwrite"
            )
        elif state == RUNNING:
            previous = self.path / "config.toml"
            if previous.exists() and previous.read_text() != config_toml:
                raise ConfigError(
                    f"{self.path} holds an unfinished run of a different configuration; resume it with "
                    f"`memtwin run {previous}`, or pass --overwrite to start afresh"
                )
        self.path.mkdir(parents=True, exist_ok=True)
        self.checkpoints.mkdir(exist_ok=True)
        self.figures.mkdir(exist_ok=True)
        write_text_atomic(self.path / "config.toml", config_toml)
        self._write_status(RUNNING)

    def complete(self) -> None:
        self._write_status(COMPLETE)

    def _write_status(self, state: str) -> None:
        write_json_atomic(
            self.status_file,
            {
                "state": state,
                "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "memtwin": __version__,
                "python": platform.python_version(),
            },
        )

    def write_json(self, name: str, obj: Any) -> Path:
        return write_json_atomic(self.path / name, obj)
