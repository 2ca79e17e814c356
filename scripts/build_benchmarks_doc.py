"""Assemble docs/benchmarks.md from the per-area sections in docs/benchmarks/*.md.

Each area keeps its own section (with the command beside each number); this page puts them in
one place, in a fixed order, with a table of contents.
"""

from __future__ import annotations

from pathlib import Path

ORDER = ["speech", "faces", "images", "provenance", "service", "live", "batch"]
HEADER = """# Benchmarks

Measured, not claimed. Every number below comes from a command shown beside it, on a split the
model never trained on, clean and after platform-style re-encoding, on this project's 2-core build
machine (shared with other jobs while these ran: throughput figures are lower bounds). The per-area
sources are in `docs/benchmarks/`; rebuild this page with `python scripts/build_benchmarks_doc.py`.

## Headline numbers

| detector | held-out set | clean | re-encoded | published peer, same clips |
|---|---|---|---|---|
| `audio.synthetic_voice` 2.4.0 (files) | LibriSpeech speakers never trained on + 6 engines (Piper, espeak-ng, flite, festival, WORLD, Griffin-Lim) | EER 0.022 (2.3.0: 0.017) | mp3 32k 0.017, opus 16k 0.025, 8 kHz 0.025 | AASIST EER 0.157 / 0.125 / 0.146 / 0.133; RawGAT-ST 0.191 / 0.180 / 0.213 / 0.183 |
| `audio.synthetic_voice` 2.4.0, eight engines | the same + mel-spectrogram Griffin-Lim and LPC vocoder | EER 0.019 (2.3.0: 0.012) | mp3 0.012, opus 0.025, 8 kHz 0.019, 300 Hz high-pass 0.037 (2.3.0: 0.019 / 0.019 / 0.012 / 0.056) | AASIST 0.150 / 0.125 / 0.156 / 0.124 |
| `audio.synthetic_voice`, leave-one-engine-out | each engine (and its family) unseen in training | EER, 2.3.0's recipe, clean: espeak 0.01, flite 0.02, festival 0.02, LPC 0.05, Piper 0.09, Griffin-Lim 0.20, mel Griffin-Lim 0.21, WORLD 0.22 (mean 0.104; 2.2.0's recipe 0.149) | re-encoded: TTS engines 0.03-0.10, LPC 0.05-0.10, vocoders 0.19-0.24 | - |
| `audio.synthetic_voice` 2.4.0's recipe, leave-one-engine-out | Piper; WORLD; Griffin-Lim family; LPC (five of eight cells re-run, on the card) | EER clean: Piper 0.112, WORLD 0.225, Griffin-Lim 0.236, mel Griffin-Lim 0.236, LPC 0.000 | Piper 0.100 / 0.050 / 0.112, WORLD 0.258 / 0.236 / 0.236, GL 0.200 / 0.258 / 0.250, mel GL 0.236 / 0.250 / 0.202, LPC 0.050 / 0.050 / 0.022 | - |
| `audio.synthetic_voice` 2.4.0, unseen family | festival HTS voice (never in training) vs the real test clips | EER 0.000 | mp3 0.000, opus 0.000, 8 kHz 0.000 | AASIST 0.011 / 0.022 / 0.033 / 0.011 |
| `audio.synthetic_voice` 2.4.0, unseen vocoder | harmonic-plus-noise (sinusoidal) re-synthesis of the real test clips (never in training) | EER 0.033 (2.3.0: 0.000) | mp3 0.022, opus 0.067, 8 kHz 0.034 | AASIST 0.200 / 0.200 / 0.200 / 0.167 |
| `audio.synthetic_voice` 2.4.0, unseen voice changers / vocoder | channel vocoder; phase-vocoder pitch shift; TD-PSOLA pitch shift of the real test clips (never in training) | EER 0.000; 0.033; **0.371** | mp3 / opus / 8 kHz: 0.000; 0.033-0.067; 0.360-0.400 | AASIST 0.011-0.067; 0.167-0.258; 0.371-0.438 |
| `audio.synthetic_voice` 2.4.0, unseen neural vocoder | a small neural vocoder trained here on training reals, re-synthesising real test clips | EER 0.033 (2.3.0: 0.067) | mp3 0.133, opus 0.200, 8 kHz 0.034 (2.3.0: 0.079 / 0.133 / 0.045) | AASIST 0.011 / 0.045 / 0.067 / 0.034 (ahead after compression) |
| `audio.synthetic_voice` 2.3.0, real speech from 16 other pipelines | 281 real clips shipped in PyPI/Debian packages (telephony prompts, meetings, debate, broadcast, studio corpora, 22 languages) vs the 160 test fakes | false-positive rate 0.082 at the card threshold, AUC 0.988 (LibriSpeech test reals: 0.000) | - | AASIST FPR 0.754, AUC 0.507; live model 2.1.0 FPR 0.242 (10 of 11 AMI meeting clips) |
| `audio.synthetic_voice` 2.4.0, real speech held out from training | 138 real clips from the same package sources: the other half of six sources' voices / languages / meetings, and nine sources never in training | false-positive rate 0.063 at the card threshold (2.3.0: 0.103; live 2.1.0: 0.206) | - | - |
| live rooms (`synthguard.live`, `audio.synthetic_voice_live` 2.5.0 = 2.1.0 + two pseudo-vocoding seeds, calibrated log-odds averaged; 2 s windows) | 160 test streams, real speech then synthetic | alert latency from the first synthetic speech p50 0.89 s, p95 2.41 s (target 2 s; val 1.94 s); 127/160 within 2 s; 17 false alerts in 859 s of real speech (2.1.0 alone: 0.99 / 3.01 s, 120/160, 12 false alerts) | - | 50 concurrent real-time streams on 2 cores (0.023 cores each; 2.1.0 alone: 100 at 0.013) |
| live rooms with confirmed alerts (`LiveConfig(confirm_detector="audio.synthetic_voice")`, opt-in) | the same 160 test streams; and 160 streams + 706 s of real-only speech from 138 real clips of other pipelines held out from training | test: 124/160 within 2 s, p50 1.40 s, p95 4.32 s, **0 false alerts** (default: 17); other pipelines: **6 false alerts** (default: 34), 111/160 within 2 s (default: 100) | - | CPU per stream about the room model's (the file model runs only on proposed alerts) |
| `audio.synthetic_voice` paired vocoding (tried, not adopted) | leave-one-engine-out, the three vocoder cells, every training vocoder re-synthesising every training real (836 more fakes) | EER clean: WORLD 0.250, Griffin-Lim 0.191, mel Griffin-Lim 0.157 (mean of 12 cells 0.193 vs 0.235 for 2.4.0's recipe; bar 0.15) | - | - |
| `face.manipulation` | DFDC test split (3,145 faces) | AUC 0.917 | JPEG 50: 0.891, half size: 0.916 | MesoNet AUC 0.554 / 0.562 / 0.516 |
| `image.ai_generated` 2.0.0 (patch CNN + EfficientNet-Lite0 probe, fused) | DiffusionDB vs COCO/ImageNet test split (50) | AUC 1.000 | JPEG 75: 1.000, half size: 0.990, crop: 0.995, half size + JPEG 75: 0.978 | - (1.0.0, the CNN alone: 0.998 / 0.941 / 0.840 / 0.990) |
| `image.ai_generated` 2.0.0, real photos from another pipeline | 100 real DFDC video-frame face crops (test split; 50 other DFDC *train* frames are in the probe's training) | false-positive rate 0.09 at 0.5 (1.0.0: 1.00) | JPEG 75: 0.09, half size: 0.02, crop: 0.18 | - |
| `image.ai_generated` 2.0.0, a third pipeline | 14 real photos that ship in scikit-image / matplotlib | false-positive rate 0.50 at 0.5 (1.0.0: 0.43; textures and grey-scale) | JPEG 75: 0.57 (1.0.0: 0.79) | - |
| `image.ai_generated` 2.0.0, video frame grabs / greyscale | the test split as H.264 intra frames; with colour removed (both classes) | CRF 23: AUC 1.000, FPR 0.04; greyscale: AUC 0.998, FPR 0.04 (1.0.0: FPR 0.38 / 0.54) | CRF 35: AUC 0.995, FPR 0.17 (1.0.0: 0.71) | - |
| `image.ai_generated` 2.0.0, other generator (sanity) | CIFAKE sample, 32 px SD 1.4 vs CIFAR-10 (400) | AUC 0.621 (1.0.0: 0.700) | - | - |

The honest reading: the raw-waveform speech model for files (2.4.0, two members averaged: one reads
only the band above 400 Hz, one the full band; since 2.4.0 trained with real speech from other
recording pipelines too) catches TTS engines and, when they are in training, most vocoder
re-synthesis, and is ahead of the published peers on every pooled column (0.012-0.025 vs AASIST's
best 0.124), flags none of the LibriSpeech test reals and 6 % of real speech from pipelines it never
trained on (AASIST: three quarters of it), and finds the unseen HTS voice and harmonic-plus-noise
vocoder; on an unseen neural vocoder made here AASIST is ahead (0.011 / 0.045 / 0.067 vs 0.033 / 0.133
/ 0.200 clean / MP3 / Opus; level at 8 kHz), and a TD-PSOLA voice changer (a real voice pitch-shifted)
evades both it and the peer (EER ~0.4); left out of training, every TTS engine is still found at
0.01-0.09 (LOEO, 2.3.0's recipe), but a vocoder re-synthesis of a family it never saw is not (WORLD,
Griffin-Lim 0.19-0.24). Live rooms run 2.5.0 (2.1.0 and two seeds of its recipe, calibrated log-odds averaged), on 2 s
windows (p95 2.41 s from the first synthetic speech on test, 1.94 s on val: still over the 2 s
target on test), and that model flags 14 % of real speech clips from other pipelines: a production
room should turn on confirmed alerts (the file model must agree before an alert is raised), which
cut false alerts on real conversations from 34 to 6 in 706 s at ~0.5 s of median latency, and is not the default only because the val split that decides defaults saw its cost and
not its gain;
face-swap detection on DFDC reaches the issue's targets (0.917 clean, >= 0.89 re-encoded) but is
unmeasured on other sources, where the field typically loses 0.1-0.2 AUC; the image detector (2.0.0,
a residual patch CNN fused with a native-resolution EfficientNet-Lite0 probe) now meets every target
on its one generator family, after down-scaling too (0.990), but still flags half of a small set of
real photographs from a pipeline it never saw (textures, grey-scale scans), is weaker than 1.0.0 on
32 px CIFAKE, and other generators are unmeasured.

"""


def _nest(text: str) -> str:
    """Make each section start at level 2 (a section written with a level-1 title is shifted down)."""
    lines = text.splitlines()
    if not any(line.startswith("# ") for line in lines):
        return text
    out, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if not fenced and line.startswith("#") else line)
    return "\n".join(out)


def main() -> None:
    root = Path(__file__).resolve().parents[1] / "docs"
    parts = {p.stem: p for p in (root / "benchmarks").glob("*.md")}
    names = [n for n in ORDER if n in parts] + sorted(n for n in parts if n not in ORDER)
    toc = "\n".join(f"- [{n}](benchmarks/{n}.md)" for n in names)
    body = "\n\n".join(_nest(parts[n].read_text("utf-8").strip()) for n in names)
    (root / "benchmarks.md").write_text(HEADER + toc + "\n\n" + body + "\n", "utf-8")


if __name__ == "__main__":
    main()
