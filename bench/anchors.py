"""The other engines a user could pick, measured on the same models, images and cores as torchvino:
PyTorch eager and torch.compile, ONNX Runtime FP32 and INT8 (quantize_static, QDQ, per-channel),
NNCF INT8. Driven by bench/anchors.sh, which also runs torchvino; runs in the bench venv
(torch, torchvision, onnx, onnxscript, onnxruntime, nncf, openvino), never in .venv.

  python bench/anchors.py prepare OUT --convnet-checkpoint PT
      OUT/convnet/model.onnx: the trained ConvNet, opened in PyTorch from torchvino's checkpoint.
      OUT/resnet50/model.onnx: torchvision resnet50 with 10 classes, seeded weights, BatchNorm
      statistics re-estimated on 256 real training images (a seeded network's default statistics
      give near-constant logits, and top-1 agreement would mean nothing).
      OUT/MODEL/eval.npz: the held-out images preprocessed (x) and their labels (y).
  python bench/anchors.py ort-quantize OUT MODEL CALIBRATION.npy
      OUT/MODEL/ort_int8.onnx; prints its wall time (the whole process, as for the others).
  python bench/anchors.py measure OUT MODEL --batches 1,96 --threads 2 --seconds 5 [--ir NAME=XML[@PRECISION] ...]
      Accuracy, agreement with PyTorch's FP32 top-1 and synchronous throughput of each engine
      -> OUT/MODEL/python.json. IRs given with --ir are only evaluated (accuracy, agreement) here:
      their speed comes from `torchvino bench`.
"""
import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
RESNET_EVAL_IMAGES = 256  # PyTorch eager runs ResNet-50 at ~10 images/s on 2 cores


def idx_images(split):
    import gzip
    with gzip.open(os.path.join(FASHION, f"{split}-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(raw, np.uint8, n * rows * cols, 16).reshape(n, 1, rows, cols)


def idx_labels(split):
    import gzip
    with gzip.open(os.path.join(FASHION, f"{split}-labels-idx1-ubyte.gz"), "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, int.from_bytes(raw[4:8], "big"), 8).astype(np.int64)


def imagenet_style(images_u8):
    """Gray 28x28 -> 3x224x224 as torchvino feeds a 224 model with --mean/--std ImageNet: bilinear
    resize of the 0-255 values (no antialias), /255, channels replicated, per-channel normalisation."""
    import torch
    import torch.nn.functional as F
    x = torch.from_numpy(images_u8.astype(np.float32))
    x = F.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False, antialias=False) / 255.0
    x = x.expand(-1, 3, -1, -1)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def export_onnx(model, example, path):
    import torch
    torch.onnx.export(model, (example,), path, input_names=["input"], output_names=["logits"],
                      dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, external_data=False)


def prepare(a):
    import torch
    import torchvision
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "docs"))
    from convnet import load_torchvino_checkpoint

    torch.set_num_threads(a.threads)
    test_x, test_y = idx_images("t10k"), idx_labels("t10k")

    os.makedirs(f"{a.out}/convnet", exist_ok=True)
    convnet, meta = load_torchvino_checkpoint(a.convnet_checkpoint)
    x = ((test_x.astype(np.float32) / 255.0 - FASHION_MEAN) / FASHION_STD).astype(np.float32)
    export_onnx(convnet, torch.from_numpy(x[:2]), f"{a.out}/convnet/model.onnx")
    torch.save({"torchvino": meta, "state_dict": convnet.state_dict()}, f"{a.out}/convnet/pytorch.pt")
    np.savez(f"{a.out}/convnet/eval.npz", x=x, y=test_y)

    os.makedirs(f"{a.out}/resnet50", exist_ok=True)
    torch.manual_seed(0)
    resnet = torchvision.models.resnet50(num_classes=10)
    train_x = idx_images("train")
    draw = np.random.default_rng(1).choice(len(train_x), 256, replace=False)
    for m in resnet.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # a plain average over every batch seen
    resnet.train()
    with torch.no_grad():
        for i in range(0, len(draw), 32):
            resnet(imagenet_style(train_x[np.sort(draw[i:i + 32])]))
    resnet.eval()
    x = imagenet_style(test_x[:RESNET_EVAL_IMAGES]).numpy()
    export_onnx(resnet, torch.from_numpy(x[:2]), f"{a.out}/resnet50/model.onnx")
    meta = {"architecture": "resnet50", "in_channels": 3, "num_classes": 10, "image_size": 224}
    torch.save({"torchvino": meta, "state_dict": resnet.state_dict()}, f"{a.out}/resnet50/pytorch.pt")
    np.savez(f"{a.out}/resnet50/eval.npz", x=x, y=test_y[:RESNET_EVAL_IMAGES])
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}: wrote {a.out}/convnet and "
          f"{a.out}/resnet50 (BatchNorm statistics from 256 training images)")


