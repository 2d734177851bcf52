"""eval.metrics against values computed by hand on small made-up inputs."""
from __future__ import annotations

import pytest

from eval import metrics
from eval.records import QuestionRecord

# --- matching -----------------------------------------------------------------------------------

def test_match_key_folds_script_width_and_whitespace() -> None:
    assert metrics.match_key("江門市 ２０２３年\n改革") == "江门市2023年改革"


def test_contains_answer_traditional_text_simplified_gold() -> None:
    assert metrics.contains_answer("近日，市委改革辦正式印發了分解表", ["市委改革办"])
    assert metrics.contains_answer("市委改革办", ["市委改革辦"])


def test_contains_answer_ignores_whitespace_on_both_sides() -> None:
    assert metrics.contains_answer("共推进十 项改革", ["十项"])
    assert metrics.contains_answer("共推进十项改革", ["十 项"])


def test_contains_answer_needs_one_of_the_answers() -> None:
    assert metrics.contains_answer("新增8家企业", ["3家", "8家"])
    assert not metrics.contains_answer("新增8家企业", ["3家"])
    assert not metrics.contains_answer("任何文字", [])
    assert not metrics.contains_answer("任何文字", ["", "  "])  # blank answers never match


def test_passage_is_hit_needs_gold_doc_and_answer() -> None:
    assert metrics.passage_is_hit("a", [], "共十项", ["a"], ["十项"])
    assert not metrics.passage_is_hit("b", [], "共十项", ["a"], ["十项"])
    assert not metrics.passage_is_hit("a", [], "共九项", ["a"], ["十项"])


def test_passage_is_hit_through_repost() -> None:
    assert metrics.passage_is_hit("b", ["c", "a"], "共十项", ["a"], ["十项"])
    assert metrics.passage_is_hit("b", [], "共十项", ["x", "b"], ["十项"])  # multi-doc gold


def test_passage_is_hit_without_gold_doc_accepts_any_doc() -> None:
    assert metrics.passage_is_hit("z", [], "共十项", [], ["十项"])


# --- ranks ----------------------------------------------------------------------------------------

def test_first_hit_rank_takes_the_first_of_tied_hits() -> None:
    assert metrics.first_hit_rank([False, True, True]) == 2
    assert metrics.first_hit_rank([True, True]) == 1
    assert metrics.first_hit_rank([False, False]) is None
    assert metrics.first_hit_rank([]) is None


def test_recall_at_k() -> None:
    ranks = [1, 3, None, 6]
    assert metrics.recall_at_k(ranks, 1) == pytest.approx(0.25)
    assert metrics.recall_at_k(ranks, 3) == pytest.approx(0.5)
    assert metrics.recall_at_k(ranks, 5) == pytest.approx(0.5)
    assert metrics.recall_at_k(ranks, 10) == pytest.approx(0.75)
    assert metrics.recall_at_k([], 10) is None
    assert metrics.recall_at_k([None, None], 10) == 0.0


def test_mrr_at_k() -> None:
    # (1 + 1/3 + 0 + 1/6) / 4 = 0.375
    assert metrics.mrr_at_k([1, 3, None, 6], 10) == pytest.approx(0.375)
    # rank 6 is beyond k=5: (1 + 1/3) / 4 = 1/3
    assert metrics.mrr_at_k([1, 3, None, 6], 5) == pytest.approx(1 / 3)
    assert metrics.mrr_at_k([11], 10) == 0.0
    assert metrics.mrr_at_k([], 10) is None


# --- answers --------------------------------------------------------------------------------------

def test_answer_hit() -> None:
    assert metrics.answer_hit("今年重点推进十项改革项目", False, ["十项"])
    assert not metrics.answer_hit("今年重点推进十项改革项目", True, ["十项"])  # declined = miss
    assert not metrics.answer_hit("九项", False, ["十项"])
    assert metrics.answer_hit("十項", False, ["十项"])


