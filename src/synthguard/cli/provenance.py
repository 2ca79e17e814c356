"""Provenance commands: ``inspect``, ``label``, ``c2pa``, ``watermark``, ``visible-label``.

Keys come from options or the environment (never from files in the repository):
``SYNTHGUARD_LABEL_KEY`` (``hmac:<secret>`` or ``ed25519:<64 hex>``, optional ``@key_id``),
``SYNTHGUARD_WATERMARK_KEY``, ``SYNTHGUARD_C2PA_CERT`` / ``SYNTHGUARD_C2PA_KEY`` (PEM paths).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import SynthguardError

EXIT_OK, EXIT_FOUND_PROBLEM, EXIT_ERROR = 0, 1, 2

label_app = typer.Typer(
    help="GB 45438 implicit labels: read, write as propagator, verify.", no_args_is_help=True
)
c2pa_app = typer.Typer(help="C2PA manifests: read and validate, sign as propagator.", no_args_is_help=True)
wm_app = typer.Typer(
    help="Invisible watermarks (images; WAV/FLAC audio): embed, detect, bench.", no_args_is_help=True
)

_out = Console()
_err = Console(stderr=True)

KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="SYNTHGUARD_LABEL_KEY",
        help="ReservedCode2 key: hmac:<secret> or ed25519:<64 hex>[@key_id].",
    ),
]


def _fail(exc: Exception) -> typer.Exit:
    _err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(EXIT_ERROR)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(exc) from exc


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise _fail(exc) from exc


def _print_json(obj: Any) -> None:
    _out.print_json(json.dumps(obj, ensure_ascii=False))


def inspect_command(
    file: Annotated[Path, typer.Argument(help="Image, video or audio file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full JSON report.")] = False,
    trust_anchors: Annotated[Path | None, typer.Option(help="PEM trust anchors for C2PA.")] = None,
) -> None:
    """Everything the file says about itself: AIGC label, C2PA, IPTC, and the implied Label."""
    from ..provenance import inspect

    anchors = _read(trust_anchors).decode() if trust_anchors else None
    report = inspect(_read(file), file.name, trust_anchors=anchors)
    if as_json:
        _print_json(report.to_dict())
        return
    table = Table("source", "finding", title=f"provenance of {file.name}")
    a = report.aigc
    table.add_row(
        "GB 45438 AIGC",
        (
            "none"
            if not a.present
            else f"Label {a.label.label} ({a.source})"
            if a.label
            else "present but NOT trusted"
        ),
    )
    for p in a.problems:
        table.add_row("", f"[{'red' if p.severity == 'error' else 'yellow'}]{p.code}[/]: {p.message}")
    c = report.c2pa
    table.add_row(
        "C2PA",
        "none"
        if not c.present
        else f"{c.validation_state}; actions {', '.join(c.actions) or '-'}; "
        f"source types {', '.join(c.digital_source_types + c.ingredient_source_types) or '-'}; "
        f"signer {c.signer or '-'}" + (f"; {', '.join(c.status_codes)}" if c.status_codes else ""),
    )
    table.add_row("IPTC", ", ".join(report.iptc.digital_source_types) or "none")
    table.add_row("implied Label", f"{report.implicit_label or '-'} {report.implicit_label_source}")
    _out.print(table)


@label_app.command("read")
def label_read(
    file: Annotated[Path, typer.Argument()], as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Read and validate the AIGC label; exit 1 when it is missing or malformed."""
    from ..provenance.aigc import read_label

    reading = read_label(_read(file), file.name)
    if as_json:
        _print_json(reading.to_dict())
    else:
        label = reading.label
        _out.print(
            f"{file.name}: "
            + (
                "no AIGC label"
                if not reading.present
                else f"Label {label.label} ({reading.source})"
                if label
                else "AIGC label NOT trusted"
            )
        )
        if label:
            for k, v in label.to_dict().items():
                _out.print(f"  {k}: {v}")
        for p in reading.problems:
            _out.print(
                f"  [{'red' if p.severity == 'error' else 'yellow'}]{p.severity} {p.code}[/]: {p.message}"
            )
    if reading.label is None:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


