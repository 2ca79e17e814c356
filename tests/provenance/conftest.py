"""Tiny media made on the fly for the provenance tests, and a throwaway C2PA test CA."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import av
import numpy as np
import pytest
from PIL import Image


def _image(fmt: str, **save: object) -> bytes:
    rng = np.random.default_rng(1)
    arr = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **save)
    return buf.getvalue()


def _audio(container: str, codec: str, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as c:
        s = c.add_stream(codec, rate=rate)
        s.layout = "mono"
        t = np.arange(rate // 4) / rate
        x = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(x[None, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return buf.getvalue()


def make_video(fmt: str = "mp4", seconds: float = 0.5, fps: int = 10, audio: bool = False) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream("aac", rate=16000) if audio else None
        if a is not None:
            a.layout = "mono"
        for i in range(int(fps * seconds)):
            img = np.full((48, 64, 3), (i * 17) % 255, np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
        if a is not None:
            x = np.zeros((1, int(16000 * seconds)), np.float32)
            fr = av.AudioFrame.from_ndarray(x, format="fltp", layout="mono")
            fr.sample_rate = 16000
            for p in a.encode(fr):
                c.mux(p)
            for p in a.encode(None):
                c.mux(p)
    return buf.getvalue()


MAKERS: dict[str, Callable[[], bytes]] = {
    "jpeg": lambda: _image("JPEG", quality=90),
    "png": lambda: _image("PNG"),
    "webp-lossless": lambda: _image("WEBP", lossless=True),
    "webp-lossy": lambda: _image("WEBP", quality=80),
    "mp3": lambda: _audio("mp3", "libmp3lame"),
    "wav": lambda: _audio("wav", "pcm_s16le"),
    "flac": lambda: _audio("flac", "flac"),
    "ogg": lambda: _audio("ogg", "libopus", 48000),
    "m4a": lambda: _audio("ipod", "aac"),
    "mp4": lambda: make_video("mp4"),
    "mov": lambda: make_video("mov"),
}


def decode_all(data: bytes) -> list[np.ndarray]:
    """Every decoded frame / sample block of every stream (pixels and samples, not bytes)."""
    if data[:3] == b"\xff\xd8\xff" or data[:4] == b"\x89PNG" or data[8:12] == b"WEBP":
        return [np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))]
    with av.open(io.BytesIO(data)) as c:
        return [f.to_ndarray() for f in c.decode(*c.streams)]


@pytest.fixture(scope="session")
def media() -> dict[str, bytes]:
    return {name: make() for name, make in MAKERS.items()}


@pytest.fixture(scope="session")
def test_ca() -> dict[str, bytes]:
    """A root CA and a leaf signing certificate (EKU emailProtection), made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "synthguard test root"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "synthguard test"),
        ]
    )
    ku = dict(
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **ku), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "platform signer"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "synthguard test platform"),
        ]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **ku), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return {
        "chain": leaf.public_bytes(pem) + root.public_bytes(pem),
        "key": leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        "root": root.public_bytes(pem),
    }
