"""Fitting the answer model and measuring it honestly.

- The **ranker** (LightGBM lambdarank) orders a question's candidates: right spans above wrong
  ones, and among right spans those within the length limit first (``QuestionData.grade``). Only questions with
  a right candidate teach it; each keeps its right spans and its strongest wrong ones.
- The **verifier** (LightGBM) reads the ranker's choice (its features and margins,
  ``qa.answer_model.verifier_features``) and says whether it is right; unanswerable questions
  teach it that a best candidate can still be wrong. It is trained on out-of-fold ranker
  choices, so it learns how the ranker errs on questions it has not seen. A wrong choice on an
  answerable question is taught with partial credit (``FitSettings.answerable_credit``): its
  documents hold an answer, and the no-answer decision is about whether they do.
- An **isotonic map** calibrates the verifier's output on out-of-fold predictions.

``cross_validate`` gives out-of-fold figures (folds by document: no question is scored by a model
that saw its document's questions) and ``leave_one_collection_out`` the figures for a collection
none of whose questions were trained on."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eval.train.data import QuestionData
from qa.answer_model import RankerBag, ranker_input, verifier_features

log = logging.getLogger(__name__)

RANKER_PARAMS = {
    "objective": "lambdarank", "metric": "ndcg", "eval_at": [1], "learning_rate": 0.05, "num_leaves": 31,
    "min_data_in_leaf": 40, "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
    "lambda_l2": 1.0, "max_bin": 63, "lambdarank_truncation_level": 20, "verbose": -1, "num_threads": 2,
    "deterministic": True, "force_row_wise": True, "seed": 17,
}
RANKER_ROUNDS = 250
RANKER_BAG = 3    # ranker fits averaged, seeds seed, seed + 1000, … (see ``RankerBag``)
VERIFIER_PARAMS = {
    "objective": "binary", "learning_rate": 0.03, "num_leaves": 15, "min_data_in_leaf": 40,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 2.0, "max_bin": 63,
    "verbose": -1, "num_threads": 2, "deterministic": True, "force_row_wise": True, "seed": 17,
}
VERIFIER_ROUNDS = 300
MAX_NEGATIVES = 40
MADE_VARIANTS = ("_mask", "_moved", "_cut")  # collection name endings of the variants made for training


@dataclass
class FitSettings:
    """How the two models are fitted (a test on a tiny corpus uses smaller leaves and fewer rounds)."""

    ranker_params: dict = field(default_factory=lambda: dict(RANKER_PARAMS))
    ranker_rounds: int = RANKER_ROUNDS
    verifier_params: dict = field(default_factory=lambda: dict(VERIFIER_PARAMS))
    verifier_rounds: int = VERIFIER_ROUNDS
    max_negatives: int = MAX_NEGATIVES
    balance_families: bool = True    # each collection family weighs the same in the verifier
    # Features the verifier must not read: their scale differs between collections (absolute
    # similarities, question length, candidate counts), so a probability learned on them does not
    # carry to a collection it has not seen (leave-one-collection-out ncp_policy_na NA-F1 0.41 -> 0.53).
    # p_doc_passages and v_same_doc_share (how many of the read passages one document holds) came
    # next: a classifier told which collection a question came from found most in them (0.19 and
    # 0.08 of its gain). Without them, mean hit@1 + NA-F1 over the seeds and the three *_na sets,
    # LightGBM seeds 17 / 3 / 5: out-of-fold 1.517 / 1.520 / 1.527 -> 1.522 / 1.520 / 1.525,
    # leave-one-collection-out 1.389 / 1.423 / 1.405 -> 1.430 / 1.434 / 1.451.
    verifier_ignores: tuple[str, ...] = ("p_dense", "p_bm25_per_weight", "c_chunk_dense", "q_rare", "q_chars",
                                         "q_words", "v_candidates", "p_doc_passages", "v_same_doc_share")
    # Features the ranker must not read (each with its ``_vs_best`` column); the verifier still reads them.
    ranker_ignores: tuple[str, ...] = ()
    balance_ranker: bool = True      # … and in the ranker (seeds top-1 0.893 -> 0.934 out-of-fold, others level)
    # Whether the isotonic map is also fitted on the variants made for training (masked documents,
    # moved questions), not only on the collections as they come. Measured (mean over seeds and the
    # three *_na sets of hit@1 + no-answer F1): with them 1.499 out-of-fold and 1.395
    # leave-one-collection-out, without them 1.498 and 1.335.
    calibrate_on_made: bool = True
    # Near misses made from answerable questions: the choice the out-of-fold ranker makes once every
    # candidate holding a gold answer is taken away, taught to the verifier as a wrong answer with this
    # weight (0: none). See ``without_answer``.
    near_miss_weight: float = 0.0
    # The verifier's label for an answerable question whose chosen span is wrong: 0 teaches "wrong"
    # like an unanswerable question; a value in (0, 1) teaches that the documents still hold an answer
    # (a soft label, cross-entropy objective). The isotonic map is still fitted on right/wrong, so the
    # probability stays that of a right answer. Mean hit@1 + no-answer F1 over the seeds and the three
    # *_na sets, LightGBM seeds 17 / 3 / 5 (session 20): credit 0 → 0.25 / 0.5 / 1, out-of-fold 1.553 →
    # 1.564 / 1.569 / 1.559, leave-one-collection-out 1.456 → 1.458 / 1.464 / 1.465.
    answerable_credit: float = 0.5
    # How many ranker fits, differing only in their seed, are averaged (``RankerBag``). Mean hit@1 +
    # no-answer F1 over the seeds and the three *_na sets, LightGBM seeds 17 / 3 / 5 (session 21): one fit
    # → three, out-of-fold 1.572 / 1.568 / 1.567 → 1.574 / 1.577 / 1.572, leave-one-collection-out
    # 1.473 / 1.459 / 1.460 → 1.469 / 1.461 / 1.473.
    ranker_bag: int = RANKER_BAG

    def to_dict(self) -> dict:
        return {"ranker": {"params": self.ranker_params, "rounds": self.ranker_rounds},
                "verifier": {"params": self.verifier_params, "rounds": self.verifier_rounds},
                "max_negatives": self.max_negatives, "balance_families": self.balance_families,
                "balance_ranker": self.balance_ranker, "verifier_ignores": list(self.verifier_ignores),
                "calibrate_on_made": self.calibrate_on_made, "near_miss_weight": self.near_miss_weight,
                "ranker_ignores": list(self.ranker_ignores),
                "answerable_credit": self.answerable_credit, "ranker_bag": self.ranker_bag}


def family_weights(questions: Sequence[QuestionData], balance: bool) -> np.ndarray:
    """Per-question weights under which every collection family counts the same: the seeds'
    few hundred questions are as close to real use as the thousands of encyclopedic ones."""
    if not balance:
        return np.ones(len(questions))
    families = [q.family for q in questions]
    counts = {f: families.count(f) for f in set(families)}
    return np.array([len(families) / (len(counts) * counts[f]) for f in families])


@dataclass
class Choice:
    """The ranker's choice on one question and what the verifier reads of it."""

    best: int                         # -1: no candidates
    row: np.ndarray | None
    right: bool                       # the choice comes from a gold document and holds a gold answer
    contains: bool                    # the choice holds a gold answer (the answer_hit@1 test)
    chars: int


