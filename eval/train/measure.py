"""Figures of held-out predictions, with the metrics of ``python -m eval`` (eval/METRICS.md):
answer_hit@1, no-answer precision/recall/F1, answer length, plus calibration (expected
calibration error and the reliability table). Also the choice of the no-answer threshold, and the
wrong answers shown with the highest probability (``confident_mistakes``) and how the probability
moves when a collection is held out (``held_out_shift``)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval.metrics import mean, no_answer_prf
from eval.train.data import QuestionData
from eval.train.fit import Predictions

ECE_BINS = 10
# The collections whose questions include unanswerable ones: the threshold is chosen on them.
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def expected_calibration_error(probability: np.ndarray, right: np.ndarray, bins: int = ECE_BINS) -> float | None:
    """Σ over equal-width bins of (share of predictions in the bin) × |mean probability − share right|."""
    if not len(probability):
        return None
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(float(probability[inside].mean()) - float(right[inside].mean()))
    return total


def reliability(probability: np.ndarray, right: np.ndarray, bins: int = ECE_BINS) -> list[dict[str, Any]]:
    """Per bin: its range, how many predictions, their mean probability and the share right."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        rows.append({"low": float(edges[b]), "high": float(edges[b + 1]), "n": int(inside.sum()),
                     "mean_probability": float(probability[inside].mean()) if inside.any() else None,
                     "share_right": float(right[inside].mean()) if inside.any() else None})
    return rows


def summarize(pred: Predictions, threshold: float, select: np.ndarray | None = None) -> dict[str, Any]:
    """The eval metrics of the decisions ``probability >= threshold`` over the selected questions.

    The parts of a question that asks two or more things (``QuestionData.part_of``) count as the one
    question ``python -m eval`` scores: answered when a part is, a hit when an answered part holds a
    gold answer, as long as its answered parts together. Calibration is per part (each part's
    probability is the model's)."""
    idx = np.flatnonzero(select) if select is not None else np.arange(len(pred.questions))
    qs = [pred.questions[i] for i in idx]
    ch = [pred.choices[i] for i in idx]
    p = pred.probability[idx]
    answered = (p >= threshold) & np.array([c.best >= 0 for c in ch], dtype=bool)
    contains = np.array([c.contains for c in ch], dtype=bool)
    right = np.array([c.right for c in ch], dtype=bool)
    groups: dict[tuple[str, str], list[int]] = {}
    for k, q in enumerate(qs):
        groups.setdefault((q.collection, q.part_of or q.qid), []).append(k)
    rows = list(groups.values())
    answerable = np.array([qs[r[0]].answerable for r in rows], dtype=bool)
    g_answered = np.array([answered[r].any() for r in rows], dtype=bool)
    g_hit = np.array([(answered[r] & contains[r]).any() for r in rows], dtype=bool)
    g_top1 = np.array([contains[r].any() for r in rows], dtype=bool)
    g_found = np.array([any(qs[k].hit.any() for k in r) for r in rows], dtype=bool)
    g_chars = [float(sum(ch[k].chars for k in r if answered[k])) for r in rows]
    out: dict[str, Any] = {"n": len(rows), "n_answerable": int(answerable.sum()),
                           "n_unanswerable": int((~answerable).sum())}
    out["answer_hit@1"] = mean([float(h) for h, ok in zip(g_hit, answerable) if ok])
    out["top1_hit"] = mean([float(c) for c, ok in zip(g_top1, answerable) if ok])  # before the no-answer decision
    out["found@read"] = mean([float(f) for f, ok in zip(g_found, answerable) if ok])   # a right candidate was read
    out["answer_chars_mean"] = mean([c for c, a, ok in zip(g_chars, g_answered, answerable) if a and ok])
    out.update(no_answer_prf(list(~answerable), list(~g_answered)))
    out["ece"] = expected_calibration_error(p, right.astype(float))
    out["answered_share"] = float(g_answered.mean()) if len(g_answered) else None
    return out


def by_collection(pred: Predictions, threshold: float, select: np.ndarray | None = None) -> dict[str, dict[str, Any]]:
    """Figures per collection, of the ``select``-ed questions (default all)."""
    keep = np.ones(len(pred.questions), dtype=bool) if select is None else select
    names = list(dict.fromkeys(q.collection for q, k in zip(pred.questions, keep) if k))
    return {name: summarize(pred, threshold, keep & np.array([q.collection == name for q in pred.questions]))
            for name in names}


def by_type(pred: Predictions, threshold: float, collection: str) -> dict[str, dict[str, Any]]:
    mine = [q.collection == collection for q in pred.questions]
    types = list(dict.fromkeys(q.qtype for q, m in zip(pred.questions, mine) if m))
    return {t: summarize(pred, threshold, np.array([m and q.qtype == t for q, m in zip(pred.questions, mine)]))
            for t in types}