@label_app.command("write")
def label_write(
    file: Annotated[Path, typer.Argument()],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")],
    propagator: Annotated[str, typer.Option(help="ContentPropagator: your platform's name or code.")],
    propagate_id: Annotated[str, typer.Option("--id", "--propagate-id", help="PropagateID of this item.")],
    label: Annotated[
        str | None, typer.Option(help="Label 1|2|3: the platform's decision (the more certain label wins).")
    ] = None,
    override: Annotated[
        bool, typer.Option(help="Write --label even if the file's label is more certain.")
    ] = False,
    producer: Annotated[str, typer.Option(help="ContentProducer when the file has none.")] = "",
    produce_id: Annotated[str, typer.Option(help="ProduceID when the file has none.")] = "",
    key: KeyOpt = None,
    iptc: Annotated[bool, typer.Option(help="Also write IPTC DigitalSourceType for Label 1.")] = True,
    visible: Annotated[bool, typer.Option(help="Also draw a visible AI生成 label (images).")] = False,
) -> None:
    """Write the platform's propagation fields, keeping the producer's, and sign ReservedCode2."""
    from ..provenance import _containers
    from ..provenance.aigc import IntegrityKey, propagate
    from ..provenance.iptc import source_type_for_label, write_iptc
    from ..provenance.visible import label_image_bytes

    data = _read(file)
    try:
        if visible:
            data, _ = label_image_bytes(data)
        ikey = IntegrityKey.from_config(key) if key else None
        data, new = propagate(
            data,
            propagator=propagator,
            propagate_id=propagate_id,
            key=ikey,
            label=label,
            producer=producer,
            produce_id=produce_id,
            name=file.name,
            override=override,
        )
        dst = source_type_for_label(new.label)
        if iptc and dst and _containers.container_of(data, file.name) in ("jpeg", "png", "webp"):
            data = write_iptc(data, dst, file.name)
    except SynthguardError as exc:
        raise _fail(exc) from exc
    _write(out, data)
    _out.print(f"wrote {out}: {new.to_json()}")


@label_app.command("verify")
def label_verify(
    file: Annotated[Path, typer.Argument()],
    key: KeyOpt = None,
    public_key: Annotated[str | None, typer.Option(help="Ed25519 public key (64 hex).")] = None,
) -> None:
    """Verify ReservedCode2 with the platform key; exit 1 when it does not verify."""
    from ..provenance.aigc import IntegrityKey, read_label, verify_label

    reading = read_label(_read(file), file.name)
    if reading.label is None:
        _out.print("no trusted AIGC label to verify")
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    try:
        k: IntegrityKey | bytes
        if public_key:
            k = bytes.fromhex(public_key)
        elif key:
            k = IntegrityKey.from_config(key)
        else:
            raise _fail(ValueError("pass --key (or SYNTHGUARD_LABEL_KEY) or --public-key"))
    except (SynthguardError, ValueError) as exc:
        raise _fail(exc) from exc
    ok = verify_label(reading.label, k)
    _out.print(f"ReservedCode2 {'verifies' if ok else 'does NOT verify'}")
    if not ok:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


@c2pa_app.command("read")
def c2pa_read(
    file: Annotated[Path, typer.Argument()],
    trust_anchors: Annotated[Path | None, typer.Option(help="PEM trust anchors.")] = None,
) -> None:
    """Read and validate the C2PA manifest store (JSON summary)."""
    from ..provenance.c2pa import read_c2pa

    anchors = _read(trust_anchors).decode() if trust_anchors else None
    _print_json(read_c2pa(_read(file), file.name, trust_anchors=anchors).to_dict())


