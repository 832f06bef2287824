import pytest


@pytest.fixture(autouse=True)
def _analyses_on_one_thread(one_thread):
    """The analyses train and evaluate whole protocols: one torch thread each (tests/conftest.py)."""
    return one_thread
