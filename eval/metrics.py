"""Benchmark metrics: pure functions over ranked passages and answers (see eval/METRICS.md).

Matching
    Both sides pass through ``index.normalize.normalize_text`` (traditional -> simplified,
    full-width -> half-width, lower case; length-preserving) and then lose all whitespace.
    "``text`` contains a gold answer" means ``match_key(answer) in match_key(text)`` for at
    least one gold answer.

Retrieval (answerable questions only; passages count even when the engine declined to answer)
    A passage is a *hit* when its ``doc_id`` or any id in its ``also_published_as`` is one of
    the gold docs (any document when the gold names none) AND its text contains a gold answer.
    ``rank`` = 1-based position of the first hit among the returned passages (None: no hit).
    ``recall@k`` = share of answerable questions with ``rank <= k``; ``mrr@10`` = mean of
    ``1/rank`` (0 when ``rank`` is None or > 10). ``recall@k`` is None when k > top_k, because
    ranks beyond the returned list were not measured.

Answers (answerable questions)
    ``answer_hit@1`` = share whose answer text contains a gold answer (a no-answer is a miss).
    ``answer_f1`` = mean over questions of the max over gold answers of the character F1:
    bag of characters after ``normalize_text``, with whitespace and punctuation (Unicode
    category P*) removed; 0 when either side is empty; a no-answer scores 0.
    ``answer_chars_mean`` = mean ``len(answer_text)`` over answerable questions that got an answer.

No-answer detection (positive class = unanswerable question; predicted positive = no_answer)
    precision = TP / (TP + FP), recall = TP / (TP + FN), f1 = 2PR / (P + R); a zero
    denominator gives 0.0. All three are None when the gold has no unanswerable question.

Latency
    Milliseconds of each ``engine.answer`` call; mean, and percentiles p50/p95/p99 by linear
    interpolation between closest ranks (numpy's default).

Every metric is None when its population is empty (e.g. recall over zero answerable questions).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from eval.records import QuestionRecord
from index.normalize import normalize_text

RECALL_KS = (1, 3, 5, 10)
MRR_K = 10
LATENCY_PERCENTILES = (50, 95, 99)
METRIC_KEYS = (
    "n", "n_answerable", "n_unanswerable", "n_errors",
    "recall@1", "recall@3", "recall@5", "recall@10", "mrr@10",
    "answer_hit@1", "answer_f1", "answer_chars_mean",
    "no_answer_precision", "no_answer_recall", "no_answer_f1",
    "latency_ms_mean", "latency_ms_p50", "latency_ms_p95", "latency_ms_p99",
)
_WHITESPACE = re.compile(r"\s+")


def match_key(text: str) -> str:
    """The form used for every containment test: normalised, all whitespace removed."""
    return _WHITESPACE.sub("", normalize_text(text))


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether ``text`` contains at least one non-blank gold answer (after ``match_key``)."""
    haystack = match_key(text)
    return any(key and key in haystack for key in (match_key(a) for a in answers))


def passage_is_hit(doc_id: str, also_published_as: Iterable[str], text: str,
                   gold_docs: Iterable[str], answers: Iterable[str]) -> bool:
    """A gold document (or a repost of one) whose passage text contains a gold answer."""
    gold = set(gold_docs)
    in_gold_doc = not gold or doc_id in gold or any(d in gold for d in also_published_as)
    return in_gold_doc and contains_answer(text, answers)


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first True, None when there is none."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first hit is at rank <= k."""
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at_k(ranks: Sequence[int | None], k: int = MRR_K) -> float | None:
    """Mean reciprocal rank, counting only first hits at rank <= k."""
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


def answer_hit(answer_text: str, no_answer: bool, answers: Iterable[str]) -> bool:
    """The answer contains a gold answer; a no-answer never hits."""
    return not no_answer and contains_answer(answer_text, answers)


def _f1_chars(text: str) -> list[str]:
    return [ch for ch in normalize_text(text)
            if not ch.isspace() and not unicodedata.category(ch).startswith("P")]


def char_f1(prediction: str, reference: str) -> float:
    """Bag-of-characters F1 over normalised characters without whitespace and punctuation."""
    pred, ref = _f1_chars(prediction), _f1_chars(reference)
    if not pred or not ref:
        return 0.0
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def max_char_f1(prediction: str, answers: Iterable[str]) -> float:
    """Character F1 against the best-matching gold answer (0.0 without answers)."""
    return max((char_f1(prediction, a) for a in answers), default=0.0)


def no_answer_prf(gold_unanswerable: Sequence[bool], predicted_no_answer: Sequence[bool]) -> dict[str, float | None]:
    """Precision, recall and F1 of no-answer detection; all None without unanswerable gold."""
    if len(gold_unanswerable) != len(predicted_no_answer):
        raise ValueError(f"need one prediction per question: {len(gold_unanswerable)} gold, "
                         f"{len(predicted_no_answer)} predicted")
    keys = ("no_answer_precision", "no_answer_recall", "no_answer_f1")
    if not any(gold_unanswerable):
        return dict.fromkeys(keys)
    pairs = list(zip(gold_unanswerable, predicted_no_answer))
    tp = sum(1 for g, p in pairs if g and p)
    fp = sum(1 for g, p in pairs if not g and p)
    fn = sum(1 for g, p in pairs if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(zip(keys, (precision, recall, f1)))


def percentile(values: Sequence[float], q: float) -> float | None:
    """q-th percentile (0..100) with linear interpolation between closest ranks."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100. Currently, q is {q}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(records: Sequence[QuestionRecord], top_k: int = 10) -> dict[str, Any]:
    """Every metric of METRIC_KEYS over the records of one method."""
    answerable = [r for r in records if r.answerable]
    ranks = [r.hit_rank for r in answerable]
    answered = [r for r in answerable if not r.no_answer]
    latencies = [r.latency_ms for r in records]
    out: dict[str, Any] = {
        "n": len(records),
        "n_answerable": len(answerable),
        "n_unanswerable": len(records) - len(answerable),
        "n_errors": sum(1 for r in records if r.error),
    }
    for k in RECALL_KS:
        out[f"recall@{k}"] = recall_at_k(ranks, k) if k <= top_k else None
    out[f"mrr@{MRR_K}"] = mrr_at_k(ranks, MRR_K)
    out["answer_hit@1"] = mean([1.0 if r.answer_hit else 0.0 for r in answerable])
    out["answer_f1"] = mean([r.answer_f1 or 0.0 for r in answerable])
    out["answer_chars_mean"] = mean([len(r.answer_text) for r in answered])
    out.update(no_answer_prf([not r.answerable for r in records], [r.no_answer for r in records]))
    out["latency_ms_mean"] = mean(latencies)
    for q in LATENCY_PERCENTILES:
        out[f"latency_ms_p{q}"] = percentile(latencies, q)
    return out


def summarize_by_type(records: Sequence[QuestionRecord], top_k: int = 10) -> dict[str, dict[str, Any]]:
    """``summarize`` per question type, types in order of first appearance."""
    types = list(dict.fromkeys(r.type for r in records))
    return {t: summarize([r for r in records if r.type == t], top_k) for t in types}
