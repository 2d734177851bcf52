"""webui/export.py: the conversation as .docx and Markdown (quotes in quotation marks, citation after each,
sources at the end); the .docx is read back with python-docx."""
from __future__ import annotations

from datetime import datetime

from webui import export

WHEN = datetime(2026, 5, 1, 10, 0, 0)
QUOTE = "推动区属企业开展智慧停车项目,目前接收管理停车场22个;"


def _found(question: str = "蓬江区接管了多少个停车场", quote: str = QUOTE, doc_id: str = "001.txt") -> dict:
    cite = {"doc_id": doc_id, "title": "蓬江区2023年改革要点", "section": "三、智慧城市", "start": 846,
            "end": 846 + len(quote), "quote": quote, "place": "蓬江区", "year": 2023}
    return {"question": question, "no_answer": False, "reason": "", "message": "", "confidence": "高",
            "answer": {"text": quote, "score": 0.9, "citations": [cite]}, "passages": []}


def _none(question: str = "如何申请美国签证？") -> dict:
    return {"question": question, "no_answer": True, "reason": "low_confidence",
            "message": "文档中没有找到能回答这个问题的内容。", "answer": None, "passages": []}


def _docx_lines(path) -> list[str]:
    from docx import Document

    return [p.text for p in Document(str(path)).paragraphs]


def test_docx_holds_each_quote_in_quotation_marks_with_its_citation_and_the_sources(tmp_path):
    answers = [_found(), _none(), _found("还是停车场？", doc_id="001.txt"), {"question": "坏了", "error": True}]
    path = export.write_docx(answers, tmp_path / "out.docx", WHEN)
    lines = _docx_lines(path)
    quote_line = next(line for line in lines if QUOTE in line)
    assert quote_line.startswith(f"“{QUOTE}”")
    assert quote_line.endswith("（《蓬江区2023年改革要点》 › 三、智慧城市，第846–874字）")
    assert "第1问：蓬江区接管了多少个停车场" in lines
    assert "未找到：文档中没有找到能回答这个问题的内容。" in lines
    assert "这一问出错了，没有回答。" in lines
    tail = lines[lines.index("来源文件"):]
    assert len(tail) == 2, "one line per cited document"
    assert "《蓬江区2023年改革要点》（001.txt · 蓬江区 · 2023年），引用于第1问、第3问" == tail[1]


def test_markdown_has_the_same_content_and_escapes_markup():
    md = export.to_markdown([_found("<b>停车场</b> #1 [x]"), _none()], WHEN)
    assert md.startswith("# 政策问答 · 对话记录\n\n导出时间：2026-05-01 10:00")
    assert "## 第1问：\\<b\\>停车场\\</b\\> \\#1 \\[x\\]" in md
    assert f"“{QUOTE}”（《蓬江区2023年改革要点》 › 三、智慧城市，第846–874字）" in md
    assert "## 第2问：如何申请美国签证？" in md and "未找到：" in md
    assert md.rstrip().endswith("引用于第1问")


def test_long_questions_are_cut_and_control_characters_dropped(tmp_path):
    long_question = "问" * 5000 + "\x00\x0b"
    path = export.write_docx([_found(long_question, quote="停车场\x0c22个")], tmp_path / "x.docx", WHEN)
    lines = _docx_lines(path)
    heading = next(line for line in lines if line.startswith("第1问："))
    assert heading == "第1问：" + "问" * export.QUESTION_CHARS + "…"
    assert any(line.startswith("“停车场22个”") for line in lines)


def test_empty_conversation_and_export_files(tmp_path):
    assert "来源文件" not in export.to_markdown([], WHEN)
    docx_path, md_path = export.export_files([_found()], tmp_path / "sub", WHEN)
    assert docx_path.name == "政策问答-20260501-100000.docx" and md_path.suffix == ".md"
    assert QUOTE in md_path.read_text(encoding="utf-8")
    assert any(QUOTE in line for line in _docx_lines(docx_path))
