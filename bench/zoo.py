"""torchvision classifiers through torchvino quantize and NNCF, side by side. Driven by
bench/zoo.sh, which runs torchvino; this runs in the bench venv (torch, torchvision, onnx,
onnxscript, nncf, openvino), never in .venv.

  python bench/zoo.py prepare OUT MODEL [--num-classes 10]
      OUT/MODEL/model.onnx: torchvision MODEL with 10 classes (or --num-classes: bench/scale.sh
      takes 1,000) and seeded weights (torch.manual_seed(0));
      BatchNorm statistics re-estimated on 256 real training images (a seeded network's default
      statistics give near-constant logits); a classifier torchvision initialises to zero (ViT's
      head) drawn instead, or every logit would be 0. OUT/MODEL/eval.npy: EVAL_IMAGES held-out test
      images, preprocessed as torchvino feeds the model (see imagenet_style in anchors.py).
  python bench/zoo.py measure OUT MODEL --ir fp32=XML --ir ours=XML --ir nncf=XML [--threads 2]
      FP32 parity: the FP32 IR's logits against PyTorch's on the first PARITY_IMAGES images.
      Logits of the three IRs on eval.npy with the same runtime (OpenVINO, f32 inference precision):
      relative RMS error and top-1 agreement of each INT8 IR against the FP32 one; FakeQuantize count;
      compute layers (Convolution, GroupConvolution, FullyConnected, MatMul) of the compiled model
      running in i8/u8 -> OUT/MODEL/measure.json
  python bench/zoo.py ab OUT MODEL [--rounds 60] [--threads 2] [--batch 8]
      Ours against NNCF's INT8 IR in one process, with the throughput hint and f32 for what is not
      quantized, as `torchvino bench --modes int8` runs them: rounds alternate between the two (the order flipped every round), each round
      keeps every infer request busy twice over, so that the machine's load hits both alike
      -> OUT/MODEL/ab.json (images/s from the median round, median of paired ratios).
      Separate `torchvino bench` processes a few seconds apart on this shared machine gave ratios
      from 0.72 to 1.37 for two models that compile to the same runtime graph.
  python bench/zoo.py table OUT MODEL...
      One Markdown table from every measure.json, ab.json, the `torchvino bench` JSONs and times.tsv.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from anchors import export_onnx, idx_images, imagenet_style  # noqa: E402

EVAL_IMAGES = 512
BN_IMAGES = 256
PARITY_IMAGES = 64
COMPUTE_TYPES = {"Convolution", "GroupConvolution", "FullyConnected", "MatMul", "Deconvolution"}


def prepare(a):
    import torch
    import torchvision

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.get_model(a.model, weights=None, num_classes=a.num_classes)
    for m in model.modules():
        if isinstance(m, torch.nn.Linear) and not m.weight.detach().any():
            torch.nn.init.normal_(m.weight, std=m.in_features ** -0.5)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a plain average over every batch seen
    if norms:
        train_x = idx_images("train")
        draw = np.sort(np.random.default_rng(1).choice(len(train_x), BN_IMAGES, replace=False))
        model.train()
        with torch.no_grad():
            for i in range(0, BN_IMAGES, 32):
                model(imagenet_style(train_x[draw[i:i + 32]]))
    model.eval()
    x = imagenet_style(idx_images("t10k")[:EVAL_IMAGES]).numpy()
    os.makedirs(f"{a.out}/{a.model}", exist_ok=True)
    export_onnx(model, torch.from_numpy(x[:2]), f"{a.out}/{a.model}/model.onnx")
    np.save(f"{a.out}/{a.model}/eval.npy", x)
    with torch.no_grad():  # the reference for the FP32 IR's parity
        np.save(f"{a.out}/{a.model}/pytorch_logits.npy", model(torch.from_numpy(x[:PARITY_IMAGES])).numpy())
    params = sum(p.numel() for p in model.parameters())
    print(f"{a.model}: torchvision {torchvision.__version__}, {params / 1e6:.1f} M parameters, "
          f"{len(norms)} BatchNorm layers re-estimated -> {a.out}/{a.model}/model.onnx")


def int8_compute(model, compiled):
    """(compute layers in i8/u8, compute layers) of a compiled model's runtime graph. A Snippets
    Subgraph (the plugin's fused attention or MLP) counts when it holds a source MatMul/Convolution."""
    sources = {op.get_friendly_name() for op in model.get_ops()
               if op.get_type_name() in ("MatMul", "Convolution", "GroupConvolution")}
    total = low = 0
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        kind = info["layerType"].astype(str)
        fused = kind == "Subgraph" and any(n in sources for n in info["originalLayersNames"].astype(str).split(","))
        if kind not in COMPUTE_TYPES and not fused:
            continue
        total += 1
        low += info["runtimePrecision"].astype(str).lower() in ("i8", "u8")
    return low, total


def measure(a):
    import openvino as ov

    x = np.load(f"{a.out}/{a.model}/eval.npy")
    core = ov.Core()
    core.set_property("CPU", {"INFERENCE_NUM_THREADS": a.threads})
    irs = dict(spec.split("=", 1) for spec in a.ir)
    result = {"model": a.model, "images": len(x), "variants": {}}
    logits = {}
    for name, xml in irs.items():
        model = core.read_model(xml)
        fq = sum(op.get_type_name() == "FakeQuantize" for op in model.get_ops())
        compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32",
                                                     "PERFORMANCE_HINT": "THROUGHPUT"})
        low, total = int8_compute(model, compiled)
        t = time.perf_counter()
        queue = ov.AsyncInferQueue(compiled)
        out = [None] * ((len(x) + a.batch - 1) // a.batch)

        def keep(request, i):
            out[i] = request.get_output_tensor(0).data.copy()
        queue.set_callback(keep)
        for i in range(0, len(x), a.batch):
            queue.start_async({0: x[i:i + a.batch]}, i // a.batch)
        queue.wait_all()
        logits[name] = np.concatenate(out)
        row = {"xml": xml, "fake_quantize": fq, "int8_compute_layers": low, "compute_layers": total,
               "eval_seconds": time.perf_counter() - t}
        try:
            row["model_type"] = model.get_rt_info(["torchvino", "quantization", "model_type"]).astype(str)
        except RuntimeError:
            pass
        result["variants"][name] = row
    reference = logits["fp32"]
    torch_logits = np.load(f"{a.out}/{a.model}/pytorch_logits.npy")
    result["fp32_parity"] = float(np.abs(reference[:len(torch_logits)] - torch_logits).max() / np.abs(torch_logits).max())
    print(f"{a.model}: FP32 IR against PyTorch on {len(torch_logits)} images: max |difference| / max |logit| "
          f"{result['fp32_parity']:.1e}")
    for name, row in result["variants"].items():
        diff = logits[name] - reference
        row["rel_rms"] = float(np.sqrt((diff ** 2).mean() / (reference ** 2).mean()))
        row["top1_agreement"] = float((logits[name].argmax(1) == reference.argmax(1)).mean())
        print(f"{a.model}: {name:<5} FakeQuantize {row['fake_quantize']:4d}  int8 compute {row['int8_compute_layers']}/"
              f"{row['compute_layers']}  rel RMS {row['rel_rms']:.4f}  agree {100 * row['top1_agreement']:.2f} %",
              flush=True)
    result["openvino"] = ov.get_version()
    with open(f"{a.out}/{a.model}/measure.json", "w") as f:
        json.dump(result, f, indent=1)


def ab(a):
    import openvino as ov

    x = np.load(f"{a.out}/{a.model}/eval.npy")[:a.batch]
    core = ov.Core()
    queues = {}
    for tool in ("ours", "nncf"):
        compiled = core.compile_model(core.read_model(f"{a.out}/{a.model}/{tool}/{a.model}.xml"), "CPU",
                                      {"INFERENCE_NUM_THREADS": a.threads, "PERFORMANCE_HINT": "THROUGHPUT",
                                       "INFERENCE_PRECISION_HINT": "f32"})  # as `torchvino bench --modes int8`
        queues[tool] = ov.AsyncInferQueue(compiled, compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
    per_round = {tool: 2 * len(queue) for tool, queue in queues.items()}

    def burst(tool):  # every request busy twice over; the time until the last one finishes
        t = time.perf_counter()
        for _ in range(per_round[tool]):
            queues[tool].start_async({0: x})
        queues[tool].wait_all()
        return (time.perf_counter() - t) / per_round[tool]

    for tool in queues:  # warm-up
        for _ in range(3):
            burst(tool)
    seconds = {"ours": [], "nncf": []}
    for i in range(a.rounds):
        for tool in (("ours", "nncf") if i % 2 else ("nncf", "ours")):
            seconds[tool].append(burst(tool))
    result = {"rounds": a.rounds, "batch": a.batch, "threads": a.threads, "hint": "throughput",
              "requests": per_round["ours"] // 2,
              "ours_images_per_s": a.batch / statistics.median(seconds["ours"]),
              "nncf_images_per_s": a.batch / statistics.median(seconds["nncf"]),
              "paired_ratio": statistics.median(n / o for o, n in zip(seconds["ours"], seconds["nncf"]))}
    print(f"{a.model}: in one process, {a.rounds} alternating rounds of {per_round['ours']} batches of {a.batch} "
          f"(throughput hint): ours {result['ours_images_per_s']:.1f}, NNCF {result['nncf_images_per_s']:.1f} images/s; "
          f"ours / NNCF, median of paired ratios {result['paired_ratio']:.3f}", flush=True)
    with open(f"{a.out}/{a.model}/ab.json", "w") as f:
        json.dump(result, f, indent=1)


def throughputs(out, model, variant):
    values = []
    for name in sorted(os.listdir(f"{out}/{model}/bench")):
        if name.startswith(variant + "_r") and name.endswith(".json"):
            values.append(json.load(open(f"{out}/{model}/bench/{name}"))["results"][0]["throughput"])
    return values


def table(a):
    times = {}
    with open(f"{a.out}/times.tsv") as f:
        for line in f:
            model, tool, seconds = line.rstrip("\n").split("\t")
            times.setdefault((model, tool), []).append(float(seconds))
    lines = ["| model | type | FP32 parity | FakeQuantize ours / NNCF | INT8 compute layers ours / NNCF | "
             "rel. RMS error ours / NNCF | top-1 agreement ours / NNCF | INT8 throughput ours/NNCF, one process | "
             "INT8 throughput ours/NNCF, separate runs | "
             "INT8/FP32 speed-up ours | quantization time ours / NNCF |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    verdicts = []
    machine = None
    for model in a.models:
        m = json.load(open(f"{a.out}/{model}/measure.json"))
        ours, nncf = m["variants"]["ours"], m["variants"]["nncf"]
        tp = {v: throughputs(a.out, model, v) for v in ("fp32", "ours", "nncf")}
        # Paired: rep r of ours against rep r of NNCF, run back to back; the median of those ratios.
        separate = statistics.median(o / n for o, n in zip(tp["ours"], tp["nncf"]))
        # The verdict reads the in-process A/B when there is one: separate processes on a shared
        # machine measure the machine's mood as much as the model.
        one_process = json.load(open(f"{a.out}/{model}/ab.json"))["paired_ratio"] if os.path.exists(
            f"{a.out}/{model}/ab.json") else None
        ratio = one_process if one_process is not None else separate
        speedup = statistics.median(tp["ours"]) / statistics.median(tp["fp32"])
        t_ours, t_nncf = statistics.median(times[(model, "ours")]), statistics.median(times[(model, "nncf")])
        machine = json.load(open(f"{a.out}/{model}/bench/fp32_r1.json"))["machine"]
        kind = ours.get("model_type", "?")
        lines.append(
            f"| {model} | {kind} | {m['fp32_parity']:.0e} | {ours['fake_quantize']} / {nncf['fake_quantize']} | "
            f"{ours['int8_compute_layers']}/{ours['compute_layers']} / {nncf['int8_compute_layers']}/{nncf['compute_layers']} | "
            f"{ours['rel_rms']:.4f} / {nncf['rel_rms']:.4f} | {100 * ours['top1_agreement']:.1f} / "
            f"{100 * nncf['top1_agreement']:.1f} % | {'-' if one_process is None else f'{one_process:.3f}'} | "
            f"{separate:.3f} | {speedup:.2f}× | {t_ours:.1f} / {t_nncf:.1f} s |")
        limit = nncf["rel_rms"] * (1.0 if model.startswith("vit") else 1.05)  # #12: ViT no worse than NNCF
        checks = [("error", ours["rel_rms"] <= limit), ("throughput", ratio >= 0.98), ("time", t_ours <= t_nncf)]
        failed = [name for name, ok in checks if not ok]
        verdicts.append(f"{model}: {'PASS' if not failed else 'FAIL (' + ', '.join(failed) + ')'}")
    head = (f"# bench/zoo.sh, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {machine['cpu_model']} "
            f"({machine['microarchitecture']}), {machine['logical_cpus']} logical CPUs; OpenVINO {m['openvino']}; "
            f"{m['images']} held-out images; targets: error <= NNCF's x1.05 (ViT: <= NNCF's), "
            f"throughput >= 0.98x NNCF's, quantization time <= NNCF's")
    text = head + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(verdicts) + "\n"
    print(text)
    with open(f"{a.out}/zoo.md", "w") as f:
        f.write(text)
    return 1 if any("FAIL" in v for v in verdicts) else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="step", required=True)
    s = sub.add_parser("prepare")
    s.add_argument("out")
    s.add_argument("model")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--num-classes", type=int, default=10, help="the classifier's outputs (default 10)")
    s = sub.add_parser("measure")
    s.add_argument("out")
    s.add_argument("model")
    s.add_argument("--ir", action="append", required=True, help="NAME=XML; fp32, ours and nncf")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--batch", type=int, default=8)
    s = sub.add_parser("ab")
    s.add_argument("out")
    s.add_argument("model")
    s.add_argument("--rounds", type=int, default=60)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--batch", type=int, default=8)
    s = sub.add_parser("table")
    s.add_argument("out")
    s.add_argument("models", nargs="+")
    a = p.parse_args()
    return {"prepare": prepare, "measure": measure, "ab": ab, "table": table}[a.step](a) or 0


if __name__ == "__main__":
    sys.exit(main())
