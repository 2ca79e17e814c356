"""Render an assessment: self-contained HTML (charts and the example image embedded as PNG), a PDF
(WeasyPrint), and the machine-readable JSON twin; hash the outputs for the audit log.

Chinese needs a CJK font: without one WeasyPrint silently drops the characters and matplotlib
draws boxes, so :func:`find_cjk_font` fails loudly instead (install ``fonts-noto-cjk`` or
``fonts-wqy-microhei``).

Example:
    >>> paths = write_report(assessment, "var/assess/out")  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['html', 'json', 'pdf']
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .build import fmt_seconds
from .facts import LATENCY_BINS, MODALITIES
from .labelling import example_image
from .model import STATUS_TEXT, Assessment
from .questionnaire import TRIGGERS

if TYPE_CHECKING:
    from ..store import AuditContext, Store

__all__ = [
    "CJK_FONT_FILES",
    "charts",
    "cjk_family",
    "file_sha256",
    "find_cjk_font",
    "from_json",
    "record_report_hashes",
    "render_html",
    "render_pdf",
    "to_json",
    "write_report",
]

#: CJK font files tried in order (Debian paths), with the fontconfig family WeasyPrint should use.
CJK_FONT_FILES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
)
_INSTALL_HINT = "install a CJK font, e.g. `apt-get install fonts-noto-cjk` (or fonts-wqy-microhei)"


@cache
def _cjk() -> tuple[Path, str]:
    for path, family in CJK_FONT_FILES:
        if Path(path).is_file():
            return Path(path), family
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True, check=False
        ).stdout
        for line in sorted(out.splitlines()):
            file, _, fam = line.partition(":")
            if file.strip() and fam.strip():
                return Path(file.strip()), fam.split(",")[0].strip()
    raise ConfigError(
        f"no CJK font found: Chinese text would be silently dropped from the report; {_INSTALL_HINT}"
    )


def find_cjk_font() -> Path:
    """The CJK font file used for charts and the example label.

    Raises:
        ConfigError: none is installed.
    """
    return _cjk()[0]


def cjk_family() -> str:
    """The fontconfig family name of that font (what the HTML/PDF asks for)."""
    return _cjk()[1]


# --------------------------------------------------------------------------- charts


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    path = str(find_cjk_font())
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    plt.rcParams["font.family"] = [name, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _png(fig: Any, plt: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=130)
    plt.close(fig)
    return buf.getvalue()


def charts(a: Assessment) -> dict[str, bytes]:
    """The report's charts as PNG bytes: ``volumes``, ``labels``, ``latency``."""
    plt = _plt()
    f = a.facts
    out: dict[str, bytes] = {}
    colours = {"image": "#4C78A8", "video": "#F58518", "audio": "#54A24B", "other": "#9D9D9D"}

    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    if f.daily:
        days = [d.day for d in f.daily]
        bottom = [0] * len(days)
        for m in MODALITIES:
            vals = [d.by_modality.get(m, 0) for d in f.daily]
            if any(vals):
                ax.bar(days, vals, bottom=bottom, color=colours[m], label=m, width=0.8)
                bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        ax.plot(days, [d.flagged for d in f.daily], color="#E45756", marker=".", label="flagged 命中")
        ax.legend(fontsize=7, ncol=5, loc="upper left")
        fig.autofmt_xdate()
    else:
        ax.text(
            0.5,
            0.5,
            "no scans in the period 本期无检测记录",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    ax.set_title("每日检测量 Items scanned per day", fontsize=10)
    ax.set_ylabel("items 条")
    out["volumes"] = _png(fig, plt)

    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    names = ["1 AI生成", "2 可能为AI生成", "3 疑似AI生成", "no label 未标识"]
    unl = max(0, f.scanned_total - f.labelled_total)
    vals = [f.labels.get("1", 0), f.labels.get("2", 0), f.labels.get("3", 0), unl]
    bars = ax.barh(names, vals, color=["#B279A2", "#FF9DA6", "#E45756", "#BAB0AC"])
    for b, v in zip(bars, vals, strict=True):
        ax.text(b.get_width(), b.get_y() + b.get_height() / 2, f" {v}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_title("标识分布 Label mix (Art. 6)", fontsize=10)
    ax.set_xlabel("items 条")
    out["labels"] = _png(fig, plt)

    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    labs = [lab for _, lab in LATENCY_BINS]
    counts = [f.review_latency_hist.get(lab, 0) for lab in labs]
    ax.bar(labs, counts, color="#72B7B2")
    pcts = [
        (p, v)
        for p, v in (
            ("p50", f.review_latency_p50),
            ("p90", f.review_latency_p90),
            ("p99", f.review_latency_p99),
        )
        if v is not None
    ]
    sub = "  ".join(f"{p} {fmt_seconds(v)}" for p, v in pcts) or "no reviews 无审核记录"
    ax.set_title(f"审核时延 Review latency ({sub})", fontsize=10)
    ax.set_ylabel("reviews 次")
    out["latency"] = _png(fig, plt)
    return out


# --------------------------------------------------------------------------- HTML / PDF / JSON


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("synthguard.assess", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["secs"] = fmt_seconds
    env.filters["pct"] = lambda x: "-" if x is None else f"{100 * x:.1f}%"
    env.filters["num"] = lambda x: "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))
    return env


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(a: Assessment) -> str:
    """The report as one self-contained HTML page (bilingual headings, charts embedded)."""
    family = cjk_family()
    imgs = {k: _data_uri(v) for k, v in charts(a).items()}
    example = None
    if a.labelling.wording:
        png, *_ = example_image(a.labelling.wording, a.labelling.image_corner, a.labelling.height_ratio)
        example = _data_uri(png)
    css = (Path(__file__).parent / "templates" / "report.css").read_text("utf-8")
    return str(
        _env()
        .get_template("report.html.j2")
        .render(
            a=a,
            f=a.facts,
            css=css,
            font_family=family,
            charts=imgs,
            example_image=example,
            status_text=STATUS_TEXT,
            triggers=TRIGGERS,
            modalities=MODALITIES,
            aigc_json=json.dumps(json.loads(a.labelling.implicit_example), ensure_ascii=False, indent=2)
            if a.labelling.implicit_example
            else "",
        )
    )


def render_pdf(a: Assessment, html: str | None = None) -> bytes:
    """The report as PDF bytes (WeasyPrint; fonts embedded).

    Raises:
        ConfigError: WeasyPrint or a CJK font is missing, or the PDF came out without the CJK font.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango/cairo shared libraries missing
        raise ConfigError(
            "PDF output needs WeasyPrint and its system libraries: `pip install weasyprint` and "
            f"`apt-get install libpango-1.0-0 libpangoft2-1.0-0`, or skip the PDF (--no-pdf) ({exc})"
        ) from exc
    html = html if html is not None else render_html(a)
    pdf: bytes = weasyprint.HTML(string=html, base_url=".").write_pdf()
    _check_pdf_font(pdf)
    return pdf


def _check_pdf_font(pdf: bytes) -> None:
    """Fail when the PDF embeds no CJK font (WeasyPrint would otherwise silently drop Chinese)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return
    reader = PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    for page in reader.pages[:2]:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        for ref in (fonts.get_object() if fonts is not None else {}).values():
            names.add(str(ref.get_object().get("/BaseFont", "")))
    if not any(k in n for n in names for k in ("CJK", "WenQuanYi", "WQY", "Hei", "Song")):
        raise ConfigError(f"the PDF embeds no CJK font (fonts: {sorted(names)}); {_INSTALL_HINT}")


def to_json(a: Assessment) -> str:
    """The JSON twin (UTF-8 text, indented); read it back with :func:`from_json`."""
    return json.dumps(a.to_dict(), ensure_ascii=False, indent=2)


def from_json(text: str | bytes) -> Assessment:
    """Read a JSON twin back into an :class:`Assessment`."""
    return Assessment.from_dict(json.loads(text))


def write_report(
    a: Assessment, out_dir: str | Path, *, pdf: bool = True, stem: str = "assessment"
) -> dict[str, Path]:
    """Write ``<stem>.html``, ``<stem>.pdf`` and ``<stem>.json`` (+ ``<stem>.sha256``) into ``out_dir``.

    Returns:
        ``{"html": path, "pdf": path, "json": path, "sha256": path}`` (no ``pdf`` when ``pdf=False``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(a)
    paths: dict[str, Path] = {}
    p = out / f"{stem}.html"
    p.write_text(html, "utf-8")
    paths["html"] = p
    if pdf:
        p = out / f"{stem}.pdf"
        p.write_bytes(render_pdf(a, html))
        paths["pdf"] = p
    p = out / f"{stem}.json"
    p.write_text(to_json(a), "utf-8")
    paths["json"] = p
    lines = [f"{file_sha256(path)}  {path.name}" for path in paths.values()]
    p = out / f"{stem}.sha256"
    p.write_text("\n".join(lines) + "\n", "utf-8")
    paths["sha256"] = p
    return paths


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes (hex)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record_report_hashes(
    store: Store, a: Assessment, paths: dict[str, Path], ctx: AuditContext | None = None
) -> int:
    """Record the report files' sha256 in the store's audit log (action ``assessment.report``).

    Returns:
        The audit record id.
    """
    from ..store import SYSTEM

    files = {
        kind: {"name": p.name, "sha256": file_sha256(p), "size": p.stat().st_size}
        for kind, p in paths.items()
        if kind != "sha256"
    }
    return store.audit(
        ctx or SYSTEM,
        "assessment.report",
        evidence_ids=[f"report:{v['sha256']}" for v in files.values()],
        details={
            "period": {"from": a.period.start.isoformat(), "to": a.period.end.isoformat()},
            "function": a.function.function_name,
            "trigger": a.trigger.code,
            "status": a.conclusion.status,
            "questionnaire_sha256": a.questionnaire_sha256,
            "files": files,
        },
    )
