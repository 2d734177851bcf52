"""The learned answer model: a ranker that orders the candidates of a question and a verifier that
gives the calibrated probability that the chosen one is right. Both are LightGBM models, trained
by ``python -m eval.train`` and saved with their feature list, training-data fingerprints and
cross-validated figures in one JSON file (``qa/models/answer_model.json``).

The ranker scores each candidate from its features (``qa.features.FEATURES``): the mean score of a
few LightGBM fits that differ only in their random seed (a bag), which varies less from one training
run to the next than one fit does. The verifier reads
the chosen candidate's features and how far it stands above its rivals (``VERIFIER_EXTRA``), and
its output is mapped through an isotonic calibration fitted on out-of-fold predictions, so a
probability of 0.7 means right about 70% of the time on held-out questions. Below the model's
threshold (chosen on development data) the reply is a no-answer."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import PolicyQAError
from qa.features import FEATURES, RELATIVE_FEATURES, feature_fingerprint

MODEL_FORMAT = 1
# What the verifier reads beside the chosen candidate's features: its ranker score and its
# margins over the runner-up, over the best candidate of another passage and of another document.
VERIFIER_EXTRA: tuple[str, ...] = ("v_score", "v_gap_second", "v_gap_other_passage", "v_gap_other_doc",
                                   "v_candidates", "v_same_doc_share")
VERIFIER_FEATURES: tuple[str, ...] = (*FEATURES, *VERIFIER_EXTRA)
# The ranker also reads every passage and candidate feature against the question's best candidate
# (value minus the highest value among the question's candidates), as ``qa.features`` already gives
# for a few (``RELATIVE_FEATURES``): a tree on absolute values cannot tell that a coverage of 0.6 is
# the best of one question's candidates and the worst of another's. Question features are the same
# for every candidate and are left out.
RANKER_CONTEXT: tuple[str, ...] = tuple(
    name for name in FEATURES
    if name.startswith(("p_", "c_")) and not name.endswith("_vs_best") and name not in RELATIVE_FEATURES)
RANKER_FEATURES: tuple[str, ...] = (*FEATURES, *(f"{name}_vs_best" for name in RANKER_CONTEXT))
_CONTEXT_COLUMNS = [FEATURES.index(name) for name in RANKER_CONTEXT]
RETRAIN_HINT = "请运行 python -m eval.train 重新训练答案模型。"


class AnswerModelError(PolicyQAError):
    """The answer model file is missing, unreadable or of another format."""


class FeatureMismatchError(AnswerModelError):
    """The model was trained on another feature list than the code computes."""


@dataclass
class Verdict:
    """The model's reading of one question's candidates."""

    scores: np.ndarray                 # ranker score of every candidate
    best: int | None                   # the chosen candidate (None: no candidates)
    probability: float                 # calibrated probability that ``best`` is right
    answered: bool                     # probability at or above the threshold
    verifier_row: np.ndarray | None = None
    contributions: list[tuple[str, float]] = field(default_factory=list)


def mask_ignored(rows: np.ndarray, ignores) -> np.ndarray:
    """Hold the verifier features it was trained not to read at zero (copies ``rows``)."""
    if not ignores:
        return rows
    rows = np.array(rows, copy=True)
    rows[..., [VERIFIER_FEATURES.index(name) for name in ignores]] = 0.0
    return rows


def ranker_input(matrix: np.ndarray) -> np.ndarray:
    """The ranker's rows for one question's candidates: their features, then each ``RANKER_CONTEXT``
    feature minus its highest value among the question's candidates."""
    if not len(matrix):
        return np.zeros((0, len(RANKER_FEATURES)), dtype=np.float32)
    context = matrix[:, _CONTEXT_COLUMNS]
    return np.hstack([matrix, context - context.max(axis=0)]).astype(np.float32)


def verifier_features(matrix: np.ndarray, scores: np.ndarray, passages: list[int], docs: list[str],
                      best: int) -> np.ndarray:
    """The verifier's input for candidate ``best``: its features and its margins over its rivals
    (``passages``/``docs``: the passage number and document of every candidate)."""
    order = np.argsort(-scores)
    top = float(scores[best])
    second = float(scores[order[1]]) if len(order) > 1 else top - 10.0
    other_passage = [float(s) for s, p in zip(scores, passages) if p != passages[best]]
    other_doc = [float(s) for s, d in zip(scores, docs) if d != docs[best]]
    same_doc = sum(d == docs[best] for d in docs) / len(docs)
    extra = [top, top - second, top - max(other_passage, default=top - 10.0),
             top - max(other_doc, default=top - 10.0), float(len(scores)), same_doc]
    return np.concatenate([matrix[best], np.array(extra, dtype=np.float32)]).astype(np.float32)


class RankerBag:
    """Ranker fits that differ only in their LightGBM seed; a candidate's score is their mean. One fit's
    choices move with its seed (bagging and feature sampling); the mean moves less."""

    def __init__(self, boosters: list[Any]) -> None:
        self.boosters = list(boosters)

    def predict(self, rows: np.ndarray, num_threads: int = 2) -> np.ndarray:
        return np.mean([np.asarray(b.predict(rows, num_threads=num_threads), dtype=np.float64)
                        for b in self.boosters], axis=0)

    def model_strings(self) -> list[str]:
        return [b.model_to_string() for b in self.boosters]


