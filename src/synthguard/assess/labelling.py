"""Labelling materials for the appendix: the wording, positions, an example image with its visible
label, and the implicit-label metadata the platform writes.

The example image is drawn by :func:`synthguard.provenance.visible.label_image` (the same renderer
the platform uses), so the appendix shows what users see. If that module cannot be imported the
example is drawn here with Pillow and the appendix says so.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from .model import LabellingMaterials
from .questionnaire import Questionnaire

__all__ = ["EXAMPLE_SIZE", "build_materials", "example_image"]

EXAMPLE_SIZE = (640, 400)
_GB_FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)


def _wording_problems(text: str) -> list[str]:
    try:
        from ..provenance.visible import check_wording
    except ImportError:  # same rule, kept here so the report works without the provenance extra
        out = []
        if "AI" not in text and "人工智能" not in text:
            out.append('wording must contain "AI" or "人工智能"')
        if "生成" not in text and "合成" not in text:
            out.append('wording must contain "生成" or "合成"')
        return out
    return check_wording(text)


def _base_image() -> Image.Image:
    """A deterministic synthetic 'photo' (gradient sky, sun, hills) to carry the example label."""
    w, h = EXAMPLE_SIZE
    y = np.linspace(0, 1, h)[:, None]
    x = np.linspace(0, 1, w)[None, :]
    sky = np.stack([90 + 100 * y + 0 * x, 140 + 80 * y + 0 * x, 220 - 40 * y + 0 * x], axis=-1)
    img = Image.fromarray(sky.clip(0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.68, h * 0.12, w * 0.82, h * 0.12 + w * 0.14), fill=(255, 214, 110))
    pts = [(0, h)] + [(i, h * 0.62 + 40 * math.sin(i / 70.0)) for i in range(0, w + 1, 8)] + [(w, h)]
    d.polygon(pts, fill=(70, 130, 80))
    return img


def example_image(
    wording: str, corner: str, height_ratio: float
) -> tuple[bytes, dict[str, Any], list[str], str]:
    """Render the example image with the visible label.

    Returns:
        (PNG bytes, placement as a dict, placement problems, a note saying which renderer drew it).
    """
    base = _base_image()
    try:
        from ..provenance.visible import VisibleLabelSpec, check_placement, label_image
    except ImportError:
        return _fallback(base, wording, corner, height_ratio)
    spec = VisibleLabelSpec(
        text=wording,
        corner=corner,  # type: ignore[arg-type]  # validated by the questionnaire (enum)
        height_ratio=max(height_ratio, 0.01),
        strict=False,
    )
    out, placement = label_image(base, spec)
    buf = io.BytesIO()
    out.convert("RGB").save(buf, "PNG", optimize=True)
    note = "Drawn by synthguard.provenance.visible.label_image, the renderer the platform uses."
    return buf.getvalue(), placement.to_dict(), check_placement(placement), note


def _fallback(
    base: Image.Image, wording: str, corner: str, ratio: float
) -> tuple[bytes, dict[str, Any], list[str], str]:
    from PIL import ImageFont

    from .render import find_cjk_font

    w, h = base.size
    size = max(8, math.ceil(ratio * min(w, h) / 0.88))
    font = ImageFont.truetype(str(find_cjk_font()), size)
    d = ImageDraw.Draw(base)
    x0, y0, x1, y1 = font.getbbox(wording)
    tw, th = x1 - x0, y1 - y0
    m = round(0.02 * min(w, h))
    x = m if corner.endswith("left") else w - m - tw
    y = m if corner.startswith("top") else h - m - th
    d.rectangle((x - 4, y - 4, x + tw + 4, y + th + 4), fill=(0, 0, 0))
    d.text((x - x0, y - y0), wording, font=font, fill=(255, 255, 255))
    buf = io.BytesIO()
    base.save(buf, "PNG", optimize=True)
    placement = {
        "text": wording,
        "box": [x, y, x + tw, y + th],
        "image_size": [w, h],
        "text_height": th,
        "corner": corner,
        "font": "fallback",
    }
    problems = [] if th >= math.ceil(0.05 * min(w, h)) else [f"text height {th}px < 5% of the shortest side"]
    note = (
        "synthguard.provenance is not installed: drawn by the assessment module with Pillow as an "
        "illustration; the platform's own renderer may differ."
    )
    return buf.getvalue(), placement, problems, note


def build_materials(q: Questionnaire) -> LabellingMaterials:
    """The appendix materials from the questionnaire's labelling answers."""
    wording = str(q.get("labelling.explicit.wording", ""))
    corner = str(q.get("labelling.explicit.image_corner", "bottom-right"))
    ratio = float(q.get("labelling.explicit.height_ratio", 0.05))
    propagator = str(q.get("labelling.implicit.propagator", ""))
    integrity = str(q.get("labelling.implicit.integrity", "none"))
    fields = {
        "Label": "3",
        "ContentProducer": "",
        "ProduceID": "",
        "ReservedCode1": "",
        "ContentPropagator": propagator,
        "PropagateID": "job-0f3a9c2e",
        "ReservedCode2": "" if integrity == "none" else f"<{integrity} signature of the fields above>",
    }
    try:
        from ..provenance.aigc import AigcLabel

        example = AigcLabel(label="3", content_propagator=propagator, propagate_id="job-0f3a9c2e").to_json()
    except ImportError:
        import json

        example = json.dumps(
            {"AIGC": {k: fields[k] for k in _GB_FIELDS if k != "ReservedCode2"}}, separators=(",", ":")
        )
    placement: dict[str, Any] = {}
    problems: list[str] = []
    note = "No example: the wording is missing."
    if wording:
        _png, placement, problems, note = example_image(wording, corner, ratio)
    video = q.get("labelling.explicit.video_seconds")
    return LabellingMaterials(
        wording=wording,
        wording_problems=tuple(_wording_problems(wording)) if wording else ("no wording given",),
        image_corner=corner,
        height_ratio=ratio,
        video_seconds=float(video) if video is not None else None,
        audio_prompt=str(q.get("labelling.explicit.audio_prompt", "none")),
        implicit_example=example,
        implicit_fields=fields,
        containers=tuple(str(c) for c in q.get("labelling.implicit.containers", ()) or ()),
        integrity=integrity,
        example_placement=placement,
        example_placement_problems=tuple(problems),
        example_note=note,
    )
