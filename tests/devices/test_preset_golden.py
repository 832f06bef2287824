"""Every preset is exactly the device it was before the presets became data records (issue #8).

The digests are of ``preset(name).to_toml_str()``, which writes every field with floats exactly as
stored, recorded from the code that built the presets before the redesign. A preset that changes on
purpose needs its digest updated here, with the reason in the commit.
"""

from __future__ import annotations

import hashlib

import pytest

from memtwin.devices import list_presets, preset
from memtwin.devices.literature import LITERATURE_GAPS, LITERATURE_RESULTS, NONIDEALITIES

PRESET_SHA256 = {
    "hfs2-xhameni2025": "9a681e1d32b373a3bac4647504cd592a0c6fb37988ffc8b2f5bb7cf96981d46f",
    "reram-wan2022": "7f5b89384e4b81bc1fd3b94de70f9404131e1043d2fb16aaa273b6571ace68d1",
    "ideal": "dfdc31753f57e9274ec3f7d08233c97b3eaa121388e6f034aaf3743e0c78a39c",
    "ag-asi-neurosim": "176b1913e7315542a09e63830cd06a68652cb7e5df334fce1f58bf767c055fcc",
    "taox-hfox-neurosim": "0a1a98e761c3c565e1b9638e8eb5a60cfc44e29ed3d49ee1c885d87577495be9",
    "pcmo-neurosim": "acd6ec59bb6e3d190ca507f297de6c59285c794854e7ab007ae5eabe5dc34b44",
    "alox-hfo2-neurosim": "c293acdd985b9e53ef155c84d87c59e8a076f9686652e2d80bc379980dc2fc8d",
    "epiram-neurosim": "be2d8fb085c7a50d32e1818ed96b467ee29fd984ffff1024e2c8490a433a2cc4",
    "reram-sb-aihwkit": "63320e721bef7c6bd3dbdb066c86154ea54dcd0bdc69005b50207b8dcb6dd7c7",
    "reram-array-om-aihwkit": "51b28ce92f70ac3c07578ff9e409f583b141c3a146d8d0e5b330fb244da670d5",
    "reram-array-hfo2-aihwkit": "29034cc93067b833feb27b54c8d92006216e660c3b14238e21370d127e1fb4b4",
    "ecram-aihwkit": "1e9e6ea1344e2ca06080980a6c6e6b61b21d932b00fe15e5e3eae90b6fb5684a",
    "capacitor-aihwkit": "de15d0643781ad20cbec20a7f4af01feebaec17dd7670ff71e0c840fe774f0f9",
    "rram-milo2021-crosssim": "53054340fb1098e8eed9908d44d690bbe433743dac67a73270019986a3ae78ab",
    "taox-hfox-yao2020": "6108148f4b465aa70c26eeb57681cbf7aeba7f368344a89801ae1072a8a7c9e3",
}
#: Of ``repr(LITERATURE_RESULTS) + repr(LITERATURE_GAPS) + repr(NONIDEALITIES)``.
LITERATURE_SHA256 = "fb96ba3e7b04dcf3b68584b441909a99668a24c80770dd59801b34f592dddecb"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_preset_list_is_unchanged() -> None:
    assert list_presets() == list(PRESET_SHA256)


@pytest.mark.parametrize("name", list(PRESET_SHA256))
def test_preset_is_byte_identical_to_before(name: str) -> None:
    assert _sha256(preset(name).to_toml_str()) == PRESET_SHA256[name]


def test_reported_results_and_gaps_are_unchanged() -> None:
    text = repr(LITERATURE_RESULTS) + repr(LITERATURE_GAPS) + repr(NONIDEALITIES)
    assert _sha256(text) == LITERATURE_SHA256
