"""Typed per-question records of a benchmark run (what ``per_question`` in the JSON holds)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PassageRecord:
    """One returned passage, judged against the gold (``hit``: gold doc and a gold answer inside)."""

    doc_id: str
    also_published_as: list[str]
    section: str
    start: int
    end: int
    score: float
    text: str
    hit: bool


@dataclass
class QuestionRecord:
    """One question answered by one method, with its per-question scores.

    ``hit_rank`` is the 1-based rank of the first hit passage (None: no hit);
    ``answer_hit``/``answer_f1`` are None for unanswerable questions.
    """

    id: str
    question: str
    type: str
    split: str
    method: str
    answerable: bool
    gold_answers: list[str]
    gold_docs: list[str]
    no_answer: bool
    answer_text: str
    answer_score: float
    reason: str
    message: str
    latency_ms: float
    hit_rank: int | None
    answer_hit: bool | None
    answer_f1: float | None
    passages: list[PassageRecord] = field(default_factory=list)
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answer_score"] = round(self.answer_score, 4)
        data["latency_ms"] = round(self.latency_ms, 3)
        data["answer_f1"] = None if self.answer_f1 is None else round(self.answer_f1, 4)
        for passage in data["passages"]:
            passage["score"] = round(passage["score"], 4)
        return data
