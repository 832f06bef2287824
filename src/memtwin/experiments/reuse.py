"""Which trained networks of another run folder a new run may start from.

A digital network depends only on the task, the data subset, the seed and the digital recipe; a
hardware-aware-trained one also on the device, the periphery and the HWAT recipe. The training loop
itself re-checks each checkpoint's recipe and data signature when it resumes; what it cannot see (the
device a HWAT network was trained on, for one) is checked here, from the two runs' configs.
"""

from __future__ import annotations

from pathlib import Path

from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig

#: Config keys that decide the digital network.
DIGITAL_KEYS = ("task", "subset", "seed", "digital")
#: Config keys that change only how trained networks are evaluated, not how they are trained.
EVALUATION_ONLY = (
    "modes",
    "variants",
    "repetitions",
    "times_s",
    "sweep",
    "device_kind",
    "data_dir",
    "test_subset",
)
#: The digital network's checkpoint stage; HWAT stages are named ``hwat-<mode>[-<sweep tag>]``.
DIGITAL_STAGE = "digital"


def _differing(ours: dict[str, object], theirs: dict[str, object], keys: set[str]) -> list[str]:
    return sorted(k for k in keys if ours.get(k) != theirs.get(k))


def reusable_stages(config: ExperimentConfig, source_run: Path) -> tuple[str, ...] | None:
    """The checkpoint stages of ``source_run`` that ``config`` may import: ``None`` for all of them
    (trained exactly as ``config`` would), ``("digital",)`` when only the digital network matches.
    Raises :class:`ConfigError` when not even the digital network was trained the same way."""
    source_config = source_run / "config.toml"
    if not source_config.is_file():
        raise ConfigError(f"{source_run} has no config.toml; is it a memtwin run folder?")
    theirs = ExperimentConfig.from_toml(source_config).to_dict()
    ours = config.to_dict()
    digital = _differing(ours, theirs, set(DIGITAL_KEYS))
    if digital:
        raise ConfigError(
            f"cannot start from the networks of {source_run}: its digital network was trained with other "
            f"settings ({', '.join(digital)})"
        )
    rest = _differing(ours, theirs, (set(ours) | set(theirs)) - set(EVALUATION_ONLY))
    return None if not rest else (DIGITAL_STAGE,)
