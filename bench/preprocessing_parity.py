"""Does torchvino feed a model what torchvision feeds it? (issue #25)

Writes a seeded folder of varied images (JPEG and PNG; RGB, gray, palette, 16-bit gray and CMYK;
64x48 to 4000x3000, odd aspect ratios) and compares, image by image:
  - torchvino's preprocessed tensors (`torchvino quantize --save-calibration`, the path every
    dataset command shares) with torchvision's eval transform on the same files
    (PIL open -> convert("RGB") -> Resize(256) -> CenterCrop(224) -> ToTensor -> Normalize):
    max and mean |difference| in gray levels;
  - the FP32 logits of the given IRs (e.g. bench/zoo.sh's models) on both: relative RMS
    ||a - b|| / ||b|| per image (target: <= 0.01).

  .venv-bench/bin/python bench/preprocessing_parity.py [--torchvino build/torchvino] [--out DIR]
      IR.xml [IR.xml ...]

The first IR is the one quantize reads to draw the calibration set; its quantized output is
discarded. Exit 1 when a target is missed.
"""
import argparse
import pathlib
import subprocess
import sys

import numpy as np
import openvino as ov
import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from scale_images import upsampled  # noqa: E402  (the same band-limited fields as the scale folder)

# (width, height, kind): ImageNet's common sizes, small and huge ones, odd aspect ratios.
IMAGES = [
    (500, 375, "jpeg"), (375, 500, "jpeg"), (500, 333, "jpeg"), (640, 480, "jpeg"), (333, 500, "png"),
    (500, 500, "jpeg"), (1600, 1200, "jpeg"), (4000, 3000, "jpeg"), (3000, 300, "jpeg"), (300, 2000, "png"),
    (256, 256, "jpeg"), (257, 300, "png"), (224, 224, "png"), (300, 224, "jpeg"), (64, 48, "png"),
    (120, 90, "jpeg"), (500, 375, "gray"), (640, 427, "palette"), (800, 600, "gray"), (450, 350, "palette"),
    (500, 375, "gray16"), (400, 300, "cmyk"),
]


def photo(rng, w, h):
    img = np.empty((h, w, 3), np.float32)
    base = rng.uniform(40, 200, 3)
    for ch in range(3):
        img[:, :, ch] = base[ch] + 45 * upsampled(rng, w, h, int(rng.integers(4, max(5, min(w, h) // 2))))
    lum = sum(upsampled(rng, w, h, cell) for cell in (2, 4, 8, 16)) * float(rng.uniform(3, 12))
    img += lum[:, :, None]
    # Hard edges, where resamplers differ most.
    x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
    img[y0:y0 + h // 4, x0:x0 + w // 4] = rng.uniform(0, 255, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_folder(root):
    rng = np.random.default_rng(25)
    files = []
    for i, (w, h, kind) in enumerate(IMAGES):
        folder = root / "train" / f"c{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        img = Image.fromarray(photo(rng, w, h), "RGB")
        if kind == "gray":
            img, path = img.convert("L"), folder / f"img{i:02d}.png"
        elif kind == "gray16":  # 16-bit gray PNG: PIL opens it as mode I;16
            wide = np.asarray(img.convert("L")).astype(np.uint16) * 257 + rng.integers(0, 256, (h, w), dtype=np.uint16)
            img, path = Image.fromarray(wide), folder / f"img{i:02d}.png"
        elif kind == "cmyk":
            img, path = img.convert("CMYK"), folder / f"img{i:02d}.jpg"
        elif kind == "palette":
            img, path = img.quantize(64), folder / f"img{i:02d}.png"
        elif kind == "png":
            path = folder / f"img{i:02d}.png"
        else:
            path = folder / f"img{i:02d}.jpg"
        img.save(path, quality=90) if path.suffix == ".jpg" else img.save(path)
        files.append(path)
    return files


def torchvision_tensors(files):
    t = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return np.stack([t(Image.open(f).convert("RGB")).numpy() for f in files])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torchvino", default="build/torchvino")
    p.add_argument("--out", default="runs/preprocessing-parity")
    p.add_argument("irs", nargs="+")
    a = p.parse_args()
    out = pathlib.Path(a.out)
    files = write_folder(out / "images")
    reference = torchvision_tensors(files)

    saved = out / "torchvino.npy"
    cmd = [a.torchvino, "quantize", "--input", a.irs[0], "--output", str(out / "discard" / "q.xml"),
           "--dataset", "folder", "--data-dir", str(out / "images"), "--subset-size", str(len(files)),
           "--save-calibration", str(saved), "--preprocess", "imagenet"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    ours = np.load(saved)
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    # The calibration draw is shuffled: pair each tensor with its nearest torchvision tensor.
    flat_ref = reference.reshape(len(files), -1)
    order = [int(np.argmin(((flat_ref - x.reshape(1, -1)) ** 2).sum(1))) for x in ours]
    assert sorted(order) == list(range(len(files))), "tensors did not pair one to one"
    matched = np.empty_like(ours)
    matched[order] = ours

    std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
    levels = np.abs(matched - reference) * std * 255
    ok = True
    print(f"{'image':<22} {'size':>10}  max |diff| (gray levels)  mean")
    for f, (w, h, kind), d in zip(files, IMAGES, levels):
        print(f"{f.parent.name + '/' + f.name:<22} {w:>4}x{h:<5} {d.max():>10.3f}  {d.mean():>22.4f}  {kind}")
    worst = levels.max()
    print(f"all: max {worst:.3f} gray levels (target <= 1), mean {levels.mean():.4f}; max |difference| "
          f"{np.abs(matched - reference).max():.3g} in normalised units; bit for bit equal: "
          f"{np.array_equal(matched, reference)}")
    ok &= worst <= 1.0 + 1e-3

    core = ov.Core()
    print(f"\n{'model':<40} relative RMS of FP32 logits, torchvino vs torchvision inputs: max   mean")
    for ir in a.irs:
        compiled = core.compile_model(ir, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        ours_logits = np.concatenate([compiled(matched[i:i + 1])[0] for i in range(len(files))])
        ref_logits = np.concatenate([compiled(reference[i:i + 1])[0] for i in range(len(files))])
        rel = np.linalg.norm(ours_logits - ref_logits, axis=1) / np.linalg.norm(ref_logits, axis=1)
        print(f"{pathlib.Path(ir).name:<40} {rel.max():>52.5f} {rel.mean():.5f}")
        ok &= rel.max() <= 0.01
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    torch.set_num_threads(1)
    sys.exit(main())
