"""The Python anchor of bench/scale.sh (issue #27): what a PyTorch user writes to evaluate an
OpenVINO IR on a folder of JPEGs, fed exactly as `torchvino eval --dataset folder` feeds it.

  python bench/scale_anchor.py --ir XML --data-dir D [--batch 32] [--requests 2] [--threads 2]
                               [--workers 2] [--preprocess pil|exact] [--json FILE]

Data: torchvision.datasets.ImageFolder(D/val) (classes = the sorted class folders, as torchvino
numbers them when D has no train/ and no labels.txt) and a DataLoader(batch_size=BATCH,
num_workers=WORKERS, shuffle=False). Preprocessing, read from the IR as torchvino does
(src/cli/common.cpp dataset_for_model): the input's H = W = S decides the geometry, shorter side to
S*256//224 then the central SxS (the folder dataset's ImageNet geometry), pixel/255, then
(x - mean) / std with the IR's rt_info torchvino.input.mean/std, else the folder dataset's ImageNet
mean/std. An IR whose preprocessing is baked in (torchvino.input.preprocessing_baked) is refused.
  --preprocess pil (default): the usual recipe, Resize(S*256//224) + CenterCrop(S) + ToTensor() +
      Normalize() on PIL images (PIL's bilinear resize, which antialiases when it shrinks);
  --preprocess exact: torchvino's arithmetic (bilinear on the float 0-255 values, no antialiasing,
      align_corners=False; then the crop; then /255 and the normalisation), for logits that match.
Runtime: openvino with torchvino eval's settings: INFERENCE_NUM_THREADS=THREADS,
INFERENCE_PRECISION_HINT=f32, PERFORMANCE_HINT THROUGHPUT with PERFORMANCE_HINT_NUM_REQUESTS=REQUESTS
when REQUESTS > 1, else LATENCY; REQUESTS infer requests in an AsyncInferQueue, fed batch by batch
as the DataLoader hands them over.

Measured: the loop alone. The clock starts after the imports and the model's compilation, just
before ImageFolder scans the folder; it includes the workers' start-up and the first batch, and
stops when the last request is done. Memory: a thread samples every 0.1 s the process tree (this
process and its DataLoader workers): the sum of their RSS (peak_rss_mb; pages the forked workers share
with the parent count once per process) and of their PSS (peak_pss_mb: shared pages split between
them); rusage_mb is getrusage's maximum RSS of this process plus that of its largest finished child.
Prints one line:
  anchor images=N seconds=S images_per_s=R top1=P peak_rss_mb=M peak_pss_mb=M rusage_mb=M
"""
import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import numpy as np  # noqa: E402
import openvino as ov  # noqa: E402
import psutil  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import datasets, transforms  # noqa: E402

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]  # the folder dataset's


def rt_list(model, key):
    path = ["torchvino", "input", key]
    if not model.has_rt_info(path):
        return None
    return json.loads(model.get_rt_info(path).astype(str))


class Exact:
    """torchvino's preprocessing (src/data/preprocess.cpp): bilinear resize of the float 0-255 values
    (no antialiasing), the central crop, /255, per-channel normalisation."""

    def __init__(self, resize, crop, mean, std):
        self.resize, self.crop = resize, crop
        self.mean = torch.tensor(mean).view(3, 1, 1)
        self.std = torch.tensor(std).view(3, 1, 1)

    def __call__(self, image):
        x = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32)).permute(2, 0, 1)
        h, w = x.shape[1:]
        if h <= w:
            size = (self.resize, int(self.resize * w / h))
        else:
            size = (int(self.resize * h / w), self.resize)
        x = F.interpolate(x[None], size=size, mode="bilinear", align_corners=False, antialias=False)[0]
        top, left = (size[0] - self.crop) // 2, (size[1] - self.crop) // 2
        x = x[:, top:top + self.crop, left:left + self.crop] / 255.0
        return (x - self.mean) / self.std


