"""Export the MTCNN cascade (P-Net, R-Net, O-Net) bundled in ``facenet-pytorch`` to ONNX, once.

Why: inference must not import torch, and the ``facenet_pytorch`` package imports torchvision (whose
``nms`` op fails beside torch 2.13). So the three tiny networks are redefined here (same layer names
as facenet-pytorch, so its bundled ``state_dict`` files load), exported to ONNX, and the cascade runs in
:mod:`synthguard.faces` with onnxruntime + numpy.

Run: ``python -m synthguard.train.faces_mtcnn OUT_DIR`` (needs ``pip install torch==2.13.0`` and
``pip install --no-deps facenet-pytorch``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch
from torch import nn

__all__ = ["ONet", "PNet", "RNet", "export_mtcnn", "facenet_data_dir"]


def facenet_data_dir() -> Path:
    """Folder holding ``pnet.pt``, ``rnet.pt``, ``onet.pt`` inside the installed facenet-pytorch.

    Found without importing the package (its ``__init__`` imports torchvision).
    """
    spec = importlib.util.find_spec("facenet_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("facenet-pytorch is not installed: pip install --no-deps facenet-pytorch==2.6.0")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class PNet(nn.Module):
    """MTCNN proposal network (fully convolutional, any input size)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.softmax4_1 = nn.Softmax(dim=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.prelu1(self.conv1(x))
        x = self.pool1(x)
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        return self.conv4_2(x), self.softmax4_1(self.conv4_1(x))


class RNet(nn.Module):
    """MTCNN refinement network (24x24 input)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.softmax5_1 = nn.Softmax(dim=1)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu4(self.dense4(x.view(x.shape[0], -1)))
        return self.dense5_2(x), self.softmax5_1(self.dense5_1(x))


class ONet(nn.Module):
    """MTCNN output network (48x48 input): box, 5 landmarks, face probability."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.softmax6_1 = nn.Softmax(dim=1)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu5(self.dense5(x.view(x.shape[0], -1)))
        return self.dense6_2(x), self.dense6_3(x), self.softmax6_1(self.dense6_1(x))


def export_mtcnn(out_dir: Path) -> dict[str, Path]:
    """Load facenet-pytorch's MTCNN weights and write ``mtcnn_{p,r,o}net.onnx`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = facenet_data_dir()
    specs: list[tuple[str, nn.Module, tuple[int, int], list[str], dict[str, dict[int, str]]]] = [
        (
            "pnet",
            PNet(),
            (12, 12),
            ["reg", "prob"],
            {
                "input": {0: "n", 2: "h", 3: "w"},
                "reg": {0: "n", 2: "oh", 3: "ow"},
                "prob": {0: "n", 2: "oh", 3: "ow"},
            },
        ),
        ("rnet", RNet(), (24, 24), ["reg", "prob"], {"input": {0: "n"}, "reg": {0: "n"}, "prob": {0: "n"}}),
        (
            "onet",
            ONet(),
            (48, 48),
            ["reg", "landmarks", "prob"],
            {"input": {0: "n"}, "reg": {0: "n"}, "landmarks": {0: "n"}, "prob": {0: "n"}},
        ),
    ]
    written: dict[str, Path] = {}
    for name, net, (h, w), outputs, axes in specs:
        state = torch.load(data / f"{name}.pt", map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        net.eval()
        path = out_dir / f"mtcnn_{name}.onnx"
        torch.onnx.export(
            net,
            (torch.zeros(1, 3, h, w),),
            str(path),
            input_names=["input"],
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        written[name] = path
    return written


if __name__ == "__main__":
    for k, v in export_mtcnn(Path(sys.argv[1] if len(sys.argv) > 1 else "var/faces/mtcnn")).items():
        print(k, v, v.stat().st_size)
