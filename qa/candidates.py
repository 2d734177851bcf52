"""Answer candidates: every plausible answer span of a passage, with exact document offsets.

The span shapes are those an answer takes in policy text and encyclopedic prose:

- ``sentence``     one sentence (kept whole when it is at most ``sentence_slack`` over the limit);
- ``window``       the clauses of a long sentence that fit the limit, one window starting at each
                   clause: text that runs for hundreds of characters without a 。 (court judgments,
                   some notices) is read clause by clause;
- ``pair``         a sentence with the next one of its paragraph (an antecedent, a continuation,
                   an answer that names its subject in the sentence before);
- ``paragraph``    a sentence with the sentences that follow it in its paragraph (a notice names a
                   measure, then spells it out), for how, why, what-measures and list questions;
- ``enumeration``  a lead sentence with the list items after it, for list questions;
- ``note``         a sentence with its item's "(牵头单位：…)" note, for who-leads questions.

Which one answers is the answer model's decision (``qa.answer_model``); this module only makes
sure the right span is among the candidates and that its offsets slice the original text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from qa.config import ReadingConfig
from qa.question import Question
from qa.sentences import Span, split_clauses

SHAPES = ("sentence", "window", "pair", "paragraph", "enumeration", "note")

ENUM_ITEM = re.compile(r"^\s*(●|•|·|▪|[一二三四五六七八九十]+[是、]|[(（][一二三四五六七八九十0-9]+[)）]|\d{1,2}[.、．])")
RESPONSIBILITY = re.compile(r"[（(](?:牵头单位|责任单位|牵头部门|责任部门|主办单位|负责单位|主责单位|牵头)[：:][^）)\n]{1,80}[）)]?")


@dataclass(frozen=True)
class Candidate:
    """One answer span of passage ``passage``: sentences ``first``..``last`` of it, or a clause
    window inside sentence ``first``; ``note`` is a second quote (the item's responsibility note)
    shown after the span when it is not next to it."""

    passage: int
    start: int
    end: int
    shape: str
    first: int
    last: int
    note: Span | None = None

    @property
    def chars(self) -> int:
        return self.end - self.start + (self.note.end - self.note.start if self.note else 0)


def answer_limit(question: Question, config: ReadingConfig) -> int:
    """The longest answer this kind of question gets (a list's sentences; its enumeration may be longer)."""
    if question.wants_list:
        return max(config.list_sentence_chars, config.list_item_chars * question.item_count)
    if question.wants_measures:
        return config.measures_chars
    if question.wants_cause:
        return config.cause_chars
    if question.wants_explanation:
        return config.explain_chars
    return config.short_chars


def paragraph_limit(question: Question, config: ReadingConfig) -> int:
    """The longest paragraph answer: an item's measures, a list told in sentences, an explanation."""
    if question.wants_measures:
        return config.measures_chars
    if question.wants_list:
        return config.list_chars
    return config.cause_chars if question.wants_cause else config.explain_chars


def passage_candidates(text: str, sentences: list[Span], paragraphs: list[int], passage: int,
                       question: Question, config: ReadingConfig) -> list[Candidate]:
    """The candidates of one passage. ``text`` is the whole document; ``sentences`` the passage's
    sentences (document offsets) and ``paragraphs`` the paragraph number of each."""
    limit = answer_limit(question, config)
    whole, window = limit * (1 + config.sentence_slack), limit
    if question.wants_list:
        whole = window = config.list_chars  # an enumeration in one sentence: "分别是A、B、C…"
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()

    def add(start: int, end: int, shape: str, first: int, last: int, note: Span | None = None) -> None:
        if (start, end) not in seen and end > start:
            seen.add((start, end))
            out.append(Candidate(passage, start, end, shape, first, last, note))

    count = len(sentences)
    for i, sentence in enumerate(sentences):
        if sentence.end - sentence.start <= whole:
            add(sentence.start, sentence.end, "sentence", i, i)
        else:
            for span in clause_windows(text, sentence, window):
                add(span.start, span.end, "window", i, i)
        same_paragraph = [j for j in range(i + 1, count) if paragraphs[j] == paragraphs[i]]
        if same_paragraph:
            after = sentences[same_paragraph[0]]
            if after.end - sentence.start <= limit * (1 + config.pair_overflow):
                add(sentence.start, after.end, "pair", i, same_paragraph[0])
        if question.wants_explanation or question.wants_list:
            for last in _fill(sentences, same_paragraph, sentence.start, paragraph_limit(question, config)):
                add(sentence.start, sentences[last].end, "paragraph", i, last)
        if question.wants_list:
            for last in _enumeration(text, sentences, i, config.list_chars):
                add(sentence.start, sentences[last].end, "enumeration", i, last)
        if question.wants_who or question.answer_type == "organisation":
            note = responsibility_note(text, sentence, sentences[-1].end)
            if note is not None:
                if note.end - sentence.start <= config.explain_chars:
                    last = next((j for j in range(i, count) if sentences[j].end >= note.end), count - 1)
                    add(sentence.start, max(note.end, sentences[last].end) if last > i else note.end, "note", i, last)
                else:
                    add(sentence.start, sentence.end, "note", i, i, note)
    return out


def clause_windows(text: str, sentence: Span, limit: int) -> list[Span]:
    """Windows of whole clauses of a long sentence, each at most ``limit`` characters: one
    starting at every clause (a clause longer than the limit is cut at the limit)."""
    clauses = split_clauses(text[sentence.start:sentence.end], sentence.start)
    windows = []
    for k, clause in enumerate(clauses):
        end = clause.end
        for following in clauses[k + 1:]:
            if following.end - clause.start > limit:
                break
            end = following.end
        windows.append(Span(clause.start, min(end, clause.start + limit)))
    return windows


def _fill(sentences: list[Span], same_paragraph: list[int], start: int, limit: int, most: int = 6) -> list[int]:
    """The sentences of the paragraph after ``start`` at which a paragraph answer may end, within
    ``limit`` (where the answer ends is the model's call)."""
    ends: list[int] = []
    for j in same_paragraph[:most]:
        if sentences[j].end - start > limit:
            break
        ends.append(j)
    return ends


def _enumeration(text: str, sentences: list[Span], i: int, max_chars: int, most: int = 8) -> list[int]:
    """The possible last items of a list after sentence ``i`` (a lead ending in a colon, or items
    marked "一是…", "（一）…", "1."…), within ``max_chars``: where the list ends is the model's call."""
    lead = text[sentences[i].start:sentences[i].end].rstrip()
    colon = lead.endswith(("：", ":"))
    if i + 1 >= len(sentences):
        return []
    if not (colon or ENUM_ITEM.match(text[sentences[i + 1].start:sentences[i + 1].end])):
        return []
    ends: list[int] = []
    for j in range(i + 1, len(sentences)):
        if sentences[j].end - sentences[i].start > max_chars or len(ends) >= most:
            break
        if not colon and not ENUM_ITEM.match(text[sentences[j].start:sentences[j].end]):
            break
        ends.append(j)
    return ends


def responsibility_note(text: str, span: Span, stop: int | None = None) -> Span | None:
    """The "(牵头单位：…)" note that closes the paragraph of ``span``, when ``span`` lacks one;
    only a note that ends by ``stop`` (the passage's end: a candidate never leaves its passage).

    Task lists (工作要点, 任务分解表) end each item with the units responsible for it; a
    question about who leads an item is answered by that note, not by the item's title."""
    if RESPONSIBILITY.search(text, span.start, span.end):
        return None
    end = text.find("\n", span.end)
    end = len(text) if end < 0 else end
    match = RESPONSIBILITY.search(text, span.end, end if stop is None else min(end, stop))
    return Span(match.start(), match.end()) if match else None
