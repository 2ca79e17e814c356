"""Which real speakers raise the live alerts? Replays the cached window scores of a split with a rule.

Uses the window scores that ``python -m synthguard.live.bench sweep|latency`` cached (or scores the
split once), then counts, per LibriSpeech speaker: false alerts on real-only streams and alerts
raised during the real prefix of a mixed stream.

    python scripts/live/alerts_by_speaker.py var/speech/data/labels.csv --split test
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from synthguard.live import bench
from synthguard.live.session import LIVE_RULES, LiveConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labels", type=Path)
    ap.add_argument("--split", default="test")
    ap.add_argument("--detector", default="audio.synthetic_voice_live")
    ap.add_argument("--hop", type=float, default=0.25)
    ap.add_argument("--window", type=float, default=LiveConfig.window)
    ap.add_argument("--cache", type=Path, default=Path("var/live/cache"))
    a = ap.parse_args()
    scored = bench._score_split(a.labels, a.split, a.detector, a.hop, a.window, 0, a.cache)
    real, _ = bench._clips(a.labels, a.split)
    rule = LIVE_RULES[a.detector]
    false_alerts: Counter[str] = Counter()
    early: Counter[str] = Counter()
    for path, r in zip(real, scored["real"], strict=True):
        n = len(bench._raises(bench._on_hop(r["windows"], a.hop, a.hop, a.window), rule=rule))
        if n:
            false_alerts[path.name.split("-")[0]] += n
    for i, m in enumerate(scored["mixed"]):
        raised = bench._raises(bench._on_hop(m["windows"], a.hop, a.hop, a.window), rule=rule)
        if raised and raised[0] < m["onset"]:
            early[real[i % len(real)].name.split("-")[0]] += 1
    print(f"rule {rule.describe()}, model {scored['model']}, split {a.split}")
    print("false alerts on real-only streams, by speaker:", dict(false_alerts))
    print("alerts during the real prefix of a mixed stream, by that speaker:", dict(early))


if __name__ == "__main__":
    main()