@dataclass
class Predictions:
    """Out-of-fold decisions for a list of questions (same order)."""

    questions: list[QuestionData]
    choices: list[Choice]
    raw: np.ndarray                   # verifier output
    probability: np.ndarray = field(default_factory=lambda: np.zeros(0))  # calibrated
    near_misses: list[Choice | None] = field(default_factory=list)  # ``without_answer`` of each question


def ranker_rows(questions: Sequence[QuestionData], max_negatives: int = MAX_NEGATIVES, seed: int = 0,
                balance: bool = False, ignores: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
    """Rows, grades and group sizes for lambdarank: questions with a right candidate, each with
    its right candidates and its ``max_negatives`` wrong ones of highest coverage plus a few at random.
    The ``ignores`` columns (and their ``_vs_best`` ones) are held at 0: a column that never varies is
    never split on, so the fitted ranker does not read it."""
    from qa.answer_model import RANKER_FEATURES
    from qa.features import FEATURES

    rng = np.random.default_rng(seed)
    coverage = FEATURES.index("c_coverage")
    xs, ys, groups, ws = [], [], [], []
    weight_of = dict(zip((id(q) for q in questions), family_weights(questions, balance)))
    for q in questions:
        if not q.train or not q.hit.any():
            continue
        grade = q.grade
        positive = np.flatnonzero(grade > 0)
        negative = np.flatnonzero(grade == 0)
        if len(negative) > max_negatives:
            strongest = negative[np.argsort(-q.features[negative, coverage])[: max_negatives * 3 // 4]]
            rest = np.setdiff1d(negative, strongest)
            extra = rng.choice(rest, size=min(len(rest), max_negatives - len(strongest)), replace=False)
            negative = np.concatenate([strongest, extra])
        keep = np.concatenate([positive, negative])
        xs.append(ranker_input(q.features)[keep])
        ys.append(grade[keep])
        groups.append(len(keep))
        ws.append(np.full(len(keep), weight_of[id(q)]))
    if not xs:
        raise ValueError("no training question has a right candidate")
    x = np.vstack(xs)
    held = [i for i, name in enumerate(RANKER_FEATURES) if name.removesuffix("_vs_best") in ignores]
    x[:, held] = 0.0
    return x, np.concatenate(ys), groups, np.concatenate(ws)


def fit_ranker(questions: Sequence[QuestionData], settings: FitSettings | None = None) -> RankerBag:
    """``settings.ranker_bag`` fits on the same rows, seeded seed, seed + 1000, …"""
    import lightgbm

    settings = settings or FitSettings()
    x, y, groups, weights = ranker_rows(questions, settings.max_negatives, balance=settings.balance_ranker,
                                        ignores=settings.ranker_ignores)
    seed = int(settings.ranker_params.get("seed", 17))
    boosters = []
    for k in range(max(1, settings.ranker_bag)):
        # a Dataset per fit: the seed also samples the rows that set the feature bins
        data = lightgbm.Dataset(x, y, group=groups, weight=weights if settings.balance_ranker else None)
        boosters.append(lightgbm.train({**settings.ranker_params, "seed": seed + 1000 * k}, data,
                                       num_boost_round=settings.ranker_rounds))
    return RankerBag(boosters)


def choose(q: QuestionData, scores: np.ndarray) -> Choice:
    """The ranker's choice on a question, as the engine makes it (``qa.answer_model.AnswerModel.read``)."""
    if not len(scores):
        return Choice(-1, None, False, False, 0)
    best = int(np.argmax(scores))
    row = verifier_features(q.features, scores, list(q.passages), q.docs, best)
    return Choice(best, row, bool(q.hit[best]), bool(q.contains[best]), int(q.chars[best]))


def ranker_choices(ranker, questions: Sequence[QuestionData]) -> list[Choice]:
    choices = []
    for q in questions:
        scores = ranker.predict(ranker_input(q.features), num_threads=2) if len(q.features) else np.zeros(0)
        choices.append(choose(q, np.asarray(scores)))
    return choices


def without_answer(ranker, q: QuestionData) -> Choice | None:
    """What the ranker would choose if the documents did not hold the answer: an answerable question's
    candidates that hold a gold answer are taken away and the rest scored again. The choice is a near
    miss (a span of the passage that was asked about, in the question's words, without its fact), the
    hard no-answer case of real use, and one comes from nearly every answerable question; ``*_cut``
    makes the same case from the documents, for a quarter of the questions and at the cost of an index.
    None when the question is unanswerable, holds no answer among its candidates or leaves fewer than two."""
    if not q.answerable or not len(q.contains):
        return None
    keep = np.flatnonzero(~q.contains.astype(bool))
    if len(keep) == len(q.contains) or len(keep) < 2:
        return None
    from qa.features import against_best

    matrix = against_best(q.features[keep].copy())  # judged against the candidates left
    scores = np.asarray(ranker.predict(ranker_input(matrix), num_threads=2))
    best = int(np.argmax(scores))
    row = verifier_features(matrix, scores, [int(q.passages[i]) for i in keep], [q.docs[i] for i in keep], best)
    return Choice(int(keep[best]), row, False, False, int(q.chars[keep[best]]))


def near_miss_rows(near_misses: Sequence[Choice | None], weights: np.ndarray, usable: np.ndarray,
                   settings: FitSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The verifier's extra rows (all wrong) from the near misses of the ``usable`` questions, each
    weighing ``settings.near_miss_weight`` times its question."""
    from qa.answer_model import VERIFIER_FEATURES, mask_ignored

    rows = {i: c.row for i, c in enumerate(near_misses) if c is not None and c.row is not None and usable[i]}
    if not rows or settings.near_miss_weight <= 0:
        return np.zeros((0, len(VERIFIER_FEATURES)), np.float32), np.zeros(0), np.zeros(0)
    x = mask_ignored(np.vstack(list(rows.values())), settings.verifier_ignores)
    return x, np.zeros(len(rows)), weights[list(rows)] * settings.near_miss_weight


def _with_near_misses(x: np.ndarray, y: np.ndarray, w: np.ndarray, extra: tuple[np.ndarray, np.ndarray, np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verifier rows, labels and weights with the near misses' appended (in the order ``fit_verifier`` takes)."""
    return np.vstack([x, extra[0]]), np.concatenate([y, extra[1]]), np.concatenate([w, extra[2]])


def verifier_rows(choices: Sequence[Choice], width: int, ignores: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """A question without candidates gets an all-zero row (it is never answered anyway); the
    ``ignores`` columns are held at zero (``qa.answer_model.mask_ignored`` does the same at answer time)."""
    from qa.answer_model import mask_ignored

    x = np.vstack([c.row if c.row is not None else np.zeros(width, np.float32) for c in choices])
    x = mask_ignored(x, ignores)
    y = np.array([c.right for c in choices], dtype=np.float64)
    return x, y


def verifier_labels(right: np.ndarray, questions: Sequence[QuestionData], credit: float) -> np.ndarray:
    """What the verifier is taught: 1 for a right choice (``right``, from ``verifier_rows``),
    ``credit`` for a wrong choice on an answerable question, 0 otherwise."""
    answerable = np.array([q.answerable for q in questions], dtype=bool)
    return np.where(right > 0, 1.0, np.where(answerable, credit, 0.0))


def fit_verifier(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, settings: FitSettings | None = None):
    import lightgbm

    settings = settings or FitSettings()
    params = settings.verifier_params
    if ((y > 0) & (y < 1)).any():
        params = {**params, "objective": "cross_entropy"}
    return lightgbm.train(params, lightgbm.Dataset(x, y, weight=weight), num_boost_round=settings.verifier_rounds)


def fit_isotonic(raw: np.ndarray, right: np.ndarray) -> tuple[list[float], list[float]]:
    """The isotonic map from raw verifier output to the observed share of right answers."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, right)
    return [float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_]


def _folds(questions: Sequence[QuestionData], n_folds: int) -> np.ndarray:
    """Fold number of each question; a group (a document of a collection family) stays in one fold."""
    from sklearn.model_selection import GroupKFold

    groups = [q.group for q in questions]
    fold = np.zeros(len(questions), dtype=np.int32)
    splitter = GroupKFold(n_splits=n_folds, shuffle=True, random_state=17)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(groups)), groups=groups)):
        fold[test] = k
    return fold


def _held_out(questions: Sequence[QuestionData], assignment: np.ndarray, progress: Callable[[str], None],
              settings: FitSettings) -> Predictions:
    """Out-of-fold predictions: each part of ``assignment`` is scored by models fitted on the others.

    Stage 1: rankers per part give every question an out-of-part choice. Stage 2: verifiers per
    part, fitted on the other parts' out-of-part choices. Stage 3: each part's raw verifier output
    is calibrated by an isotonic map fitted on the other parts' raw output."""
    from qa.answer_model import VERIFIER_FEATURES

    parts = sorted(set(int(a) for a in assignment))
    choices: list[Choice | None] = [None] * len(questions)
    near_misses: list[Choice | None] = [None] * len(questions)
    for part in parts:
        train = [q for q, a in zip(questions, assignment) if a != part]
        test = [i for i, a in enumerate(assignment) if a == part]
        progress(f"ranker without part {part} ({len(train)} questions)")
        ranker = fit_ranker(train, settings)
        for i, choice in zip(test, ranker_choices(ranker, [questions[i] for i in test])):
            choices[i] = choice
        if settings.near_miss_weight > 0:
            for i in test:
                near_misses[i] = without_answer(ranker, questions[i]) if questions[i].train else None
    done: list[Choice] = [c for c in choices if c is not None]
    x, y = verifier_rows(done, len(VERIFIER_FEATURES), settings.verifier_ignores)
    taught = verifier_labels(y, questions, settings.answerable_credit)
    trainable = np.array([q.train for q in questions])
    weights = family_weights(questions, settings.balance_families)
    raw = np.zeros(len(questions))
    for part in parts:
        fit_on = (assignment != part) & trainable
        progress(f"verifier without part {part}")
        extra = near_miss_rows(near_misses, weights, fit_on, settings)
        verifier = fit_verifier(*_with_near_misses(x[fit_on], taught[fit_on], weights[fit_on], extra), settings)
        test = assignment == part
        raw[test] = verifier.predict(x[test], num_threads=2)
    probability = np.zeros(len(questions))
    calibrating = trainable & calibration_questions(questions, settings)
    for part in parts:
        other = (assignment != part) & calibrating
        xs, ys = fit_isotonic(raw[other], y[other])
        test = assignment == part
        probability[test] = np.interp(raw[test], xs, ys)
    return Predictions(list(questions), done, raw, probability, near_misses)


def calibration_questions(questions: Sequence[QuestionData], settings: FitSettings) -> np.ndarray:
    """Which questions the isotonic map is fitted on (see ``FitSettings.calibrate_on_made``)."""
    if settings.calibrate_on_made:
        return np.ones(len(questions), dtype=bool)
    return np.array([not q.collection.endswith(MADE_VARIANTS) for q in questions], dtype=bool)


def cross_validate(questions: Sequence[QuestionData], n_folds: int = 5, progress: Callable[[str], None] = log.info,
                   settings: FitSettings | None = None) -> Predictions:
    return _held_out(questions, _folds(questions, n_folds), progress, settings or FitSettings())


def leave_one_collection_out(questions: Sequence[QuestionData], progress: Callable[[str], None] = log.info,
                             settings: FitSettings | None = None) -> Predictions:
    families = sorted({q.family for q in questions})
    assignment = np.array([families.index(q.family) for q in questions])
    return _held_out(questions, assignment, progress, settings or FitSettings())


@dataclass
class FinalModel:
    ranker: Any                       # lightgbm.Booster
    verifier: Any
    calibration: tuple[list[float], list[float]]


def fit_final(questions: Sequence[QuestionData], oof: Predictions, progress: Callable[[str], None] = log.info,
              settings: FitSettings | None = None) -> FinalModel:
    """The shipped model: a ranker on every training question; a verifier on the out-of-fold
    choices; the isotonic map of the out-of-fold verifier output."""
    from qa.answer_model import VERIFIER_FEATURES

    settings = settings or FitSettings()
    progress("final ranker")
    ranker = fit_ranker(questions, settings)
    x, y = verifier_rows(oof.choices, len(VERIFIER_FEATURES), settings.verifier_ignores)
    taught = verifier_labels(y, questions, settings.answerable_credit)
    trainable = np.array([q.train for q in questions])
    progress("final verifier")
    weights = family_weights(questions, settings.balance_families)
    extra = near_miss_rows(oof.near_misses, weights, trainable, settings)
    verifier = fit_verifier(*_with_near_misses(x[trainable], taught[trainable], weights[trainable], extra), settings)
    calibrating = trainable & calibration_questions(questions, settings)
    calibration = fit_isotonic(oof.raw[calibrating], y[calibrating])
    return FinalModel(ranker, verifier, calibration)