@c2pa_app.command("sign")
def c2pa_sign(
    file: Annotated[Path, typer.Argument()],
    out: Annotated[Path, typer.Option("--out", "-o")],
    cert: Annotated[Path, typer.Option(envvar="SYNTHGUARD_C2PA_CERT", help="PEM chain, leaf first.")],
    private_key: Annotated[
        Path, typer.Option("--private-key", envvar="SYNTHGUARD_C2PA_KEY", help="PEM key.")
    ],
    alg: Annotated[str, typer.Option(help="es256 | es384 | ps256 | ed25519 ...")] = "es256",
    ta_url: Annotated[str | None, typer.Option(help="RFC 3161 timestamp authority URL.")] = None,
) -> None:
    """Add a c2pa.opened manifest with the file as parent ingredient (carries its AIGC label)."""
    from ..provenance.aigc import read_label
    from ..provenance.c2pa import C2paSigner, sign_c2pa
    from ..provenance.iptc import source_type_for_label

    data = _read(file)
    try:
        label = read_label(data, file.name).label
        signer = C2paSigner.from_files(cert, private_key, alg, ta_url)
        signed = sign_c2pa(
            data,
            signer,
            name=file.name,
            aigc=label.to_dict() if label else None,
            source_type=source_type_for_label(label.label) if label else None,
        )
    except SynthguardError as exc:
        raise _fail(exc) from exc
    _write(out, signed)
    _out.print(f"wrote {out}")


WmKey = Annotated[str, typer.Option("--key", envvar="SYNTHGUARD_WATERMARK_KEY", help="Watermark secret.")]


@wm_app.command("embed")
def wm_embed(
    file: Annotated[Path, typer.Argument(help="JPEG/PNG/WebP image or WAV/FLAC audio.")],
    out: Annotated[Path, typer.Option("--out", "-o")],
    key: WmKey,
    ident: Annotated[str, typer.Option("--id", help="Identifier (e.g. PropagateID); its hash is embedded.")],
    strength: Annotated[
        float, typer.Option(help="Image QIM step (higher: more robust, more visible).")
    ] = 16.0,
    quality: Annotated[int, typer.Option(help="JPEG/WebP quality of the output.")] = 95,
) -> None:
    """Embed an invisible watermark carrying the identifier's hash (the AIGC label is kept)."""
    from PIL import Image

    from ..provenance import _containers
    from ..provenance.watermark import embed, embed_audio_bytes, payload_for

    data = _read(file)
    sniffed = _containers.container_of(data, file.name)
    try:
        if sniffed in ("wav", "flac"):
            encoded = embed_audio_bytes(data, payload_for(ident), key=key.encode())
            found = _containers.find_aigc(data, sniffed)[0]
            if found:  # re-encoding drops tags: carry the implicit label over
                encoded = _containers.write_aigc(encoded, sniffed, found[0][2])
            _write(out, encoded)
            _out.print(f"wrote {out}")
            return
        img = Image.open(io.BytesIO(data))
        fmt = (img.format or "PNG").upper()
        marked = embed(img, payload_for(ident), key=key.encode(), strength=strength)
    except (OSError, SynthguardError) as exc:
        raise _fail(exc) from exc
    buf = io.BytesIO()
    marked.save(
        buf,
        fmt if fmt in ("JPEG", "PNG", "WEBP") else "PNG",
        **({"quality": quality} if fmt in ("JPEG", "WEBP") else {}),
    )
    encoded = buf.getvalue()
    xmp = _containers.get_xmp(data, sniffed) if sniffed in ("jpeg", "png", "webp") else None
    if xmp and _containers.container_of(encoded) == sniffed:
        encoded = _containers.set_xmp(encoded, sniffed, xmp)  # keep the implicit label
    _write(out, encoded)
    _out.print(f"wrote {out}")


