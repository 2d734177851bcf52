"""Typed records of an answer; ``to_dict`` gives the JSON contract of ``python -m qa ask --json``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Why a reply is a no-answer: "" (it is an answer) | the question was empty or had no words |
# nothing was retrieved | the answer model's probability is below its threshold | … and the
# question names a place or year the nearest document does not cover.
Reason = Literal["", "empty", "no_content", "no_match", "low_confidence", "not_covered"]


@dataclass
class Citation:
    """Where an answer sentence comes from: ``document.text[start:end] == quote``."""

    doc_id: str
    title: str
    section: str
    start: int
    end: int
    quote: str
    place: str = ""
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "title": self.title, "section": self.section,
            "start": self.start, "end": self.end, "quote": self.quote,
            "place": self.place, "year": self.year,
        }


@dataclass
class Highlight:
    """A span inside a passage to highlight, offsets relative to the document."""

    start: int
    end: int


@dataclass
class Passage:
    """A retrieved chunk with its fused score and the answer spans found inside it."""

    doc_id: str
    title: str
    section: str
    start: int
    end: int
    text: str
    score: float
    chunk_id: int = -1
    place: str = ""
    year: int | None = None
    highlights: list[Highlight] = field(default_factory=list)
    also_published_as: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "title": self.title, "section": self.section,
            "start": self.start, "end": self.end, "text": self.text, "score": round(self.score, 4),
            "place": self.place, "year": self.year,
            "highlights": [{"start": h.start, "end": h.end} for h in self.highlights],
            "also_published_as": list(self.also_published_as),
        }


@dataclass
class AnswerPart:
    """The reply to one part of a question that asks two or more things (``Question.parts``)."""

    question: str
    no_answer: bool
    message: str
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    reason: Reason = ""
    probability: float | None = None
    confidence: str = ""
    explanation: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question, "no_answer": self.no_answer, "reason": self.reason, "message": self.message,
            "text": self.text, "citations": [c.to_dict() for c in self.citations],
            "probability": None if self.probability is None else round(self.probability, 4),
            "confidence": self.confidence, "explanation": [dict(e) for e in self.explanation],
        }


@dataclass
class Answer:
    """What ``answer()`` returns: an extracted answer with citations, or a reasoned no-answer."""

    question: str
    no_answer: bool
    message: str
    text: str = ""
    score: float = 0.0
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    reason: Reason = ""
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    probability: float | None = None  # the answer model's calibrated probability that the answer is right
    confidence: str = ""              # 高 | 中 | 低 ("" for a no-answer)
    explanation: list[dict[str, Any]] = field(default_factory=list)  # features by contribution, largest first
    tasks: list[dict[str, Any]] = field(default_factory=list)  # a task-list answer's rows (qa.tasks.task_row)
    # a question that asks two or more things: the reply to each part (``text`` and ``citations`` are then
    # the answered parts' together, ``probability`` the lowest of theirs)
    parts: list[AnswerPart] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        answer = None
        if not self.no_answer:
            answer = {
                "text": self.text,
                "score": round(self.score, 4),
                "citations": [c.to_dict() for c in self.citations],
            }
        return {
            "question": self.question,
            "no_answer": self.no_answer,
            "reason": self.reason,
            "message": self.message,
            "notes": list(self.notes),
            "answer": answer,
            "probability": None if self.probability is None else round(self.probability, 4),
            "confidence": self.confidence,
            "explanation": [dict(e) for e in self.explanation],
            "passages": [p.to_dict() for p in self.passages],
            "tasks": [dict(t) for t in self.tasks],
            "parts": [p.to_dict() for p in self.parts],
        }
