"""Drift models stored in their own TOML file, and the ``--drift`` argument that names a kind or a file.

A drift file holds one drift spec (:mod:`memtwin.devices.drift`), either as a ``[drift]`` table (the form
``memtwin retention`` writes, and the form a device TOML carries) or as a bare table with ``kind``::

    [drift]
    kind = "power_law"
    nu = 0.0123
    nu_std = 0.004
    t0_s = 1.0

The spec is validated with :func:`~memtwin.devices.drift.build_drift` and returned with every
parameter explicit, so it can be handed straight to a device:
``DeviceModel(..., drift=read_drift_file(p))`` or ``dataclasses.replace(device, drift=read_drift_file(p))``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

import tomli_w

from memtwin.atomic import write_text_atomic
from memtwin.devices.drift import DRIFT_KINDS, DriftModel, normalize_drift_spec
from memtwin.errors import ConfigError

__all__ = ["read_drift_file", "resolve_drift", "write_drift_file"]


def read_drift_file(path: str | Path) -> dict[str, object]:
    """The drift spec in a TOML file (``[drift]`` table or a bare table with ``kind``), validated and
    with every parameter written out. Errors name the file and the key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"drift file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"drift file {path}: not valid TOML: {exc}") from None
    table: object
    if "drift" in data:
        table = data["drift"]
        if not isinstance(table, Mapping):
            raise ConfigError(f"drift file {path}: drift = {table!r} must be a table with a 'kind' key")
    elif "kind" in data:
        table = data
    else:
        raise ConfigError(
            f"drift file {path}: no [drift] table and no 'kind' key; expected e.g. "
            "'[drift]' then 'kind = \"power_law\"', 'nu = 0.01', ..."
        )
    try:
        return normalize_drift_spec(table)
    except ConfigError as exc:
        raise ConfigError(f"drift file {path}: {exc}") from None


def resolve_drift(value: str | Path | Mapping[str, object] | DriftModel) -> dict[str, object]:
    """A ``--drift`` value as a full spec: a drift kind (``power_law``, ...), the path of a drift TOML,
    a spec dict or a model. A known kind wins over a file of the same name."""
    if isinstance(value, DriftModel | Mapping):
        return normalize_drift_spec(value)
    text = str(value)
    if isinstance(value, str) and value in DRIFT_KINDS:
        return normalize_drift_spec(value)
    path = Path(text)
    if path.suffix.lower() == ".toml" or path.exists():
        return read_drift_file(path)
    raise ConfigError(
        f"drift {text!r} is neither a drift kind ({', '.join(DRIFT_KINDS)}) nor a drift TOML file"
    )


def write_drift_file(path: str | Path, spec: Mapping[str, object] | DriftModel, *, comment: str = "") -> Path:
    """Write ``spec`` (validated first) as a ``[drift]`` table, atomically; ``comment`` lines go on top."""
    normalized = normalize_drift_spec(spec)
    head = "".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines())
    return write_text_atomic(path, head + tomli_w.dumps({"drift": normalized}))
