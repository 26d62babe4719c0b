"""Opens a torchvino checkpoint in PyTorch and compares the logits with torchvino's FP32 IR.

Usage: python bench/checkpoint_in_pytorch.py CHECKPOINT.pt IR.xml
Exit status 1 when torch.load(weights_only=True) or load_state_dict(strict=True) fails or the
logits differ by more than 1e-3.
"""

import os
import sys

import numpy as np
import openvino as ov
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "docs"))
from convnet import load_torchvino_checkpoint  # noqa: E402

TOLERANCE = 1e-3


def main() -> int:
    checkpoint, ir = sys.argv[1], sys.argv[2]
    model, meta = load_torchvino_checkpoint(checkpoint)  # torch.load: weights_only=True default
    c, s = meta["in_channels"], meta["image_size"]
    torch.manual_seed(0)
    x = torch.randn(8, c, s, s)
    with torch.no_grad():
        expected = model(x).numpy()
    compiled = ov.Core().compile_model(ir, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    got = compiled(x.numpy())[0]
    diff = float(np.abs(got - expected).max())
    same_top1 = bool((got.argmax(1) == expected.argmax(1)).all())
    print(f"{os.path.basename(checkpoint)}: {meta['architecture']} {c}x{s}x{s} "
          f"{meta['num_classes']} classes, torch {torch.__version__}: torch.load(weights_only=True) ok, "
          f"load_state_dict(strict=True) ok, max |logit diff| vs torchvino IR {diff:.2e}, "
          f"same top-1: {same_top1}")
    return 0 if diff <= TOLERANCE and same_top1 else 1


if __name__ == "__main__":
    sys.exit(main())
