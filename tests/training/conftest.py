"""Run these tests single-threaded: the models are tiny, and on a shared 2-core machine intra-op threads
only add contention (a few-second test can otherwise take ten times longer under load)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
