"""The shipped answer model file: it matches the code's features, carries its fingerprints and
held-out figures, and a file that does not match (another feature list, damage) is refused with
a message that says how to retrain."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.answer_model import (
    RANKER_FEATURES,
    VERIFIER_FEATURES,
    AnswerModel,
    AnswerModelError,
    FeatureMismatchError,
    check_model_data,
    ranker_input,
)
from qa.config import DEFAULT_ANSWER_MODEL, QAConfig
from qa.features import FEATURES, feature_fingerprint


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(DEFAULT_ANSWER_MODEL.read_text(encoding="utf-8"))


def test_the_shipped_model_matches_the_code_and_records_how_it_was_trained(shipped):
    assert shipped["features"] == list(FEATURES) and shipped["verifier_features"] == list(VERIFIER_FEATURES)
    assert shipped["ranker_features"] == list(RANKER_FEATURES)
    assert shipped["feature_fingerprint"] == feature_fingerprint()
    collections = shipped["training"]["collections"]
    assert {"seeds", "cmrc2018_trial_na", "drcd_test_na", "ncp_policy_na"} <= set(collections)
    assert all(len(c["fingerprint"]) == 16 and c["questions"] > 0 for c in collections.values())
    figures = shipped["figures"]
    assert set(figures["out_of_fold"]) >= {"seeds", "cmrc2018_trial_na"} and figures["leave_one_collection_out"]
    assert 0.0 < shipped["threshold"] < 1.0
    assert isinstance(shipped["ranker"], list) and len(shipped["ranker"]) == shipped["training"]["fit"]["ranker_bag"]
    assert DEFAULT_ANSWER_MODEL.stat().st_size < 5_000_000  # a small file (three ranker fits and a verifier), not weights


def test_the_model_loads_and_its_calibration_is_a_monotone_probability():
    model = AnswerModel.load(DEFAULT_ANSWER_MODEL)
    raw = np.linspace(0, 1, 101)
    calibrated = model.calibrate(raw)
    assert (calibrated >= 0).all() and (calibrated <= 1).all() and (np.diff(calibrated) >= -1e-12).all()
    scores = model.rank(np.zeros((3, len(FEATURES)), dtype=np.float32))
    assert scores.shape == (3,)


def test_a_model_trained_on_another_feature_list_is_refused_with_a_clear_message(shipped, tmp_path):
    other = dict(shipped, features=[f for f in FEATURES if f != "c_coverage"] + ["c_old_feature"])
    path = tmp_path / "old_model.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    with pytest.raises(FeatureMismatchError) as refused:
        AnswerModel.load(path)
    message = str(refused.value)
    assert "c_coverage" in message and "c_old_feature" in message and "python -m eval.train" in message
    reordered = dict(shipped, features=[FEATURES[1], FEATURES[0], *FEATURES[2:]])
    with pytest.raises(FeatureMismatchError, match="顺序不同"):
        check_model_data(reordered, "reordered")


def test_the_ranker_reads_each_feature_against_the_questions_best_candidate():
    matrix = np.zeros((3, len(FEATURES)), dtype=np.float32)
    novelty = FEATURES.index("c_novelty")
    matrix[:, novelty] = [0.2, 0.9, 0.5]
    rows = ranker_input(matrix)
    assert rows.shape == (3, len(RANKER_FEATURES)) and len(set(RANKER_FEATURES)) == len(RANKER_FEATURES)
    against_best = rows[:, RANKER_FEATURES.index("c_novelty_vs_best")]
    assert np.allclose(against_best, [-0.7, 0.0, -0.4]) and np.allclose(rows[:, novelty], matrix[:, novelty])
    assert not any(name.startswith("q_") and name.endswith("_vs_best") for name in RANKER_FEATURES)
    assert ranker_input(np.zeros((0, len(FEATURES)), dtype=np.float32)).shape == (0, len(RANKER_FEATURES))


def test_a_model_whose_ranker_reads_other_context_features_is_refused(shipped, tmp_path):
    other = dict(shipped, ranker_features=list(FEATURES))
    with pytest.raises(FeatureMismatchError, match="ranker_features.*缺少 .*_vs_best"):
        check_model_data(other, "old ranker")


@pytest.mark.parametrize("content", ["", "{not json", json.dumps({"format": 99}), json.dumps([1, 2])])
def test_a_damaged_or_foreign_model_file_is_refused(tmp_path, content):
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnswerModelError, match="eval.train"):
        AnswerModel.load(path)
    with pytest.raises(AnswerModelError, match="不存在"):
        AnswerModel.load(tmp_path / "missing.json")


def test_the_engine_refuses_a_mismatched_model_before_touching_the_index(shipped, tmp_path):
    from qa.engine import QAEngine

    path = tmp_path / "model.json"
    path.write_text(json.dumps(dict(shipped, features=list(FEATURES[:-1]))), encoding="utf-8")
    with pytest.raises(FeatureMismatchError):
        QAEngine.open(index_dir=tmp_path / "never-built", config=QAConfig(answer_model=path))
    assert not (tmp_path / "never-built").exists()
