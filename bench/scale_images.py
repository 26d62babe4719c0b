"""A seeded, ImageNet-val-like folder of JPEGs for the streaming evaluation benchmark (issue #27,
bench/scale.sh). Synthetic: no network, no licence, the same bytes on every machine for one seed.

  python bench/scale_images.py [--dir DIR] [--count 50] [--seed 0] [--jobs 2]
      DIR/val/n00000000 .. n00000999/<class>_<i>.JPEG: 1,000 classes, COUNT images each (default
      50: 50,000 files, about 5.4 GB). Default DIR: $SCALE_DIR, else
      ~/.cache/torchvino/scale-imagenet-like (keep it outside the repository).
  python bench/scale_images.py --images N [--dir DIR] [--seed 0]
      Prints the folder to pass as --data-dir for N images over the 1,000 classes; generates nothing.
      DIR itself when it holds N images; else DIR/subsets/N/val/<class>/: symbolic links to N/1000
      images of each class of DIR/val (a seeded draw). N: a multiple of 1,000, at most DIR's images.

What the images are like (ImageNet's validation set, ILSVRC2012):
  - sizes: 500x375 (55 %), 375x500 (17 %), 500x333 (8 %), 333x500 (3 %), 500x500 (3 %), the rest
    (14 %) each side uniform in 300..640;
  - content: a smooth colour field (bicubic up-sampling of a coarse random grid), a few soft
    elliptical blobs, and luminance texture summed over octaves with a 1/f-like spectrum, its
    strength drawn per image (log-normal), so file sizes spread as photos' do; mild pixel noise;
  - encoding: baseline JPEG, quality 90, 4:2:0 chroma (PIL's default), RGB;
  - file sizes: TEXTURE scales the texture; the default gives a mean of about 110 KB (checked with
    --count 2; see the summary this prints).
Each image is drawn from numpy.random.default_rng([seed, class, index]) alone, so the same files come
out whatever the job split, and a larger --count adds files without changing the earlier ones.

Resumable: each file is written under a temporary name and renamed; files already there are kept.
DIR/params.json records seed, quality and texture at the start (a different request refuses to mix
images into the folder); DIR/complete.json is written last, with the count, and makes a re-run with
the same parameters and a count up to it return at once (a smaller --count never shrinks a complete
folder: ask --images for fewer). When it writes, DIR/val ends with exactly 1,000 x COUNT files (files
of an interrupted, larger run are removed).
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

import numpy as np
from PIL import Image

CLASSES = 1000
QUALITY = 90
TEXTURE = 19.0  # luminance texture amplitude (0-255 scale), tuned for a ~110 KB mean
SIZES = [((500, 375), 0.55), ((375, 500), 0.17), ((500, 333), 0.08), ((333, 500), 0.03), ((500, 500), 0.03)]
OTHER_SIDE = (300, 640)


def default_dir():
    return os.environ.get("SCALE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "torchvino",
                                                       "scale-imagenet-like")


def class_name(c):
    return f"n{c:08d}"


def file_name(c, i):
    return f"{class_name(c)}_{i:05d}.JPEG"


def draw_size(rng):
    u = rng.random()
    for (w, h), p in SIZES:
        if u < p:
            return w, h
        u -= p
    return int(rng.integers(OTHER_SIDE[0], OTHER_SIDE[1] + 1)), int(rng.integers(OTHER_SIDE[0], OTHER_SIDE[1] + 1))


def upsampled(rng, w, h, cell):
    """Gaussian noise on a grid of cell x cell pixels, bicubic up to w x h: a band-limited field."""
    gw, gh = max(2, w // cell + 2), max(2, h // cell + 2)
    grid = Image.fromarray(rng.standard_normal((gh, gw)).astype(np.float32), mode="F")
    return np.asarray(grid.resize((w, h), Image.BICUBIC), dtype=np.float32)


def render(seed, c, i, texture):
    rng = np.random.default_rng([seed, c, i])
    w, h = draw_size(rng)
    # A smooth colour field: a base colour per image, slow variations per channel.
    base = rng.uniform(40, 200, 3).astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for ch in range(3):
        img[:, :, ch] = base[ch] + 45 * upsampled(rng, w, h, int(rng.integers(96, 256)))
    # A few soft blobs (objects): ellipses with a colour of their own.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(1, 5))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(0.08, 0.35) * w, rng.uniform(0.08, 0.35) * h
        mask = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2) ** 2)
        colour = rng.uniform(-90, 90, 3).astype(np.float32)
        img += mask[:, :, None] * colour
    # Luminance texture over octaves, amplitude ~ cell^0.5 (a 1/f-like spectrum), strength per image.
    strength = texture * float(rng.lognormal(0.0, 0.7))
    lum = np.zeros((h, w), np.float32)
    for cell in (2, 4, 8, 16, 32, 64):
        lum += upsampled(rng, w, h, cell)
    lum += rng.standard_normal((h, w), dtype=np.float32)  # sensor noise
    lum *= strength
    img += lum[:, :, None]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def write_class(job):
    root, seed, c, count, texture = job
    folder = os.path.join(root, "val", class_name(c))
    os.makedirs(folder, exist_ok=True)
    wanted = {file_name(c, i) for i in range(count)}
    for name in os.listdir(folder):  # leftovers of an interrupted write or a larger --count
        if name not in wanted:
            os.remove(os.path.join(folder, name))
    written = 0
    for i in range(count):
        path = os.path.join(folder, file_name(c, i))
        if os.path.exists(path):
            continue
        tmp = path + ".tmp"
        render(seed, c, i, texture).save(tmp, "JPEG", quality=QUALITY)
        os.replace(tmp, path)
        written += 1
    sizes = [os.path.getsize(os.path.join(folder, n)) for n in sorted(wanted)]
    return written, sizes


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path, value):
    with open(path + ".tmp", "w") as f:
        json.dump(value, f, indent=1)
    os.replace(path + ".tmp", path)


def generate(a):
    params = {"seed": a.seed, "quality": QUALITY, "texture": a.texture, "classes": CLASSES, "generator": 1}
    done = read_json(os.path.join(a.dir, "complete.json"))
    if done is not None and {k: done.get(k) for k in params} == params and done.get("count", 0) >= a.count:
        print(f"{a.dir}/val: complete ({CLASSES} classes x {done['count']} images, mean "
              f"{done.get('mean_kb', 0):.1f} KB), reused", file=sys.stderr)
        print(a.dir)
        return 0
    old = read_json(os.path.join(a.dir, "params.json"))
    if old is not None and old != params:
        sys.exit(f"{a.dir} holds images made with {old}, not {params}: remove it or choose another --dir/SCALE_DIR")
    os.makedirs(os.path.join(a.dir, "val"), exist_ok=True)
    if os.path.exists(os.path.join(a.dir, "complete.json")):
        os.remove(os.path.join(a.dir, "complete.json"))
    write_json(os.path.join(a.dir, "params.json"), params)
    t = time.perf_counter()
    jobs = [(a.dir, a.seed, c, a.count, a.texture) for c in range(CLASSES)]
    written, sizes = 0, []
    with multiprocessing.Pool(a.jobs) as pool:
        for k, (n, s) in enumerate(pool.imap(write_class, jobs, chunksize=4), 1):
            written += n
            sizes += s
            if k % 100 == 0:
                print(f"  {k}/{CLASSES} classes, {written} files written, {time.perf_counter() - t:.0f} s",
                      file=sys.stderr, flush=True)
    kb = np.array(sizes) / 1000
    summary = dict(params, count=a.count, files=len(sizes), mean_kb=round(float(kb.mean()), 1),
                   median_kb=round(float(np.median(kb)), 1), p10_kb=round(float(np.percentile(kb, 10)), 1),
                   p90_kb=round(float(np.percentile(kb, 90)), 1), total_gb=round(float(kb.sum()) / 1e6, 2))
    write_json(os.path.join(a.dir, "complete.json"), summary)  # last: the folder is whole
    print(f"{a.dir}/val: {len(sizes)} images ({written} written now, {time.perf_counter() - t:.0f} s); file size "
          f"mean {summary['mean_kb']} KB, median {summary['median_kb']}, 10-90 % {summary['p10_kb']}-"
          f"{summary['p90_kb']} KB, {summary['total_gb']} GB", file=sys.stderr)
    print(a.dir)
    return 0


def subset(a):
    done = read_json(os.path.join(a.dir, "complete.json"))
    if done is None:
        sys.exit(f"{a.dir}: no complete.json; generate the images first")
    if a.images % CLASSES or not 0 < a.images <= CLASSES * done["count"]:
        sys.exit(f"--images {a.images}: a multiple of {CLASSES} up to {CLASSES * done['count']} (the images in {a.dir})")
    if a.images == CLASSES * done["count"]:
        print(a.dir)
        return 0
    per_class = a.images // CLASSES
    root = os.path.join(a.dir, "subsets", str(a.images))
    stamp = dict(of=done, per_class=per_class, seed=a.seed)
    if read_json(os.path.join(root, "complete.json")) == stamp:
        print(root)
        return 0
    rng = np.random.default_rng([a.seed, a.images])
    for c in range(CLASSES):
        folder = os.path.join(root, "val", class_name(c))
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        for i in sorted(rng.choice(done["count"], per_class, replace=False)):
            os.symlink(os.path.abspath(os.path.join(a.dir, "val", class_name(c), file_name(c, i))),
                       os.path.join(folder, file_name(c, i)))
    write_json(os.path.join(root, "complete.json"), stamp)
    print(root)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", default=default_dir())
    p.add_argument("--count", type=int, default=50, help="images per class (default 50)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    p.add_argument("--texture", type=float, default=TEXTURE, help=f"texture amplitude (default {TEXTURE})")
    p.add_argument("--images", type=int, help="print the folder for N images (DIR, or DIR/subsets/N: links)")
    a = p.parse_args()
    a.dir = os.path.abspath(a.dir)
    if a.count < 1:
        sys.exit("--count must be at least 1")
    return subset(a) if a.images else generate(a)


if __name__ == "__main__":
    sys.exit(main())
