"""Answering settings. Tuned values are chosen on dev data only (see eval/tune.py and README)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_QUESTION_CHARS = 200


@dataclass
class QAConfig:
    """Retrieval and extraction parameters of the engine (not per question)."""

    candidates: int = 100           # per retriever, before fusion
    fusion: str = "weighted"        # weighted | rrf
    dense_weight: float = 0.5       # weighted fusion: share of the min-max normalised dense score
    rrf_k: int = 60
    exact_dense: bool = True        # true dense score for BM25-only candidates (False: the dense list's lowest; ncp dev hit@1 0.540 -> 0.553)
    metadata_boost: float = 0.15    # added when the question's place/year matches a document (an issuing-body share of 0.5/1.0 lowered ncp dev recall@5 0.936 -> 0.932)
    passage_copy_overlap: float = 0.6  # a passage sharing this share of its 4-grams with a better one is listed under it
    join_ranks: int = 10            # neighbouring chunks of one document both in the first this many are one passage (1: off)
    join_max_chars: int = 800       # longest joined passage
    rerank_passages: int = 40       # passages whose sentences are scored (20 -> 40: ncp dev recall@5 0.871 -> 0.881)
    passage_order_weight: float = 0.0  # passage order: this share of retrieval score, the rest best-sentence score (0.5 -> 0.0: ncp dev recall@5 0.845 -> 0.871)
    place_mismatch_factor: float = 0.4  # confidence kept when a place the question names is not in the answer's passage or title
    national_place_factor: float = 1.0  # … unless the document is a national one (index.metadata.is_national), which applies there too
    unknown_place_factor: float = 0.7   # … and when the document names no place at all (0.4 -> 0.7: ncp dev +1, seeds NA-F1 unchanged)
    year_mismatch_factor: float = 0.5   # … and when a year it names is not
    no_answer_threshold: float = 0.20  # best no-answer F1 on the seeds dev split (0.444; 0.25 gave 0.414)
    sentence_candidates: int = 6    # best lexical sentences re-scored by dense similarity
    sentence_dense_weight: float = 0.0  # off: lowered cmrc dev hit@1 0.643 -> 0.597 (first 300 q)
    # sentence score = coverage x w_cov + character-bigram overlap x w_bigram + passage score x w_passage
    sentence_coverage_weight: float = 0.35
    sentence_bigram_weight: float = 0.15
    sentence_passage_weight: float = 0.60
    answer_passages: int = 3        # best passages whose best sentence may become the answer
    answer_type_bonus: float = 0.08 # a sentence naming a new entity of the asked type (qa.answer_types)
    answer_type_min_coverage: float = 0.20  # … and holding this share of the question's words (0.25 -> 0.20: cmrc dev 0.849 -> 0.851)
    definition_bonus: float = 0.15 # "什么是X": a sentence that opens on X and defines it (qa.extraction.defining_sentence)
    neighbour_ratio: float = 0.65   # add the next/previous sentence scoring >= this share of the best (1.0: off; 0.8 -> 0.6: cmrc dev hit@1 0.766 -> 0.778 at 60 -> 70 chars; 0.6 -> 0.65 with sentence_slack 0.2: cmrc 0.841 -> 0.839 at 79.7 -> 78.0)
    max_answer_chars: int = 80
    sentence_slack: float = 0.2     # a sentence at most this share over the budget is kept whole (0 -> 0.2: cmrc dev 0.834 -> 0.841 at 78.9 -> 79.7 chars, ncp 0.617 -> 0.623)
    antecedent_overflow: float = 0.5  # "该线…" may bring its antecedent up to 1.5x the budget (0 -> 0.5: drcd hit@1 0.838 -> 0.845 at 67 -> 68 chars)
    max_explain_chars: int = 200    # how/why and describe-it questions (qa.question.wants_explanation)
    max_cause_chars: int = 160      # why questions (qa.question.wants_cause; 200 -> 160 with list_neighbour_chars 120: cmrc dev 0.850 -> 0.849 at 81.1 -> 79.5 chars)
    max_measures_chars: int = 310   # what-measures questions (qa.question.wants_measures; 200 -> 300: ncp dev hit@1 0.553 -> 0.564, cmrc level; 300 -> 310: ncp 0.648 -> 0.653 at 146.5 -> 148.6 chars)
    max_list_chars: int = 400
    list_neighbour_chars: int = 120 # a list answer with no enumeration after it may take neighbours up to this length (0 -> 120: cmrc dev 0.839 -> 0.850, ncp 0.644 -> 0.646)
    reranker: str = ""              # "st:/path/to/cross-encoder" to enable

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class QAOptions:
    """Per-question options (what a user can set in the UI or the CLI)."""

    top_k: int = 5
    mode: str = "hybrid"            # hybrid | bm25 | dense
    doc_ids: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    def validate(self) -> None:
        if not 1 <= self.top_k <= 50:
            raise ValueError(f"top_k must be between 1 and 50. Currently, the top_k is {self.top_k}")
        if self.mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"mode must be hybrid, bm25 or dense. Currently, the mode is {self.mode!r}")
