"""A fixed-capacity ring buffer of float32 samples addressed by absolute sample index."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["RingBuffer"]


class RingBuffer:
    """Keeps the last ``capacity`` samples of a stream; memory never grows past that.

    Samples are addressed by their absolute index since the start of the stream, so a caller can ask
    for ``[a, b)`` without knowing how much was evicted (it gets a ``ValueError`` if ``a`` is gone).
    """

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("ring buffer capacity must be positive")
        self.capacity = int(capacity)
        self._buf = np.zeros(self.capacity, dtype=np.float32)
        self.total = 0  # samples ever written

    @property
    def oldest(self) -> int:
        """Absolute index of the oldest sample still held."""
        return max(0, self.total - self.capacity)

    @property
    def nbytes(self) -> int:
        return int(self._buf.nbytes)

    def append(self, x: npt.NDArray[np.float32]) -> None:
        x = np.asarray(x, dtype=np.float32)
        if len(x) >= self.capacity:
            self._buf[:] = x[-self.capacity :]
            # rotate so that index arithmetic stays (absolute % capacity)
            self._buf = np.roll(self._buf, (self.total + len(x)) % self.capacity)
            self.total += len(x)
            return
        pos = self.total % self.capacity
        first = min(len(x), self.capacity - pos)
        self._buf[pos : pos + first] = x[:first]
        if first < len(x):
            self._buf[: len(x) - first] = x[first:]
        self.total += len(x)

    def get(self, start: int, stop: int) -> npt.NDArray[np.float32]:
        """A copy of samples ``[start, stop)`` (absolute indices)."""
        if start < self.oldest or stop > self.total or start > stop:
            raise ValueError(f"samples [{start}, {stop}) are not in the buffer [{self.oldest}, {self.total})")
        idx = np.arange(start, stop) % self.capacity
        return self._buf[idx]
