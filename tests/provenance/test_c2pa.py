"""C2PA: sign as propagator with a test CA, read back, validate, and the crosswalk through C2PA."""

from __future__ import annotations

import json

import pytest

from synthguard.errors import ConfigError, ProvenanceError
from synthguard.provenance import inspect
from synthguard.provenance.aigc import AigcLabel, read_label, write_label
from synthguard.provenance.c2pa import C2paSigner, read_c2pa, sign_c2pa
from synthguard.provenance.iptc import source_type_for_label

pytest.importorskip("c2pa")


@pytest.fixture(scope="module")
def signer(test_ca: dict[str, bytes]) -> C2paSigner:
    return C2paSigner(test_ca["chain"], test_ca["key"])


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp-lossy", "wav", "mp4"])
def test_sign_and_read(
    media: dict[str, bytes], signer: C2paSigner, test_ca: dict[str, bytes], kind: str
) -> None:
    assert not read_c2pa(media[kind]).present
    signed = sign_c2pa(media[kind], signer, name=f"upload.{kind}")
    reading = read_c2pa(signed)
    assert reading.present and reading.validation_state == "Valid"
    assert reading.status_codes == ("signingCredential.untrusted",)
    assert reading.actions == ("c2pa.opened",)
    assert reading.claim_generator.startswith("synthguard")
    assert reading.signer == "synthguard test platform"
    assert not reading.ai_generated
    trusted = read_c2pa(signed, trust_anchors=test_ca["root"].decode())
    assert trusted.validation_state == "Trusted" and trusted.status_codes == ()
    json.dumps(reading.to_dict())


def test_propagator_manifest_carries_the_crosswalk(media: dict[str, bytes], signer: C2paSigner) -> None:
    labelled = write_label(media["jpeg"], AigcLabel("1", "P", "I", "", "PLATFORM", "42"))
    label = read_label(labelled).label
    assert label is not None
    signed = sign_c2pa(labelled, signer, aigc=label.to_dict(), source_type=source_type_for_label("1"))
    reading = read_c2pa(signed)
    assert reading.validation_state == "Valid"
    assert reading.ai_generated and reading.label == "1"
    assert reading.aigc is not None and reading.aigc["PropagateID"] == "42"
    assert read_label(signed).label == label  # signing after labelling keeps the AIGC field
    report = inspect(signed)
    assert report.implicit_label == "1" and report.implicit_label_source == "AIGC XMP"


def test_ai_claim_in_an_ingredient_is_found(media: dict[str, bytes], signer: C2paSigner) -> None:
    """Like ChatGPT images: the AI source type sits in the parent manifest, not the active one."""
    first = sign_c2pa(media["png"], signer, source_type=source_type_for_label("1"))
    second = sign_c2pa(first, signer)
    reading = read_c2pa(second)
    assert reading.manifest_count == 2
    assert reading.digital_source_types == ()
    assert reading.ingredient_source_types and reading.ai_generated
    report = inspect(second)
    assert report.implicit_label == "1" and report.implicit_label_source.startswith("C2PA ingredient")


def test_tampered_content_reads_invalid(media: dict[str, bytes], signer: C2paSigner) -> None:
    signed = bytearray(sign_c2pa(media["png"], signer, source_type=source_type_for_label("1")))
    idat = signed.index(b"IDAT")
    signed[idat + 10] ^= 0xFF
    reading = read_c2pa(bytes(signed))
    assert reading.validation_state == "Invalid"
    assert any("mismatch" in c for c in reading.status_codes)
    assert reading.ai_generated  # Invalid is not "not AI": the claim is still reported


def test_writing_aigc_after_signing_breaks_the_hard_binding(
    media: dict[str, bytes], signer: C2paSigner
) -> None:
    """Why ``label write`` must run before ``c2pa sign``: XMP bytes are covered by the C2PA hash."""
    signed = sign_c2pa(media["jpeg"], signer)
    relabelled = write_label(signed, AigcLabel("1", "P", "I"))
    assert read_c2pa(relabelled).validation_state == "Invalid"


def test_unsupported_and_bad_credentials(media: dict[str, bytes], signer: C2paSigner, tmp_path) -> None:
    with pytest.raises(ProvenanceError, match="not supported"):
        sign_c2pa(b"plain text", signer)
    with pytest.raises(ConfigError):
        C2paSigner.from_files(tmp_path / "missing.pem", tmp_path / "missing.key")
    with pytest.raises(ProvenanceError):
        sign_c2pa(media["png"], C2paSigner(b"not a cert", b"not a key"))
    with pytest.raises(ConfigError):
        sign_c2pa(media["png"], C2paSigner(signer.cert_chain_pem, signer.private_key_pem, alg="rot13"))
