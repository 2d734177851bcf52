"""From the reader's verdict to what a user sees: the answer's quotes with their citations, the
passages in display order with highlights, the confidence level, why this answer won, and a
no-answer that says plainly what the documents lack."""
from __future__ import annotations

from typing import Any

import numpy as np

from index.metadata import short_place
from index.store import LoadedIndex
from qa.answer_model import VERIFIER_FEATURES, Verdict
from qa.features import FEATURE_LABELS
from qa.question import Question
from qa.reader import Reading
from qa.records import Answer, AnswerPart, Citation, Highlight, Passage, Reason
from qa.retrieval import Hit, passage_bounds

MESSAGES = {
    "empty": "请输入问题。",
    "no_content": "问题中没有可检索的文字（只有标点、表情或符号），请用文字描述您的问题。",
    "low_confidence": "文档中没有找到能回答这个问题的内容。下面是可能相关的段落，仅供参考。",
    "no_match": "文档中没有找到与这个问题相关的内容。",
}
ANSWER_GAP = " … "  # between the quotes of a two-part answer (a task item and its "(牵头单位：…)" note)
# Confidence levels shown to officials; the API gives the probability itself.
LEVELS = ((0.8, "高"), (0.6, "中"), (0.0, "低"))


def confidence_level(probability: float) -> str:
    return next(label for floor, label in LEVELS if probability >= floor)


def no_answer(question: Question, reason: Reason, message: str | None = None, passages: list[Passage] | None = None,
              score: float = 0.0, probability: float | None = None, explanation: list[dict[str, Any]] | None = None,
              timings_ms: dict[str, float] | None = None) -> Answer:
    return Answer(question.text, True, message or MESSAGES[reason], score=score, passages=passages or [],
                  reason=reason, notes=question.notes, timings_ms=timings_ms or {}, probability=probability,
                  explanation=explanation or [])


def compose_answer(question: Question, reading: Reading, hits: list[Hit], index: LoadedIndex, top_k: int) -> Answer:
    """The reply to ``question`` from its reading (``hits`` are all retrieved passages, best first)."""
    verdict = reading.verdict
    order = _display_order(reading, len(hits))
    best = reading.best
    passages = [_passage(index, hits[rank]) for rank in order[:top_k]]
    if best is not None:
        for passage, rank in zip(passages, order):
            sentence = _best_in_passage(reading, rank)
            if sentence is not None:
                passage.highlights = [Highlight(*sentence)]
    if verdict is None or best is None:
        return no_answer(question, "low_confidence", passages=passages)
    explanation = [{"feature": name, "label": FEATURE_LABELS.get(name, name), "contribution": round(value, 4),
                    "value": _value(verdict, name)} for name, value in verdict.contributions]
    probability = verdict.probability
    if not verdict.answered:
        message, reason = _uncovered(question, reading)
        for passage in passages:  # nothing is presented as the answer
            passage.highlights = []
        return no_answer(question, reason, message, passages=passages, score=probability, probability=probability,
                         explanation=explanation)
    stored = index.documents[best.passage.doc_id]
    chunk = index.chunks[best.member.chunk_id]
    spans = [(best.candidate.start, best.candidate.end)]
    if best.candidate.note is not None:
        spans.append((best.candidate.note.start, best.candidate.note.end))
    text = stored.document.text
    citations = [Citation(best.passage.doc_id, stored.document.title, chunk.section, a, b, text[a:b],
                          stored.meta.get("place", ""), stored.meta.get("year")) for a, b in spans]
    host = next((p for p, rank in zip(passages, order) if rank == best.passage.rank), None)
    if host is not None:
        host.highlights = [Highlight(a, b) for a, b in spans]
    return Answer(question.text, False, "", text=ANSWER_GAP.join(c.quote for c in citations), score=probability,
                  citations=citations, passages=passages, notes=question.notes, probability=probability,
                  confidence=confidence_level(probability), explanation=explanation)


