"""HTML for answers, citations and source passages.

Every piece of document text or user input goes through ``esc`` before it is placed in markup;
highlights come from the engine's character offsets, never from searching strings.
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from webui.export import citation_label

SNIPPET_CHARS = 120
QUESTION_CHARS = 200  # a question is shown (and read by the engine) up to this length
HEAD_QUESTION_CHARS = 40  # in the sources header and the feedback title
NO_ANSWER_TEXT = "现有文档没有回答这个问题。"


def esc(value: Any) -> str:
    """HTML-escape any value; newlines become ``<br>`` and ``$`` is escaped for Gradio's HTML template."""
    text = "" if value is None else str(value)
    return html.escape(text, quote=True).replace("$", "&#36;").replace("\r", "").replace("\n", "<br>")


def format_citation(c: dict[str, Any]) -> str:
    """Plain-text citation: ``《标题》 › 章节，第start–end字`` (offsets into the original document)."""
    return citation_label(c)


def citations_text(ans: dict[str, Any] | None) -> str:
    """The answer with its citations, ready to copy: each quote in quotation marks, its citation after it."""
    if not ans or not ans.get("answer"):
        return ""
    a = ans["answer"]
    cites = a.get("citations") or []
    if not cites:
        return f"“{a.get('text') or ''}”"
    return "\n".join(f"“{c.get('quote') or a.get('text') or ''}”（{format_citation(c)}）" for c in cites)


COPY_LABEL = "复制答案与出处"


def copy_button(ans: dict[str, Any]) -> str:
    """复制答案与出处 on a reply: the page's script (``webui.blocks.COPY_JS``) copies the hidden lines beside the
    button, the reply's answer with its citations as plain text (:func:`citations_text`), not the bubble's HTML.
    (The chat's sanitiser drops ``data-`` attributes, so the text travels as hidden elements.)"""
    text = citations_text(ans)
    if not text:
        return ""
    lines = "".join(f'<span class="pqa-copy-line">{esc(line)}</span>' for line in text.split("\n"))
    return (f'<div class="pqa-copy-row"><button type="button" class="pqa-copy" '
            f'title="复制为纯文本：“原文”（《标题》 › 章节，第起–止字）">{COPY_LABEL}</button>'
            f'<span class="pqa-copy-text">{lines}</span></div>')


def _meta_chips(item: dict[str, Any]) -> str:
    chips = []
    if item.get("place"):
        chips.append(f'<span class="pqa-chip">{esc(item["place"])}</span>')
    if item.get("year"):
        chips.append(f'<span class="pqa-chip">{esc(item["year"])}年</span>')
    return "".join(chips)


def _title(item: dict[str, Any]) -> str:
    return f'<span class="pqa-title">《{esc(item.get("title") or item.get("doc_id", ""))}》</span>'


def _section(item: dict[str, Any]) -> str:
    return f'<span class="pqa-section">› {esc(item["section"])}</span>' if item.get("section") else ""


def position(item: dict[str, Any]) -> str:
    """A short position: ``第846–874字`` (characters of the original document; the file name is in the tooltip)."""
    return (f'<span class="pqa-pos" title="{esc(item.get("doc_id"))}，第{esc(item.get("start"))}–'
            f'{esc(item.get("end"))}字（从 0 起，不含末位）">第{esc(item.get("start"))}–{esc(item.get("end"))}字</span>')


def open_button(doc_id: Any, start: Any, end: Any, kind: str = "cite") -> str:
    """查看原文: the sources panel's script turns a click on it into the open-document event."""
    return (f'<button type="button" class="pqa-open" data-doc="{esc(doc_id)}" data-start="{int(start)}" '
            f'data-end="{int(end)}" data-kind="{kind}">查看原文</button>')


def question_html(question: str, limit: int = QUESTION_CHARS) -> str:
    """The user's chat bubble: a long question is cut (the engine reads only the first ``limit`` characters)."""
    if len(question) <= limit:
        return esc(question)
    return (esc(question[:limit]) + f'<span class="pqa-cut">…（问题共 {len(question)} 字，'
            f'只显示并查找前 {limit} 字）</span>')


