"""The HTML report in a real browser: headless Chromium (Debian's `chromium`, installed by
scripts/setup.sh) renders it, every embedded figure decodes, and a screenshot is taken and checked.

Skipped with the reason when Chromium is missing on a developer's machine; under CI (CI=true) a
missing Chromium fails instead, because there the setup script must have installed it.
Set MEMTWIN_REPORT_SCREENSHOTS=DIR to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_run import PNG_FIGURES, RunFactory

from memtwin.report import write_report

WIDTH, HEIGHT = 1280, 4000
BANNER_RGB = (179, 38, 30)  # --bad in the report's CSS
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=5000",
    f"--window-size={WIDTH},{HEIGHT}",
)
#: Appended to a copy of the report (the report itself has no script): after load, record for each
#: <img> whether the browser decoded it (complete, with a natural width) in an attribute --dump-dom shows.
PROBE = (
    "<script>addEventListener('load', () => document.body.setAttribute('data-decoded', "
    "[...document.images].map(i => (i.complete && i.naturalWidth > 0) ? '1' : '0').join('')));</script>"
)


def _find_chromium() -> str | None:
    override = os.environ.get("MEMTWIN_CHROMIUM")
    if override:
        return override
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _find_chromium()
    if path is None:
        reason = (
            "chromium is not installed: run scripts/setup.sh (it installs Debian's chromium with apt-get) "
            "or `apt-get install chromium` as root"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the browser test, but {reason}")
        pytest.skip(reason)
    return path


def _run(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / "chromium-profile"
    env = {**os.environ, "HOME": str(tmp)}  # crash reports and caches stay in tmp
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_report_renders_in_headless_chromium(make_run: RunFactory, tmp_path: Path, chromium: str) -> None:
    run = make_run(state="running")
    html_path, _ = write_report(run)
    n_images = len(PNG_FIGURES) + 1

    # 1. Every figure is a data: URI that the browser decodes.
    probe = tmp_path / "probe.html"
    probe.write_text(
        html_path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    dom = _run(chromium, tmp_path, "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    decoded = re.search(r'data-decoded="([01]*)"', dom.stdout)
    assert decoded is not None, "the page did not finish loading"
    assert decoded.group(1) == "1" * n_images
    sources = re.findall(r'<img src="([^"]+)"', dom.stdout)
    assert len(sources) == n_images
    for src in sources:
        assert src.startswith(("data:image/png;base64,", "data:image/svg+xml;base64,"))
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n") or b"<svg" in data
    assert "INCOMPLETE RUN" in dom.stdout

    # 2. A screenshot of the report itself: right size, not blank, banner visible at the top.
    shot = tmp_path / "report.png"
    result = _run(chromium, tmp_path, f"--screenshot={shot}", html_path.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 20_000
    with Image.open(shot) as im:
        assert im.size == (WIDTH, HEIGHT)
        pixels = np.asarray(im.convert("RGB"), dtype=np.int32)
    assert pixels.std() > 20, "the screenshot is (nearly) blank"
    top = pixels[:700]
    banner = (np.abs(top - np.array(BANNER_RGB)).sum(axis=2) < 30).sum()
    assert banner > 20_000, "the INCOMPLETE RUN banner is not visible near the top"
    # Figures were painted: many distinct colours (the plotted lines), not only the page's flat greys.
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    assert len(np.unique(packed)) > 500

    keep = os.environ.get("MEMTWIN_REPORT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report-incomplete.png")


def test_demo_report_shows_the_whole_assessment(tmp_path: Path, chromium: str) -> None:
    """The README's first command end to end (bundled example device, bundled digits task): its report
    renders with every figure and holds characterization, device model, accuracy vs. time and the
    comparison with library devices."""
    from typer.testing import CliRunner

    from memtwin.cli.app import app

    out = tmp_path / "demo"
    empty = tmp_path / "no-datasets"
    empty.mkdir()
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--data-dir", str(empty), "--quiet"])
    assert result.exit_code == 0, result.output
    html_path = out / "report.html"
    assert str(html_path) in result.output.replace("\n", "")

    probe = tmp_path / "probe.html"
    probe.write_text(
        html_path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    dom = _run(chromium, tmp_path, "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    decoded = re.search(r'data-decoded="([01]*)"', dom.stdout)
    assert decoded is not None and decoded.group(1) and set(decoded.group(1)) == {"1"}
    for heading in (
        "Device characterization",
        "Device model",
        "Inference accuracy",
        "Comparison with other devices",
    ):
        assert heading in dom.stdout, heading
    for figure in (
        "fig2e_linear_range",
        "accuracy_vs_time_potentiation",
        "accuracy_vs_time_depression",
        "compare_loss",
    ):
        assert figure in dom.stdout, figure
    assert "INCOMPLETE RUN" not in dom.stdout

    shot = tmp_path / "demo.png"
    result_shot = _run(chromium, tmp_path, f"--screenshot={shot}", html_path.as_uri())
    assert result_shot.returncode == 0, result_shot.stderr[-2000:]
    with Image.open(shot) as im:
        pixels = np.asarray(im.convert("RGB"), dtype=np.int32)
    assert pixels.std() > 20, "the screenshot is (nearly) blank"