def compose_parts(question: Question, replies: list[Answer], top_k: int) -> Answer:
    """The reply to a question that asks two or more things, from the reply to each part
    (``Question.parts``, in order). The answered parts are the answer, each quote with its own
    citation; a part the documents do not answer keeps its no-answer message in ``parts``. The
    probability is the lowest of the answered parts': the answer is as sure as its least sure part."""
    parts = [AnswerPart(r.question, r.no_answer, r.message, r.text, r.citations, r.reason, r.probability,
                        r.confidence, r.explanation) for r in replies]
    passages = _merged_passages(replies, top_k)
    answered = [r for r in replies if not r.no_answer]
    if not answered:
        reason: Reason = "not_covered" if any(r.reason == "not_covered" for r in replies) else "low_confidence"
        message = "\n".join(f"「{r.question}」：{r.message}" for r in replies)
        nearest = max(replies, key=lambda r: r.probability or 0.0)
        reply = no_answer(question, reason, message, passages=passages, score=nearest.score,
                          probability=nearest.probability, explanation=nearest.explanation)
        reply.parts = parts
        return reply
    weakest = min(answered, key=lambda r: r.probability or 0.0)
    probability = weakest.probability or 0.0
    return Answer(question.text, False, "", text="\n".join(r.text for r in answered), score=probability,
                  citations=[c for r in answered for c in r.citations], passages=passages, notes=question.notes,
                  probability=probability, confidence=confidence_level(probability),
                  explanation=weakest.explanation, parts=parts)


def _merged_passages(replies: list[Answer], top_k: int) -> list[Passage]:
    """The parts' passages taken in turn (each part's best first); a passage inside one already
    taken (two parts read the same text) is not repeated, its highlights go to the one taken.
    Answered parts' passages come before the others'."""
    ordered = sorted(replies, key=lambda r: r.no_answer)
    merged: list[Passage] = []
    for depth in range(max((len(r.passages) for r in replies), default=0)):
        for reply in ordered:
            if depth >= len(reply.passages):
                continue
            passage = reply.passages[depth]
            host = next((p for p in merged if p.doc_id == passage.doc_id
                         and p.start <= passage.start and passage.end <= p.end), None)
            if host is None:
                merged.append(passage)
            else:
                host.highlights += [h for h in passage.highlights if h not in host.highlights]
    return merged[:top_k]


def _display_order(reading: Reading, count: int) -> list[int]:
    """Read passages by their best candidate, then the rest in retrieval order."""
    scores = reading.passage_scores()
    read = sorted(range(len(scores)), key=lambda k: (-scores[k], k))
    if reading.best is not None:
        read.remove(reading.best.passage.rank)
        read.insert(0, reading.best.passage.rank)
    return read + list(range(len(scores), count))


def _best_in_passage(reading: Reading, rank: int) -> tuple[int, int] | None:
    """The best single sentence or window of a read passage, for its highlight."""
    if reading.verdict is None:
        return None
    best, span = -np.inf, None
    for c, score in zip(reading.candidates, reading.verdict.scores):
        if c.candidate.passage == rank and c.candidate.shape in ("sentence", "window") and score > best:
            best, span = float(score), (c.candidate.start, c.candidate.end)
    return span


def _passage(index: LoadedIndex, hit: Hit) -> Passage:
    chunk = index.chunks[hit.chunk_id]
    stored = index.documents[chunk.doc_id]
    start, end = passage_bounds(index.chunks, hit)
    return Passage(chunk.doc_id, stored.document.title, chunk.section, start, end, stored.document.text[start:end],
                   hit.score, hit.chunk_id, stored.meta.get("place", ""), stored.meta.get("year"), [],
                   list(hit.also_published_as))


def _value(verdict: Verdict, name: str) -> float | None:
    if verdict.verifier_row is None or name not in VERIFIER_FEATURES:
        return None
    return round(float(verdict.verifier_row[VERIFIER_FEATURES.index(name)]), 4)


def _uncovered(question: Question, reading: Reading) -> tuple[str, Reason]:
    """A no-answer's message: when the question names a place or year that the nearest passage's
    document does not cover, say so and say whose passage is nearest."""
    best = reading.best
    if best is None:
        return MESSAGES["low_confidence"], "low_confidence"
    meta = best.passage.meta
    doc_text = best.passage.doc_norm
    missing_places = [p for p in sorted(question.places) if p not in doc_text and short_place(p) not in doc_text
                      and not meta.get("national")]
    missing_years = [y for y in question.years if str(y) not in doc_text]
    if not (missing_places or missing_years):
        return MESSAGES["low_confidence"], "low_confidence"
    asked = "、".join([*missing_places, *(f"{y}年" for y in missing_years)])
    whose = meta.get("place") or ""
    if missing_years and not missing_places and meta.get("year"):
        whose = f"{meta['year']}年"
    nearest = f"最接近的是{whose}的段落" if whose else "下面是最接近的段落"
    return f"文档中没有{asked}的相关内容；{nearest}，仅供参考。", "not_covered"
