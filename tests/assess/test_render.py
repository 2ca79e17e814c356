"""HTML, PDF and JSON twin: sections, Chinese headings, embedded charts, legible Chinese in the PDF."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from synthguard.assess import (
    Assessment,
    StaticFacts,
    build_report,
    from_json,
    load_questionnaire,
    render_html,
    render_pdf,
    to_json,
)
from synthguard.assess import render as render_mod
from synthguard.errors import ConfigError

from .conftest import EXAMPLE, PERIOD, good_facts


@pytest.fixture(scope="module")
def assessment() -> Assessment:
    q = load_questionnaire(EXAMPLE)
    return build_report(q, StaticFacts(good_facts()), PERIOD, bench_dir=[])


@pytest.fixture(scope="module")
def html(assessment: Assessment) -> str:
    return render_html(assessment)


@pytest.fixture(scope="module")
def pdf(assessment: Assessment, html: str) -> bytes:
    return render_pdf(assessment, html)


@pytest.mark.parametrize(
    "needle",
    [
        "安全评估报告",
        "一、主体信息",
        "二、服务与功能",
        "三、评估事由",
        "四、评估项目",
        "实际情况 Actual situation",
        "五、运行数据",
        "六、检测能力",
        "七、安全事件",
        "八、评估结论",
        "附录A 标识材料",
        "附录B 数据来源与方法",
        "日志信息记录与留存",
        "第六条 上传内容标识判定",
        "未标识内容接收者日志",
        "☑",
        "示例互动科技有限公司",
        'content: "安全评估报告 Security assessment report"',  # CSS is not HTML-escaped
    ],
)
def test_html_has_sections_and_chinese_headings(html: str, needle: str) -> None:
    assert needle in html


def test_html_has_every_item_charts_and_example(assessment: Assessment, html: str) -> None:
    for it in assessment.items:
        assert f'id="item-{it.id}"' in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 4  # 3 charts + the labelled example
    assert 'alt="example label"' in html
    assert "未记录 not recorded" in html  # watermarks / incidents have no source


def test_pdf_has_legible_chinese_and_cjk_font(pdf: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages)
    for needle in ("安全评估报告", "主体信息", "实际情况", "标识材料", "AI生成"):
        assert needle in text.replace("\n", ""), needle
    fonts = {
        str(f.get_object()["/BaseFont"]) for p in reader.pages[:1] for f in p["/Resources"]["/Font"].values()
    }
    assert any("CJK" in f for f in fonts), fonts


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_pdf_rasterises_with_charts(pdf: bytes, tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 5
    # The page with the charts has many coloured (non-grey) pixels; text pages have almost none.
    coloured = []
    for p in pages:
        a = np.asarray(Image.open(p).convert("RGB")).astype(int)
        coloured.append(float(((a.max(axis=2) - a.min(axis=2)) > 60).mean()))
    assert max(coloured) > 0.05, coloured


def test_json_twin_round_trip(assessment: Assessment) -> None:
    text = to_json(assessment)
    back = from_json(text)
    assert back == assessment
    d = json.loads(text)
    assert d["schema_version"] == "1.0"
    assert d["facts"]["scanned_total"] == assessment.facts.scanned_total
    assert [i["status"] for i in d["items"]] == [i.status for i in assessment.items]
    assert d["trigger"]["code"] == "new_function"
    with pytest.raises(ValueError, match="schema_version"):
        Assessment.from_dict({**d, "schema_version": "9.0"})


def test_missing_cjk_font_fails_clearly(monkeypatch: Any, assessment: Assessment) -> None:
    monkeypatch.setattr(render_mod, "CJK_FONT_FILES", (("/nonexistent/font.ttc", "Nope"),))
    monkeypatch.setattr(render_mod.shutil, "which", lambda _name: None)
    render_mod._cjk.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"no CJK font found.*fonts-noto-cjk"):
            render_html(assessment)
    finally:
        monkeypatch.undo()
        render_mod._cjk.cache_clear()


def _has_chi_sim() -> bool:
    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        return False
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
    return "chi_sim" in out.stdout


@pytest.mark.slow
@pytest.mark.skipif(not _has_chi_sim(), reason="needs tesseract with chi_sim and pdftoppm")
def test_pdf_chinese_is_legible_to_ocr(pdf: bytes, tmp_path: Path) -> None:
    """The glyphs really render: OCR reads the Chinese title back from the rasterised cover."""
    from PIL import Image

    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), str(tmp_path / "c")],
        check=True,
    )
    page = next(tmp_path.glob("c-*.png"))
    img = Image.open(page)
    img.crop((0, 0, img.width, img.height * 2 // 5)).save(tmp_path / "top.png")
    out = subprocess.run(
        ["tesseract", str(tmp_path / "top.png"), "-", "-l", "chi_sim"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "安全评估报告" in out.replace(" ", "")
