from memtwin.characterization.plots import FIGURES, plot_characterization


def test_figures_are_written(example_table, example_result, tmp_path):
    paths = plot_characterization(example_table, example_result, tmp_path / "figs")
    assert {p.name for p in paths} == {f"{s}.{e}" for s in FIGURES for e in ("png", "svg")}
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
    assert "µS" in (tmp_path / "figs" / "fig2e_linear_range.svg").read_text(encoding="utf-8")


def test_sub_nanosiemens_device_is_plotted_in_ps_and_tall_sigmas_stay_in_view(make_table, tmp_path):
    import numpy as np

    from memtwin.characterization import LinearRangeCriteria, characterize
    from memtwin.characterization.plots import sigma_axis_top

    rng = np.random.default_rng(0)
    up = 1e-10 + 2e-11 * np.arange(12)  # 0.1 nS + 20 pS per pulse: 0.000 in µS
    pot = up + 3e-11 * rng.standard_normal((20, 12))  # σ 30 pS > the 20 pS step
    dep = up[::-1] + 3e-11 * rng.standard_normal((20, 12))
    table = make_table(pot, dep)
    result = characterize(table, LinearRangeCriteria(k_sigma=0.0, min_r2=0.9))
    plot_characterization(table, result, tmp_path)
    svg = (tmp_path / "fig2d_cycles.svg").read_text(encoding="utf-8")
    assert "conductance G (pS)" in svg and "µS" not in svg  # 100–320 pS reads as 100–320
    assert "(pS)" in (tmp_path / "fig2f_sigma.svg").read_text(encoding="utf-8")
    tallest = max(max(ph.level_sigmas_S) for ph in (result.potentiation, result.depression))
    assert tallest > result.potentiation.bin_width_S  # the case the old axis (1.35 x bin width) cut off
    assert sigma_axis_top(result) > tallest