def test_char_f1_hand_values() -> None:
    # common 2; P = 2/4, R = 2/2 -> F1 = 2 * 0.5 * 1 / 1.5 = 2/3
    assert metrics.char_f1("十项改革", "十项") == pytest.approx(2 / 3)
    # bag of characters: pred a,a,b vs ref a,b -> common 2, P = 2/3, R = 1 -> F1 = 0.8
    assert metrics.char_f1("aab", "ab") == pytest.approx(0.8)
    assert metrics.char_f1("十项", "九条") == 0.0


def test_char_f1_ignores_punctuation_whitespace_script() -> None:
    assert metrics.char_f1("十项。", "十 项") == pytest.approx(1.0)
    assert metrics.char_f1("《十項》", "十项") == pytest.approx(1.0)
    assert metrics.char_f1("ＡＢ", "ab") == pytest.approx(1.0)


def test_char_f1_empty_sides_score_zero() -> None:
    assert metrics.char_f1("", "十项") == 0.0
    assert metrics.char_f1("十项", "") == 0.0
    assert metrics.char_f1("。，", "。，") == 0.0  # nothing left after removing punctuation


def test_max_char_f1_takes_best_answer_and_handles_ties() -> None:
    # vs "3家": common 1, P = 1/4, R = 1/2 -> 1/3; vs "8家": common 2, P = 2/4, R = 1 -> 2/3
    assert metrics.max_char_f1("8家企业", ["3家", "8家"]) == pytest.approx(2 / 3)
    assert metrics.max_char_f1("3家", ["3家", "家3"]) == pytest.approx(1.0)  # tie at 1.0
    assert metrics.max_char_f1("3家", []) == 0.0


# --- no-answer detection --------------------------------------------------------------------------

def test_no_answer_prf_hand_values() -> None:
    gold = [True, True, False, False, False]
    pred = [True, False, True, False, False]  # TP 1, FP 1, FN 1
    assert metrics.no_answer_prf(gold, pred) == pytest.approx(
        {"no_answer_precision": 0.5, "no_answer_recall": 0.5, "no_answer_f1": 0.5})


def test_no_answer_prf_without_unanswerable_gold_is_null() -> None:
    assert metrics.no_answer_prf([False, False], [True, False]) == {
        "no_answer_precision": None, "no_answer_recall": None, "no_answer_f1": None}
    assert metrics.no_answer_prf([], []) == {
        "no_answer_precision": None, "no_answer_recall": None, "no_answer_f1": None}


def test_no_answer_prf_never_predicted_scores_zero() -> None:
    assert metrics.no_answer_prf([True, False], [False, False]) == {
        "no_answer_precision": 0.0, "no_answer_recall": 0.0, "no_answer_f1": 0.0}


def test_no_answer_prf_length_mismatch() -> None:
    with pytest.raises(ValueError, match="one prediction per question"):
        metrics.no_answer_prf([True], [True, False])


# --- latency --------------------------------------------------------------------------------------

def test_percentile_linear_interpolation() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # unsorted on purpose
    assert metrics.percentile(values, 50) == pytest.approx(25.0)   # position 1.5
    assert metrics.percentile(values, 95) == pytest.approx(38.5)   # position 2.85
    assert metrics.percentile(values, 99) == pytest.approx(39.7)   # position 2.97
    assert metrics.percentile(values, 0) == 10.0
    assert metrics.percentile(values, 100) == 40.0


def test_percentile_ties_single_and_empty() -> None:
    assert metrics.percentile([5.0, 5.0, 5.0, 100.0], 50) == 5.0
    assert metrics.percentile([7.0], 99) == 7.0
    assert metrics.percentile([], 50) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        metrics.percentile([1.0], 101)


# --- aggregation ----------------------------------------------------------------------------------

