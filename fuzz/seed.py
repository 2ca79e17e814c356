"""Write the seed corpus for the fuzzers into fuzz/corpus/ (or the folder given): one folder per harness.

* ``media/``: valid small files of every type (the media loaders).
* ``aigc/``: GB 45438 ``AIGC`` field values, valid and subtly wrong (``parse_value``).
* ``xmp/``: XMP packets with AIGC properties and IPTC DigitalSourceType, both forms (XMP/IPTC readers).
* ``containers/`` and ``inspect/``: files of every labelled container with an AIGC field and/or IPTC
  source type written by synthguard itself, plus the unlabelled samples (container readers,
  ``inspect_bytes``, label writing).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostilemedia import valid_samples

LABEL = {
    "Label": "1",
    "ContentProducer": "001191110108MA01KP2T5U00000",
    "ProduceID": "gen-2026-0001",
    "ReservedCode1": "",
    "ContentPropagator": "synthguard",
    "PropagateID": "p-1",
    "ReservedCode2": "",
}

AIGC_VALUES: dict[str, str] = {
    "standard": json.dumps({"AIGC": LABEL}, separators=(",", ":")),
    "bare-inner": json.dumps(LABEL),
    "label-2-spaces": json.dumps({"AIGC": {**LABEL, "Label": "2"}}, indent=1),
    "label-3-bom": "\ufeff" + json.dumps({"AIGC": {**LABEL, "Label": "3"}}),
    "bad-label": json.dumps({"AIGC": {**LABEL, "Label": "4"}}),
    "numeric-label": '{"AIGC":{"Label":1}}',
    "extra-keys": json.dumps({"AIGC": LABEL, "Other": {"x": [1, 2]}}),
    "unknown-field": json.dumps({"AIGC": {**LABEL, "Colour": "red"}}),
    "non-ascii": json.dumps({"AIGC": {**LABEL, "ContentProducer": "人工智能生成"}}, ensure_ascii=False),
    "control-chars": json.dumps({"AIGC": {**LABEL, "ProduceID": "a\u0000b\u202e"}}),
    "nested": '{"AIGC":{"Label":{"Label":["1"]}}}',
    "array": '[{"AIGC":{"Label":"1"}}]',
    "truncated": json.dumps({"AIGC": LABEL})[:40],
    "empty-object": "{}",
    "null": "null",
}

XMP_HEAD = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
)
XMP_TAIL = '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
TC260 = 'xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"'
IPTC = 'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
_AIGC_ATTR = json.dumps({"AIGC": LABEL}).replace('"', "&quot;")

XMP_PACKETS: dict[str, str] = {
    "aigc-attribute": f'{XMP_HEAD}<rdf:Description rdf:about="" {TC260} TC260:AIGC="{_AIGC_ATTR}"/>{XMP_TAIL}',
    "aigc-element": (
        f'{XMP_HEAD}<rdf:Description rdf:about="" {TC260}><TC260:AIGC>{json.dumps({"AIGC": LABEL})}'
        f"</TC260:AIGC></rdf:Description>{XMP_TAIL}"
    ),
    "dst-attribute": f'{XMP_HEAD}<rdf:Description rdf:about="" {IPTC} Iptc4xmpExt:DigitalSourceType="{DST}"/>{XMP_TAIL}',
    "dst-element-resource": (
        f'{XMP_HEAD}<rdf:Description rdf:about="" {IPTC}><Iptc4xmpExt:DigitalSourceType rdf:resource="{DST}"/>'
        f"</rdf:Description>{XMP_TAIL}"
    ),
    "dst-alt": (
        f'{XMP_HEAD}<rdf:Description rdf:about="" {IPTC}><Iptc4xmpExt:DigitalSourceType><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{DST}</rdf:li></rdf:Alt></Iptc4xmpExt:DigitalSourceType>'
        f"</rdf:Description>{XMP_TAIL}"
    ),
    "two-descriptions": (
        f'{XMP_HEAD}<rdf:Description rdf:about="" {TC260} TC260:AIGC="{{}}"/>'
        f'<rdf:Description rdf:about="" {IPTC} Iptc4xmpExt:DigitalSourceType="{DST}"/>{XMP_TAIL}'
    ),
    "rdf-only": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>',
    "entity": f'<!DOCTYPE x [<!ENTITY a "aaaa">]>{XMP_HEAD}<rdf:Description>&a;</rdf:Description>{XMP_TAIL}',
    "unclosed": f"{XMP_HEAD}<rdf:Description>",
}


def _labelled_files() -> dict[str, bytes]:
    """Samples of every writable container with synthguard's own AIGC field and IPTC source type."""
    out: dict[str, bytes] = {}
    try:
        from synthguard.provenance import AigcLabel, write_iptc, write_label
    except ImportError:  # provenance extra missing: the media seeds still help
        return out
    label = AigcLabel.from_dict(LABEL)
    for fmt, data in valid_samples().items():
        if len(data) > 256 * 1024:
            continue
        out[f"{fmt}-plain"] = data
        try:
            out[f"{fmt}-aigc"] = labelled = write_label(data, label, name=f"x.{fmt}")
        except Exception:  # a container synthguard does not write
            continue
        with contextlib.suppress(Exception):
            out[f"{fmt}-aigc-iptc"] = write_iptc(labelled, DST, name=f"x.{fmt}")
    return out


def main(out: Path) -> None:
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    for name, data in valid_samples().items():
        (media / name).write_bytes(data[:20000])
    for folder, items in (("aigc", AIGC_VALUES), ("xmp", XMP_PACKETS)):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for name, text in items.items():
            (out / folder / name).write_bytes(text.encode("utf-8"))
    labelled = _labelled_files()
    for folder in ("containers", "inspect", "label_write"):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for name, data in labelled.items():
            (out / folder / name).write_bytes(data)
        for name, text in XMP_PACKETS.items():  # bare packets: the HEIF/AVIF path scans raw bytes
            (out / folder / f"packet-{name}").write_bytes(text.encode("utf-8"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "corpus")
