"""Recognise heading lines and keep a section path (e.g. "9 创建… › 措施") while walking a document.

Levels, outermost first: bracketed banners (【…】, ◆…◆), short title lines without final
punctuation, "一、", "(一)" and "1 "/"1." items, then "目标"/"措施"-style labels.  A long
line that opens with an enumerator ("(一)党对…。印发…") is a heading by its lead clause.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEADING_CHARS = 40
MAX_LEAD_CHARS = 30
SEPARATOR = " › "

_BANNER = re.compile(r"^\s*(【[^】]{1,30}】|◆[^◆]{1,30}◆|■[^■]{1,30}■?|第[一二三四五六七八九十百]+[章节部分篇][\s\u2002\u3000]*.{0,30})\s*$")
_CN_NUMBER = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_PAREN_CN = re.compile(r"^\s*[(（][一二三四五六七八九十]{1,3}[)）]")
_ARABIC = re.compile(r"^\s*\d{1,2}(\s+|[、.．](?!\d))")
_PAREN_ARABIC = re.compile(r"^\s*[(（]\d{1,2}[)）]")
_LABEL = re.compile(r"^\s*(目标|措施|主要目标|工作目标|主要措施|工作措施|任务|主要任务|重点任务|工作进展|工作成效|责任单位|牵头单位|保障措施|附件\d*)\s*[:：]?\s*$")
_BYLINE = re.compile(r"^(文|图|记者|作者|来源|编辑|责任编辑|通讯员|供稿)\s*[/／:：]")
_FINAL_PUNCT = "。！？；;!?：:，,、…"
_LEAD_END = re.compile(r"[。！？；;!?：:]")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


def _lead(line: str) -> str:
    match = _LEAD_END.search(line)
    lead = line[: match.start()] if match else line
    return lead.strip()[:MAX_LEAD_CHARS]


def detect_heading(line: str) -> Heading | None:
    """Classify one logical line; None when it is body text."""
    stripped = line.strip().lstrip("●•·▪").strip()
    if not stripped:
        return None
    short = len(stripped) <= MAX_HEADING_CHARS
    unpunctuated = stripped[-1] not in _FINAL_PUNCT
    if _BANNER.match(stripped):
        return Heading(1, stripped)
    if _LABEL.match(stripped):
        return Heading(6, stripped.rstrip(":："))
    for level, pattern in ((3, _CN_NUMBER), (4, _PAREN_CN), (5, _ARABIC), (5, _PAREN_ARABIC)):
        if pattern.match(stripped):
            if short and unpunctuated:
                return Heading(level, stripped)
            lead = _lead(stripped)
            if len(lead) >= 4:
                return Heading(level, lead)
            return None
    if short and unpunctuated and len(stripped) >= 4 and not re.fullmatch(r"[\d\s\W]+", stripped) \
            and not re.match(r"^[(（].*[)）]$", stripped) and not _BYLINE.match(stripped):
        return Heading(2, stripped)
    return None


def is_whole_line_heading(line: str) -> bool:
    """True when the whole line is a heading (not a paragraph that opens with one)."""
    heading = detect_heading(line)
    return heading is not None and heading.text == line.strip().lstrip("●•·▪").strip().rstrip(":：")


class SectionTracker:
    """A stack of open headings; ``path`` joins them outermost first."""

    def __init__(self) -> None:
        self._stack: list[Heading] = []

    def push(self, heading: Heading) -> None:
        while self._stack and self._stack[-1].level >= heading.level:
            previous = self._stack.pop()
            # Two consecutive generic title lines are one two-line headline.
            if previous.level == heading.level == 2 and self._joinable:
                heading = Heading(2, previous.text + " " + heading.text)
        self._stack.append(heading)
        self._joinable = True

    def body(self) -> None:
        self._joinable = False

    _joinable = False

    @property
    def headings(self) -> tuple[Heading, ...]:
        """The open headings, outermost first."""
        return tuple(self._stack)

    @property
    def path(self) -> str:
        return SEPARATOR.join(h.text for h in self._stack)
