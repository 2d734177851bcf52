"""The conversation as a Word file (.docx) or Markdown, for an official's report. No Gradio in here.

Each question is followed by its answer: every quote in quotation marks with its citation right after it
(《标题》 › 章节，第start–end字, the engine's offsets into the original document), or the no-answer message.
The documents cited are listed at the end. Input is the list of answer dicts the chat keeps
(``Answer.to_dict()``, or ``{"question", "error": True}`` for a question that failed).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

TITLE = "政策问答 · 对话记录"
QUESTION_CHARS = 200  # the engine reads at most 200 characters of a question; the record shows as much
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in a .docx (XML 1.0)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def clean(value: Any) -> str:
    """Text safe for XML: characters a Word file cannot hold are dropped, line ends normalised."""
    return _XML_UNSAFE.sub("", "" if value is None else str(value)).replace("\r\n", "\n").replace("\r", "\n")


def short_question(question: Any, limit: int = QUESTION_CHARS) -> str:
    """A question on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(clean(question).split())
    return text if len(text) <= limit else text[:limit] + "…"


def citation_label(c: dict[str, Any]) -> str:
    """``《标题》 › 章节，第start–end字``: where the quote stands in the original document."""
    title = c.get("title") or c.get("doc_id", "")
    section = f" › {c['section']}" if c.get("section") else ""
    return clean(f"《{title}》{section}，第{c.get('start')}–{c.get('end')}字")


@dataclass
class Quote:
    text: str
    citation: str


@dataclass
class Entry:
    """One question of the conversation and what the assistant said."""

    number: int
    question: str
    quotes: list[Quote] = field(default_factory=list)
    message: str = ""        # the no-answer (or error) message when there are no quotes
    confidence: str = ""     # 高 / 中 / 低


@dataclass
class Source:
    doc_id: str
    title: str
    place: str = ""
    year: Any = None
    questions: list[int] = field(default_factory=list)


def entries(answers: Sequence[dict[str, Any]]) -> tuple[list[Entry], list[Source]]:
    """The conversation as entries, and the documents cited, in order of first citation."""
    out: list[Entry] = []
    sources: dict[str, Source] = {}
    for number, ans in enumerate(answers, 1):
        entry = Entry(number, short_question(ans.get("question")), confidence=clean(ans.get("confidence")))
        answer = None if ans.get("no_answer") or ans.get("error") else ans.get("answer")
        if answer:
            cites = answer.get("citations") or []
            for c in cites:
                entry.quotes.append(Quote(clean(c.get("quote") or answer.get("text")), citation_label(c)))
                doc_id = str(c.get("doc_id", ""))
                src = sources.setdefault(doc_id, Source(doc_id, clean(c.get("title") or doc_id),
                                                        clean(c.get("place")), c.get("year")))
                if number not in src.questions:
                    src.questions.append(number)
            if not cites:
                entry.quotes.append(Quote(clean(answer.get("text")), ""))
        elif ans.get("error"):
            entry.message = "这一问出错了，没有回答。"
        else:
            entry.message = "未找到：" + (clean(ans.get("message")) or "现有文档没有回答这个问题。")
        out.append(entry)
    return out, list(sources.values())


def _source_line(s: Source) -> str:
    meta = [x for x in (s.place, f"{s.year}年" if s.year else "") if x]
    asked = "、".join(f"第{n}问" for n in s.questions)
    return f"《{s.title}》（{' · '.join([s.doc_id, *meta])}），引用于{asked}"


def _stamp(when: datetime | None) -> str:
    return (when or datetime.now()).strftime("%Y-%m-%d %H:%M")


def md_escape(text: str) -> str:
    """Markdown text that shows as written (no markup, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(answers: Sequence[dict[str, Any]], when: datetime | None = None) -> str:
    items, sources = entries(answers)
    lines = [f"# {TITLE}", "", f"导出时间：{_stamp(when)}", ""]
    for e in items:
        lines += [f"## 第{e.number}问：{md_escape(e.question)}", ""]
        for q in e.quotes:
            cite = f"（{md_escape(q.citation)}）" if q.citation else ""
            lines += [f"“{md_escape(' '.join(q.text.split()))}”{cite}", ""]
        if e.confidence and e.quotes:
            lines += [f"置信度：{e.confidence}", ""]
        if e.message:
            lines += [md_escape(e.message), ""]
    if sources:
        lines += ["## 来源文件", ""]
        lines += [f"{i}. {md_escape(_source_line(s))}" for i, s in enumerate(sources, 1)]
        lines.append("")
    return "\n".join(lines)


def write_docx(answers: Sequence[dict[str, Any]], path: Path, when: datetime | None = None) -> Path:
    """Write the conversation to a Word file at ``path``."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    items, sources = entries(answers)
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")  # Chinese text font
    doc.add_heading(TITLE, level=1)
    doc.add_paragraph(f"导出时间：{_stamp(when)}")
    for e in items:
        doc.add_heading(f"第{e.number}问：{e.question}", level=2)
        for q in e.quotes:
            para = doc.add_paragraph()
            para.add_run(f"“{q.text}”")
            if q.citation:
                run = para.add_run(f"（{q.citation}）")
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x55, 0x5F, 0x6D)
        if e.confidence and e.quotes:
            doc.add_paragraph(f"置信度：{e.confidence}")
        if e.message:
            doc.add_paragraph(e.message)
    if sources:
        doc.add_heading("来源文件", level=2)
        for s in sources:
            doc.add_paragraph(_source_line(s), style="List Number")
    path = Path(path)
    doc.save(str(path))
    return path


def export_files(answers: Sequence[dict[str, Any]], folder: Path, when: datetime | None = None) -> tuple[Path, Path]:
    """Both files in ``folder``, named after the time: (…docx, …md)."""
    when = when or datetime.now()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"政策问答-{when.strftime('%Y%m%d-%H%M%S')}"
    md = folder / f"{stem}.md"
    md.write_text(to_markdown(answers, when), encoding="utf-8")
    return write_docx(answers, folder / f"{stem}.docx", when), md
