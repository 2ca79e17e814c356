"""XMP packets: read properties safely (defusedxml) and rewrite the AIGC / IPTC ones.

Only what provenance needs: properties whose name contains ``AIGC`` and
``Iptc4xmpExt:DigitalSourceType``, written as simple properties so that any XMP reader sees them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

__all__ = [
    "IPTC_EXT_NS",
    "MAX_XMP_BYTES",
    "TC260_NS",
    "XmpProps",
    "build_packet",
    "find_packets",
    "parse_packet",
    "update_packet",
]

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X_NS = "adobe:ns:meta/"
TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
MAX_XMP_BYTES = 4 * 1024 * 1024  # bigger packets are not parsed (bounded work)

_PREFIXES = {
    "x": X_NS,
    "rdf": RDF_NS,
    "TC260": TC260_NS,
    "Iptc4xmpExt": IPTC_EXT_NS,
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
}
for _p, _u in _PREFIXES.items():
    ET.register_namespace(_p, _u)

_PACKET_RE = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta>|<rdf:RDF[\s>].*?</rdf:RDF>", re.S)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


@dataclass(frozen=True, slots=True)
class XmpProps:
    """What an XMP packet says that provenance cares about."""

    aigc: tuple[tuple[str, str], ...] = ()  # (property name, value)
    digital_source_type: tuple[str, ...] = ()


def find_packets(data: bytes, limit: int = MAX_XMP_BYTES) -> list[bytes]:
    """XMP packets found anywhere in ``data`` (a fallback for containers walked as bytes)."""
    out = []
    for m in _PACKET_RE.finditer(data):
        if m.end() - m.start() <= limit:
            out.append(m.group(0))
    return out


def _text_of(el: ET.Element) -> str:
    resource = el.get(f"{{{RDF_NS}}}resource")
    if resource is not None:
        return resource
    if el.text and el.text.strip():
        return el.text.strip()
    # rdf:Alt / rdf:Seq / rdf:Bag: first li
    for li in el.iter(f"{{{RDF_NS}}}li"):
        return (li.text or "").strip()
    return ""


def parse_packet(packet: bytes) -> XmpProps:
    """Read AIGC and DigitalSourceType properties (attribute or element form) from one packet.

    Raises:
        ValueError: the packet is not well-formed XML or is too large.
    """
    if len(packet) > MAX_XMP_BYTES:
        raise ValueError(f"XMP packet of {len(packet)} bytes exceeds {MAX_XMP_BYTES}")
    root = SafeET.fromstring(_strip_packet(packet))
    aigc: list[tuple[str, str]] = []
    dst: list[str] = []
    for desc in root.iter(f"{{{RDF_NS}}}Description"):
        for attr, value in desc.attrib.items():
            ns, local = _local(attr)
            if "AIGC" in local:
                aigc.append((_qname(ns, local), value))
            elif local == "DigitalSourceType" and ns == IPTC_EXT_NS:
                dst.append(value.strip())
        for child in desc:
            ns, local = _local(child.tag)
            if "AIGC" in local:
                aigc.append((_qname(ns, local), _text_of(child)))
            elif local == "DigitalSourceType" and ns == IPTC_EXT_NS:
                dst.append(_text_of(child))
    return XmpProps(tuple(aigc), tuple(d for d in dst if d))


def _qname(ns: str, local: str) -> str:
    prefix = next((p for p, u in _PREFIXES.items() if u == ns), ns)
    return f"{prefix}:{local}" if prefix else local


def _strip_packet(packet: bytes) -> bytes:
    start = packet.find(b"<x:xmpmeta")
    if start < 0:
        start = packet.find(b"<rdf:RDF")
    end_tag = b"</x:xmpmeta>" if packet[start : start + 10] == b"<x:xmpmeta" else b"</rdf:RDF>"
    end = packet.rfind(end_tag)
    if start < 0 or end < 0:
        raise ValueError("no x:xmpmeta / rdf:RDF element in the XMP packet")
    return packet[start : end + len(end_tag)]


def build_packet(body: bytes) -> bytes:
    """Wrap an ``x:xmpmeta`` element in the standard xpacket processing instructions."""
    return b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>' + body + b'<?xpacket end="w"?>'


def update_packet(
    packet: bytes | None,
    *,
    aigc: str | None = None,
    remove_aigc: bool = False,
    digital_source_type: str | None = None,
) -> bytes:
    """Return a packet with every AIGC property removed and, if given, one ``TC260:AIGC`` set.

    Other properties are kept (namespace prefixes of unknown schemas may be renamed, which XMP
    allows). ``digital_source_type`` replaces ``Iptc4xmpExt:DigitalSourceType``.
    """
    if packet:
        root = SafeET.fromstring(_strip_packet(packet))
        if _local(root.tag) == (RDF_NS, "RDF"):
            wrapper = ET.Element(f"{{{X_NS}}}xmpmeta")
            wrapper.append(root)
            root = wrapper
        elif _local(root.tag) != (X_NS, "xmpmeta"):
            # Not XMP (e.g. an "rdf" prefix bound to another namespace, found by fuzzing): refuse
            # rather than write a label into a packet no reader will parse.
            raise ValueError(f"the XMP packet's root element {root.tag!r} is neither x:xmpmeta nor rdf:RDF")
    else:
        root = ET.Element(f"{{{X_NS}}}xmpmeta")
    rdf = root.find(f"{{{RDF_NS}}}RDF")
    if rdf is None:
        rdf = ET.SubElement(root, f"{{{RDF_NS}}}RDF")
    # clean every Description the reader reads (all of the tree, not only those under the first
    # rdf:RDF: fuzzing found an AIGC left behind under a wrapper in a foreign namespace)
    for desc in list(root.iter(f"{{{RDF_NS}}}Description")):
        if aigc is not None or remove_aigc:
            for attr in [a for a in desc.attrib if "AIGC" in _local(a)[1]]:
                del desc.attrib[attr]
            for child in [c for c in desc if "AIGC" in _local(c.tag)[1]]:
                desc.remove(child)
        if digital_source_type is not None:
            key = f"{{{IPTC_EXT_NS}}}DigitalSourceType"
            desc.attrib.pop(key, None)
            for child in [c for c in desc if c.tag == key]:
                desc.remove(child)
    descs = list(rdf.iter(f"{{{RDF_NS}}}Description"))
    if not descs:
        descs = [ET.SubElement(rdf, f"{{{RDF_NS}}}Description", {f"{{{RDF_NS}}}about": ""})]
    target = descs[0]
    if aigc is not None:
        ET.SubElement(target, f"{{{TC260_NS}}}AIGC").text = aigc
    if digital_source_type:
        ET.SubElement(target, f"{{{IPTC_EXT_NS}}}DigitalSourceType").text = digital_source_type
    return build_packet(ET.tostring(root, encoding="utf-8", xml_declaration=False))
