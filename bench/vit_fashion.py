"""Train a small Vision Transformer on Fashion-MNIST (PyTorch, in the bench venv) and export it to
ONNX: the transformer with a real accuracy that bench/transformer_trained.sh quantizes with
torchvino and with NNCF. torchvision's VisionTransformer: patch 4 (7x7 = 49 tokens and a class
token), 6 layers, 4 heads, width 64, MLP 128, one input channel.

  python bench/vit_fashion.py OUT [--epochs 8] [--threads 2] [--seed 0]
      OUT/model.onnx (dynamic batch), OUT/pytorch.json (test accuracy of the PyTorch model)
Inputs are normalised as torchvino feeds Fashion-MNIST: (x/255 - 0.2860) / 0.3530.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from anchors import FASHION_MEAN, FASHION_STD, export_onnx, idx_images, idx_labels  # noqa: E402


def build():
    import torch
    import torchvision
    model = torchvision.models.VisionTransformer(image_size=28, patch_size=4, num_layers=6, num_heads=4,
                                                 hidden_dim=64, mlp_dim=128, num_classes=10)
    model.conv_proj = torch.nn.Conv2d(1, 64, kernel_size=4, stride=4)  # gray images
    return model


def normalised(images_u8):
    return ((images_u8.astype(np.float32) / 255.0 - FASHION_MEAN) / FASHION_STD).astype(np.float32)


def accuracy(model, x, y, batch=500):
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(torch.from_numpy(x[i:i + batch])).argmax(1).numpy() == y[i:i + batch]).sum())
    return correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=128)
    a = p.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train_x, train_y = normalised(idx_images("train")), idx_labels("train")
    test_x, test_y = normalised(idx_images("t10k")), idx_labels("t10k")
    model = build()
    steps = a.epochs * (len(train_x) // a.batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=2e-3, total_steps=steps, pct_start=0.15)
    rng = np.random.default_rng(a.seed)
    for epoch in range(a.epochs):
        model.train()
        order = rng.permutation(len(train_x))
        t, total = time.perf_counter(), 0.0
        for s in range(len(train_x) // a.batch):
            idx = order[s * a.batch:(s + 1) * a.batch]
            xb = torch.from_numpy(train_x[idx])
            if rng.random() < 0.5:
                xb = xb.flip(3)  # horizontal flips: clothes look the same mirrored
            loss = torch.nn.functional.cross_entropy(model(xb), torch.from_numpy(train_y[idx]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        acc = accuracy(model, test_x, test_y)
        print(f"epoch {epoch + 1}/{a.epochs}: loss {total / (s + 1):.4f}, test accuracy {100 * acc:.2f} %, "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    export_onnx(model, torch.from_numpy(test_x[:2]), f"{a.out}/model.onnx")
    with open(f"{a.out}/pytorch.json", "w") as f:
        json.dump({"accuracy": acc, "epochs": a.epochs, "seed": a.seed, "torch": torch.__version__}, f)
    print(f"wrote {a.out}/model.onnx; PyTorch test accuracy {100 * acc:.2f} %")


if __name__ == "__main__":
    main()
