"""torchvino checkpoints in plain PyTorch.

A torchvino checkpoint (`torchvino train` writes OUT/MODEL.pt) is a torch.save file:

    {"state_dict": {name: tensor}, "torchvino": {"architecture": ..., "in_channels": ...,
     "num_classes": ..., "image_size": ..., "dataset": ..., "mean": [...], "std": [...],
     "labels": [...], "format_version": 1, "torchvino_version": ..., "small_input_stem": ...}}

so `torch.load(path)` opens it with the default weights_only=True, and the state dict loads with
strict=True into:
  - ConvNet below (the network of the original tutorial; module names as torchvino's LibTorch
    ConvNet: layer1.0 conv, layer1.1 batch norm, ..., fc), or
  - torchvision.models.resnetNN(num_classes=...), with conv1 3x3 stride 1 and no max-pooling when
    "small_input_stem" is true (inputs of at most 64 pixels, e.g. CIFAR-10), and conv1 taking
    `in_channels` channels.

Inputs are N x in_channels x image_size x image_size float tensors, normalised per channel as
x = (pixel / 255 - mean) / std.

    model, meta = load_torchvino_checkpoint("torchvino-out/convnet.pt")
    logits = model(x)
"""

import torch
from torch import nn


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    # Conv(k5, p2) keeps H x W; max-pooling halves it.
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=5, stride=1, padding=2),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
    )


class ConvNet(nn.Module):
    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28):
        super().__init__()
        side = image_size // 4  # two 2x poolings
        self.layer1 = conv_block(in_channels, 16)
        self.layer2 = conv_block(16, 32)
        self.fc = nn.Linear(side * side * 32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer2(self.layer1(x))
        return self.fc(x.flatten(1))


def build_model(meta: dict) -> nn.Module:
    """An untrained model of the architecture a checkpoint's "torchvino" entry describes."""
    arch = meta["architecture"]
    if arch == "convnet":
        return ConvNet(meta["in_channels"], meta["num_classes"], meta["image_size"])
    import torchvision  # only the ResNets need it

    model = getattr(torchvision.models, arch)(num_classes=meta["num_classes"])
    small = meta.get("small_input_stem", False)
    if small or meta["in_channels"] != 3:
        kernel, stride = (3, 1) if small else (7, 2)
        model.conv1 = nn.Conv2d(meta["in_channels"], 64, kernel_size=kernel, stride=stride,
                                padding=kernel // 2, bias=False)
    if small:
        model.maxpool = nn.Identity()
    return model


def load_torchvino_checkpoint(path: str):
    """(model in eval mode, the checkpoint's "torchvino" metadata dict)."""
    checkpoint = torch.load(path)  # weights_only=True: plain data and tensors only
    meta = checkpoint["torchvino"]
    model = build_model(meta)
    model.load_state_dict(checkpoint["state_dict"], strict=True)
    return model.eval(), meta