class TreeMemory(threading.Thread):
    """Peak RSS and PSS sums over this process and its descendants, sampled every `period` s."""

    def __init__(self, period=0.1):
        super().__init__(daemon=True)
        self.period, self.rss, self.pss = period, 0, 0
        self.done = threading.Event()
        self.me = psutil.Process()

    def sample(self):
        rss = pss = 0
        for p in [self.me] + self.me.children(recursive=True):
            try:
                m = p.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss += m.rss
            pss += getattr(m, "pss", m.rss)
        self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def run(self):
        while not self.done.wait(self.period):
            self.sample()

    def stop(self):
        self.done.set()
        self.join()
        self.sample()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ir", required=True, help="OpenVINO IR .xml")
    p.add_argument("--data-dir", required=True, help="folder with val/<class>/*.JPEG")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--requests", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes (default 2)")
    p.add_argument("--preprocess", choices=("pil", "exact"), default="pil")
    p.add_argument("--json", help="also write the results here")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    memory = TreeMemory()
    memory.start()

    core = ov.Core()
    model = core.read_model(a.ir)
    shape = model.input().get_partial_shape()
    if not (shape.rank.get_length() == 4 and shape[1].is_static and shape[2].is_static and shape[2] == shape[3]):
        sys.exit(f"{a.ir}: input {shape} is not N x C x S x S")
    if rt_list(model, "preprocessing_baked"):  # the text "true" or "false"
        sys.exit(f"{a.ir}: its preprocessing is baked in (raw u8 input); the anchor feeds N x 3 x S x S floats")
    size = shape[2].get_length()
    mean, std = rt_list(model, "mean"), rt_list(model, "std")
    if not (mean and std):
        mean, std = IMAGENET_MEAN, IMAGENET_STD
    resize = size * 256 // 224
    config = {"INFERENCE_NUM_THREADS": a.threads, "INFERENCE_PRECISION_HINT": "f32"}
    if a.requests > 1:
        config.update({"PERFORMANCE_HINT": "THROUGHPUT", "PERFORMANCE_HINT_NUM_REQUESTS": a.requests})
    else:
        config["PERFORMANCE_HINT"] = "LATENCY"
    compiled = core.compile_model(model, "CPU", config)
    t_compiled = time.perf_counter()

    if a.preprocess == "pil":
        transform = transforms.Compose([transforms.Resize(resize), transforms.CenterCrop(size), transforms.ToTensor(),
                                        transforms.Normalize(mean, std)])
    else:
        transform = Exact(resize, size, mean, std)
    t0 = time.perf_counter()
    folder = datasets.ImageFolder(os.path.join(a.data_dir, "val"), transform=transform)
    loader = torch.utils.data.DataLoader(folder, batch_size=a.batch, shuffle=False, num_workers=a.workers)
    labels = np.array(folder.targets)
    predicted = np.full(len(folder), -1, np.int64)
    queue = ov.AsyncInferQueue(compiled, a.requests)

    def done(request, start):
        logits = request.get_output_tensor(0).data
        predicted[start:start + len(logits)] = logits.argmax(1)
    queue.set_callback(done)
    start = 0
    for images, _ in loader:
        queue.start_async({0: images.numpy()}, start)
        start += len(images)
    queue.wait_all()
    seconds = time.perf_counter() - t0
    del loader  # workers gone: RUSAGE_CHILDREN counts them
    memory.stop()

    outputs = compiled.output(0).get_partial_shape()[1].get_length()
    if labels.max() >= outputs:
        print(f"WARNING: labels go up to {labels.max()} but the model has only {outputs} outputs", file=sys.stderr)
    rusage = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
              + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    r = {"images": len(folder), "classes": len(folder.classes), "seconds": seconds, "images_per_s": len(folder) / seconds,
         "top1": float((predicted == labels).mean()), "peak_rss_mb": memory.rss / 2**20,
         "peak_pss_mb": memory.pss / 2**20, "rusage_mb": rusage, "startup_seconds": t_compiled - T_START,
         "batch": a.batch, "requests": a.requests, "threads": a.threads, "workers": a.workers,
         "preprocess": a.preprocess, "resize": resize, "crop": size, "mean": mean, "std": std,
         "ir": a.ir, "data_dir": a.data_dir, "openvino": ov.get_version(), "torch": torch.__version__}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)
    print(f"anchor images={r['images']} seconds={seconds:.3f} images_per_s={r['images_per_s']:.2f} "
          f"top1={100 * r['top1']:.2f} peak_rss_mb={r['peak_rss_mb']:.0f} peak_pss_mb={r['peak_pss_mb']:.0f} "
          f"rusage_mb={rusage:.0f} startup_s={r['startup_seconds']:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
