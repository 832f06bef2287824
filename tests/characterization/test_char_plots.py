from memtwin.characterization.plots import FIGURES, plot_characterization


def test_figures_are_written(example_table, example_result, tmp_path):
    paths = plot_characterization(example_table, example_result, tmp_path / "figs")
    assert {p.name for p in paths} == {f"{s}.{e}" for s in FIGURES for e in ("png", "svg")}
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
    assert "µS" in (tmp_path / "figs" / "fig2e_linear_range.svg").read_text(encoding="utf-8")
