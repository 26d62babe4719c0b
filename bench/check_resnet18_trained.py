"""Checks a bench/resnet18_trained.sh run (a ResNet-18 trained here) and prints the README table.

Reads OUT/report.json from the pipeline. Exits 1 if a target is missed. Standard library only.
"""
import argparse
import json
import os
from datetime import date

from targets import Targets, cpu

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--epochs", type=int, required=True)
ap.add_argument("--train-limit", type=int, required=True)
args = ap.parse_args()

report = json.load(open(os.path.join(args.out, "report.json")))
records = {r["mode"]: r for r in report["records"]}
parity = {p["mode"]: p for p in report["parity"]}
acc = {m: 100 * r["accuracy"] for m, r in records.items()}




targets = Targets()
check = targets.check


drop = acc["fp32"] - acc["int8"]
check("int8 top-1 within 1.0 point of fp32", f"{acc['fp32']:.2f} -> {acc['int8']:.2f} ({-drop:+.2f})", drop <= 1.0)
p = parity["fp32"]
rel = p["max_abs_diff"] / p["max_abs_logit"]
check("fp32 max |dlogit| <= 1e-4 x max |logit|", f"{rel:.2e}", rel <= 1e-4)
layers = records["int8"].get("executed_layers", [])
not8 = [l["name"] for l in layers if l["precision"] not in ("u8", "i8")]
check("int8: every conv/FC executes in 8 bits", f"{len(layers) - len(not8)}/{len(layers)}", bool(layers) and not not8)

s = report["settings"]
print(f"\nResNet-18 (small-input stem), Fashion-MNIST at 3x32x32, trained here on the first "
      f"{args.train_limit} training images for {args.epochs} epochs; test set {records['pytorch']['images']} "
      f"images; {s['threads']} threads, batch {s['eval_batch']}, {date.today()}, {cpu()}\n")
print("| mode | top-1 | top-5 | loss | weights (.bin) | images/s |")
print("|---|---:|---:|---:|---:|---:|")
for m in ("pytorch", "fp32", "fp16", "int8"):
    r = records[m]
    print(f"| {m} | {acc[m]:.2f} % | {100 * r['top5']:.2f} % | {r['loss']:.4f} | "
          f"{r['weights_bytes'] / 2**20:.1f} MB | {r['throughput']:.0f} |")
print()
targets.finish()