def ort_quantize(a):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    images = np.load(a.calibration)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(images[i:i + 1] for i in range(len(images)))

        def get_next(self):
            item = next(self.items, None)
            return None if item is None else {"input": item}

    src = f"{a.out}/{a.model}/model.onnx"
    pre = f"{a.out}/{a.model}/model_pre.onnx"
    dst = f"{a.out}/{a.model}/ort_int8.onnx"
    t = time.perf_counter()
    quant_pre_process(src, pre)  # shape inference and graph optimisation, as ORT's guide says
    # U8 activations and S8 weights: the combination ORT's guide recommends for x86 (VNNI).
    quantize_static(pre, dst, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    end = time.perf_counter()
    print(f"ort_quantize: {src} on {len(images)} calibration images -> {dst}: quantize_static "
          f"{end - t:.2f} s, script wall {end - T_START:.2f} s")


def throughput(run, x, batch, seconds):
    """Images/s of back-to-back synchronous calls on one batch, after one untimed call."""
    xb = x[:batch]
    run(xb)
    n, t0 = 0, time.perf_counter()
    while True:
        run(xb)
        n += 1
        if time.perf_counter() - t0 >= seconds and n >= 3:
            break
    return n * batch / (time.perf_counter() - t0)


def logits_of(run, x, batch):
    return np.concatenate([np.asarray(run(x[i:i + batch])) for i in range(0, len(x), batch)])


def measure(a):
    import onnxruntime as ort
    import openvino as ov
    import torch

    torch.set_num_threads(a.threads)
    data = np.load(f"{a.out}/{a.model}/eval.npz")
    x, y = data["x"].astype(np.float32), data["y"]
    batches = [int(b) for b in a.batches.split(",")]
    eval_batch = max(batches)
    onnx_path = f"{a.out}/{a.model}/model.onnx"

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "docs"))
    from convnet import load_torchvino_checkpoint
    module, _ = load_torchvino_checkpoint(f"{a.out}/{a.model}/pytorch.pt")  # the weights of the ONNX

    engines = {}

    def torch_runner(fn):
        def run(xb):
            with torch.inference_mode():
                return fn(torch.from_numpy(xb)).numpy()
        return run

    engines["pytorch eager"] = ("fp32", torch_runner(module))
    compiled = torch.compile(module, dynamic=False)
    engines["torch.compile"] = ("fp32", torch_runner(compiled))

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    for name, path, precision in (("onnxruntime", onnx_path, "fp32"),
                                  ("onnxruntime", f"{a.out}/{a.model}/ort_int8.onnx", "int8")):
        session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        engines[f"{name} {precision}"] = (precision, lambda xb, s=session: s.run(None, {"input": xb})[0])

    core = ov.Core()
    core.set_property("CPU", {"INFERENCE_NUM_THREADS": a.threads})
    for spec in a.ir:
        name, rest = spec.split("=", 1)
        xml, _, precision = rest.partition("@")
        hint = {"bf16": "bf16"}.get(precision, "f32")
        compiled_ir = core.compile_model(xml, "CPU", {"INFERENCE_PRECISION_HINT": hint,
                                                      "PERFORMANCE_HINT": "LATENCY"})
        engines[name] = (precision or "fp32", lambda xb, c=compiled_ir: c(xb)[0])

    reference = None
    rows = []
    for name, (precision, run) in engines.items():
        t = time.perf_counter()
        logits = logits_of(run, x, eval_batch)
        eval_s = time.perf_counter() - t
        if reference is None:
            reference = logits  # PyTorch eager FP32, the first engine
        row = {"engine": name, "precision": precision, "images": len(x),
               "accuracy": float((logits.argmax(1) == y).mean()),
               "top1_agreement": float((logits.argmax(1) == reference.argmax(1)).mean()),
               "rel_rms_vs_pytorch": float(np.sqrt(((logits - reference) ** 2).mean() / (reference ** 2).mean())),
               "eval_seconds": eval_s}
        if not name.startswith(("torchvino", "nncf")):  # those are timed by `torchvino bench`
            row["throughput"] = {str(b): throughput(run, x, b, a.seconds) for b in batches}
        rows.append(row)
        print(f"{a.model}: {name:<20} acc {100 * row['accuracy']:6.2f} %  agree {100 * row['top1_agreement']:6.2f} %  "
              + "  ".join(f"b{b} {v:9.1f}/s" for b, v in row.get("throughput", {}).items()), flush=True)
    versions = {"torch": torch.__version__, "onnxruntime": ort.__version__, "openvino": ov.get_version()}
    with open(f"{a.out}/{a.model}/python.json", "w") as f:
        json.dump({"model": a.model, "threads": a.threads, "versions": versions, "rows": rows}, f, indent=1)


