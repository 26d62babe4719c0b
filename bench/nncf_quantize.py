"""NNCF post-training quantization of an FP32 OpenVINO IR: the reference torchvino quantize is measured against.

Usage: python bench/nncf_quantize.py FP32_XML OUT_XML [--subset-size 300] [--bias-correction fast|full|none]
                                     [--calibration FILE.npy | --data-dir DIR] [--model-type cnn|transformer]

Calibration data as in `torchvino quantize`: with --calibration, the very tensors torchvino fed
its model (`torchvino quantize --save-calibration FILE.npy`, any model and preprocessing);
without, the first N Fashion-MNIST training images normalised (x/255 - 0.2860)/0.3530, which is
what torchvino feeds the 1x28x28 ConvNet. One image (with its batch axis) per nncf.Dataset item:
NNCF counts an item as one sample, so subset_size=N means N images.
nncf.quantize with its defaults (preset performance, fast bias correction) unless --bias-correction
says otherwise: full = fast_bias_correction=False (NNCF then calibrates its bias correction on
the first max(int(0.2 N), 1) of the N images), none = disable_bias_correction=True. Saved with
openvino.save_model(compress_to_fp16=False). --model-type transformer passes
model_type=nncf.ModelType.TRANSFORMER (NNCF's rules for attention, LayerNorm, GELU; preset mixed;
SmoothQuant). Prints the wall time since interpreter start
(imports included) and the time of nncf.quantize alone. Runs in bench/requirements-nncf.txt's venv.
"""
import time

T_START = time.perf_counter()  # as close to interpreter start as a script can get

import argparse  # noqa: E402
import gzip  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

MEAN, STD = 0.2860, 0.3530


def load_images(data_dir, n):
    path = os.path.join(data_dir, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    count = int.from_bytes(raw[4:8], "big")
    rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    n = min(n, count)
    x = np.frombuffer(raw, dtype=np.uint8, count=n * rows * cols, offset=16)
    x = x.reshape(n, 1, rows, cols).astype(np.float32)
    return ((x / 255.0 - MEAN) / STD).astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("fp32_xml")
    p.add_argument("out_xml")
    p.add_argument("--subset-size", type=int, default=300, help="calibration images (default 300)")
    p.add_argument("--bias-correction", choices=("fast", "full", "none"), default="fast",
                   help="fast (NNCF default), full (fast_bias_correction=False) or none")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--calibration", help=".npy of preprocessed images (N x C x H x W float32)")
    p.add_argument("--model-type", choices=("cnn", "transformer"), default="cnn",
                   help="cnn (NNCF's default) or transformer (model_type=nncf.ModelType.TRANSFORMER)")
    a = p.parse_args()

    t_imp = time.perf_counter()
    import nncf
    import openvino as ov
    t_imported = time.perf_counter()

    if a.calibration:
        images = np.load(a.calibration)[:a.subset_size]
        if images.dtype != np.float32 or images.ndim != 4:
            sys.exit(f"{a.calibration}: expected N x C x H x W float32, got {images.dtype} {images.shape}")
    else:
        images = load_images(a.data_dir, a.subset_size)
    # One item = one image with its batch axis: 1xCxHxW.
    dataset = nncf.Dataset([images[i:i + 1] for i in range(len(images))])

    # NNCF compiles its statistics model on a Core of its own (OVNativeEngine), forcing
    # INFERENCE_PRECISION_HINT f32 and leaving threads at OpenVINO's default (all cores).
    model = ov.Core().read_model(a.fp32_xml)

    t_q = time.perf_counter()
    kwargs = {}
    if a.bias_correction == "full":
        kwargs["fast_bias_correction"] = False
    elif a.bias_correction == "none":
        kwargs["advanced_parameters"] = nncf.AdvancedQuantizationParameters(disable_bias_correction=True)
    if a.model_type == "transformer":
        kwargs["model_type"] = nncf.ModelType.TRANSFORMER
    quantized = nncf.quantize(model, dataset, subset_size=len(images), **kwargs)
    t_q_end = time.perf_counter()

    os.makedirs(os.path.dirname(os.path.abspath(a.out_xml)), exist_ok=True)
    ov.save_model(quantized, a.out_xml, compress_to_fp16=False)
    t_end = time.perf_counter()

    print(f"nncf {nncf.__version__}, openvino {ov.get_version()}")
    print(f"nncf_quantize: {a.fp32_xml} on {len(images)} calibration images, "
          f"bias correction {a.bias_correction}, model type {a.model_type} -> {a.out_xml}")
    print(f"imports {t_imported - t_imp:.2f} s, nncf.quantize {t_q_end - t_q:.2f} s, "
          f"script wall (from interpreter start, excl. interpreter boot) {t_end - T_START:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
