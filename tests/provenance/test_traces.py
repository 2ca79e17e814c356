"""Traces for Label 3: the audio prompt and the platform's own watermark, on loaded media."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from synthguard.media import Audio, Image
from synthguard.provenance.traces import find_traces
from synthguard.provenance.visible import label_audio_samples
from synthguard.provenance.watermark import embed


@pytest.mark.parametrize(("prompt", "found"), [(True, True), (False, False)])
def test_audio_prompt_trace(prompt: bool, found: bool) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(16000) * 0.05).astype(np.float32)
    samples = label_audio_samples(x, 16000) if prompt else x
    traces = find_traces(Audio(samples=samples))
    assert traces.explicit_label is found and not traces.watermarked
    assert traces.to_dict()["explicit_label"] is found


def test_image_watermark_trace() -> None:
    rng = np.random.default_rng(0)
    img = PILImage.fromarray((rng.random((6, 8, 3)) * 255).astype("uint8")).resize((320, 240))
    marked = np.asarray(embed(img, b"abc", key=b"k"))
    assert find_traces(Image(pixels=marked), watermark_key=b"k").watermarked
    assert not find_traces(Image(pixels=np.asarray(img)), watermark_key=b"k").watermarked
    assert find_traces(Image(pixels=marked)).watermark is None  # no key, no watermark check
