"""The torch definition of synthguard's speech model (training only; the runtime uses ONNX)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SpeechCNN"]


def _ds_block(cin: int, cout: int) -> nn.Sequential:
    """Depthwise-separable conv + BN + ReLU + 2x2 max-pool: cheap enough for >200x real time."""
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
        nn.Conv2d(cin, cout, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class SpeechCNN(nn.Module):
    """Log-mel window (N, frames, mels) -> one logit per window (higher = more likely synthetic)."""

    def __init__(self, widths: tuple[int, int, int, int] = (16, 32, 64, 128), dropout: float = 0.3) -> None:
        super().__init__()
        w0, w1, w2, w3 = widths
        self.stem = nn.Sequential(
            nn.Conv2d(1, w0, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w0), nn.ReLU(inplace=True)
        )
        self.blocks = nn.Sequential(_ds_block(w0, w1), _ds_block(w1, w2), _ds_block(w2, w3))
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(2 * w3, 64), nn.ReLU(inplace=True), nn.Linear(64, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.stem(x.unsqueeze(1)))  # (N, C, T', F')
        h = h.mean(dim=3)  # over frequency
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled).squeeze(1)
