"""Peer cross-check: memtwin against IBM AIHWKIT on the same trained network (issue 14).

    python benchmarks/peer_aihwkit.py --data-dir DIR [--out FILE] [--weights FILE] [--quick] [--seeds N]
                                      [--switches]

Runs only where ``aihwkit`` imports (it is not a memtwin dependency, and this is not part of CI); see
``../shared/peers/aihwkit.md`` for building it. The paper's MNIST MLP (784-500-10) is trained digitally
once in memtwin (or loaded from ``--weights``, cached there), then the same weights go through both
simulators, ``SEEDS`` programmings each, on the full test set:

(a) the ``exact`` write on a pulsed tile, device-to-device variation 0 ... 50 %, 8-bit DAC/ADC, no IR
    drop, no tile limit. memtwin: ``hfs2-xhameni2025`` with ``with_d2d``; AIHWKIT: the
    ``SingleRPUConfig(ConstantStepDevice)`` that ``memtwin export aihwkit --kind pulsed`` writes.
(b) continuous weights (exact write, d2d 0) under the Wan et al. (2022) ReRAM drift at 1 s, 1 day and
    2 days with global drift compensation. memtwin: drift ``reram-wan2022``; AIHWKIT: the
    ``InferenceRPUConfig`` with ``ReRamWan2022NoiseModel(g_max=40)`` that ``--kind inference`` writes.

Both AIHWKIT configurations have ``mapping.weight_scaling_columnwise = True`` (set by the export:
memtwin scales weights per column). Agreement: |mean_m - mean_a| <= 2 sqrt(s_m^2/n + s_a^2/n), two standard errors of the
difference of the two means (the draws of the two simulators are independent). ``--switches`` adds
what explains the differences: accuracies with one setting changed on one side, the first layer's
weight errors (the write and the drift without converters), the logit errors of the converters alone
and how far AIHWKIT's output bound lies below the layer outputs. Results: Markdown on stdout and JSON
at ``--out``; ``docs/protocol.md`` ("Cross-check against AIHWKIT") has a full run and its reading.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import json
import math
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

import memtwin
from memtwin.crossbar import Periphery, convert, exact
from memtwin.devices import preset
from memtwin.devices.transforms import with_d2d
from memtwin.experiments.evaluate import CALIBRATION_BATCH, calibrate
from memtwin.export import aihwkit_module
from memtwin.tasks import load_task
from memtwin.tasks.networks import build_network
from memtwin.training import default_train_config, load_model_weights, train

DEVICE = "hfs2-xhameni2025"
MODE = "potentiation"
SEEDS = 5
D2D = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
TIMES_S = (1.0, 86_400.0, 172_800.0)
PERIPHERY = Periphery(dac_bits=8, adc_bits=8, write="exact", calibration_batches=3)
QUICK_SEEDS, QUICK_D2D, QUICK_TEST = 3, (0.0, 0.3, 0.5), 2000


def require_aihwkit() -> str:
    """AIHWKIT's version, or exit with a clear message where it does not import."""
    try:
        import aihwkit
        from aihwkit.nn.conversion import convert_to_analog  # noqa: F401
    except ImportError as exc:
        sys.exit(
            f"peer_aihwkit: aihwkit does not import here ({exc}); build it as ../shared/peers/aihwkit.md says"
        )
    return str(aihwkit.__version__)


