"""Fixtures shared by the test folders."""

import pytest
import torch


@pytest.fixture
def one_thread():
    # The suite shares 2 cores; one torch thread keeps timings stable.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