def choose_threshold(pred: Predictions, collections: Sequence[str]) -> tuple[float, list[dict[str, float]]]:
    """The threshold that maximises, averaged over ``collections`` (those with unanswerable
    questions), no-answer F1 plus answer_hit@1: declining helps the first and costs the second."""
    masks = [np.array([q.collection == c for q in pred.questions]) for c in collections]
    curve = []
    for t in THRESHOLD_GRID:
        scores = []
        for mask in masks:
            s = summarize(pred, float(t), mask)
            scores.append((s["no_answer_f1"] or 0.0) + (s["answer_hit@1"] or 0.0))
        curve.append({"threshold": float(t), "objective": float(np.mean(scores))})
    best = max(curve, key=lambda row: row["objective"])
    return best["threshold"], curve


@dataclass
class Mistake:
    """A wrong answer the model would show: what an official would read, and where it went wrong."""

    collection: str
    qid: str
    question: str
    probability: float
    shown: str        # the chosen candidate's text ("" when the cache holds no texts)
    kind: str         # see ``mistake_kind``


def mistake_kind(q: QuestionData, best: int) -> str:
    """Why a shown answer is wrong: the question has no answer in the collection; the right passage
    but another span of it; another passage of a document holding the answer; another document; or
    no candidate held the answer at all (retrieval or candidate generation missed it)."""
    if not q.answerable:
        return "unanswerable"
    same_passage = q.hit[q.passages == q.passages[best]].any()
    if same_passage:
        return "right passage, other span"
    if q.hit[np.array([d == q.docs[best] for d in q.docs])].any():
        return "right document, other passage"
    return "other document" if q.hit.any() else "answer not among the candidates"


def confident_mistakes(pred: Predictions, threshold: float, per_collection: int = 5,
                       collections: Sequence[str] | None = None) -> dict[str, list[Mistake]]:
    """Per collection, the wrong answers shown with the highest probability (at or above ``threshold``):
    the failures an official would meet first. Parts of a question count as answers of their own."""
    wanted = list(dict.fromkeys(q.collection for q in pred.questions)) if collections is None else list(collections)
    found: dict[str, list[Mistake]] = {name: [] for name in wanted}
    for q, choice, p in zip(pred.questions, pred.choices, pred.probability):
        if q.collection not in found or choice.best < 0 or p < threshold or choice.right:
            continue
        shown = q.texts[choice.best] if len(q.texts) > choice.best else ""
        found[q.collection].append(Mistake(q.collection, q.qid, q.question, float(p), shown, mistake_kind(q, choice.best)))
    return {name: sorted(rows, key=lambda m: -m.probability)[:per_collection] for name, rows in found.items()}


@dataclass
class Shift:
    """One collection's probabilities out-of-fold against held out by collection, at one threshold."""

    unanswerable: int                      # rows of unanswerable questions (a part counts as a row)
    unanswerable_mean: tuple[float, float] | None   # their mean probability: out-of-fold, held out
    unanswerable_answered: tuple[float, float] | None  # their share at or above the threshold
    right: int                             # rows whose chosen span is right in both predictions
    right_mean: tuple[float, float] | None


def held_out_shift(oof: Predictions, held_out: Predictions, threshold: float,
                   collections: Sequence[str] | None = None) -> dict[str, Shift]:
    """Per collection: how the calibrated probability of the same questions moves from out-of-fold to
    held out by collection. The held-out figure is what a new collection meets; when a family's
    unanswerable questions rise in probability once it is held out, the threshold chosen out-of-fold
    answers more of them, and this says how many. Both predictions cover the same questions in the
    same order (``cross_validate`` and ``leave_one_collection_out`` of one list)."""
    if [id(q) for q in oof.questions] != [id(q) for q in held_out.questions]:
        raise ValueError("the two predictions are not of the same questions in the same order")
    def pair(select: np.ndarray, values: tuple[np.ndarray, np.ndarray]) -> tuple[float, float] | None:
        return (float(values[0][select].mean()), float(values[1][select].mean())) if select.any() else None

    wanted = list(dict.fromkeys(q.collection for q in oof.questions)) if collections is None else list(collections)
    probability = (oof.probability, held_out.probability)
    answered = (oof.probability >= threshold, held_out.probability >= threshold)
    unanswerable_anywhere = np.array([not q.answerable for q in oof.questions])
    right_both = np.array([a.right and b.right for a, b in zip(oof.choices, held_out.choices)])
    out: dict[str, Shift] = {}
    for name in wanted:
        mine = np.array([q.collection == name for q in oof.questions])
        unanswerable, right = mine & unanswerable_anywhere, mine & right_both
        out[name] = Shift(int(unanswerable.sum()), pair(unanswerable, probability), pair(unanswerable, answered),
                          int(right.sum()), pair(right, probability))
    return out
