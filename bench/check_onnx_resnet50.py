"""Checks a bench/onnx_resnet50.sh run: the IR torchvino made from PyTorch's ONNX export against
PyTorch's own logits (OpenVINO Python API, f32 inference precision), 8-bit execution and speed
(torchvino eval --json, medians). Exits 1 if a target is missed. Runs in .venv-bench.
"""
import argparse
import glob
import json
import os
import statistics
from datetime import date

import numpy as np
import openvino as ov

from targets import Targets, cpu

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, required=True)
ap.add_argument("--requests", type=int, required=True)
a = ap.parse_args()

x = np.load(os.path.join(a.out, "input.npy"))
ref = np.load(os.path.join(a.out, "logits.npy"))
core = ov.Core()


def logits(mode):
    model = core.read_model(os.path.join(a.out, mode, "resnet50.xml"))
    compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32",
                                                 "INFERENCE_NUM_THREADS": a.threads})
    return compiled(x)[0]


speed = {}
for path in glob.glob(os.path.join(a.out, "speed", "*.json")):
    speed.setdefault(os.path.basename(path).rsplit("_r", 1)[0], []).append(json.load(open(path)))


def median(mode, field):
    return statistics.median(r[field] for r in speed[mode])


targets = Targets()
fp32, int8 = logits("fp32"), logits("int8")
rel = float(np.abs(fp32 - ref).max() / np.abs(ref).max())
targets.check("fp32 IR vs PyTorch: max |dlogit| <= 1e-4 x max |logit|", f"{rel:.2e}", rel <= 1e-4)
agree = float((int8.argmax(1) == ref.argmax(1)).mean())
rel8 = float(np.abs(int8 - ref).max() / np.abs(ref).max())
layers = speed["int8"][0].get("executed_layers", [])
not8 = [l["name"] for l in layers if l["precision"] not in ("u8", "i8")]
targets.check("int8: every conv/FC executes in 8 bits", f"{len(layers) - len(not8)}/{len(layers)}",
              bool(layers) and not not8)
ratio = median("int8", "throughput") / median("fp32", "throughput")
targets.check(f"int8 / fp32 throughput (batch {a.batch}, {a.requests} requests) >= 2.5", f"{ratio:.2f}x", ratio >= 2.5)
size = {m: os.path.getsize(os.path.join(a.out, m, "resnet50.bin")) for m in ("fp32", "int8")}

print(f"\ntorchvision resnet50 (seeded random weights) exported to ONNX by PyTorch, converted and quantized "
      f"by torchvino; {a.threads} threads, {date.today()}, {cpu()}; OpenVINO {ov.get_version()}\n")
print(f"| IR | weights (.bin) | batch {a.batch}, {a.requests} requests: images/s | vs PyTorch's logits |")
print("|---|---:|---:|---|")
print(f"| fp32 | {size['fp32'] / 2**20:.1f} MB | {median('fp32', 'throughput'):.1f} | max |dlogit| {rel:.1e} of max |logit| |")
print(f"| int8 | {size['int8'] / 2**20:.1f} MB | {median('int8', 'throughput'):.1f} | "
      f"max |dlogit| {rel8:.3f} of max |logit|, same argmax {int(agree * len(ref))}/{len(ref)} |")
print()
targets.finish()