@wm_app.command("detect")
def wm_detect(
    file: Annotated[Path, typer.Argument(help="Image or audio file.")],
    key: WmKey,
    ident: Annotated[
        str | None, typer.Option("--id", help="Expected identifier (bit accuracy, p-value).")
    ] = None,
    strength: Annotated[float, typer.Option(help="Image QIM step used when embedding.")] = 16.0,
) -> None:
    """Detect the watermark; exit 0 when found, 1 when not."""
    from PIL import Image

    from ..provenance import _containers
    from ..provenance.watermark import detect, detect_audio_bytes, payload_for

    data = _read(file)
    expected = payload_for(ident) if ident else None
    try:
        if _containers.container_of(data, file.name) in ("jpeg", "png", "webp", "gif", "bmp", "tiff"):
            result = detect(
                Image.open(io.BytesIO(data)), key=key.encode(), expected=expected, strength=strength
            )
        else:
            result = detect_audio_bytes(data, key=key.encode(), expected=expected)
    except (OSError, SynthguardError) as exc:
        raise _fail(exc) from exc
    _print_json(result.to_dict())
    if not result.detected:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


def visible_label_command(
    file: Annotated[Path, typer.Argument(help="Image (JPEG/PNG/WebP), video, or WAV/FLAC audio.")],
    out: Annotated[Path, typer.Option("--out", "-o")],
    text: Annotated[str, typer.Option(help="Wording; must contain AI/人工智能 and 生成/合成.")] = "AI生成",
    corner: Annotated[
        str, typer.Option(help="top-left | top-right | bottom-left | bottom-right")
    ] = "bottom-right",
    seconds: Annotated[float, typer.Option(help="Video: seconds from the start (0: throughout).")] = 3.0,
) -> None:
    """Add an explicit label: text in a corner (image / video), Morse "AI" prompt (audio)."""
    from ..provenance import _containers
    from ..provenance.visible import (
        VisibleLabelSpec,
        check_placement,
        label_audio_bytes,
        label_image_bytes,
        label_video_bytes,
    )

    data = _read(file)
    try:
        spec = VisibleLabelSpec(text=text, corner=corner, video_seconds=seconds or None)  # type: ignore[arg-type]
        fmt = _containers.container_of(data, file.name)
        if fmt in ("jpeg", "png", "webp"):
            result, placement = label_image_bytes(data, spec)
        elif fmt in ("wav", "flac"):
            result = label_audio_bytes(data)
            placement = None
        else:
            result, placement = label_video_bytes(data, spec)
    except SynthguardError as exc:
        raise _fail(exc) from exc
    _write(out, result)
    if placement is not None:
        problems = check_placement(placement)
        _out.print(f"wrote {out}: {placement.to_dict()}" + (f" PROBLEMS: {problems}" if problems else ""))
    else:
        _out.print(f"wrote {out} with the short-long-short-short prompt at the start")


def register(app: typer.Typer) -> None:
    """Add the provenance commands to the ``synthguard`` app."""
    app.command("inspect")(inspect_command)
    app.command("visible-label")(visible_label_command)
    app.add_typer(label_app, name="label")
    app.add_typer(c2pa_app, name="c2pa")
    app.add_typer(wm_app, name="watermark")


def _image_attack(spec: str, img: Any) -> Any:
    """A perturbation from synthguard.bench, or a chain 'a+b', or 'rotate:DEG'."""
    from dataclasses import replace

    import numpy as np
    from PIL import Image

    from ..bench.perturb import apply, parse_perturbation

    for part in spec.split("+"):
        if part == "none":
            continue
        if part.startswith("rotate:"):
            rotated = Image.fromarray(img.pixels).rotate(float(part[7:]), resample=Image.Resampling.BILINEAR)
            img = replace(img, pixels=np.asarray(rotated, dtype=np.uint8).copy())
        else:
            img = apply(parse_perturbation(part), img)
    return img


IMAGE_ATTACKS = (
    "none",
    "jpeg:90",
    "jpeg:75",
    "jpeg:50",
    "webp:75",
    "resize:0.5",
    "resize:0.75+jpeg:85",
    "crop:0.9",
    "crop:0.97",
    "rotate:1",
    "rotate:2",
    "noise:5",
    "blur:1",
)
AUDIO_ATTACKS = (
    "none",
    "mp3:128k",
    "mp3:64k",
    "aac:64k",
    "opus:32k",
    "resample:8000",
    "noise:30",
    "noise:20",
)


