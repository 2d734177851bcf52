"""Split a document into logical lines and decide which lines to leave out of the index.

Nothing is rewritten: every line is a ``(start, end)`` span of the original text, so the
chunks built from kept lines slice the original exactly.  Left out (and reported):
exact repeats of earlier paragraphs (pages that print their article twice) and web
boilerplate ("-我已经到底线啦-", "暂时没有评论", an empty "相关附件:", a breadcrumb "首页 > 政策文件").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.normalize import normalize_text
from index.records import DroppedSpan

# A whitespace run is a paragraph break when it holds a newline or an ideographic space,
# or when it sits between Chinese text (web-scraped notices often lose their newlines).
_BREAK_RE = re.compile(r"\s*\n\s*|[ \t\u00a0\u2002\u2003\u3000]*\u3000[ \t\u00a0\u2002\u2003\u3000]*|[ \t\u00a0\u2002\u2003]{2,}")
_CJK_OR_PUNCT = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’（）()【】《》、：:；;。！？!?…—\-0-9]")
_SINGLE_SPACE_RE = re.compile(r"[ \t\u00a0\u2002\u2003]")

# A breadcrumb line: "首页 > 政策文件", "当前位置：首页 >> 通知公告", "您的位置: 首页 / 信息公开"
BREADCRUMB_RE = re.compile(r"^(?:(?:当前|您的|你的|您现在的|所在)位置\s*[:：]?\s*)?(?:网站)?首页\s*(?:>|＞|»|›|/|→|-)")
BOILERPLATE_PATTERNS = [BREADCRUMB_RE] + [
    re.compile(p)
    for p in (
        r"^-*\s*我(已经|是有)?到底线啦\s*-*$",
        r"^暂时?没有评论$",
        r"^(相关)?附件\s*[:：]?\s*$",
        r"^(分享到|扫一扫|打印本页|关闭窗口|【?打印】?|【?关闭】?|返回顶部|上一篇|下一篇)[:：]?.{0,20}$",
        r"^(点击|阅读)(量|数)?\s*[:：]?\s*\d*$",
    )
]
MIN_DUPLICATE_CHARS = 12


@dataclass
class Line:
    start: int
    end: int
    kept: bool = True


_CLAUSE_END = "。！？；：:;!?）)」』”"
MIN_SOFT_LINE_CHARS = 6


def _is_soft_break(text: str, start: int, end: int, line_start: int) -> bool:
    """A single space between two pieces of Chinese text, after a clause end or a line long
    enough to be a title (so "1 深化…" and "文/赵可义 韩学广" stay whole)."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if not (before and after and _CJK_OR_PUNCT.match(before) and _CJK_OR_PUNCT.match(after)):
        return False
    return before in _CLAUSE_END or start - line_start >= MIN_SOFT_LINE_CHARS


def split_lines(text: str) -> list[Line]:
    """Logical lines as spans; the whitespace that separates them belongs to no line."""
    hard = [m.span() for m in _BREAK_RE.finditer(text) if m.end() > m.start()]
    hard_starts = {s for s, _ in hard}
    candidates = sorted(hard + [m.span() for m in _SINGLE_SPACE_RE.finditer(text)])
    breaks: list[tuple[int, int]] = []
    line_start = 0
    for s, e in candidates:
        if breaks and s < breaks[-1][1]:
            continue  # inside a break already taken
        if s in hard_starts or _is_soft_break(text, s, e, line_start):
            breaks.append((s, e))
            line_start = e
    lines: list[Line] = []
    position = 0
    for s, e in breaks:
        if s > position:
            lines.append(Line(position, s))
        position = max(position, e)
    if position < len(text):
        lines.append(Line(position, len(text)))
    return [line for line in lines if text[line.start:line.end].strip()]


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    return any(p.match(stripped) for p in BOILERPLATE_PATTERNS)


def clean_lines(doc_id: str, text: str) -> tuple[list[Line], list[DroppedSpan]]:
    """Mark boilerplate and repeated paragraphs as not kept; return lines and what was dropped."""
    lines = split_lines(text)
    dropped: list[DroppedSpan] = []
    seen: set[str] = set()
    previous_was_duplicate = False
    for line in lines:
        raw = text[line.start:line.end]
        key = re.sub(r"\s+", "", normalize_text(raw))
        if is_boilerplate(raw):
            line.kept = False
            dropped.append(DroppedSpan(doc_id, line.start, line.end, "boilerplate", raw))
            continue
        repeated = key in seen and (len(key) >= MIN_DUPLICATE_CHARS or previous_was_duplicate)
        if repeated:
            line.kept = False
            dropped.append(DroppedSpan(doc_id, line.start, line.end, "duplicate", raw))
        seen.add(key)
        previous_was_duplicate = repeated
    return lines, dropped
