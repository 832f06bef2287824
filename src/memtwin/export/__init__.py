"""Export a memtwin device as another simulator's configuration: text only, the simulator itself is
never imported.

``aihwkit_module(device, periphery=None, kind="pulsed")`` returns the source of a Python module whose ``rpu_config()`` builds the device's
IBM AIHWKIT configuration; ``memtwin export aihwkit DEVICE --out FILE.py`` writes it.
"""

from memtwin.export.aihwkit import KINDS as AIHWKIT_KINDS
from memtwin.export.aihwkit import aihwkit_module

__all__ = ["AIHWKIT_KINDS", "aihwkit_module"]