@wm_app.command("bench")
def wm_bench(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results.json and results.md.")],
    images: Annotated[
        list[Path] | None, typer.Option(help="Image files/folders to mark (repeatable).")
    ] = None,
    unmarked: Annotated[
        list[Path] | None, typer.Option(help="Unmarked images for the false-positive rate.")
    ] = None,
    audio: Annotated[list[Path] | None, typer.Option(help="Audio files/folders to mark.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many files per set.")] = 500,
    audio_limit: Annotated[int, typer.Option(help="At most this many marked audio files.")] = 60,
    unmarked_limit: Annotated[int, typer.Option(help="At most this many unmarked images.")] = 1000,
    fp_window: Annotated[
        float, typer.Option(help="Seconds per unmarked audio window (false positives).")
    ] = 4.0,
    ocr_images: Annotated[
        int, typer.Option(help="Also measure visible-label OCR on this many labelled + unlabelled images.")
    ] = 0,
    strength: Annotated[float, typer.Option(help="Image QIM step.")] = 16.0,
) -> None:
    """Measure watermark robustness (bit accuracy, detection rate) and false positives."""
    import time
    from dataclasses import replace

    import numpy as np
    from PIL import Image
    from rich.progress import Progress

    from ..bench.perturb import apply, parse_perturbation
    from ..media import Audio, load
    from ..media import Image as MImage
    from ..provenance.watermark import detect, detect_audio, embed, embed_audio, payload_for

    def files(paths: list[Path] | None, exts: tuple[str, ...], n: int) -> list[Path]:
        found: list[Path] = []
        for p in paths or []:
            found.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in exts) if p.is_dir() else [p])
        return found[:n]

    key = b"bench-key"
    results: dict[str, Any] = {"strength": strength, "image": {}, "audio": {}, "false_positives": {}}
    t0 = time.time()
    with Progress(console=_err, transient=True) as progress:
        imgs = files(images, (".jpg", ".jpeg", ".png", ".webp"), limit)
        acc: dict[str, list[tuple[float, bool, bool]]] = {a: [] for a in IMAGE_ATTACKS}
        psnr = []
        task = progress.add_task("image watermark", total=len(imgs))
        for i, path in enumerate(imgs):
            payload = payload_for(f"item-{i}")
            src = Image.open(path).convert("RGB")
            marked = embed(src, payload, key=key, strength=strength)
            diff = np.asarray(src, np.float64) - np.asarray(marked, np.float64)
            psnr.append(10 * np.log10(255**2 / max(float((diff**2).mean()), 1e-9)))
            base = MImage(pixels=np.asarray(marked, dtype=np.uint8))
            for attack in IMAGE_ATTACKS:
                px = _image_attack(attack, base).pixels
                r = detect(Image.fromarray(px), key=key, expected=payload, strength=strength)
                acc[attack].append((r.bit_accuracy or 0.0, r.detected, r.payload == payload))
            progress.advance(task)
        for attack, rows in acc.items():
            if rows:
                results["image"][attack] = {
                    "n": len(rows),
                    "bit_accuracy": float(np.mean([r[0] for r in rows])),
                    "detection_rate": float(np.mean([r[1] for r in rows])),
                    "blind_payload_rate": float(np.mean([r[2] for r in rows])),
                }
        if psnr:
            results["image_psnr_db"] = {"mean": float(np.mean(psnr)), "min": float(np.min(psnr))}
        neg = files(unmarked, (".jpg", ".jpeg", ".png", ".webp"), unmarked_limit)
        task = progress.add_task("unmarked images", total=len(neg))
        fp_known = fp_blind = 0
        for path in neg:
            r = detect(
                Image.open(path).convert("RGB"), key=key, expected=payload_for("item-0"), strength=strength
            )
            fp_known += r.detected
            fp_blind += r.crc_ok
            progress.advance(task)
        if neg:
            results["false_positives"]["image"] = {
                "n": len(neg),
                "detected_with_expected_payload": fp_known,
                "blind_crc_match": fp_blind,
            }
        clips = files(audio, (".flac", ".wav", ".mp3"), 10_000)
        aacc: dict[str, list[tuple[float, bool]]] = {a: [] for a in AUDIO_ATTACKS}
        snr, fp_audio, n_windows = [], 0, 0
        task = progress.add_task("audio watermark", total=len(clips))
        for i, path in enumerate(clips):
            clip = load(path)
            assert isinstance(clip, Audio)
            if i < audio_limit:
                x = clip.samples[: 10 * clip.sample_rate]
                payload = payload_for(f"clip-{i}")
                y = embed_audio(x, clip.sample_rate, payload, key=key)
                snr.append(10 * np.log10(float((x**2).sum()) / max(float(((x - y) ** 2).sum()), 1e-12)))
                marked_audio = replace(clip, samples=y)
                for attack in AUDIO_ATTACKS:
                    z = marked_audio if attack == "none" else apply(parse_perturbation(attack), marked_audio)
                    assert isinstance(z, Audio)
                    r = detect_audio(z.samples, z.sample_rate, key=key, expected=payload)
                    aacc[attack].append((r.bit_accuracy or 0.0, r.detected))
            win = int(fp_window * clip.sample_rate)  # unmarked windows for the false-positive rate
            for start in range(0, len(clip.samples) - win + 1, win):
                r = detect_audio(
                    clip.samples[start : start + win],
                    clip.sample_rate,
                    key=key,
                    expected=payload_for("clip-0"),
                )
                fp_audio += r.detected
                n_windows += 1
            progress.advance(task)
        for attack, arows in aacc.items():
            if arows:
                results["audio"][attack] = {
                    "n": len(arows),
                    "bit_accuracy": float(np.mean([r[0] for r in arows])),
                    "detection_rate": float(np.mean([r[1] for r in arows])),
                }
        if snr:
            results["audio_snr_db"] = {"mean": float(np.mean(snr)), "min": float(np.min(snr))}
        if n_windows:
            results["false_positives"]["audio_windows"] = {
                "n": n_windows,
                "seconds_each": fp_window,
                "detected": fp_audio,
            }
        if ocr_images:
            from ..provenance.visible import VisibleLabelSpec, detect_visible_label, label_image

            corners = ("bottom-right", "top-left", "top-right", "bottom-left")
            pool = files(unmarked or images, (".jpg", ".jpeg", ".png", ".webp"), ocr_images)
            task = progress.add_task("visible-label OCR", total=len(pool))
            hits = false_hits = unavailable = 0
            for i, path in enumerate(pool):
                src = Image.open(path).convert("RGB")
                labelled, _ = label_image(src, VisibleLabelSpec(corner=corners[i % 4]))  # type: ignore[arg-type]
                on, off = detect_visible_label(labelled), detect_visible_label(src)
                hits += on.found
                false_hits += off.found
                unavailable += not (on.available and off.available)
                progress.advance(task)
            if pool:
                results["visible_label_ocr"] = {
                    "n": len(pool),
                    "detection_rate": hits / len(pool),
                    "false_positive_rate": false_hits / len(pool),
                    "ocr_unavailable": unavailable,
                }
    results["seconds"] = round(time.time() - t0, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2), "utf-8")
    lines = ["| medium | perturbation | n | bit accuracy | detection rate |", "|---|---|---|---|---|"]
    for medium in ("image", "audio"):
        for attack, row in results[medium].items():
            lines.append(
                f"| {medium} | {attack} | {row['n']} | {row['bit_accuracy']:.3f} | "
                f"{row['detection_rate']:.3f} |"
            )
    (out / "results.md").write_text("\n".join(lines) + "\n", "utf-8")
    _out.print("\n".join(lines))
    _print_json({k: v for k, v in results.items() if k not in ("image", "audio")})
