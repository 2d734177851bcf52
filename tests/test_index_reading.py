"""Uploaded HTML and .docx files, read, cleaned and indexed as the web app does (index/loading.py,
index/cleaning.py, index/metadata.py, index/chunking.py): no breadcrumb in a passage or section path, the title
once, whole place names, the document's own year rather than a target year, no title in a section path."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.build import build_index
from index.config import IndexConfig
from index.loading import read_document_file
from index.metadata import derive_metadata, find_places, find_year
from index.store import load_index

TITLE = "云岭县优化营商环境三年行动方案"
# enough text that each section is a passage of its own (short sibling sections share one)
MORE = "".join(f"第{i}项，推进审批事项减环节、减材料、减时限、减费用，做到企业和群众办事更加便利。" for i in range(1, 9))
HTML = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{TITLE}_云岭县人民政府门户网站</title>
<style>.nav {{ color: red; }}</style><script>var crumbs = "首页";</script></head>
<body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zcwj/">政策文件</a> &gt; 县政府文件</div>
<h1>{TITLE}</h1>
<div class="content">
<p>为进一步优化营商环境，激发市场主体活力，云岭县人民政府制定本方案。</p>
<h2>一、总体目标</h2>
<p>到2025年，云岭县企业开办时间压缩至1个工作日以内，政务服务事项全部实现网上办理。{MORE}</p>
<h2>二、主要措施</h2>
<p>推行“一网通办”，在云岭县政务服务中心设立综合受理窗口，实行一窗受理、集成服务。{MORE}</p>
</div>
<div class="footer">主办：云岭县人民政府办公室</div>
</body></html>
"""


def _html(folder: Path, body: str = HTML, name: str = "云岭县方案.html") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def _docx(folder: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("青川市数字政府建设实施方案", level=1)
    document.add_paragraph("一、工作目标")
    document.add_paragraph("到2026年，青川市政务服务事项网上可办率达到100%，群众办事少跑腿。" + MORE)
    document.add_paragraph("二、重点任务")
    document.add_paragraph("建设全市统一的数据共享平台，打通部门之间的数据壁垒，实现一次采集、多方复用。" + MORE)
    path = folder / "数字政府.docx"
    document.save(str(path))
    return path


def test_an_html_page_loses_its_breadcrumb_and_its_title_is_read_once(tmp_path):
    document = read_document_file(_html(tmp_path))
    assert "首页" not in document.text and "政策文件" not in document.text
    assert document.text.count(TITLE) == 1
    assert document.text.startswith(TITLE)
    assert "var crumbs" not in document.text and "color: red" not in document.text


def test_an_html_page_without_a_heading_keeps_its_page_title(tmp_path):
    body = HTML.replace(f"<h1>{TITLE}</h1>", "")
    document = read_document_file(_html(tmp_path, body))
    assert document.text.startswith(TITLE) and "门户网站" not in document.text.splitlines()[0]


def test_a_place_keeps_its_suffix():
    places = find_places(TITLE + " 为进一步优化营商环境，云岭县人民政府制定本方案。")
    assert places[0] == "云岭县" and "云岭" not in places


def test_a_target_year_is_not_the_documents_year():
    assert find_year("到2025年，云岭县企业开办时间压缩至1个工作日以内。") is None
    assert find_year("力争2025年底前全面完成。（2021—2025年）") is None
    assert find_year("到2025年，企业开办压缩至1个工作日。发布时间：2023年4月10日") == 2023
    assert find_year("江门市2023年推进十项重点改革，到2025年见效。") == 2023


def test_html_metadata_has_the_title_whole_place_and_no_target_year(tmp_path):
    document = read_document_file(_html(tmp_path))
    meta = derive_metadata(document.doc_id, document.text)
    assert meta["title"] == TITLE
    assert meta["place"] == "云岭县" and "云岭" not in meta["places"]
    assert meta["year"] != 2025


@pytest.fixture(scope="module")
def uploaded_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    _html(folder)
    _docx(folder)
    index_dir = tmp_path_factory.mktemp("uploads-index")
    build_index([folder], index_dir, IndexConfig())
    return load_index(index_dir)


def test_html_passages_and_sections_have_no_breadcrumb_or_title(uploaded_index):
    chunks = [c for c in uploaded_index.chunks if c.doc_id == "云岭县方案.html"]
    assert chunks
    for chunk in chunks:
        assert "首页" not in chunk.text and "首页" not in chunk.section
        assert TITLE not in chunk.section, chunk.section
    assert any(c.section == "一、总体目标" for c in chunks), [c.section for c in chunks]
    meta = uploaded_index.documents["云岭县方案.html"].meta
    assert (meta["title"], meta["place"]) == (TITLE, "云岭县") and meta["year"] != 2025


def test_a_docx_section_path_does_not_repeat_its_title(uploaded_index):
    stored = uploaded_index.documents["数字政府.docx"]
    assert stored.document.title == "青川市数字政府建设实施方案"
    chunks = [c for c in uploaded_index.chunks if c.doc_id == "数字政府.docx"]
    assert chunks
    for chunk in chunks:
        assert "青川市数字政府建设实施方案" not in chunk.section, chunk.section
        assert stored.document.text[chunk.start:chunk.end] == chunk.text
    assert {"一、工作目标", "二、重点任务"} <= {c.section for c in chunks}, [c.section for c in chunks]
    assert stored.meta["year"] != 2026


def test_a_breadcrumb_line_of_a_text_file_is_left_out():
    from index.cleaning import clean_lines

    text = "当前位置：首页 > 政策文件 > 通知公告\n关于优化营商环境的通知\n各单位：现将有关事项通知如下。"
    lines, dropped = clean_lines("a.txt", text)
    assert [(d.reason, d.text) for d in dropped] == [("boilerplate", "当前位置：首页 > 政策文件 > 通知公告")]
    assert sum(line.kept for line in lines) == 2


def test_a_year_the_document_speaks_of_as_now_is_kept():
    assert find_year("截至2023年6月底，全县累计办理业务1.2万件。") == 2023
    assert find_year("2023年以来，云岭县持续优化营商环境。") == 2023