# ----------------------------------------------------------------------------------------- network
def trained_network(data, weights: Path, epochs: int) -> nn.Module:
    """The digital MLP: loaded from ``weights`` (state_dict or memtwin checkpoint), else trained and saved."""
    net = build_network("mnist")
    if weights.is_file():
        load_model_weights(net, weights)
        print(f"weights: {weights}")
    else:
        config = default_train_config("mnist").replace(epochs=epochs)
        train(net, data, config, torch_device="cpu", progress=False)
        weights.parent.mkdir(parents=True, exist_ok=True)
        torch.save(net.state_dict(), weights)
        print(f"weights: trained {epochs} epochs, saved to {weights}")
    return net.eval()


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy (%); (R, B, C) logits are averaged over the R chips."""
    return 100.0 * (logits.argmax(-1) == labels).float().mean().item()


def digital_accuracy(net: nn.Module, data) -> float:
    with torch.no_grad():
        return accuracy(net(data.test_x), data.test_y)


# ----------------------------------------------------------------------------------------- memtwin
def memtwin_runs(net, data, device, seeds: int, times=None, periphery: Periphery = PERIPHERY) -> dict:
    """memtwin accuracies: {time: [one per programming]} (time None: just programmed, no drift)."""
    analog = convert(net, device, periphery, mode=MODE).eval()
    out: dict = {t: [] for t in (times or (None,))}
    for seed in range(seeds):
        analog.program(seed=seed, repetitions=1)
        calibrate(analog, data, periphery.calibration_batches)
        for t in out:
            if t is not None:
                analog.drift_to(t)
            with torch.no_grad():
                out[t].append(accuracy(analog(data.test_x), data.test_y))
    return out


# ----------------------------------------------------------------------------------------- aihwkit
def aihwkit_config(device, kind: str, periphery: Periphery = PERIPHERY):
    """The rpu_config that ``memtwin export aihwkit`` writes for ``device`` and ``periphery``."""
    namespace: dict = {}
    exec(aihwkit_module(device, periphery, kind=kind), namespace)  # noqa: S102 - our own generated code
    return namespace["rpu_config"]()


def aihwkit_pulsed(net, data, config, seeds: int) -> list[float]:
    """AIHWKIT pulsed tile: each programming a fresh conversion with its own device draws."""
    from aihwkit.nn.conversion import convert_to_analog

    accs = []
    for seed in range(seeds):
        config.device.construction_seed = seed + 1  # 0 would mean "unseeded"
        torch.manual_seed(seed)
        model = convert_to_analog(copy.deepcopy(net), config).eval()
        with torch.no_grad():
            accs.append(accuracy(model(data.test_x), data.test_y))
    return accs


def aihwkit_inference(net, data, config, seeds: int, times: tuple[float, ...]) -> dict:
    """AIHWKIT inference tile: program once per repetition, then drift to each time (compensated)."""
    from aihwkit.nn.conversion import convert_to_analog

    out: dict = {t: [] for t in times}
    for seed in range(seeds):
        torch.manual_seed(seed)
        model = convert_to_analog(copy.deepcopy(net), config).eval()
        model.program_analog_weights()
        for t in times:
            model.drift_analog_weights(t)
            with torch.no_grad():
                out[t].append(accuracy(model(data.test_x), data.test_y))
    return out


# ----------------------------------------------------------------------------------------- table
def mean_std(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0


def compare(part: str, condition: str, ours: list[float], peer: list[float]) -> dict:
    """One row: both means ± std, the difference and whether it lies within 2 σ of the difference."""
    (m1, s1), (m2, s2) = mean_std(ours), mean_std(peer)
    sigma = math.sqrt(s1**2 / len(ours) + s2**2 / len(peer))
    diff = m1 - m2
    row: dict[str, object] = {"part": part, "condition": condition, "memtwin": ours, "aihwkit": peer}
    row |= {"memtwin_mean": m1, "memtwin_std": s1, "aihwkit_mean": m2, "aihwkit_std": s2}
    return row | {"diff": diff, "sigma_diff": sigma, "agree": abs(diff) <= 2.0 * sigma + 1e-9}


def escape(text: str) -> str:
    """``text`` for a Markdown table cell."""
    return text.replace("|", "\\|")


def markdown(rows: list[dict]) -> str:
    lines = [
        "| part | condition | memtwin (%) | AIHWKIT (%) | difference | 2σ of diff. | agree |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['part']} | {escape(r['condition'])} | {r['memtwin_mean']:.2f} ± {r['memtwin_std']:.2f} "
            f"| {r['aihwkit_mean']:.2f} ± {r['aihwkit_std']:.2f} | {r['diff']:+.2f} "
            f"| {2 * r['sigma_diff']:.2f} | {'yes' if r['agree'] else '**no**'} |"
        )
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------- parts
def part_a(net, data, seeds: int, d2d_values, periphery: Periphery = PERIPHERY, label="") -> list[dict]:
    """(a) exact write on a pulsed tile against device-to-device variation."""
    rows = []
    for d2d in d2d_values:
        device = with_d2d(preset(DEVICE), d2d)
        ours = memtwin_runs(net, data, device, seeds, periphery=periphery)[None]
        peer = aihwkit_pulsed(net, data, aihwkit_config(device, "pulsed", periphery), seeds)
        rows.append(compare("a", f"d2d {d2d:.0%}{label}", ours, peer))
        print(markdown(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def part_b(net, data, seeds: int, drift="reram-wan2022", label="", peer=None) -> tuple[list[dict], dict]:
    """(b) continuous weights under the Wan2022 ReRAM drift, globally compensated; memtwin's drift
    model ``drift`` against AIHWKIT's ``peer`` accuracies (run here when not given)."""
    device = with_d2d(preset(DEVICE, drift=drift), 0.0)
    ours = memtwin_runs(net, data, device, seeds, TIMES_S)
    if peer is None:
        config = aihwkit_config(with_d2d(preset(DEVICE, drift="reram-wan2022"), 0.0), "inference")
        peer = aihwkit_inference(net, data, config, seeds, TIMES_S)
    rows = [compare("b", f"{_time(t)}{label}", ours[t], peer[t]) for t in TIMES_S]
    print("\n".join(markdown(rows).splitlines()[2:]), flush=True)
    return rows, peer