def table(a):
    """One Markdown table per model from python.json, the `torchvino bench` JSONs and times.tsv."""
    times = {}
    with open(f"{a.out}/times.tsv") as f:
        for line in f:
            model, engine, seconds = line.split("\t")
            times[(model, engine)] = float(seconds)
    lines = []
    for model in a.models:
        info = json.load(open(f"{a.out}/{model}/python.json"))
        bench = {}
        for name in os.listdir(f"{a.out}/{model}"):
            if name.startswith("bench_") and name.endswith(".json"):
                j = json.load(open(f"{a.out}/{model}/{name}"))
                engine = "nncf" if "nncf" in name else "torchvino"
                for r in j["results"]:
                    bench[(f"{engine} {r['mode']}", str(r["batch"]))] = r["throughput"]
                machine = j["machine"]
        batches = a.batches[model].split(",")
        quality = "accuracy" if model == "convnet" else "top-1 agreement with PyTorch FP32"
        lines.append(f"\n**{model}** ({info['rows'][0]['images']} test images; {quality}; "
                     f"synchronous, {info['threads']} threads)\n")
        lines.append(f"| engine | precision | {'accuracy' if model == 'convnet' else 'top-1 agreement'} | "
                     + " | ".join(f"images/s, batch {b}" for b in batches) + " | quantization wall time |")
        lines.append("|---|---|---:|" + "---:|" * len(batches) + "---:|")
        for row in info["rows"]:
            name = row["engine"]
            q = row["accuracy"] if model == "convnet" else row["top1_agreement"]
            speeds = [row.get("throughput", {}).get(b) or bench.get((name, b)) for b in batches]
            key = name.split()[0]
            quant = times.get((model, key)) if row["precision"] == "int8" else None
            lines.append(f"| {name} | {row['precision']} | {100 * q:.2f} % | "
                         + " | ".join(f"{s:,.0f}" if s and s >= 100 else (f"{s:.1f}" if s else "—") for s in speeds)
                         + f" | {f'{quant:.1f} s' if quant else '—'} |")
    v = info["versions"]
    head = (f"# bench/anchors.sh, {time.strftime('%Y-%m-%d')}, {machine['cpu_model']} ({machine['microarchitecture']}), "
            f"{machine['logical_cpus']} logical CPUs; torch {v['torch']}, onnxruntime {v['onnxruntime']}, "
            f"OpenVINO {v['openvino']}")
    text = head + "\n" + "\n".join(lines) + "\n"
    print(text)
    with open(f"{a.out}/anchors.md", "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="step", required=True)
    s = sub.add_parser("prepare")
    s.add_argument("out")
    s.add_argument("--convnet-checkpoint", required=True)
    s.add_argument("--threads", type=int, default=2)
    s = sub.add_parser("ort-quantize")
    s.add_argument("out")
    s.add_argument("model")
    s.add_argument("calibration")
    s = sub.add_parser("measure")
    s.add_argument("out")
    s.add_argument("model")
    s.add_argument("--batches", default="1,96")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--seconds", type=float, default=5.0)
    s.add_argument("--ir", action="append", default=[], help="NAME=XML[@fp32|bf16|int8]")
    s = sub.add_parser("table")
    s.add_argument("out")
    s.add_argument("models", nargs="+", help="MODEL=BATCHES, e.g. convnet=1,96")
    a = p.parse_args()
    if a.step == "table":
        a.batches = dict(m.split("=") for m in a.models)
        a.models = list(a.batches)
    {"prepare": prepare, "ort-quantize": ort_quantize, "measure": measure, "table": table}[a.step](a)


if __name__ == "__main__":
    main()
