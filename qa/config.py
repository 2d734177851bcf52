"""Answering settings, grouped by stage: retrieval, reading (which answer spans are candidates)
and the answer model (which of them is shown, and whether any is). Which candidate wins and
whether the reply is a no-answer is learned (``qa.answer_model``, trained by
``python -m eval.train``); what is left here are the retrieval settings and the length limits of
an answer, which are product choices rather than tuned weights."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

MAX_QUESTION_CHARS = 200
MAX_TOP_K = 50
DEFAULT_ANSWER_MODEL = Path(__file__).resolve().parent / "models" / "answer_model.json"

Mode = Literal["hybrid", "bm25", "dense"]
Fusion = Literal["weighted", "rrf"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")


@dataclass
class RetrievalConfig:
    """How passages are found."""

    candidates: int = 100           # per retriever, before fusion
    fusion: Fusion = "weighted"
    dense_weight: float = 0.5       # weighted fusion: share of the min-max normalised dense score
    rrf_k: int = 60
    exact_dense: bool = True        # true dense score for BM25-only candidates (False: the dense list's lowest)
    metadata_boost: float = 0.15    # added when the question's place/year matches a document
    passage_copy_overlap: float = 0.6  # a passage sharing this share of its 4-grams with a better one is listed under it
    join_ranks: int = 10            # neighbouring chunks of one document both in the first this many are one passage (1: off)
    join_max_chars: int = 800       # longest joined passage
    reranker: str = ""              # "st:/path/to/cross-encoder" to enable


@dataclass
class ReadingConfig:
    """Which spans are answer candidates: the passages read and the longest answer of each kind."""

    read_passages: int = 10         # the first this many passages are read for answer candidates
    short_chars: int = 80           # a fact (who, when, how many, what)
    cause_chars: int = 160          # a why question
    explain_chars: int = 200        # how and describe-it questions
    measures_chars: int = 310       # what-measures questions about a policy: an item's paragraph
    list_chars: int = 400           # an enumeration for a list question
    list_sentence_chars: int = 120  # a list answer that is plain sentences, not an enumeration
    list_item_chars: int = 25       # … or this much per item when the question says how many ("哪十项" → 250)
    sentence_slack: float = 0.2     # a sentence at most this share over its limit is a candidate whole
    pair_overflow: float = 0.5      # a sentence with its neighbour may go this share over the limit


@dataclass
class QAConfig:
    """Settings of an engine (not per question)."""

    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    reading: ReadingConfig = field(default_factory=ReadingConfig)
    answer_model: Path = DEFAULT_ANSWER_MODEL

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answer_model"] = str(self.answer_model)
        return data


@dataclass
class QAOptions:
    """Per-question options (what a user can set in the UI or the CLI)."""

    top_k: int = 5
    mode: Mode = "hybrid"
    doc_ids: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    def validate(self) -> None:
        check_top_k(self.top_k)
        if self.mode not in MODES:
            raise ValueError(f"mode must be hybrid, bm25 or dense. Currently, the mode is {self.mode!r}")


def check_top_k(top_k: object) -> int:
    """The one check of a passage count, wherever one enters (CLI, API, eval)."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise ValueError(f"top_k must be between 1 and {MAX_TOP_K}. Currently, the top_k is {top_k!r}")
    return top_k
