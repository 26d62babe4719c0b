"""Checks a bench/bf16_accuracy.sh run: bf16 top-1 within 0.1 points of FP32 on each model's test
set, and prints the README table. Reads each OUT/report.json; exit 1 if a target is missed.
Standard library only.
"""
import argparse
import json
import os
from datetime import date

from targets import Targets, cpu

ap = argparse.ArgumentParser()
ap.add_argument("outs", nargs="+")
ap.add_argument("--epochs", type=int, required=True)
ap.add_argument("--train-limit", type=int, required=True)
args = ap.parse_args()

targets = Targets()
rows = []
for out in args.outs:
    report = json.load(open(os.path.join(out, "report.json")))
    records = {r["mode"]: r for r in report["records"]}
    parity = [p for p in report["parity"] if p["mode"] == "bf16" and p["reference"] == "fp32"][0]
    name = report["settings"].get("model", os.path.basename(out))
    fp32, bf16 = 100 * records["fp32"]["accuracy"], 100 * records["bf16"]["accuracy"]
    targets.check(f"{name}: bf16 top-1 within 0.1 points of fp32", f"{fp32:.2f} -> {bf16:.2f} ({bf16 - fp32:+.2f})",
                  abs(bf16 - fp32) <= 0.1)
    rows.append((name, records, parity, report["settings"]))

print(f"\n{date.today()}, {cpu()}; ResNet-50 trained here ({args.epochs} epoch(s) on {args.train_limit} "
      f"training images, small-input stem, 3x32x32)\n")
print("| model | images | fp32 top-1 | bf16 top-1 | Δ points | same argmax | fp32 images/s | bf16 images/s | bf16 / fp32 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, r, p, s in rows:
    f, b = r["fp32"], r["bf16"]
    print(f"| {name} | {f['images']} | {100 * f['accuracy']:.2f} % | {100 * b['accuracy']:.2f} % | "
          f"{100 * (b['accuracy'] - f['accuracy']):+.2f} | {100 * p['argmax_agreement']:.2f} % | "
          f"{f['throughput']:,.0f} | {b['throughput']:,.0f} | {b['throughput'] / f['throughput']:.2f}× |")
print()
targets.finish()
