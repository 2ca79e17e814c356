"""C2PA manifests: read and validate them, and sign a platform's ``c2pa.opened`` manifest.

Built on ``c2pa-python`` (the ``provenance`` extra). Reading reports the active manifest, every
``digitalSourceType`` in it and in its ingredients' manifests (ChatGPT images carry
``trainedAlgorithmicMedia`` only in the ingredient), and the SDK's validation state:

* ``Trusted``: valid and the signer chains to a configured trust anchor;
* ``Valid``: well-formed, signature and hashes good, signer not on a trust list;
* ``Invalid``: something failed, **including an expired certificate without a timestamp**. An
  invalid manifest that says "AI" is still reported as AI (nobody forges an AI claim to their
  own disadvantage), with its state, so policy can weigh it.

Example:
    >>> reading = read_c2pa(b"not a media file", "x.bin")
    >>> reading.present
    False
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import ConfigError, ProvenanceError
from . import _containers
from .iptc import label_for_source_type

__all__ = ["AIGC_ASSERTION", "C2paReading", "C2paSigner", "mime_type", "read_c2pa", "sign_c2pa"]

#: Custom assertion in which a synthguard propagator records the GB 45438 label (crosswalk on egress).
AIGC_ASSERTION = "cn.org.tc260.aigc"

_MIME = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heif": "image/heic",
    "avif": "image/avif",
    "tiff": "image/tiff",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "avi": "video/avi",
}
# An error message from c2pa-rs and the validation status code it stands for.
_ERROR_CODES = {"unknown algorithm": "algorithm.unsupported", "JumbfNotFound": "claim.missing"}


def mime_type(fmt: str) -> str | None:
    """The MIME type c2pa-python expects for a sniffed container format (None: unsupported)."""
    return _MIME.get(fmt)


@dataclass(frozen=True, slots=True)
class C2paReading:
    """What a file's C2PA manifest store says.

    Attributes:
        present: a manifest store was found (even one that failed to parse: see ``error``).
        validation_state: ``Trusted`` / ``Valid`` / ``Invalid`` from the SDK, None if not read.
        status_codes: failure codes (``signingCredential.expired``, ``assertion.dataHash.mismatch``...).
        digital_source_types: of the active manifest's actions.
        ingredient_source_types: of actions in the other manifests of the store (ancestors).
        aigc: a GB 45438 label recorded by a propagator in ``cn.org.tc260.aigc``.
    """

    present: bool = False
    validation_state: str | None = None
    status_codes: tuple[str, ...] = ()
    active_manifest: str | None = None
    claim_generator: str = ""
    signer: str = ""
    actions: tuple[str, ...] = ()
    digital_source_types: tuple[str, ...] = ()
    ingredient_source_types: tuple[str, ...] = ()
    manifest_count: int = 0
    aigc: Mapping[str, Any] | None = None
    error: str = ""

    @property
    def ai_generated(self) -> bool:
        """Any manifest in the store declares a trained-model source type."""
        return any(
            label_for_source_type(u) for u in (*self.digital_source_types, *self.ingredient_source_types)
        )

    @property
    def label(self) -> str | None:
        """GB 45438 Label implied by the crosswalk ("1" or None)."""
        return "1" if self.ai_generated else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "validation_state": self.validation_state,
            "status_codes": list(self.status_codes),
            "active_manifest": self.active_manifest,
            "claim_generator": self.claim_generator,
            "signer": self.signer,
            "actions": list(self.actions),
            "digital_source_types": list(self.digital_source_types),
            "ingredient_source_types": list(self.ingredient_source_types),
            "manifest_count": self.manifest_count,
            "ai_generated": self.ai_generated,
            "implied_label": self.label,
            "aigc": dict(self.aigc) if self.aigc else None,
            "error": self.error,
        }


def _actions(manifest: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for assertion in manifest.get("assertions") or ():
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in (assertion.get("data") or {}).get("actions") or ():
                if isinstance(action, Mapping):
                    out.append((str(action.get("action", "")), action.get("digitalSourceType")))
    return out


def _generator(manifest: Mapping[str, Any]) -> str:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], Mapping):
        return " ".join(str(info[0].get(k, "")) for k in ("name", "version")).strip()
    return str(manifest.get("claim_generator", ""))


def _reader_context(trust_anchors: str | None) -> Any:
    if not trust_anchors:
        return None
    import c2pa

    return c2pa.Context(settings=c2pa.Settings.from_dict({"trust": {"trust_anchors": trust_anchors}}))


def read_c2pa(data: bytes, name: str = "", *, trust_anchors: str | None = None) -> C2paReading:
    """Read and validate the C2PA manifest store of a file. Never raises for absent or bad manifests.

    Args:
        data: the file's bytes.
        name: its name (only used when the content sniffs as unknown).
        trust_anchors: PEM root certificates; a chain to one of them reads ``Trusted``.
    """
    mime = mime_type(_containers.container_of(data, name))
    if mime is None:
        return C2paReading()
    try:
        import c2pa
    except ImportError:
        return C2paReading(error="c2pa-python is not installed (pip install 'synthguard[provenance]')")
    try:
        reader = c2pa.Reader.try_create(mime, io.BytesIO(data), context=_reader_context(trust_anchors))
    except Exception as exc:  # a manifest is there but cannot be read: that is a finding
        msg = str(exc)
        if b"c2pa" not in data:  # the asset itself did not parse and carries no manifest store
            return C2paReading(error=f"{type(exc).__name__}: {msg}"[:500])
        code = next((c for k, c in _ERROR_CODES.items() if k in msg), "manifest.unreadable")
        return C2paReading(
            present=True,
            validation_state="Invalid",
            status_codes=(code,),
            error=f"{type(exc).__name__}: {msg}"[:500],
        )
    if reader is None:
        return C2paReading()
    try:
        store = json.loads(reader.json())
        state = str(reader.get_validation_state() or store.get("validation_state") or "") or None
    except Exception as exc:
        return C2paReading(
            present=True,
            validation_state="Invalid",
            status_codes=("manifest.unreadable",),
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
    finally:
        reader.close()
    return _summarise(store, state)


def _summarise(store: Mapping[str, Any], state: str | None) -> C2paReading:
    manifests = store.get("manifests") or {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) or {}
    acts = _actions(active)
    others = [_actions(m) for label, m in manifests.items() if label != active_label]
    codes = tuple(
        dict.fromkeys(
            str(s.get("code", "")) for s in store.get("validation_status") or () if isinstance(s, Mapping)
        )
    )
    sig = active.get("signature_info") or {}
    aigc = None
    for assertion in active.get("assertions") or ():
        if assertion.get("label") == AIGC_ASSERTION and isinstance(assertion.get("data"), Mapping):
            aigc = dict(assertion["data"])
    return C2paReading(
        present=True,
        validation_state=state,
        status_codes=codes,
        active_manifest=active_label,
        claim_generator=_generator(active),
        signer=str(sig.get("issuer") or sig.get("common_name") or ""),
        actions=tuple(a for a, _ in acts),
        digital_source_types=tuple(d for _, d in acts if d),
        ingredient_source_types=tuple(d for acts_ in others for _, d in acts_ if d),
        manifest_count=len(manifests),
        aigc=aigc,
    )


# --------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class C2paSigner:
    """The platform's signing identity: a PEM chain (leaf first) and its private key.

    The leaf needs an ExtendedKeyUsage C2PA accepts (e.g. emailProtection). ``ta_url`` is an
    RFC 3161 timestamp authority: timestamp in production, or the manifest reads Invalid once the
    certificate expires.
    """

    cert_chain_pem: bytes = field(repr=False)
    private_key_pem: bytes = field(repr=False)
    alg: str = "es256"
    ta_url: str | None = None

    @classmethod
    def from_files(
        cls, cert_chain: str | Path, private_key: str | Path, alg: str = "es256", ta_url: str | None = None
    ) -> C2paSigner:
        """Load the chain and key from PEM files.

        Raises:
            ConfigError: a file is missing or unreadable.
        """
        try:
            return cls(Path(cert_chain).read_bytes(), Path(private_key).read_bytes(), alg, ta_url)
        except OSError as exc:
            raise ConfigError(f"cannot read C2PA signing credentials: {exc}") from exc

    def _signer(self) -> Any:
        import c2pa

        try:
            alg = getattr(c2pa.C2paSigningAlg, self.alg.upper())
        except AttributeError as exc:
            raise ConfigError(f"unknown C2PA signing algorithm {self.alg!r}") from exc
        info = c2pa.C2paSignerInfo(
            alg=alg,
            sign_cert=self.cert_chain_pem,
            private_key=self.private_key_pem,
            ta_url=self.ta_url.encode() if self.ta_url else None,
        )
        return c2pa.Signer.from_info(info)


def sign_c2pa(
    data: bytes,
    signer: C2paSigner,
    *,
    name: str = "",
    title: str = "",
    aigc: Mapping[str, str] | None = None,
    source_type: str | None = None,
) -> bytes:
    """Add the platform's manifest: ``c2pa.opened`` with the received file as parent ingredient.

    Args:
        aigc: the GB 45438 label the platform wrote; recorded in ``cn.org.tc260.aigc`` so the
            decision travels with the manifest (crosswalk on egress).
        source_type: an IPTC digitalSourceType URI to state on the ``c2pa.opened`` action (the
            crosswalk of Label "1": ``source_type_for_label("1")``), so C2PA-only readers see it.

    Raises:
        ProvenanceError: the container cannot carry C2PA here, or signing failed.
    """
    fmt = _containers.container_of(data, name)
    mime = mime_type(fmt)
    if mime is None:
        raise ProvenanceError(f"C2PA signing is not supported for {fmt}")
    try:
        import c2pa
    except ImportError as exc:
        raise ProvenanceError("c2pa-python is not installed (pip install 'synthguard[provenance]')") from exc
    opened: dict[str, Any] = {"action": "c2pa.opened", "parameters": {"ingredientIds": ["received"]}}
    if source_type:
        opened["digitalSourceType"] = source_type
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions", "data": {"actions": [opened]}}]
    if aigc:
        assertions.append({"label": AIGC_ASSERTION, "data": dict(aigc)})
    manifest = {
        "claim_generator_info": [{"name": "synthguard", "version": __version__}],
        "title": title or name or f"asset.{fmt}",
        "assertions": assertions,
    }
    try:
        builder = c2pa.Builder(manifest)
        builder.add_ingredient(
            {"title": name or "received", "relationship": "parentOf", "label": "received"},
            mime,
            io.BytesIO(data),
        )
        out = io.BytesIO()
        sgn = signer._signer()
        try:
            builder.sign(sgn, mime, io.BytesIO(data), out)
        finally:
            sgn.close()
            builder.close()
    except ConfigError:
        raise
    except Exception as exc:
        raise ProvenanceError(f"C2PA signing failed: {type(exc).__name__}: {exc}") from exc
    return out.getvalue()