def _time(t: float) -> str:
    return {1.0: "1 s", 86_400.0: "1 day", 172_800.0: "2 days"}[t]


@contextlib.contextmanager
def aihwkit_bound_rule():
    """memtwin's exact write with AIHWKIT's per-device bound |1 + β| (``enforce_consistency``) instead of
    memtwin's max(1 + β, 0.01); the two differ only for draws β < -1 (2.3 % of devices at 50 %)."""
    original = exact.saturate

    def reflected(delta_S, table, bound):
        return original(delta_S, table, None if bound is None else (1.0 + bound).abs() - 1.0)

    exact.saturate = reflected
    try:
        yield
    finally:
        exact.saturate = original


def switches(net, data, seeds: int, peer_b: dict) -> list[dict]:
    """One setting changed at a time, to explain the differences (docs/protocol.md)."""
    ideal = Periphery(write="exact")
    rows = part_a(net, data, seeds, (0.0, 0.2), ideal, ", ideal DAC/ADC (both)")
    rows += part_a(net, data, seeds, (0.2,), replace(PERIPHERY, dac_bits=None), ", ideal DAC (both)")
    rows += part_a(net, data, seeds, (0.2,), replace(PERIPHERY, adc_bits=None), ", ideal ADC (both)")
    with aihwkit_bound_rule():
        rows += part_a(net, data, seeds, (0.5,), label=", memtwin bound |1+β|")
    total = {"kind": "reram-wan2022", "spread": "total"}
    rows += part_b(net, data, seeds, total, ", memtwin spread 'total'", peer_b)[0]
    redraw = {"kind": "reram-wan2022-aihwkit", "g_ref_S": 40e-6}
    rows += part_b(net, data, seeds, redraw, ", memtwin 'reram-wan2022-aihwkit' at 40 µS", peer_b)[0]
    return rows


# ----------------------------------------------------------------------------------------- weights
def relative_error(w: torch.Tensor, target: torch.Tensor) -> float:
    """Relative RMS error (%) of ``w`` against ``target``."""
    return 100.0 * ((w - target).norm() / target.norm()).item()


def memtwin_weight_errors(net, device, seeds: int, t: float | None) -> list[float]:
    """Relative RMS error of the first layer's weights as memtwin programs (and drifts) them."""
    analog = convert(net, device, PERIPHERY, mode=MODE).eval()
    layer = next(layer for _, layer in analog.analog_layers())
    errors = []
    for seed in range(seeds):
        analog.program(seed=seed, repetitions=1)
        if t is not None:
            analog.drift_to(t)
        w = layer.array.w_eff[0] * layer.array.out_factor()[:, None]
        errors.append(relative_error(w, net[1].weight.detach()))
    return errors


