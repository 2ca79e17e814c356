"""The torch definition of synthguard's speech model (training only; the runtime uses ONNX)."""

from __future__ import annotations

import torch
from torch import nn

from .speech import highpass_fir

__all__ = ["SpeechCNN", "WaveCNN"]


def _ds_block(cin: int, cout: int) -> nn.Sequential:
    """Depthwise-separable conv + BN + ReLU + 2x2 max-pool: cheap enough for >200x real time."""
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
        nn.Conv2d(cin, cout, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class WaveCNN(nn.Module):
    """Raw 16 kHz window (N, samples) -> one logit per window (higher = more likely synthetic).

    The front end is a learned filterbank (64-tap kernels every 8 samples, 0.5 ms): unlike a log-mel
    spectrogram it keeps the waveform's fine time structure and phase relations (glottal pulse
    shape, harmonic phase coherence), which is what vocoder re-synthesis (WORLD, Griffin-Lim)
    gets wrong while copying the spectral envelope. Then four blocks of a 5-tap conv and a
    depthwise-separable conv with 3x max-pooling, mean+max over time, a 2-layer head. Each window
    is scaled to unit RMS inside the model, so loudness is no cue and the runtime feeds raw samples.

    ``width`` scales every channel count (the front end and the blocks) for capacity experiments.

    ``highpass_hz`` > 0 puts a fixed (not learned) linear-phase high-pass in front of everything
    (:func:`highpass_fir`), inside the exported graph, so training and inference see the same band:
    what a phone's or laptop microphone's low edge removes can then be no evidence either way.
    """

    def __init__(
        self,
        front: int = 32,
        widths: tuple[int, ...] = (48, 64, 96, 128),
        kernel: int = 64,
        stride: int = 8,
        dropout: float = 0.3,
        highpass_hz: float = 0.0,
        width: float = 1.0,
    ) -> None:
        super().__init__()
        front, widths = round(front * width), tuple(round(w * width) for w in widths)
        self.highpass_hz = highpass_hz
        self.highpass_pad = 0
        if highpass_hz > 0:
            fir = torch.from_numpy(highpass_fir(highpass_hz)).view(1, 1, -1)
            self.highpass_pad = fir.shape[-1] // 2
            self.register_buffer("highpass", fir)
        self.front = nn.Sequential(
            nn.Conv1d(1, front, kernel, stride=stride, padding=kernel // 2 - stride // 2, bias=False),
            nn.BatchNorm1d(front),
            nn.LeakyReLU(0.2),
            nn.MaxPool1d(2),
        )
        layers: list[nn.Module] = []
        cin = front
        for w in widths:
            layers += [
                nn.Conv1d(cin, w, 5, padding=2, bias=False),
                nn.BatchNorm1d(w),
                nn.LeakyReLU(0.2),
                nn.Conv1d(w, w, 3, padding=1, groups=w, bias=False),
                nn.Conv1d(w, w, 1, bias=False),
                nn.BatchNorm1d(w),
                nn.LeakyReLU(0.2),
                nn.MaxPool1d(3),
            ]
            cin = w
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(2 * cin, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.highpass_hz > 0:
            fir: torch.Tensor = self.get_buffer("highpass")
            x = nn.functional.conv1d(x.unsqueeze(1), fir, padding=self.highpass_pad).squeeze(1)
        x = x / (x.std(dim=1, keepdim=True) + 1e-4)
        h = self.body(self.front(x.unsqueeze(1)))  # (N, C, T')
        return self.head(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)).squeeze(1)


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
