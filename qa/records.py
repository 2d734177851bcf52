"""Typed records of an answer; ``to_dict`` gives the JSON contract of ``python -m qa ask --json``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
class Answer:
    """What ``answer()`` returns: an extracted answer with citations, or a reasoned no-answer."""

    question: str
    no_answer: bool
    message: str
    text: str = ""
    score: float = 0.0
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    reason: str = ""  # machine-readable: "" | empty | no_content | low_confidence | empty_index
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

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
            "passages": [p.to_dict() for p in self.passages],
        }