def highlighted_passage(p: dict[str, Any]) -> str:
    """Passage text with its highlight spans (document offsets) wrapped in ``<mark>``."""
    text = p.get("text") or ""
    base = int(p.get("start") or 0)
    spans: list[tuple[int, int]] = []
    for h in p.get("highlights") or []:
        s = max(0, int(h["start"]) - base)
        e = min(len(text), int(h["end"]) - base)
        if e > s:
            spans.append((s, e))
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out.append(esc(text[pos:s]))
        out.append(f'<mark class="pqa-hl">{esc(text[s:e])}</mark>')
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)


def _snippet(p: dict[str, Any], limit: int = SNIPPET_CHARS) -> str:
    text = " ".join((p.get("text") or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def _cited_numbers(p: dict[str, Any], citations: list[dict[str, Any]]) -> list[int]:
    """Numbers of the citations whose span lies inside this passage."""
    return [i for i, c in enumerate(citations, 1)
            if c.get("doc_id") == p.get("doc_id") and p["start"] <= c["start"] and c["end"] <= p["end"]]


def reply_html(ans: dict[str, Any]) -> str:
    """The assistant's chat bubble: the answer highlighted with numbered citations, or a plain no-answer."""
    if not ans.get("no_answer") and ans.get("answer"):
        a = ans["answer"]
        cites = a.get("citations") or []
        items = "".join(
            f'<li><span class="pqa-num">[{i}]</span> {_title(c)}{_section(c)}{_meta_chips(c)}'
            + (f'<div class="pqa-quote">原文：“{esc(c.get("quote"))}”</div>' if c.get("quote") != a.get("text") else "")
            + f'<div class="pqa-loc">{position(c)}</div></li>'
            for i, c in enumerate(cites, 1))
        body = _parts_html(ans["parts"]) if ans.get("parts") else _answer_line(a.get("text"), 1, len(cites))
        parts = [
            '<div class="pqa-reply pqa-found">',
            f'<div class="pqa-label">答案{confidence_badge(ans)}</div>',
            body,
            f'<div class="pqa-label">出处</div><ol class="pqa-cites">{items}</ol>' if cites else "",
            why_html(ans),
            _notes(ans.get("notes")),
            copy_button(ans),
            '</div>',
        ]
        return "".join(parts)
    if ans.get("reason") in ("empty", "no_content"):
        label = "请输入问题" if ans.get("reason") == "empty" else "请换个问法"
        return ('<div class="pqa-reply pqa-info">'
                f'<div class="pqa-label">{label}</div><p>{esc(ans.get("message"))}</p>{_notes(ans.get("notes"))}</div>')
    passages = ans.get("passages") or []
    related = "".join(
        f'<li>{_title(p)}{_section(p)}<div class="pqa-snippet">{esc(_snippet(p))}</div></li>' for p in passages[:3])
    return "".join([
        '<div class="pqa-reply pqa-none">',
        '<div class="pqa-label pqa-none-label">未找到</div>',
        f'<p class="pqa-none-text">{esc(ans.get("message") or NO_ANSWER_TEXT)}</p>',
        f'<div class="pqa-label">可能相关</div><ol class="pqa-related">{related}</ol>' if related else "",
        _notes(ans.get("notes")),
        '</div>',
    ])


def _parts_html(parts: list[dict[str, Any]]) -> str:
    """A question that asks two or more things: each part under its own question, its quote with its
    citation numbers (numbered across the parts), or what the documents lack for it."""
    out, number = [], 0
    for part in parts:
        head = f'<div class="pqa-part-q">{esc(part.get("question"))}{confidence_badge(part)}</div>'
        if part.get("no_answer"):
            out.append(f'<div class="pqa-part pqa-part-none">{head}<p class="pqa-none-text">{esc(part.get("message"))}</p></div>')
            continue
        count = len(part.get("citations") or [])
        out.append(f'<div class="pqa-part">{head}{_answer_line(part.get("text"), number + 1, count)}</div>')
        number += count
    return "".join(out)


def _answer_line(text: Any, first: int, count: int) -> str:
    """The highlighted answer text with its citation numbers ``first`` … ``first + count - 1``."""
    refs = "".join(f'<sup class="pqa-ref">[{i}]</sup>' for i in range(first, first + count))
    return f'<div class="pqa-answer"><mark class="pqa-hl pqa-answer-text">{esc(text)}</mark>{refs}</div>'


CONFIDENCE_CLASS = {"高": "pqa-conf-high", "中": "pqa-conf-mid", "低": "pqa-conf-low"}


def confidence_badge(ans: dict[str, Any], label: str = "置信度") -> str:
    """置信度 高/中/低, with the answer model's probability as its tooltip."""
    level = ans.get("confidence") or ""
    if level not in CONFIDENCE_CLASS:
        return ""
    probability = ans.get("probability")
    tip = f"答案正确的可能性约 {float(probability):.0%}" if probability is not None else ""
    return f' <span class="pqa-conf {CONFIDENCE_CLASS[level]}" title="{esc(tip)}">{label}{level}</span>'


def why_html(ans: dict[str, Any], most: int = 3) -> str:
    """A folded 为什么是这个答案 line: the features that counted most for this answer and against it."""
    explanation = ans.get("explanation") or []
    pro = [e["label"] for e in explanation if e.get("contribution", 0) > 0][:most]
    con = [e["label"] for e in explanation if e.get("contribution", 0) < 0][:2]
    if not pro and not con:
        return ""
    lines = []
    if pro:
        lines.append("支持：" + "；".join(esc(x) for x in pro))
    if con:
        lines.append("存疑：" + "；".join(esc(x) for x in con))
    return ('<details class="pqa-why"><summary>为什么是这个答案</summary>'
            + "".join(f"<div>{line}</div>" for line in lines) + "</details>")


def _notes(notes: Iterable[str] | None) -> str:
    notes = [n for n in (notes or []) if n]
    if not notes:
        return ""
    return '<ul class="pqa-notes">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"


def sources_html(ans: dict[str, Any] | None, number: int | None = None) -> str:
    """The sources panel: the top passages of one answer, answer sentences highlighted in context."""
    if not ans:
        return ('<div class="pqa-sources pqa-empty">提问后，这里会列出答案所依据的原文段落，'
                '答案句以高亮标出。点击对话中的某条回答可查看它的来源。</div>')
    passages = ans.get("passages") or []
    cites = (ans.get("answer") or {}).get("citations") or []
    question = esc(_snippet({"text": ans.get("question")}, HEAD_QUESTION_CHARS))
    which = f"第{number}问" if number else "问题"
    head = f'<div class="pqa-sources-head">来源段落 · {which}：{question}{confidence_badge(ans, "答案置信度")}</div>'
    if not passages:
        return f'<div class="pqa-sources">{head}<div class="pqa-empty">没有检索到相关段落。</div></div>'
    label = "" if cites else '<div class="pqa-sources-sub">未找到答案，以下是最接近的段落（可能相关）：</div>'
    cards = []
    for rank, p in enumerate(passages, 1):
        cited = _cited_numbers(p, cites)
        badge = "".join(f'<span class="pqa-badge">引用 [{n}]</span>' for n in cited)
        also = (f'<div class="pqa-also">另见：{esc("、".join(p["also_published_as"]))}</div>'
                if p.get("also_published_as") else "")
        cards.append(
            f'<div class="pqa-src{" pqa-src-cited" if cited else ""}">'
            f'<div class="pqa-src-meta"><span class="pqa-rank">{rank}</span>{_title(p)}{_section(p)}'
            f'{_meta_chips(p)}{badge}</div>'
            f'<div class="pqa-src-text">{highlighted_passage(p) if cites else esc(p.get("text"))}</div>'
            f'<div class="pqa-src-loc">{position(p)}{_open_for(p, cites)}</div>'
            f'{also}</div>')
    return f'<div class="pqa-sources">{head}{label}{"".join(cards)}</div>'


def _open_for(p: dict[str, Any], cites: list[dict[str, Any]]) -> str:
    """The passage's 查看原文 button: at its first citation if it holds one, else at the passage itself."""
    inside = [c for c in cites if c.get("doc_id") == p.get("doc_id") and p["start"] <= c["start"] and c["end"] <= p["end"]]
    if inside:
        return open_button(p.get("doc_id"), inside[0]["start"], inside[0]["end"], "cite")
    return open_button(p.get("doc_id"), p.get("start", 0), p.get("end", 0), "passage")


def document_html(doc: dict[str, Any] | None, start: int = 0, end: int = 0, kind: str = "cite",
                  also: list[str] | None = None) -> str:
    """The whole original document (text as extracted, with its headings), the span ``[start, end)`` marked
    (yellow for a cited answer, grey for a passage), its metadata and the documents it was also published as."""
    if not doc:
        return ('<div class="pqa-doc pqa-empty">在“问答”页的来源段落中点击“查看原文”，'
                '这里会显示整篇原文，并定位到引用的位置。</div>')
    text = doc.get("text") or ""
    start, end = max(0, min(int(start), len(text))), max(0, min(int(end), len(text)))
    section = next((p.get("section", "") for p in doc.get("passages") or [] if p["start"] <= start < p["end"]), "")
    chips = _meta_chips(doc) + (f'<span class="pqa-chip">{esc(doc["kind"])}</span>' if doc.get("kind") else "")
    where = f'<span class="pqa-section">{esc(section)}</span> · ' if section else ""
    mark_class = "pqa-hl" if kind == "cite" else "pqa-near"
    body = (esc(text[:start]) + f'<mark id="pqa-cited" class="{mark_class}">{esc(text[start:end])}</mark>'
            + esc(text[end:])) if end > start else esc(text)
    also_line = (f'<div class="pqa-also">另见（内容相同或相近的转载）：{esc("、".join(also))}</div>' if also else "")
    meta = [f"文件：{esc(doc.get('doc_id'))}", f"共 {len(text)} 字"]
    if doc.get("added_at"):
        meta.append(f"加入时间：{esc(str(doc['added_at'])[:16].replace('T', ' '))}")
    label = "引用位置" if kind == "cite" else "段落位置"
    return ('<div class="pqa-doc">'
            f'<div class="pqa-doc-head"><span class="pqa-title">《{esc(doc.get("title") or doc.get("doc_id"))}》</span>{chips}</div>'
            f'<div class="pqa-doc-where">{label}：{where}第{start}–{end}字</div>'
            f'<div class="pqa-doc-meta">{" · ".join(meta)}</div>{also_line}'
            f'<div class="pqa-doc-text" id="pqa-doc-text">{body}</div></div>')


def passage_choices(ans: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, passage text) pairs for the "correct passage" picker of the feedback form (eval/feedback.py
    turns a "wrong" verdict's correct_passage into a gold answer, so the value is the text itself)."""
    if not ans:
        return []
    out = []
    for rank, p in enumerate(ans.get("passages") or [], 1):
        cite = format_citation(p)
        out.append((f"{rank}. {cite}：{_snippet(p, 40)}", p.get("text") or ""))
    return out


def feedback_title_html(line: str = "") -> str:
    """Title of the feedback form, with one line under it (its target, or what was recorded)."""
    return f'<div class="pqa-fb-title">这条回答对吗？</div>{line}'


def feedback_target_html(ans: dict[str, Any] | None, number: int | None) -> str:
    """The feedback title naming the answer the buttons will judge."""
    if not ans or not number:
        return feedback_title_html('<div class="pqa-fb-target">提问后可在此评价回答。</div>')
    question = esc(_snippet({"text": ans.get("question")}, HEAD_QUESTION_CHARS))
    verdict = {"right": "正确", "wrong": "错误"}.get(ans.get("feedback", ""))
    if verdict:
        return feedback_title_html(f'<div class="pqa-feedback-done">第{number}问“{question}”已标记为“{verdict}”。</div>')
    return feedback_title_html(f'<div class="pqa-fb-target">评价对象：第{number}问“{question}”</div>')


def feedback_done_html(number: int, verdict_label: str) -> str:
    return feedback_title_html(f'<div class="pqa-feedback-done">已记录：第{number}问 · 标记为“{verdict_label}”。谢谢！</div>')


def feedback_undone_html(number: int) -> str:
    return feedback_title_html(f'<div class="pqa-fb-target pqa-feedback-undone">已撤销第{number}问的评价，可以重新选择。</div>')


def kb_status_html(docs: list[dict[str, Any]] | None, error: str = "") -> str:
    """One line in the header: how many documents and passages the knowledge base holds."""
    if error:
        return f'<div class="pqa-status pqa-status-error">知识库不可用：{esc(error)}</div>'
    if docs is None:
        return '<div class="pqa-status">知识库加载中…</div>'
    chunks = sum(int(d.get("chunks") or 0) for d in docs)
    return f'<div class="pqa-status">知识库：{len(docs)} 份文件 · {chunks} 个段落</div>'


def report_html(report: dict[str, Any], verb: str = "加入", docs: dict[str, dict[str, Any]] | None = None) -> str:
    """What an upload or a deletion did to the files it was given, in the header's words (份文件, 个段落): each
    document added, replaced or deleted with its title, file name and passages, each refused file with the reason.
    ``docs``: the documents by doc_id (after an upload; before a deletion)."""
    if report.get("cancelled"):
        return '<div class="pqa-report"><ul><li>已取消上传，知识库没有变化。</li></ul></div>'
    docs = docs or {}

    def named(doc_id: Any, passages: bool = True) -> str:
        doc = docs.get(str(doc_id)) or {}
        title, chunks = doc.get("title") or "", doc.get("chunks")
        details = [] if not title or title == doc_id else [f"文件 {doc_id}"]
        if passages and chunks:
            details.append(f"{chunks} 个段落")
        return f"《{esc(title or doc_id)}》" + (f"（{esc('，'.join(details))}）" if details else "")

    lines = []
    added, updated, skipped = report.get("added") or [], report.get("updated") or [], report.get("skipped") or []
    deleted = report.get("deleted") or report.get("removed") or []
    if added:
        lines.append(f'<li class="pqa-ok">已{verb} {len(added)} 份文件：{"、".join(named(d) for d in added)}</li>')
    if updated:
        lines.append(f'<li class="pqa-ok">已替换 {len(updated)} 份同名文件，原内容不再保留：'
                     f'{"、".join(named(d) for d in updated)}</li>')
    if deleted:
        lines.append(f'<li class="pqa-ok">已删除 {len(deleted)} 份文件：{"、".join(named(d, False) for d in deleted)}</li>')
    for s in skipped:
        name = str(s.get("file") or s.get("path") or "").replace("\\", "/").rsplit("/", 1)[-1]
        lines.append(f'<li class="pqa-bad">未{verb}“{esc(name)}”：{esc(s.get("reason"))}</li>')
    if not lines:
        lines.append('<li>没有变化。</li>')
    meta = []
    if added or updated:
        meta.append("现在就可以在“问答”中就新加入的文件提问")
    if report.get("seconds"):
        meta.append(f"用时 {float(report['seconds']):.1f} 秒")
    tail = f'<div class="pqa-report-meta">{esc("；".join(meta))}。</div>' if meta else ""
    return f'<div class="pqa-report"><ul>{"".join(lines)}</ul>{tail}</div>'


def name_conflict_html(conflicts: list[dict[str, Any]]) -> str:
    """The replace-or-keep-both prompt: each uploaded file named like a document already there."""
    items = "".join(
        f'<li>“{esc(c.get("file"))}”：知识库中已有同名文件《{esc(c.get("title") or c.get("doc_id"))}》，内容不同'
        + (f'（两份都保留时，新文件记为“{esc(c["new_name"])}”）' if c.get("new_name") else "") + '</li>'
        for c in conflicts)
    return ('<div class="pqa-prompt"><b>已有同名文件，要替换吗？</b>'
            f'<ul>{items}</ul>替换后，原文件的内容不再能查到；两份都保留则都可提问和引用。</div>')


def delete_prompt_html(doc: dict[str, Any]) -> str:
    """The delete confirmation: which document, and that it cannot be undone here."""
    title = doc.get("title") or doc.get("doc_id")
    return (f'<div class="pqa-prompt"><b>确定删除《{esc(title)}》吗？</b><br>'
            f'文件“{esc(doc.get("doc_id"))}”及其 {esc(doc.get("chunks") or 0)} 个段落将从知识库中移除，'
            '之后不能再就它提问；要恢复，需重新上传原文件。</div>')


def error_html(message: str) -> str:
    return f'<div class="pqa-reply pqa-error"><div class="pqa-label">出错了</div><p>{esc(message)}</p></div>'
