"""Stream a recorded clip through a live session, as fast as possible or in real time.

Used by ``synthguard live FILE``, the benchmark and tests: it is exactly what a client does, minus
the socket.

Example:
    >>> import numpy as np
    >>> from synthguard.live import LiveConfig, LiveSession, PcmFormat
    >>> from synthguard.live.replay import replay
    >>> s = LiveSession(PcmFormat(16_000, "f32le"), LiveConfig(detector="test.audio_energy"))
    >>> [e.type for e in replay(s, np.zeros(16_000, np.float32))]
    ['started', 'ended']
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from .events import LiveEvent
from .session import LiveSession

__all__ = ["replay"]


def replay(
    session: LiveSession,
    samples: npt.NDArray[np.floating],
    *,
    chunk_seconds: float = 0.1,
    realtime: bool = False,
    stop: bool = True,
) -> Iterator[LiveEvent]:
    """Feed ``samples`` (interleaved floats at the session's rate and channels) in chunks; yield events.

    With ``realtime`` each chunk is sent when its audio would have been captured, so event times
    can be compared with wall-clock time.
    """
    fmt = session.fmt
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    step = max(1, round(chunk_seconds * fmt.sample_rate)) * fmt.channels
    yield session.started()
    t0 = time.perf_counter()
    for i in range(0, len(x), step):
        if realtime:
            due = t0 + (i + step) / fmt.channels / fmt.sample_rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        yield from session.push_samples(x[i : i + step])
    if stop:
        yield from session.stop()
