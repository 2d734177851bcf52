"""Split passages into sentences and clauses, keeping offsets into the document."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Sentence ends; a single space counts only after a clause end (scraped notices that lost
# their newlines), never inside a sentence such as "永禄5年 （1562年）".
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*(?![^“”「」《》]*[”」》])|\n+|\s{2,}|(?<=[：:”」])[ \u3000\u00a0]+(?=\S)|(?=●)|(?=◆)"
                           # a wire dateline ends the headline before it: "…医院 新华社武汉2月12日电（记者 邹伟）"
                           r"|[0-9０-９]{1,2}月[0-9０-９]{1,2}日电(?:\s*[（(][^）)]{0,30}[）)])?")
_CLAUSE_END = re.compile(r"[，,、：:](?![^《》]{0,60}》)")  # not inside a title 《…，…》


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _split(text: str, base: int, pattern: re.Pattern[str]) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in pattern.finditer(text):
        end = match.end()
        if end > position:
            spans.append(Span(position, end))
            position = end
    if position < len(text):
        spans.append(Span(position, len(text)))
    result = []
    for span in spans:
        piece = text[span.start:span.end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            result.append(Span(base + span.start + left, base + span.start + right))
    return result


def split_sentences(text: str, base: int = 0) -> list[Span]:
    """Sentences of ``text``; offsets are ``base`` + position in ``text``."""
    return _split(text, base, _SENTENCE_END)


def split_clauses(text: str, base: int = 0) -> list[Span]:
    return _split(text, base, _CLAUSE_END)
