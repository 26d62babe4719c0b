"""Exports torchvision's resnet50 (seeded random weights) to ONNX the way a user would, plus a
reference: fixed inputs and PyTorch's logits for them. Used by bench/onnx_resnet50.sh.

Usage: python bench/export_torchvision_resnet50.py OUT_DIR
Writes OUT_DIR/resnet50.onnx (dynamic batch, input "input", output "logits"),
OUT_DIR/input.npy (4x3x224x224 float32) and OUT_DIR/logits.npy (4x1000 float32).
Needs torch, torchvision, onnx and onnxscript (bench/requirements-export.txt), never .venv.
"""
import pathlib
import sys

import numpy as np
import torch
import torchvision


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    x = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(x)
    torch.onnx.export(model, (x,), out / "resnet50.onnx", input_names=["input"], output_names=["logits"],
                      dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, external_data=False)
    np.save(out / "input.npy", x.numpy())
    np.save(out / "logits.npy", logits.numpy())
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}: wrote {out / 'resnet50.onnx'} "
          f"({(out / 'resnet50.onnx').stat().st_size / 2**20:.1f} MB)")


if __name__ == "__main__":
    main()
