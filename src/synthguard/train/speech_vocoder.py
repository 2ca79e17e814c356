"""A small neural vocoder trained here, so the speech set has a neural-vocoder family.

Almost every voice clone and modern TTS voice ends in a neural vocoder (HiFi-GAN, the VITS decoder,
...): a convolutional network that upsamples a mel spectrogram to a waveform with transposed
convolutions. The only neural voice that ships here is one Piper (VITS) voice, so a detector trained
without it has seen no neural upsampling at all. This module trains such an upsampler from scratch
on the *training split's* real LibriSpeech clips (no downloaded weights) and re-synthesises real
clips with it: the ``neural_vocoder`` engine of :mod:`synthguard.train.speech_data`.

The network is HiFi-GAN's generator shape at a small size (mel 80 x 1024 / 256 -> transposed
convolutions x8 x8 x4 with dilated residual stacks); it is trained with a multi-resolution STFT loss
only (no discriminator: a few CPU minutes, not days), which leaves the buzzy, band-smeared texture of
early neural vocoders. That texture is the point: it is evidence of neural upsampling that differs
from both the DSP vocoders and Piper. Deterministic for a seed on one CPU thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["HOP", "N_FFT", "N_MELS", "train_vocoder", "trained_vocoder"]

SR = 16_000
N_FFT, HOP, N_MELS = 1024, 256, 80
SEGMENT = 32 * HOP  # 8192 samples per training example
RATES = (8, 8, 4)  # product = HOP
STEPS = 3000
BATCH = 12

Array = npt.NDArray[np.float32]


def _modules() -> tuple[Any, Any]:
    import torch
    from torch import nn

    class _ResStack(nn.Module):  # type: ignore[misc]
        def __init__(self, ch: int) -> None:
            super().__init__()
            self.a = nn.ModuleList(nn.Conv1d(ch, ch, 3, dilation=d, padding=d) for d in (1, 3, 9))
            self.b = nn.ModuleList(nn.Conv1d(ch, ch, 3, padding=1) for _ in range(3))

        def forward(self, h: Any) -> Any:
            for a, b in zip(self.a, self.b, strict=True):
                h = h + b(nn.functional.leaky_relu(a(nn.functional.leaky_relu(h, 0.1)), 0.1))
            return h

    class Vocoder(nn.Module):  # type: ignore[misc]
        """Log-mel (B, 80, T) -> waveform (B, T * 256) in [-1, 1]."""

        def __init__(self, ch: int = 128) -> None:
            super().__init__()
            self.pre = nn.Conv1d(N_MELS, ch, 7, padding=3)
            ups, res = [], []
            for r in RATES:
                ups.append(nn.ConvTranspose1d(ch, ch // 2, 2 * r, stride=r, padding=r // 2))
                ch //= 2
                res.append(_ResStack(ch))
            self.ups, self.res = nn.ModuleList(ups), nn.ModuleList(res)
            self.post = nn.Conv1d(ch, 1, 7, padding=3)

        def forward(self, mel: Any) -> Any:
            h = self.pre(mel)
            for up, res in zip(self.ups, self.res, strict=True):
                h = res(up(nn.functional.leaky_relu(h, 0.1)))
            return torch.tanh(self.post(nn.functional.leaky_relu(h, 0.1))).squeeze(1)

    return torch, Vocoder


def _log_mel(torch: Any, x: Any, fb: Any, window: Any) -> Any:
    """(B, N) with N a multiple of HOP -> (B, 80, N // HOP) log-mel frames."""
    spec = torch.stft(x, N_FFT, HOP, window=window, center=True, return_complex=True).abs()
    return torch.log(torch.clamp(fb @ spec[..., :-1], min=1e-5))


def _stft_loss(torch: Any, y: Any, x: Any) -> Any:
    """Multi-resolution STFT loss: spectral convergence + L1 of log magnitudes, three resolutions."""
    total = 0.0
    for n in (512, 1024, 2048):
        w = torch.hann_window(n)
        sy = torch.stft(y, n, n // 4, window=w, return_complex=True).abs().clamp(min=1e-7)
        sx = torch.stft(x, n, n // 4, window=w, return_complex=True).abs().clamp(min=1e-7)
        total = total + torch.linalg.norm(sy - sx) / torch.linalg.norm(sx)
        total = total + (sy.log() - sx.log()).abs().mean()
    return total


def train_vocoder(
    clips: Sequence[Array],
    path: Path,
    *,
    seed: int = 0,
    steps: int = STEPS,
    log: Callable[[str], None] = print,
) -> Path:
    """Train the vocoder on random 8192-sample segments of ``clips`` (16 kHz) and save it to ``path``."""
    from .speech_data import _mel_filterbank

    torch, Vocoder = _modules()
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    audio = [c / max(float(np.sqrt(np.mean(c**2))), 1e-4) * 0.05 for c in clips if len(c) > SEGMENT]
    if not audio:
        raise ValueError("no training clip is longer than one vocoder segment")
    fb = torch.from_numpy(_mel_filterbank(N_FFT, N_MELS))
    window = torch.hann_window(N_FFT)
    model = Vocoder()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.8, 0.99))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=1e-5)
    t0, avg = time.time(), 0.0
    for step in range(1, steps + 1):
        batch = np.empty((BATCH, SEGMENT), np.float32)
        for i in range(BATCH):
            c = audio[int(rng.integers(len(audio)))]
            s = int(rng.integers(len(c) - SEGMENT))
            batch[i] = c[s : s + SEGMENT] * rng.uniform(0.5, 2.0)
        x = torch.from_numpy(batch)
        loss = _stft_loss(torch, model(_log_mel(torch, x, fb, window)), x)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        value = float(loss.detach())
        avg = 0.98 * avg + 0.02 * value if step > 1 else value
        if step % 250 == 0 or step == steps:
            log(f"vocoder step {step}/{steps}: loss {avg:.3f} ({time.time() - t0:.0f} s)")
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "seed": seed, "steps": steps}, path)
    return path


def trained_vocoder(
    path: Path,
    clips: Sequence[Array] | Callable[[], Sequence[Array]],
    *,
    seed: int = 0,
    steps: int = STEPS,
    log: Callable[[str], None] = print,
) -> Callable[[Array, Any], Array]:
    """The vocoder saved at ``path`` (trained on ``clips`` first if it is not there; a function
    returning them is only called then), as a function re-synthesising one 16 kHz clip (the second
    argument, a random generator, is not used)."""
    if not path.is_file():
        audio = clips() if callable(clips) else clips
        log(f"training the neural vocoder on {len(audio)} training-split clips -> {path}")
        train_vocoder(audio, path, seed=seed, steps=steps, log=log)
    from .speech_data import _mel_filterbank

    torch, Vocoder = _modules()
    model = Vocoder()
    model.load_state_dict(torch.load(path, map_location="cpu")["state_dict"])
    model.eval()
    fb = torch.from_numpy(_mel_filterbank(N_FFT, N_MELS))
    window = torch.hann_window(N_FFT)

    def vocode(x: Array, _rng: Any = None) -> Array:
        n = len(x)
        gain = max(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))), 1e-4) / 0.05  # training level
        pad = np.pad(np.asarray(x, np.float32) / gain, (0, -n % HOP + HOP))
        with torch.no_grad():
            y = model(_log_mel(torch, torch.from_numpy(pad)[None], fb, window))[0].numpy()
        return np.asarray(y[:n] * gain, dtype=np.float32)

    return vocode
