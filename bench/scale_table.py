"""The table of bench/scale.sh, from OUT/runs.tsv (one row per run: model, images, tool, rep, threads,
seconds, peak RSS MB, top-1 %, torchvino's own images/s, PSS MB) and OUT/commands.txt.

  python bench/scale_table.py OUT --cpu TEXT --torchvino BIN [--images-summary complete.json] ...

torchvino's images/s: images / the whole process's wall time; the anchor's: its loop alone. The
ratio: the median of the paired ratios (rep r of torchvino against rep r of the anchor, run back to
back). Verdicts (#27): ratio >= 1.4 at each count; torchvino's peak RSS <= 1500 MB, the largest over
its runs (the --threads pair included). Exit status 1 when a target is missed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

RATIO_TARGET = 1.4
RSS_TARGET_MB = 1500


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--cpu", required=True)
    p.add_argument("--torchvino", required=True)
    p.add_argument("--images-summary")
    for name in ("batch", "requests", "threads", "workers", "preprocess"):
        p.add_argument(f"--{name}")
    a = p.parse_args()

    runs = {}
    with open(os.path.join(a.out, "runs.tsv")) as f:
        for line in f:
            model, n, tool, rep, threads, seconds, rss, top1, inner, pss = line.rstrip("\n").split("\t")
            runs.setdefault((model, int(n), tool), []).append(
                {"rep": int(rep), "threads": int(threads), "seconds": float(seconds), "rss": float(rss),
                 "top1": float(top1), "inner": None if inner == "-" else float(inner),
                 "pss": None if pss == "-" else float(pss), "n": int(n)})
    models = list(dict.fromkeys(k[0] for k in runs))
    counts = sorted({k[1] for k in runs})

    def rate(r):
        return r["n"] / r["seconds"]

    lines = ["| model | images | torchvino images/s (whole process) | its own figure (inference loop) | "
             "anchor images/s (loop) | ratio torchvino / anchor | torchvino peak RSS MB (max) | "
             "anchor peak RSS MB, tree sum / PSS | top-1 % torchvino / anchor |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    verdicts, threads_lines = [], []
    for model in models:
        failed = []
        rss_all = [r["rss"] for (m, _, tool), rs in runs.items() if m == model and tool != "anchor" for r in rs]
        for n in counts:
            ours, anchor = runs.get((model, n, "torchvino")), runs.get((model, n, "anchor"))
            if not ours or not anchor:
                continue
            by_rep = {r["rep"]: r for r in anchor}
            paired = [rate(o) / rate(by_rep[o["rep"]]) for o in ours if o["rep"] in by_rep]
            ratio = statistics.median(paired)
            inner = [r["inner"] for r in ours if r["inner"] is not None]
            lines.append(
                f"| {model} | {n:,} | {statistics.median(map(rate, ours)):.1f} | "
                f"{statistics.median(inner):.1f} | {statistics.median(map(rate, anchor)):.1f} | "
                f"{ratio:.2f} ({', '.join(f'{x:.2f}' for x in paired)}) | {max(r['rss'] for r in ours):.0f} | "
                f"{statistics.median(r['rss'] for r in anchor):.0f} / {statistics.median(r['pss'] for r in anchor):.0f} | "
                f"{statistics.median(r['top1'] for r in ours):.2f} / {statistics.median(r['top1'] for r in anchor):.2f} |")
            if ratio < RATIO_TARGET:
                failed.append(f"ratio {ratio:.2f} < {RATIO_TARGET} at {n:,}")
        if rss_all and max(rss_all) > RSS_TARGET_MB:
            failed.append(f"peak RSS {max(rss_all):.0f} MB > {RSS_TARGET_MB}")
        verdicts.append(f"{model}: {'PASS' if not failed else 'FAIL (' + '; '.join(failed) + ')'}")
        for (m, n, tool), rs in runs.items():
            if m == model and tool == "threads":
                threads_lines.append(f"{model}, {n:,} images, torchvino alone: " + "; ".join(
                    f"--threads {r['threads']} {rate(r):.1f} images/s whole process ({r['inner']:.1f} its own figure)"
                    for r in sorted(rs, key=lambda r: r["threads"])))

    try:
        version = subprocess.run([a.torchvino, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        version = "?"
    anchor_json = next((os.path.join(a.out, "json", f) for f in sorted(os.listdir(os.path.join(a.out, "json")))
                        if "-anchor-" in f), None)
    versions = ""
    if anchor_json:
        j = json.load(open(anchor_json))
        versions = f"; anchor: torch {j['torch']}, OpenVINO {j['openvino']}"
    images = ""
    if a.images_summary and os.path.exists(a.images_summary):
        s = json.load(open(a.images_summary))
        images = (f"Images: bench/scale_images.py, seed {s['seed']}, {s['classes']} classes x {s['count']}, JPEG quality "
                  f"{s['quality']}, file size mean {s['mean_kb']} KB (median {s['median_kb']}, 10-90 % {s['p10_kb']}-"
                  f"{s['p90_kb']} KB); smaller counts: seeded subsets of it.")
    load = " / ".join(open(os.path.join(a.out, "logs", f)).read().strip()
                      for f in ("uptime-start.txt", "uptime-end.txt") if os.path.exists(os.path.join(a.out, "logs", f)))
    head = [f"# bench/scale.sh, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {a.cpu}",
            f"# {version} ({a.torchvino}){versions}",
            f"# batch {a.batch}, {a.requests} requests, {a.threads} threads; anchor: {a.workers} DataLoader workers, "
            f"preprocess {a.preprocess}",
            f"# load: {load}",
            f"# targets (#27): torchvino / anchor images/s >= {RATIO_TARGET} at each count; torchvino peak RSS <= "
            f"{RSS_TARGET_MB} MB",
            "", images, ""]
    commands = open(os.path.join(a.out, "commands.txt")).read().rstrip("\n").split("\n")
    text = "\n".join(head + lines + [""] + threads_lines + [""] + verdicts + ["", "Commands:"] +
                     ["  " + c for c in commands]) + "\n"
    print(text)
    return 1 if any("FAIL" in v for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
