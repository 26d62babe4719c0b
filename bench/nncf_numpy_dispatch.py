"""NNCF's INT8 IR depends on which SIMD code numpy dispatches to; ours does not. This script shows it.

NNCF computes SmoothQuant's scales, max|X|^alpha / max|W|^(1-alpha), with numpy's float32 power.
On a CPU with AVX-512, numpy 2.x takes a vectorised power that differs from the C library's powf in
the last bit for about a fifth of the inputs; on other CPUs (or with those features disabled) numpy
calls powf, as torchvino does. After a bench/zoo.sh run this script quantizes the model with NNCF
once more, with numpy's AVX-512 paths disabled (NPY_DISABLE_CPU_FEATURES), on the same FP32 IR and
calibration tensors, and compares the three INT8 IRs (ours, NNCF as zoo.sh ran it, NNCF without
AVX-512 numpy): constants that differ, weight codes that differ, and the relative RMS logit error
against FP32 on the held-out images. It answers whether a gap in the error column is an algorithm
difference or the last bit of a power.

Usage (bench venv): python bench/nncf_numpy_dispatch.py runs/zoo vit_b_16 [--model-type transformer]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from int8_error_spread import logits_of, rel_rms  # noqa: E402

NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"


def constants(model):
    import openvino as ov

    return [(op.get_element_type(), op.get_data()) for op in model.get_ordered_ops()
            if op.get_type_name() == "Constant" and op.get_element_type() in (ov.Type.i8, ov.Type.f32)]


def compare(a, b):
    """Constants and int8 weight codes that differ between two IRs of the same structure."""
    types_a = [op.get_type_name() for op in a.get_ordered_ops()]
    types_b = [op.get_type_name() for op in b.get_ordered_ops()]
    if types_a != types_b:
        return {"same_structure": False}
    import openvino as ov

    row = {"same_structure": True, "constants": 0, "constants_differing": 0, "f32_elements_differing": 0,
           "f32_max_relative_difference": 0.0, "int8_codes": 0, "int8_codes_differing": 0}
    for (type_a, x), (_, y) in zip(constants(a), constants(b)):
        row["constants"] += 1
        if x.shape != y.shape:
            return {"same_structure": False}
        differ = x != y
        if differ.any():
            row["constants_differing"] += 1
        if type_a == ov.Type.i8:
            row["int8_codes"] += int(x.size)
            row["int8_codes_differing"] += int(differ.sum())
        else:
            row["f32_elements_differing"] += int(differ.sum())
            if differ.any():
                rel = np.abs(x[differ] - y[differ]) / np.maximum(np.abs(y[differ]), 1e-30)
                row["f32_max_relative_difference"] = max(row["f32_max_relative_difference"], float(rel.max()))
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("model")
    p.add_argument("--model-type", choices=("cnn", "transformer"), default="transformer")
    p.add_argument("--subset-size", type=int, default=300)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    a = p.parse_args()
    base = f"{a.out}/{a.model}"
    for need in (f"{base}/fp32/{a.model}.xml", f"{base}/ours/{a.model}.xml", f"{base}/nncf/{a.model}.xml",
                 f"{base}/calibration.npy", f"{base}/eval.npy"):
        if not os.path.exists(need):
            sys.exit(f"nncf_numpy_dispatch: missing {need}: run bash bench/zoo.sh {a.out} {a.model} first")

    scalar_xml = f"{base}/nncf-no-avx512-numpy/{a.model}.xml"
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=NO_AVX512)
    probe = subprocess.run([sys.executable, "-c", "import numpy as np; np.show_runtime()"], env=env,
                           capture_output=True, text=True, check=True).stdout
    found = probe.split("'found':", 1)[1].split("]", 1)[0] if "'found':" in probe else "?"
    print(f"{a.model}: NNCF again with NPY_DISABLE_CPU_FEATURES='{NO_AVX512}' (numpy then finds {found}])",
          flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "nncf_quantize.py"),
                    f"{base}/fp32/{a.model}.xml", scalar_xml, "--calibration", f"{base}/calibration.npy",
                    "--subset-size", str(a.subset_size), "--model-type", a.model_type],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  quantized in {time.perf_counter() - t:.1f} s", flush=True)

    import openvino as ov

    core = ov.Core()
    core.set_property("CPU", {"INFERENCE_NUM_THREADS": a.threads})
    xmls = {"fp32": f"{base}/fp32/{a.model}.xml", "ours": f"{base}/ours/{a.model}.xml",
            "nncf": f"{base}/nncf/{a.model}.xml", "nncf-no-avx512-numpy": scalar_xml}
    models = {name: core.read_model(xml) for name, xml in xmls.items()}
    x = np.load(f"{base}/eval.npy")
    reference = logits_of(core, models["fp32"], x, a.batch)
    summary = {"model": a.model, "images": int(len(x)), "npy_disable_cpu_features": NO_AVX512,
               "errors": {}, "pairs": {}}
    for name in ("ours", "nncf", "nncf-no-avx512-numpy"):
        summary["errors"][name] = rel_rms(logits_of(core, models[name], x, a.batch), reference)
        print(f"  rel RMS error {name:<22} {summary['errors'][name]:.5f}", flush=True)
    for left, right in (("ours", "nncf"), ("ours", "nncf-no-avx512-numpy"), ("nncf", "nncf-no-avx512-numpy")):
        row = compare(models[left], models[right])
        summary["pairs"][f"{left} vs {right}"] = row
        if not row["same_structure"]:
            print(f"  {left} vs {right}: graphs differ in structure")
            continue
        print(f"  {left} vs {right}: {row['constants_differing']} of {row['constants']} constants differ "
              f"({row['f32_elements_differing']} f32 elements, largest relative difference "
              f"{row['f32_max_relative_difference']:.1e}; {row['int8_codes_differing']} of {row['int8_codes']} "
              f"int8 weight codes)")
    with open(f"{base}/numpy_dispatch.json", "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
