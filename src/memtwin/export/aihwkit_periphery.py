"""A memtwin :class:`~memtwin.crossbar.periphery.Periphery` as AIHWKIT's ``forward`` (IOParameters) and
``mapping`` (MappingParameter) fields, the same for a pulsed and an inference tile.

**Converters.** AIHWKIT quantizes the input range [−inp_bound, inp_bound] (inp_bound = 1) in steps of
``inp_res · 2 · inp_bound`` (``detail::checkAndSetRes`` in ``rpu_pulsed_meta_parameter.cpp``), so
``inp_res = 1 / (2^b − 2)`` gives 2^(b−1) − 1 positive codes, memtwin's symmetric b-bit converter
(8 bit: 1/254, codes −127..127). The ADC likewise with ``out_res`` over ±``out_bound``. An ideal
converter is ``res = -1`` (AIHWKIT: ≤ 0 means no quantization), an ideal ADC also ``out_bound = 0``
(no clipping).

**IR drop.** ``ir_drop = 1`` is AIHWKIT's physical scale; ``ir_drop_g_ratio = 1 / (r_wire · g_max)``
with memtwin's wire resistance and the conductance its IR-drop model gives the top level
(``ir_drop_g_max_S``, else the device's own top level).
"""

from __future__ import annotations

from memtwin.crossbar.converters import half_codes
from memtwin.crossbar.periphery import Periphery
from memtwin.export.settings import Setting, fmt
from memtwin.siformat import si


def converter_res(bits: int | None) -> float:
    """AIHWKIT's ``inp_res`` / ``out_res`` of a symmetric b-bit converter (-1: ideal)."""
    return -1.0 if bits is None else 1.0 / (2 * half_codes(bits))


def forward_fields(periphery: Periphery, g_top_S: float) -> tuple[Setting, ...]:
    """``rpu_config.forward`` fields of ``periphery``; ``g_top_S`` is the device's top level."""
    out = [_res_setting("inp_res", "DAC", periphery.dac_bits)]
    out.append(_res_setting("out_res", "ADC", periphery.adc_bits))
    if periphery.adc_bits is None:
        out.append(Setting("out_bound", 0.0, "ideal ADC: no output clipping (AIHWKIT: ≤ 0 means none)"))
    out.append(Setting("out_noise", 0.0, "memtwin draws no output noise here (AIHWKIT's default: 0.06)"))
    out.extend(_ir_drop_fields(periphery, g_top_S))
    return tuple(out)


def _res_setting(name: str, what: str, bits: int | None) -> Setting:
    if bits is None:
        return Setting(name, -1.0, f"ideal {what}: no quantization")
    codes = half_codes(bits)
    return Setting(name, converter_res(bits), f"{bits}-bit {what}: 1/(2·(2^{bits - 1} - 1)) = 1/{2 * codes}")


def _ir_drop_fields(periphery: Periphery, g_top_S: float) -> list[Setting]:
    if not periphery.ir_drop:
        return [Setting("ir_drop", 0.0, "ideal wires")]
    g_max = periphery.ir_drop_g_max_S or g_top_S
    ratio = 1.0 / (periphery.wire_resistance_ohm * g_max)
    source = "ir_drop_g_max_S" if periphery.ir_drop_g_max_S else "the device's top level"
    return [
        Setting("ir_drop", 1.0, "AIHWKIT's physical IR-drop scale"),
        Setting(
            "ir_drop_g_ratio",
            ratio,
            f"1 / (r_wire · g_max) = 1 / ({periphery.wire_resistance_ohm:g} Ω · {si(g_max, 'S')}) "
            f"= {fmt(ratio)}, g_max from {source}",
        ),
    ]


def mapping_fields(periphery: Periphery) -> tuple[Setting, ...]:
    """``rpu_config.mapping`` fields: weight scaling onto the device range and the tile size."""
    return (
        Setting("weight_scaling_omega", 1.0, "the largest |weight| maps to the device's full range"),
        Setting(
            "weight_scaling_columnwise", True, "one weight scale per column, as memtwin's default mapping"
        ),
        _tile_setting("max_input_size", periphery.tile_rows, "rows (inputs)"),
        _tile_setting("max_output_size", periphery.tile_cols, "columns (outputs)"),
    )


def _tile_setting(name: str, size: int | None, what: str) -> Setting:
    if size is None:
        return Setting(name, 0, f"no tile limit on {what} (AIHWKIT: 0)")
    return Setting(name, size, f"tile {what}")


def periphery_limits(periphery: Periphery) -> tuple[str, ...]:
    """What of ``periphery`` AIHWKIT's forward pass does not hold."""
    out = [
        "converter calibration: memtwin calibrates DAC/ADC full scale on the first training batches; "
        "AIHWKIT scales each input vector by its absolute maximum (noise management ABS_MAX) and clips "
        "outputs at out_bound, retrying with smaller inputs (bound management ITERATIVE)",
        "weight 0: memtwin maps it to the bottom of the device's range (every cell carries current, which "
        "IR drop sees); AIHWKIT maps it to 0 S",
    ]
    if periphery.output_noise_rel:
        out.append(f"output_noise_rel = {periphery.output_noise_rel:g} (relative to the calibrated range)")
    if periphery.dac_percentile != 100.0 or periphery.adc_percentile != 100.0:
        out.append("converter percentiles other than 100")
    if periphery.column_calibration:
        out.append("column calibration (one digital gain per tile column)")
    return tuple(out)
