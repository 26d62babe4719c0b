"""Checks the ResNet-50 224x224 targets from a bench/resnet50.sh run and prints the README table.

Reads OUT/report.json (pipeline: parity, sizes, runtime precisions) and OUT/speed/*.json
(eval --json; medians over repeats). Exits 1 if any target is missed. Standard library only.
"""
import argparse
import glob
import json
import os
import statistics
from datetime import date

from targets import Targets, cpu

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--batch", type=int, required=True)
ap.add_argument("--requests", type=int, required=True)
args = ap.parse_args()

report = json.load(open(os.path.join(args.out, "report.json")))
records = {r["mode"]: r for r in report["records"]}
parity = {p["mode"]: p for p in report["parity"]}
speed = {}
for path in glob.glob(os.path.join(args.out, "speed", "*.json")):
    key = os.path.basename(path)[:-5].rsplit("_r", 1)[0]  # e.g. int8_tput
    speed.setdefault(key, []).append(json.load(open(path)))


def median(key, field):
    return statistics.median(r[field] for r in speed[key])




targets = Targets()
check = targets.check


p = parity["fp32"]
rel = p["max_abs_diff"] / p["max_abs_logit"]
check("fp32 max |dlogit| <= 1e-4 x max |logit| (LibTorch vs OpenVINO)", f"{rel:.2e}", rel <= 1e-4)
for key, label in (("b1", "batch 1"), ("tput", "throughput mode")):
    r = median(f"fp32_{key}", "throughput") / median(f"pytorch_{key}", "throughput")
    check(f"fp32 / pytorch at {label} >= 1.2", f"{r:.2f}x", r >= 1.2)
r = median("int8_tput", "throughput") / median("fp32_tput", "throughput")
check(f"int8 / fp32 throughput (batch {args.batch}, {args.requests} requests) >= 2.5", f"{r:.2f}x", r >= 2.5)
layers = records["int8"].get("executed_layers", [])
not8 = [l["name"] for l in layers if l["precision"] not in ("u8", "i8")]
check("int8: every conv/FC executes in 8 bits", f"{len(layers) - len(not8)}/{len(layers)}" +
      (f" (not: {', '.join(not8)})" if not8 else ""), bool(layers) and not not8)
ratio = records["int8"]["weights_bytes"] / records["fp32"]["weights_bytes"]
check("int8 .bin <= 30 % of fp32 .bin", f"{100 * ratio:.1f} %", ratio <= 0.30)

print(f"\nResNet-50, 3x224x224, seeded random weights, {report['settings']['threads']} threads, "
      f"{date.today()}, {cpu()}; LibTorch {report['versions']['libtorch']}, "
      f"OpenVINO {report['versions']['openvino']}\n")
print(f"| mode | weights (.bin) | batch 1: ms (median) | batch 1: images/s | "
      f"batch {args.batch}, {args.requests} requests: images/s |")
print("|---|---:|---:|---:|---:|")
for m in ("pytorch", "fp32", "int8"):
    size = records[m]["weights_bytes"] / 2**20
    tput_note = " (1 stream)" if m == "pytorch" else ""
    print(f"| {m} | {size:.1f} MB | {median(m + '_b1', 'latency_median_ms'):.1f} | "
          f"{median(m + '_b1', 'throughput'):.1f} | {median(m + '_tput', 'throughput'):.1f}{tput_note} |")
print()
targets.finish()
