"""Every script in examples/ runs as a user would run it (from a fresh working directory)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("0*.py"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("examples")


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, workdir):
    env = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_examples_leave_their_outputs(workdir):
    # Runs after the parametrized tests (pytest keeps file order).
    assert (workdir / "runs/example-01/characterization.json").exists()
    assert (workdir / "runs/example-02/my-device.toml").exists()
    assert (workdir / "runs/example-04/results.json").exists()
    assert (workdir / "runs/example-04/report.html").exists()
