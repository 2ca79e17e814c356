"""The provenance commands, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthguard.cli import app

runner = CliRunner()
KEY = "hmac:platform-secret-0001"


@pytest.fixture()
def png(tmp_path: Path, media: dict[str, bytes]) -> Path:
    p = tmp_path / "in.png"
    p.write_bytes(media["png"])
    return p


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_label_write_read_verify_inspect(png: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    code, text = _run(
        "label",
        "write",
        str(png),
        "-o",
        str(out),
        "--propagator",
        "PLATFORM",
        "--id",
        "item-1",
        "--label",
        "1",
        "--key",
        KEY,
    )
    assert code == 0, text
    assert _run("label", "read", str(png))[0] == 1  # no label in the input
    code, text = _run("label", "read", str(out), "--json")
    assert code == 0 and json.loads(text)["label"]["PropagateID"] == "item-1"
    assert _run("label", "verify", str(out), "--key", KEY)[0] == 0
    assert _run("label", "verify", str(out), "--key", "hmac:another-secret-0001")[0] == 1
    code, text = _run("inspect", str(out), "--json")
    report = json.loads(text)
    assert code == 0 and report["implicit_label"] == "1"
    assert report["iptc"]["ai"]  # the crosswalk is kept on egress


def test_label_write_without_decision_fails(png: Path, tmp_path: Path) -> None:
    code, text = _run(
        "label", "write", str(png), "-o", str(tmp_path / "o.png"), "--propagator", "P", "--id", "1"
    )
    assert code == 2 and "no valid Label" in text


def test_watermark_embed_detect(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    src = tmp_path / "photo.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((6, 8, 3)) * 255).astype("uint8")).resize((320, 240)).save(src, quality=95)
    out = tmp_path / "marked.jpg"
    assert _run("watermark", "embed", str(src), "-o", str(out), "--key", "s3cret", "--id", "item-1")[0] == 0
    code, text = _run("watermark", "detect", str(out), "--key", "s3cret", "--id", "item-1")
    assert code == 0 and json.loads(text)["detected"]
    assert _run("watermark", "detect", str(src), "--key", "s3cret", "--id", "item-1")[0] == 1


def test_visible_label(png: Path, tmp_path: Path) -> None:
    from synthguard.provenance.visible import FONT_CANDIDATES

    if not any(Path(p).is_file() for p, _ in FONT_CANDIDATES):
        pytest.skip("no CJK font (apt-get install fonts-noto-cjk)")
    out = tmp_path / "v.png"
    code, text = _run("visible-label", str(png), "-o", str(out))
    assert code == 0 and "PROBLEMS" not in text and out.is_file()
    assert _run("visible-label", str(png), "-o", str(out), "--text", "generated")[0] == 2


def test_c2pa_sign_read(png: Path, tmp_path: Path, test_ca: dict[str, bytes]) -> None:
    pytest.importorskip("c2pa")
    cert, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    cert.write_bytes(test_ca["chain"])
    key.write_bytes(test_ca["key"])
    out = tmp_path / "signed.png"
    code, text = _run(
        "c2pa", "sign", str(png), "-o", str(out), "--cert", str(cert), "--private-key", str(key)
    )
    assert code == 0, text
    code, text = _run("c2pa", "read", str(out))
    assert code == 0 and json.loads(text)["validation_state"] == "Valid"


def test_audio_watermark_keeps_the_label(tmp_path: Path) -> None:
    import io

    import av
    import numpy as np

    from synthguard.provenance.aigc import AigcLabel, read_label, write_label

    from .test_watermark import _speechlike

    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as c:
        s = c.add_stream("pcm_s16le", rate=16000)
        s.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            (_speechlike(5.0) * 32767).astype(np.int16)[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = 16000
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    src = tmp_path / "clip.wav"
    src.write_bytes(write_label(buf.getvalue(), AigcLabel("1", "P", "I")))
    out = tmp_path / "marked.wav"
    assert _run("watermark", "embed", str(src), "-o", str(out), "--key", "s3cret", "--id", "clip-1")[0] == 0
    assert read_label(out.read_bytes()).label == AigcLabel("1", "P", "I")
    code, text = _run("watermark", "detect", str(out), "--key", "s3cret", "--id", "clip-1")
    assert code == 0 and json.loads(text)["detected"]
    assert _run("watermark", "detect", str(src), "--key", "s3cret", "--id", "clip-1")[0] == 1
