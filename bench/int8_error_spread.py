"""How far apart two INT8 models' errors can be by chance: the resolution of bench/zoo.sh's error column.

Two INT8 IRs of one model that differ only in a handful of weight codes (rounding of the last bit
of a scale) can still differ in their relative RMS logit error against FP32. This script measures
how much, on the held-out images bench/zoo.sh prepared:

  - spread: the reference INT8 IR (NNCF's) with FLIPS weight codes per quantized layer moved by
    one step, SEEDS times; the spread of its error is what a change of that size does by itself;
  - bootstrap: the images resampled BOOTSTRAP times; how often ours is at or below the reference,
    and the 5-95 % range of the ratio of the two errors.

Usage (bench venv): python bench/int8_error_spread.py runs/zoo vit_b_16 [--flips 5] [--seeds 5]
"""
import argparse
import json

import numpy as np


def logits_of(core, model, x, batch):
    import openvino as ov

    compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "THROUGHPUT"})
    queue = ov.AsyncInferQueue(compiled)
    out = [None] * ((len(x) + batch - 1) // batch)

    def keep(request, i):
        out[i] = request.get_output_tensor(0).data.copy()

    queue.set_callback(keep)
    for i in range(0, len(x), batch):
        queue.start_async({0: x[i:i + batch]}, i // batch)
    queue.wait_all()
    return np.concatenate(out)


def flip_codes(model, flips, rng):
    """Moves `flips` int8 weight codes of every compressed layer by one step (up or down, kept in range)."""
    import openvino as ov

    layers = 0
    for op in model.get_ordered_ops():
        if op.get_type_name() != "Constant" or op.get_element_type() != ov.Type.i8:
            continue
        codes = op.get_data().copy()
        flat = codes.reshape(-1)
        index = rng.choice(flat.size, size=min(flips, flat.size), replace=False)
        step = rng.choice([-1, 1], size=index.size).astype(np.int16)
        flat[index] = np.clip(flat[index].astype(np.int16) + step, -127, 127).astype(np.int8)
        replacement = ov.op.Constant(codes)
        for target in list(op.output(0).get_target_inputs()):
            target.replace_source_output(replacement.output(0))
        layers += 1
    return layers


def rel_rms(logits, reference):
    return float(np.sqrt(((logits - reference) ** 2).sum() / (reference ** 2).sum()))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("model")
    p.add_argument("--flips", type=int, default=5)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--bootstrap", type=int, default=2000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    a = p.parse_args()
    import openvino as ov

    base = f"{a.out}/{a.model}"
    x = np.load(f"{base}/eval.npy")
    core = ov.Core()
    core.set_property("CPU", {"INFERENCE_NUM_THREADS": a.threads})
    logits = {name: logits_of(core, core.read_model(f"{base}/{name}/{a.model}.xml"), x, a.batch)
              for name in ("fp32", "ours", "nncf")}
    reference = logits["fp32"]
    errors = {name: rel_rms(logits[name], reference) for name in ("ours", "nncf")}
    print(f"{a.model}: {len(x)} images; rel RMS error ours {errors['ours']:.5f}, nncf {errors['nncf']:.5f} "
          f"(ratio {errors['ours'] / errors['nncf']:.4f})")

    spread = []
    for seed in range(a.seeds):
        model = core.read_model(f"{base}/nncf/{a.model}.xml")
        layers = flip_codes(model, a.flips, np.random.default_rng(seed))
        spread.append(rel_rms(logits_of(core, model, x, a.batch), reference))
        print(f"  nncf with {a.flips} codes moved in each of {layers} layers, seed {seed}: {spread[-1]:.5f} "
              f"({spread[-1] / errors['nncf']:.4f} of unmoved)", flush=True)
    spread = np.array(spread) / errors["nncf"]

    rng = np.random.default_rng(0)
    sq = {name: ((logits[name] - reference) ** 2).sum(axis=1) for name in ("ours", "nncf")}
    ref_sq = (reference ** 2).sum(axis=1)
    ratios = []
    for _ in range(a.bootstrap):
        pick = rng.integers(0, len(x), len(x))
        ratios.append(np.sqrt(sq["ours"][pick].sum() / sq["nncf"][pick].sum()))
    ratios = np.array(ratios)
    summary = {
        "model": a.model, "images": int(len(x)), "errors": errors,
        "moved_codes_per_layer": a.flips, "moved_error_ratio_min": float(spread.min()),
        "moved_error_ratio_max": float(spread.max()),
        "bootstrap_ours_at_or_below": float((ratios <= 1.0).mean()),
        "bootstrap_ratio_5_95": [float(np.quantile(ratios, 0.05)), float(np.quantile(ratios, 0.95))],
    }
    print(f"  moving {a.flips} codes per layer changes NNCF's own error by a factor "
          f"{spread.min():.4f} to {spread.max():.4f} over {a.seeds} seeds")
    print(f"  bootstrap over images: ours at or below NNCF in {100 * summary['bootstrap_ours_at_or_below']:.1f} % "
          f"of {a.bootstrap} resamples; ratio 5-95 %: {summary['bootstrap_ratio_5_95'][0]:.4f} - "
          f"{summary['bootstrap_ratio_5_95'][1]:.4f}")
    with open(f"{base}/error_spread.json", "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