def _record(qid: str, qtype: str, *, hit_rank: int | None, no_answer: bool, text: str,
            f1: float | None, latency: float) -> QuestionRecord:
    answerable = qtype != "unanswerable"
    return QuestionRecord(
        id=qid, question="?", type=qtype, split="dev", method="hybrid", answerable=answerable,
        gold_answers=["x"] if answerable else [], gold_docs=["d"] if answerable else [],
        no_answer=no_answer, answer_text=text, answer_score=0.5, reason="", message="",
        latency_ms=latency, hit_rank=hit_rank,
        answer_hit=(f1 == 1.0) if answerable else None, answer_f1=f1,
    )


RECORDS = [
    _record("q1", "number", hit_rank=1, no_answer=False, text="十项", f1=1.0, latency=10.0),
    _record("q2", "who", hit_rank=4, no_answer=False, text="市委改革办印发", f1=1.0, latency=20.0),
    _record("q3", "who", hit_rank=None, no_answer=True, text="", f1=0.0, latency=30.0),
    _record("q4", "unanswerable", hit_rank=None, no_answer=True, text="", f1=None, latency=40.0),
]


def test_summarize_hand_values() -> None:
    summary = metrics.summarize(RECORDS, top_k=10)
    assert list(summary) == list(metrics.METRIC_KEYS)
    assert summary["n"] == 4 and summary["n_answerable"] == 3 and summary["n_unanswerable"] == 1
    assert summary["n_errors"] == 0
    assert summary["recall@1"] == pytest.approx(1 / 3)
    assert summary["recall@3"] == pytest.approx(1 / 3)
    assert summary["recall@5"] == pytest.approx(2 / 3)
    assert summary["recall@10"] == pytest.approx(2 / 3)
    assert summary["mrr@10"] == pytest.approx((1 + 0.25) / 3)
    assert summary["answer_hit@1"] == pytest.approx(2 / 3)
    assert summary["answer_f1"] == pytest.approx(2 / 3)
    assert summary["answer_chars_mean"] == pytest.approx(4.5)  # (2 + 7) / 2, q3 declined
    # gold positives [F, F, F, T], predicted [F, F, T, T]: TP 1, FP 1, FN 0
    assert summary["no_answer_precision"] == pytest.approx(0.5)
    assert summary["no_answer_recall"] == pytest.approx(1.0)
    assert summary["no_answer_f1"] == pytest.approx(2 / 3)
    assert summary["latency_ms_mean"] == pytest.approx(25.0)
    assert summary["latency_ms_p50"] == pytest.approx(25.0)
    assert summary["latency_ms_p95"] == pytest.approx(38.5)
    assert summary["latency_ms_p99"] == pytest.approx(39.7)


def test_summarize_recall_beyond_top_k_is_null() -> None:
    summary = metrics.summarize(RECORDS, top_k=3)
    assert summary["recall@3"] == pytest.approx(1 / 3)
    assert summary["recall@5"] is None and summary["recall@10"] is None


def test_summarize_empty() -> None:
    summary = metrics.summarize([], top_k=10)
    assert summary["n"] == 0
    assert all(summary[k] is None for k in metrics.METRIC_KEYS if not k.startswith("n"))


def test_summarize_by_type() -> None:
    by_type = metrics.summarize_by_type(RECORDS, top_k=10)
    assert list(by_type) == ["number", "who", "unanswerable"]
    assert by_type["number"]["recall@1"] == 1.0
    assert by_type["number"]["no_answer_f1"] is None  # no unanswerable gold in this type
    who = by_type["who"]
    assert who["n"] == 2
    assert who["recall@1"] == 0.0 and who["recall@5"] == pytest.approx(0.5)
    assert who["mrr@10"] == pytest.approx(0.125)
    assert who["answer_hit@1"] == pytest.approx(0.5)
    assert who["answer_chars_mean"] == pytest.approx(7.0)
    unanswerable = by_type["unanswerable"]
    assert unanswerable["recall@10"] is None and unanswerable["answer_hit@1"] is None
    assert unanswerable["answer_f1"] is None and unanswerable["answer_chars_mean"] is None
    assert unanswerable["no_answer_precision"] == 1.0 and unanswerable["no_answer_recall"] == 1.0
    assert unanswerable["latency_ms_p50"] == 40.0
