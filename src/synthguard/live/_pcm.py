"""Raw PCM in, 16 kHz mono float32 out: decoding, downmixing and a streaming resampler.

Every stage is exactly chunk-invariant: bytes split anywhere (even inside a sample) give the same
output samples as one big chunk, because partial frames are carried over and the resampler computes
each output sample from the same input samples with the same arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError

__all__ = ["FORMATS", "MAX_CHANNELS", "PcmDecoder", "PcmFormat", "StreamingResampler"]

FORMATS: dict[str, tuple[str, int]] = {"s16le": ("<i2", 2), "f32le": ("<f4", 4)}
MIN_RATE, MAX_RATE = 8_000, 192_000
MAX_CHANNELS = 8
TARGET_RATE = 16_000


@dataclass(frozen=True)
class PcmFormat:
    """The audio format a client announces in its ``start`` message.

    Raises:
        ConfigError: the rate, format or channel count is not accepted (the message says what is).
    """

    sample_rate: int = TARGET_RATE
    format: Literal["s16le", "f32le"] = "s16le"
    channels: int = 1

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ConfigError(f"format {self.format!r} is not accepted; use one of {sorted(FORMATS)}")
        if (
            not isinstance(self.sample_rate, int)
            or isinstance(self.sample_rate, bool)
            or not (MIN_RATE <= self.sample_rate <= MAX_RATE)
        ):
            raise ConfigError(
                f"sample_rate {self.sample_rate!r} is not accepted; use an integer "
                f"from {MIN_RATE} to {MAX_RATE} Hz"
            )
        if (
            not isinstance(self.channels, int)
            or isinstance(self.channels, bool)
            or not (1 <= self.channels <= MAX_CHANNELS)
        ):
            raise ConfigError(f"channels {self.channels!r} is not accepted; use 1 to {MAX_CHANNELS}")

    @property
    def frame_bytes(self) -> int:
        """Bytes of one sample frame (all channels)."""
        return FORMATS[self.format][1] * self.channels


class PcmDecoder:
    """Bytes of interleaved PCM -> mono float32 at the source rate; carries partial frames over."""

    def __init__(self, fmt: PcmFormat) -> None:
        self.fmt = fmt
        self._dtype = np.dtype(FORMATS[fmt.format][0])
        self._rest = b""
        self.non_finite = 0  # samples replaced by 0 because they were NaN or inf

    def push(self, data: bytes) -> npt.NDArray[np.float32]:
        buf = self._rest + data if self._rest else data
        n = len(buf) // self.fmt.frame_bytes
        cut = n * self.fmt.frame_bytes
        self._rest = bytes(buf[cut:])
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        x = np.frombuffer(buf, dtype=self._dtype, count=n * self.fmt.channels)
        if self.fmt.format == "s16le":
            y = x.astype(np.float32) / np.float32(32768.0)
        else:
            y = x.astype(np.float32)
            bad = ~np.isfinite(y)
            if bad.any():
                self.non_finite += int(bad.sum())
                y[bad] = 0.0
            np.clip(y, -1.0, 1.0, out=y)
        if self.fmt.channels > 1:
            y = y.reshape(n, self.fmt.channels).mean(axis=1, dtype=np.float32)
        return np.ascontiguousarray(y, dtype=np.float32)

    @property
    def pending_bytes(self) -> int:
        """Bytes of an incomplete frame waiting for the next chunk."""
        return len(self._rest)


@cache
def _polyphase(up: int, down: int) -> tuple[npt.NDArray[np.float64], int]:
    """Polyphase table (up, taps) of the anti-alias filter ``scipy.signal.resample_poly`` uses, and its delay."""
    import scipy.signal

    m = max(up, down)
    half = 10 * m
    h = scipy.signal.firwin(2 * half + 1, 1.0 / m, window=("kaiser", 5.0)) * up
    taps = math.ceil(len(h) / up)
    table = np.zeros((up, taps), dtype=np.float64)
    for p in range(up):
        coeffs = h[p::up]
        table[p, : len(coeffs)] = coeffs
    return table, half


class StreamingResampler:
    """Rational-ratio polyphase resampler that works on a stream of chunks.

    Output sample ``k`` is ``sum_m x[i0 - m] * h[p + m*up]`` with ``j = k*down + delay``,
    ``i0 = j // up``, ``p = j % up``: it is emitted as soon as input ``i0`` has arrived (a few
    milliseconds of look-ahead), and kept history is bounded by the filter length.
    """

    def __init__(self, src_rate: int, dst_rate: int = TARGET_RATE) -> None:
        g = math.gcd(src_rate, dst_rate)
        self.up, self.down = dst_rate // g, src_rate // g
        self.passthrough = self.up == self.down
        self._n_in = 0  # input samples received
        self._k = 0  # next output index
        self._flushed = False
        if not self.passthrough:
            self._table, self._delay = _polyphase(self.up, self.down)
            self._taps = self._table.shape[1]
            self._hist = np.zeros(self._taps, dtype=np.float64)  # zeros stand for x[i < 0]
            self._hist_start = -self._taps  # absolute input index of _hist[0]

    def _emit(self, k_stop: int) -> npt.NDArray[np.float32]:
        if k_stop <= self._k:
            return np.zeros(0, dtype=np.float32)
        ks = np.arange(self._k, k_stop, dtype=np.int64)
        j = ks * self.down + self._delay
        i0, phase = j // self.up, j % self.up
        idx = (i0 - self._hist_start)[:, None] - np.arange(self._taps)[None, :]
        out = (self._hist[idx] * self._table[phase]).sum(axis=1)
        self._k = k_stop
        # drop history no future output needs
        need = (self._k * self.down + self._delay) // self.up - self._taps + 1
        drop = need - self._hist_start
        if drop > 0:
            self._hist = self._hist[drop:]
            self._hist_start += drop
        return out.astype(np.float32)

    def push(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Resample the next input samples; returns the outputs that became computable."""
        if self.passthrough:
            return np.asarray(x, dtype=np.float32)
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        self._hist = np.concatenate([self._hist, np.asarray(x, dtype=np.float64)])
        self._n_in += len(x)
        # largest k with (k*down + delay) // up <= n_in - 1
        k_stop = (self.up * self._n_in - 1 - self._delay) // self.down + 1
        return self._emit(max(self._k, k_stop))

    def flush(self) -> npt.NDArray[np.float32]:
        """End of stream: the remaining outputs (inputs past the end count as zeros)."""
        if self.passthrough or self._flushed:
            return np.zeros(0, dtype=np.float32)
        self._flushed = True
        total = -(-self._n_in * self.up // self.down)  # ceil(n_in * up / down), like resample_poly
        if total <= self._k:
            return np.zeros(0, dtype=np.float32)
        last_i0 = ((total - 1) * self.down + self._delay) // self.up
        pad = last_i0 - (self._hist_start + len(self._hist)) + 1
        if pad > 0:
            self._hist = np.concatenate([self._hist, np.zeros(pad)])
        return self._emit(total)