def aihwkit_weight_errors(net, config, seeds: int, t: float | None, undo_rescale=False) -> list[float]:
    """The same for AIHWKIT (pulsed tile: t None; inference tile: programmed, then drifted to t).
    ``undo_rescale``: divide the drifted weights by max|programmed| / max|target| of the tile, the factor
    by which AIHWKIT 1.2.0's ReRamWan2022 drift rescales them (docs/protocol.md)."""
    from aihwkit.nn.conversion import convert_to_analog

    errors = []
    for seed in range(seeds):
        if t is None:
            config.device.construction_seed = seed + 1
        torch.manual_seed(seed)
        model = convert_to_analog(copy.deepcopy(net), config).eval()
        tile = next(model[1].analog_tiles())
        factor = 1.0
        if t is not None:
            target_max = tile.get_weights(apply_weight_scaling=False)[0].abs().max()
            model.program_analog_weights()
            programmed_max = tile.get_weights(apply_weight_scaling=False)[0].abs().max()
            factor = (programmed_max / target_max).item() if undo_rescale else 1.0
            model.drift_analog_weights(t)
        w = tile.get_weights(apply_weight_scaling=True)[0] / factor
        errors.append(relative_error(w, net[1].weight.detach()))
    return errors


def weight_errors(net, seeds: int) -> list[dict]:
    """First-layer weight errors (relative RMS, %), before any converter: the write and the drift alone."""
    rows = []
    bound = ", memtwin bound |1+β|"
    for d2d, label in ((0.1, ""), (0.3, ""), (0.3, bound), (0.5, ""), (0.5, bound)):
        device = with_d2d(preset(DEVICE), d2d)
        with aihwkit_bound_rule() if label else contextlib.nullcontext():
            ours = memtwin_weight_errors(net, device, seeds, None)
        peer = aihwkit_weight_errors(net, aihwkit_config(device, "pulsed"), seeds, None)
        rows.append(compare("a", f"d2d {d2d:.0%}: weight error{label}", ours, peer))
    config = aihwkit_config(with_d2d(preset(DEVICE, drift="reram-wan2022"), 0.0), "inference")
    redraw = {"kind": "reram-wan2022-aihwkit", "g_ref_S": 40e-6}
    for drift, undo, label in (
        ("reram-wan2022", False, ""),
        (redraw, True, ", both redraw around target, AIHWKIT rescale undone"),
    ):
        device = with_d2d(preset(DEVICE, drift=drift), 0.0)
        for t in TIMES_S:
            ours = memtwin_weight_errors(net, device, seeds, t)
            peer = aihwkit_weight_errors(net, config, seeds, t, undo_rescale=undo)
            rows.append(compare("b", f"{_time(t)}: weight error{label}", ours, peer))
    return rows


def converter_errors(net, data) -> list[dict]:
    """Relative RMS error (%) of the logits against the digital network's, d2d 0 (no device error, one
    deterministic programming each): both converters, the ADC alone, the DAC alone."""
    from aihwkit.nn.conversion import convert_to_analog

    with torch.no_grad():
        digital = net(data.test_x)
    device = with_d2d(preset(DEVICE), 0.0)
    rows = []
    for label, dac, adc in (("8-bit DAC and ADC", 8, 8), ("ADC alone", None, 8), ("DAC alone", 8, None)):
        periphery = replace(PERIPHERY, dac_bits=dac, adc_bits=adc)
        analog = convert(net, device, periphery, mode=MODE).eval().program(seed=0)
        calibrate(analog, data, periphery.calibration_batches)
        peer = convert_to_analog(copy.deepcopy(net), aihwkit_config(device, "pulsed", periphery)).eval()
        with torch.no_grad():
            ours, theirs = (
                relative_error(analog(data.test_x), digital),
                relative_error(peer(data.test_x), digital),
            )
        rows.append(compare("a", f"d2d 0%, {label}: logit error", [ours], [theirs]))
    return rows


def converter_ranges(net, data, out_bound: float = 12.0) -> dict:
    """How each simulator's converters meet the data (digital weights and activations). DAC: memtwin's
    calibrated full scale (largest |input| of the calibration images) against a test image's own
    largest |input|, AIHWKIT's scale. ADC: each test image's largest |output| in AIHWKIT's units (inputs
    divided by their absolute maximum, weights by their column's), and the share of images whose inputs
    AIHWKIT's bound management halves k times to bring every output within ``out_bound``."""
    calibration = data.train_x[: PERIPHERY.calibration_batches * CALIBRATION_BATCH].flatten(1)
    out = {}
    for name, index in (("layer 1", 1), ("layer 2", 3)):
        with torch.no_grad():
            inp, cal = (net[:index](t).flatten(1) for t in (data.test_x, calibration))
        w = net[index].weight.detach()
        image_max = inp.abs().amax(1, keepdim=True).clamp(min=1e-12)
        peak = ((inp / image_max) @ (w / w.abs().amax(1, keepdim=True)).T).abs().amax(1)
        halvings = torch.ceil(torch.log2(peak / out_bound)).clamp(min=0)
        out[name] = {
            "memtwin DAC full scale": cal.abs().max().item(),
            "median image max |input|": image_max.median().item(),
            "median peak output (AIHWKIT units)": peak.median().item(),
        } | {f"halved {int(k)}x": (halvings == k).float().mean().item() for k in halvings.unique()}
    return out