class AnswerModel:
    """Ranker + verifier + calibration + threshold, as saved by ``eval.train``."""

    def __init__(self, data: dict[str, Any], source: str = "") -> None:
        import lightgbm

        self.data = data
        self.source = source
        # the ranker is a bag of LightGBM fits whose scores are averaged (one string: a single fit)
        rankers = data["ranker"] if isinstance(data["ranker"], list) else [data["ranker"]]
        if not rankers:
            raise ValueError("the model file holds no ranker")
        self.ranker = RankerBag([lightgbm.Booster(model_str=text) for text in rankers])
        self.verifier = lightgbm.Booster(model_str=data["verifier"])
        calibration = data["calibration"]
        self._cal_x = np.asarray(calibration["x"], dtype=np.float64)
        self._cal_y = np.asarray(calibration["y"], dtype=np.float64)
        self.threshold = float(data["threshold"])
        self.ignores = tuple(data.get("verifier_ignores", ()))

    # ----- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> AnswerModel:
        """Load and check a model file; a file whose features differ from the code is refused."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise AnswerModelError(f"答案模型文件不存在：{path}。{RETRAIN_HINT}") from exc
        except (OSError, ValueError) as exc:
            raise AnswerModelError(f"答案模型文件无法读取或已损坏：{path}。{RETRAIN_HINT}") from exc
        check_model_data(data, str(path))
        try:
            return cls(data, str(path))
        except Exception as exc:  # a damaged model string: lightgbm raises its own error types
            raise AnswerModelError(f"答案模型文件已损坏（{exc.__class__.__name__}）：{path}。{RETRAIN_HINT}") from exc

    @property
    def version(self) -> str:
        return str(self.data.get("version", ""))

    # ----- scoring ---------------------------------------------------------------------------
    def rank(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0)
        return self.ranker.predict(ranker_input(matrix), num_threads=1)

    def calibrate(self, raw: np.ndarray | float) -> np.ndarray:
        """The isotonic map from the verifier's raw probability to a calibrated one."""
        return np.interp(np.asarray(raw, dtype=np.float64), self._cal_x, self._cal_y)

    def verify(self, row: np.ndarray) -> float:
        raw = np.asarray(self.verifier.predict(row[None, :], num_threads=1), dtype=np.float64)
        return float(self.calibrate(raw)[0])

    def read(self, matrix: np.ndarray, passages: list[int], docs: list[str], explain: bool = True) -> Verdict:
        """Choose the best candidate and say how likely it is right."""
        scores = self.rank(matrix)
        if not len(scores):
            return Verdict(scores, None, 0.0, False)
        best = int(np.argmax(scores))
        row = mask_ignored(verifier_features(matrix, scores, passages, docs, best), self.ignores)
        probability = self.verify(row)
        verdict = Verdict(scores, best, probability, probability >= self.threshold, row)
        if explain:
            verdict.contributions = self.contributions(row)
        return verdict

    def contributions(self, row: np.ndarray) -> list[tuple[str, float]]:
        """Each verifier feature's share of the decision (TreeSHAP, in log-odds), largest first."""
        values = np.asarray(self.verifier.predict(row[None, :], pred_contrib=True, num_threads=1))[0][:-1]
        pairs = [(name, float(v)) for name, v in zip(VERIFIER_FEATURES, values) if abs(v) > 1e-6]
        return sorted(pairs, key=lambda kv: -abs(kv[1]))


def check_model_data(data: Any, source: str) -> None:
    """Refuse a model file of another format or feature list, naming what differs."""
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise AnswerModelError(f"答案模型文件格式 {found!r} 与程序（{MODEL_FORMAT}）不符：{source}。{RETRAIN_HINT}")
    for key, code in (("features", FEATURES), ("ranker_features", RANKER_FEATURES),
                      ("verifier_features", VERIFIER_FEATURES)):
        model_names = list(data.get(key) or [])
        if model_names == list(code):
            continue
        missing = [f for f in code if f not in model_names]
        extra = [f for f in model_names if f not in code]
        detail = []
        if missing:
            detail.append("缺少 " + "、".join(missing[:5]) + ("…" if len(missing) > 5 else ""))
        if extra:
            detail.append("多出 " + "、".join(extra[:5]) + ("…" if len(extra) > 5 else ""))
        if not detail:
            detail.append("顺序不同")
        raise FeatureMismatchError(
            f"答案模型的特征列表 {key}（{len(model_names)} 个，指纹 {data.get('feature_fingerprint', '?')}）与程序的"
            f"特征（{len(code)} 个，指纹 {feature_fingerprint()}）不一致：{'；'.join(detail)}。模型：{source}。{RETRAIN_HINT}")
    unknown = [name for name in data.get("verifier_ignores", []) if name not in VERIFIER_FEATURES]
    if unknown:
        raise FeatureMismatchError(f"答案模型忽略的特征 {'、'.join(unknown)} 不在程序的特征中：{source}。{RETRAIN_HINT}")
    for key in ("ranker", "verifier", "calibration", "threshold"):
        if key not in data:
            raise AnswerModelError(f"答案模型文件缺少 {key}：{source}。{RETRAIN_HINT}")
