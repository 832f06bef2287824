"""write_report on realistic, partial, broken and wrong folders: what the HTML and Markdown say."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from report_run import PNG_FIGURES, RunFactory, results_dict

from memtwin.errors import ConfigError
from memtwin.report import read_run, write_report

IMG_RE = re.compile(r'<img src="data:(image/[a-z+]+);base64,([A-Za-z0-9+/=]+)"')


def _html(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_writes_both_files_into_the_run_folder(make_run: RunFactory) -> None:
    run = make_run()
    html_path, md_path = write_report(run)
    assert (html_path, md_path) == (run / "report.html", run / "report.md")
    assert html_path.stat().st_size > 10_000 and md_path.stat().st_size > 1_000
    # Atomic writes leave no temporary files; the report is readable by others like any file.
    assert not [p for p in run.iterdir() if p.name.startswith(".")]
    mode = stat.S_IMODE(html_path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_html_is_self_contained_and_embeds_every_figure(make_run: RunFactory) -> None:
    html = _html(write_report(make_run())[0])
    for external in ("<script", "<link", 'src="http', "src='http", "url(", "@import"):
        assert external not in html
    images = IMG_RE.findall(html)
    assert len(images) == len(PNG_FIGURES) + 1  # every PNG plus the SVG-only figure
    assert html.count("<img ") == len(images)  # no image that is not a data: URI
    pngs = [base64.b64decode(data, validate=True) for mime, data in images if mime == "image/png"]
    assert len(pngs) == len(PNG_FIGURES)
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert [m for m, _ in images].count("image/svg+xml") == 1
    assert "ignored.png" not in html  # checkpoints/ is not part of the report
    # Characterization figures come before the accuracy ones, potentiation before depression.
    order = [html.index(n) for n in ("fig2d_cycles.png", "accuracy_repetitions.png",
                                     "accuracy_vs_time_potentiation.png", "accuracy_vs_time_depression.png",
                                     "sweep.png", "custom_plot.svg")]  # fmt: skip
    assert order == sorted(order)
    assert "Fig. 2(d)" in html and "Fig. 3(c, d)" in html and "Fig. 5(b)" in html


def test_html_shows_every_section_with_readable_numbers(make_run: RunFactory) -> None:
    html = _html(write_report(make_run())[0])
    for sid in (
        "summary",
        "characterization",
        "device",
        "accuracy",
        "sweep",
        "comparison",
        "config",
        "provenance",
    ):
        assert f'id="{sid}"' in html
    assert "INCOMPLETE RUN" not in html
    assert "98.07 %" in html  # digital
    assert "98.00 ± 0.05 %" in html and "loss 0.07 pt" in html  # potentiation, HWAT + GDC, 1 s
    assert "91.50 ± 0.05 %" in html and "loss 6.57 pt" in html  # potentiation baseline after 1 year
    for label in ("1 s", "1 day", "1 year", "HWAT + GDC", "baseline"):
        assert label in html
    # characterization with SI prefixes chosen per quantity
    for text in (
        "+81.08 µS",
        "-80.52 µS",
        "0.99898",
        "23.7 µS",
        "23.74 ± 1.26 nJ",
        "0.995 V",
        "3–18",
        "31 (4.95 bits)",
    ):
        assert text in html, text
    # device model key figures from device.toml
    assert "hfs2-xhameni2025" in html and "device-to-device spread of the step" in html and "30 %" in html
    # sweep and comparison
    assert "device.d2d" in html and "97.40 ± 0.10 %" in html
    assert "reram-wan2022" in html and "0.95" in html and "3.300" in html
    # config verbatim (escaped), provenance
    assert "times_s = [1.0, 86400.0, 31536000.0]" in html
    assert 'note = "a &lt; b &amp; c"' in html
    assert "2.13.0" in html and "9 min 00 s" in html and "31.2 s" in html and "n_test_images" in html
    assert "397510 weights on 795020 devices" in html and "10000 test images" in html
    assert "data.input_shape" in html and "1, 28, 28" in html


def test_markdown_has_tables_numbers_and_working_figure_links(make_run: RunFactory, tmp_path: Path) -> None:
    run = make_run()
    md = write_report(run)[1].read_text(encoding="utf-8")
    assert md.startswith("# memtwin report: mnist on hfs2-xhameni2025\n")
    assert "| time after programming | potentiation · baseline | potentiation · HWAT + GDC |" in md
    assert "| 1 s | 97.50 ± 0.05 %; loss 0.57 pt | 98.00 ± 0.05 %; loss 0.07 pt |" in md
    assert "| slope per pulse | +81.08 µS | -80.52 µS |" in md
    assert "| programming energy per cycle | 23.74 ± 1.26 nJ (over 100 cycles) |" in md
    assert "| reram-wan2022 | 98.07 | 97.12 | 3.300 | 0.95 |" in md
    assert re.search(r"^\| --- \| ---: \|", md, re.M)  # alignment rows: numbers right-aligned
    assert "[config.toml](config.toml)" in md and "[device.toml](device.toml)" in md
    assert "base64" not in md and "<img" not in md

    def links(text: str, base: Path) -> list[Path]:
        return [base / m for m in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)]

    figs = links(md, run)
    assert len(figs) == len(PNG_FIGURES) + 1 and all(p.is_file() for p in figs)
    assert "figures/accuracy_vs_time_potentiation.png" in md and "](fig2d_cycles.png)" in md

    # Written elsewhere, the links still point at the run's files.
    out = tmp_path / "elsewhere" / "reports"
    html_path, md_path = write_report(run, out)
    assert html_path.parent == out
    figs = links(md_path.read_text(encoding="utf-8"), out)
    assert figs and all(p.resolve().is_file() for p in figs)


@pytest.mark.parametrize("state", ["running", "failed", None])
def test_incomplete_run_gets_a_banner(make_run: RunFactory, state: str | None) -> None:
    html_path, md_path = write_report(make_run(state=state))
    html, md = _html(html_path), md_path.read_text(encoding="utf-8")
    assert '<div class="banner" role="alert"><strong>INCOMPLETE RUN</strong>' in html
    assert "> **INCOMPLETE RUN** —" in md
    if state is not None:
        assert f"status is '{state}'" in html and "2025-06-01T12:00:00+0000" in html
    else:
        assert "no status.json" in html
    assert html.index("INCOMPLETE RUN") < html.index('id="summary"')  # at the top, before any result


def test_missing_sections_are_omitted_with_a_note(make_run: RunFactory) -> None:
    run = make_run(without=("characterization.json", "device.toml", "config.toml", "figures", "png"))
    html = _html(write_report(run)[0])
    assert 'id="accuracy"' in html
    for sid in ("characterization", "device", "config", "other-figures"):
        assert f'id="{sid}"' not in html
    assert "Not in this run" in html
    for note in ("no characterization.json", "no device.toml", "no config.toml", "Figures: none found"):
        assert note in html
    assert "<img" not in html


def test_results_only_folder(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"analog": []}))
    html_path, md_path = write_report(tmp_path)
    html = _html(html_path)
    assert "results.json has no analog rows" in html
    assert "INCOMPLETE RUN" in html  # no status.json: nothing says the run finished
    assert md_path.read_text(encoding="utf-8").startswith("# memtwin report: ")


def test_characterization_only_folder(make_run: RunFactory) -> None:
    run = make_run(
        state=None,
        without=("config.toml", "results.json", "results.csv", "device.toml", "figures"),
    )
    html = _html(write_report(run)[0])
    assert "<title>memtwin characterization: hfs2-lab</title>" in html
    assert "INCOMPLETE RUN" not in html
    assert "this folder holds a characterization only" in html
    assert html.count("<img ") == 3  # Fig. 2 d-f


def test_broken_files_are_reported_not_raised(make_run: RunFactory) -> None:
    run = make_run()
    (run / "results.json").write_text("{ half-written")
    (run / "status.json").write_text("[]")
    (run / "device.toml").write_text("name = 3\n")
    (run / "figures" / "sweep.png").write_bytes(b"\x89PNG trunc")
    (run / "config.toml").write_text("task = \n")
    html = _html(write_report(run)[0])
    assert "results.json is not valid JSON" in html
    assert "status.json holds a list, not a JSON object" in html
    assert "device.toml could not be read as a device model" in html
    assert "figures/sweep.png is not a PNG image" in html
    assert "config.toml is not valid TOML" in html and "task = " in html
    # results.json unreadable: the rows come from results.csv, as numbers.
    assert "Read from results.csv" in html
    assert "98.00 ± 0.05 %" in html and "loss 0.07 pt" in html


def test_unknown_fields_are_shown(make_run: RunFactory) -> None:
    results = results_dict()
    results["analog"] = [
        dict(r, adc_bits=8, energy_J=2.5e-9) for r in results["analog"] if "parameter" not in r
    ]
    results["cluster"] = {"cpu": "x86", "cores": 2}
    del results["devices"]
    html = _html(write_report(make_run(results=results))[0])
    assert "adc bits" in html and "energy" in html and "2.5 nJ" in html
    assert "cluster" in html and '"cores": 2' in html
    assert 'id="comparison"' not in html


def test_rows_of_several_devices_get_a_column_each(make_run: RunFactory) -> None:
    results = results_dict()
    rows = [r for r in results["analog"] if "parameter" not in r and r["time_s"] == 1.0]
    results["analog"] = [dict(r, device=d) for d in ("hfs2", "reram") for r in rows]
    html = _html(write_report(make_run(results=results))[0])
    assert "hfs2 · potentiation · baseline" in html and "reram · depression · HWAT + GDC" in html


def test_text_from_the_run_is_escaped(make_run: RunFactory) -> None:
    results = results_dict()
    results["device"] = '<img src=x onerror="alert(1)">'
    html = _html(write_report(make_run(results=results))[0])
    assert "<img src=x" not in html
    assert '&lt;img src=x onerror="alert(1)"&gt;' in html


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "holds none of status.json"),
        (lambda p: (p / "notes.txt").write_text("hello"), "is not a memtwin run folder"),
        (lambda p: p.rmdir(), "no such folder"),
    ],
    ids=["empty", "other-files", "missing"],
)
def test_a_folder_that_is_not_a_run_is_refused(
    tmp_path: Path, setup: Callable[[Path], object], message: str
) -> None:
    folder = tmp_path / "not-a-run"
    folder.mkdir()
    setup(folder)
    with pytest.raises(ConfigError, match=message):
        write_report(folder)
    assert not (folder / "report.html").exists()


def test_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "results.json"
    f.write_text("{}")
    with pytest.raises(ConfigError, match="is a file, not a run folder"):
        write_report(f)


def test_an_out_that_is_a_file_is_refused(make_run: RunFactory, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        write_report(make_run(), target)


def test_read_run_lists_what_it_found(make_run: RunFactory) -> None:
    run = read_run(make_run(state="running"))
    assert run.state == "running" and run.is_experiment and not run.problems
    assert run.results is not None and run.results_source == "results.json"
    assert run.characterization is not None and list(run.characterization) == ["hfs2-lab"]
    assert "checkpoints/" in run.files and "report.html" not in run.files
    assert [f.path.name for f in run.figures][:3] == [
        "fig2d_cycles.png",
        "fig2e_linear_range.png",
        "fig2f_sigma.png",
    ]
