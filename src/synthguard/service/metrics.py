"""A tiny Prometheus registry: counters, gauges and a histogram rendered in the text format 0.0.4.

Written here rather than pulled in (``prometheus-client``) because the service needs only these.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable

__all__ = ["Metrics"]

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
Labels = tuple[tuple[str, str], ...]


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _fmt_labels(labels: Labels, extra: Labels = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{_esc(v)}"' for k, v in items) + "}"


def _num(x: float) -> str:
    if x == float("inf"):
        return "+Inf"
    return repr(float(x)) if not float(x).is_integer() else str(int(x)) if abs(x) < 1e15 else repr(float(x))


class Metrics:
    """Thread-safe counters and histograms; gauges are read from callbacks at scrape time.

    Example:
        >>> m = Metrics()
        >>> m.inc("synthguard_scans_submitted_total", "Scans accepted.")
        >>> "synthguard_scans_submitted_total 1" in m.render()
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._help: dict[str, tuple[str, str]] = {}
        self._counters: dict[str, dict[Labels, float]] = {}
        self._hist: dict[str, dict[Labels, list[float]]] = {}
        self._gauges: list[Callable[[], Iterable[tuple[str, str, Labels, float]]]] = []

    def inc(
        self, name: str, help_text: str, labels: dict[str, str] | None = None, value: float = 1.0
    ) -> None:
        """Add ``value`` to a counter (names end in ``_total``)."""
        key = tuple(sorted((labels or {}).items()))
        with self._lock:
            self._help.setdefault(name, ("counter", help_text))
            series = self._counters.setdefault(name, {})
            series[key] = series.get(key, 0.0) + value

    def observe(self, name: str, help_text: str, value: float, labels: dict[str, str] | None = None) -> None:
        """Record one observation in a histogram (seconds)."""
        key = tuple(sorted((labels or {}).items()))
        with self._lock:
            self._help.setdefault(name, ("histogram", help_text))
            series = self._hist.setdefault(name, {})
            h = series.setdefault(key, [0.0] * (len(_BUCKETS) + 2))  # buckets..., count, sum
            h[bisect.bisect_left(_BUCKETS, value)] += 1 if value <= _BUCKETS[-1] else 0
            h[-2] += 1
            h[-1] += value

    def add_gauges(self, fn: Callable[[], Iterable[tuple[str, str, Labels, float]]]) -> None:
        """Register a callback yielding ``(name, help, labels, value)`` at each scrape."""
        self._gauges.append(fn)

    def render(self) -> str:
        """The exposition text (``Content-Type: text/plain; version=0.0.4``)."""
        lines: list[str] = []
        with self._lock:
            for name in sorted(self._counters):
                kind, help_text = self._help[name]
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
                lines += [
                    f"{name}{_fmt_labels(k)} {_num(v)}" for k, v in sorted(self._counters[name].items())
                ]
            for name in sorted(self._hist):
                _, help_text = self._help[name]
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
                for k, h in sorted(self._hist[name].items()):
                    cumulative = 0.0
                    for i, bound in enumerate(_BUCKETS):
                        cumulative += h[i]
                        lines.append(
                            f"{name}_bucket{_fmt_labels(k, (('le', _num(bound)),))} {_num(cumulative)}"
                        )
                    lines.append(f"{name}_bucket{_fmt_labels(k, (('le', '+Inf'),))} {_num(h[-2])}")
                    lines.append(f"{name}_count{_fmt_labels(k)} {_num(h[-2])}")
                    lines.append(f"{name}_sum{_fmt_labels(k)} {_num(h[-1])}")
        gauges: dict[str, tuple[str, list[str]]] = {}
        for fn in self._gauges:
            for name, help_text, labels, value in fn():
                gauges.setdefault(name, (help_text, []))[1].append(
                    f"{name}{_fmt_labels(labels)} {_num(value)}"
                )
        for name in sorted(gauges):
            help_text, rows = gauges[name]
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *rows]
        return "\n".join(lines) + "\n"