# ----------------------------------------------------------------------------------------- main
def settings(aihwkit_version: str, args, seeds: int, n_test: int) -> dict:
    device = preset(DEVICE, drift="reram-wan2022")
    pulsed = aihwkit_config(with_d2d(device, 0.3), "pulsed")
    return {
        "aihwkit": aihwkit_version,
        "memtwin": memtwin.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": DEVICE,
        "mode": MODE,
        "variability (d2d replaced per row)": str(device.variability),
        "drift (b)": str(device.drift),
        "periphery": str(PERIPHERY),
        "programmings": seeds,
        "test images": n_test,
        "weights": str(args.weights),
        "aihwkit pulsed config (d2d 30 %)": str(pulsed),
        "aihwkit inference config": str(aihwkit_config(with_d2d(device, 0.0), "inference")),
        "aihwkit forward, every field (both configs)": _all_fields(pulsed.forward),
        "aihwkit mapping, every field (both configs)": _all_fields(pulsed.mapping),
        "aihwkit pulsed device, every field": _all_fields(pulsed.device),
    }


def _all_fields(parameters) -> dict:
    """Every field of an AIHWKIT parameter dataclass, defaults included (its repr shows only changes)."""
    return {f.name: str(getattr(parameters, f.name)) for f in dataclasses.fields(parameters)}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path, help="folder with the MNIST IDX files")
    out = Path("runs/peer-aihwkit/peer_aihwkit.json")
    parser.add_argument("--out", type=Path, default=out, help=f"JSON results (default {out})")
    parser.add_argument(
        "--weights", type=Path, help="digital weights (default: next to --out; trained if absent)"
    )
    parser.add_argument("--epochs", type=int, default=5, help="digital training epochs when training")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SEEDS} programmings, d2d {QUICK_D2D}, {QUICK_TEST} test images",
    )
    parser.add_argument("--seeds", type=int, help=f"programmings per condition (default {SEEDS})")
    parser.add_argument("--switches", action="store_true", help="add the one-setting-at-a-time rows")
    args = parser.parse_args(argv)
    args.weights = args.weights or args.out.parent / "mnist-mlp-digital.pt"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    version = require_aihwkit()
    start = time.perf_counter()
    torch.set_num_threads(min(torch.get_num_threads(), 2))
    data = load_task("mnist", data_dir=args.data_dir)
    seeds, d2d = (QUICK_SEEDS, QUICK_D2D) if args.quick else (SEEDS, D2D)
    seeds = args.seeds or seeds
    if args.quick:
        data = replace(data, test_x=data.test_x[:QUICK_TEST], test_y=data.test_y[:QUICK_TEST])
    net = trained_network(data, args.weights, args.epochs)
    info = settings(version, args, seeds, len(data.test_y))
    info["digital accuracy (%)"] = digital_accuracy(net, data)
    for key, value in info.items():
        print(f"{key}: {value}")
    rows = part_a(net, data, seeds, d2d)
    rows_b, peer_b = part_b(net, data, seeds)
    rows += rows_b
    extra = switches(net, data, seeds, peer_b) if args.switches else []
    weights = weight_errors(net, seeds) + converter_errors(net, data) if args.switches else []
    if args.switches:
        info["converter ranges"] = converter_ranges(net, data)
        print(f"converter ranges: {info['converter ranges']}")
    info["wall seconds"] = time.perf_counter() - start
    print(f"\naccuracy (%):\n\n{markdown(rows)}\n")
    if extra:
        print(f"accuracy (%), one setting changed:\n\n{markdown(extra)}\n")
        print(f"relative RMS errors (%), first layer's weights and logits:\n\n{markdown(weights)}\n")
    print(f"wall time {info['wall seconds']:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"settings": info, "rows": rows, "switches": extra, "weight_errors": weights}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
