"""Checks the ConvNet targets from a bench/convnet.sh run and prints the README table.

Reads OUT/report.json (pipeline) and OUT/speed/*.json (eval --json); medians over repeats.
Exits 1 if any target is missed. Standard library only.
"""
import glob
import json
import os
import statistics
import sys
from datetime import date

from targets import Targets, cpu

out = sys.argv[1]
report = json.load(open(os.path.join(out, "report.json")))
records = {r["mode"]: r for r in report["records"]}
parity = {p["mode"]: p for p in report["parity"]}

speed = {}
for path in glob.glob(os.path.join(out, "speed", "*.json")):
    name = os.path.basename(path)[:-5]
    key = name.rsplit("_r", 1)[0]  # e.g. int8_b96
    speed.setdefault(key, []).append(json.load(open(path)))


def median(key, field):
    return statistics.median(r[field] for r in speed[key])




targets = Targets()
check = targets.check


acc = {m: 100 * r["accuracy"] for m, r in records.items()}
check("pytorch accuracy >= 90.0 %", f"{acc['pytorch']:.2f} %", acc["pytorch"] >= 90.0)
p = parity["fp32"]
rel = p["max_abs_diff"] / p["max_abs_logit"]
check("fp32 max |dlogit| <= 1e-4 x max |logit|", f"{rel:.2e}", rel <= 1e-4)
check("fp32 same argmax >= 99.9 %", f"{100 * p['argmax_agreement']:.3f} %", p["argmax_agreement"] >= 0.999)
check("fp16 same argmax >= 99.5 %", f"{100 * parity['fp16']['argmax_agreement']:.3f} %",
      parity["fp16"]["argmax_agreement"] >= 0.995)
drop = acc["fp32"] - acc["int8"]
check("int8 accuracy drop <= 0.3 points", f"{drop:+.2f}", drop <= 0.3)
ratio = records["int8"]["weights_bytes"] / records["fp32"]["weights_bytes"]
check("int8 .bin <= 30 % of fp32 .bin", f"{100 * ratio:.1f} %", ratio <= 0.30)
int8_layers = records["int8"].get("executed_layers", [])
all_int8 = bool(int8_layers) and all(l["precision"] in ("u8", "i8") for l in int8_layers)
check("int8 conv/FC execute in 8 bits", ", ".join(f"{l['name']}:{l['precision']}" for l in int8_layers), all_int8)
r = median("int8_b96", "throughput") / median("fp32_b96", "throughput")
check("int8 / fp32 throughput at batch 96 >= 1.5", f"{r:.2f}x", r >= 1.5)
for b in (1, 96):
    r = median(f"fp32_b{b}", "throughput") / median(f"pytorch_b{b}", "throughput")
    check(f"fp32 / pytorch throughput at batch {b} >= 1.0", f"{r:.2f}x", r >= 1.0)

print(f"\nConvNet, Fashion-MNIST test set (10k), {report['settings']['threads']} threads, "
      f"{date.today()}, {cpu()}; LibTorch {report['versions']['libtorch']}, "
      f"OpenVINO {report['versions']['openvino']}\n")
print("| mode | accuracy | weights (.bin) | batch 1: images/s | batch 1: ms | batch 96: images/s | batch 96, 2 requests: images/s |")
print("|---|---:|---:|---:|---:|---:|---:|")
for m in ("pytorch", "fp32", "fp16", "int8"):
    async_b96 = f"{median(m + '-async_b96', 'throughput'):.0f}" if m + "-async_b96" in speed else "-"
    print(f"| {m} | {acc[m]:.2f} % | {records[m]['weights_bytes'] / 1024:.1f} KB | "
          f"{median(m + '_b1', 'throughput'):.0f} | {median(m + '_b1', 'latency_median_ms'):.3f} | "
          f"{median(m + '_b96', 'throughput'):.0f} | {async_b96} |")
print()
targets.finish()
