"""Doubtful no-answer labels: a question labelled unanswerable because its gold document was
dropped is flagged when a kept repost still holds its answer, and not when nothing kept does."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from eval.train.data import Collection, QuestionData
from eval.train.doubt import GramIndex, doubtful_no_answers

ANSWER = "城管执法队员通过上门走访、电话联系等方式，引导未开业商户做好开业前的防疫准备。"
REPOST = ("关于加强商户管理的通知（转发）城管执法队员通过上门走访、电话联系等方式，加强宣传、事先告知，"
          "引导未开业商户做好开业前的防疫准备。")
OTHER = "江门市推进十项重点改革，其中包括揭榜挂帅制度改革和数字政府建设。"


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")


def _question(qid: str, collection: str = "fam_na", answerable: bool = False) -> QuestionData:
    empty = np.zeros(0)
    return QuestionData(collection, "fam", qid, "问题", "unanswerable", "dev", answerable, qid, True,
                        np.zeros((0, 1)), empty, [], empty, empty, empty, empty, empty)


def _dev_root(tmp_path: Path, kept: list[dict]) -> tuple[Path, Collection]:
    gold = [{"id": "q1", "question": "城管执法队员要如何监督未开业的商户？", "answers": [ANSWER], "doc": "dropped",
             "type": "fact", "split": "dev"},
            {"id": "q2", "question": "江门市推进哪些改革？", "answers": ["揭榜挂帅制度改革"], "doc": "other",
             "type": "fact", "split": "dev"}]
    _write_jsonl(tmp_path / "fam" / "qa.jsonl", gold)
    _write_jsonl(tmp_path / "fam_na" / "corpus.jsonl", kept)
    _write_jsonl(tmp_path / "fam_na" / "qa.jsonl",
                 [{**g, "answers": [], "doc": None, "type": "unanswerable"} for g in gold])
    return tmp_path, Collection("fam_na", "fam", tmp_path / "fam_na" / "corpus.jsonl", tmp_path / "fam_na" / "qa.jsonl")


def test_a_no_answer_label_a_kept_repost_answers_is_doubtful(tmp_path):
    dev_root, collection = _dev_root(tmp_path, [{"doc_id": "repost", "title": "", "text": REPOST}])
    assert doubtful_no_answers([_question("q1"), _question("q2")], collection, dev_root) == {"q1"}


def test_a_no_answer_label_nothing_kept_answers_is_trusted(tmp_path):
    dev_root, collection = _dev_root(tmp_path, [{"doc_id": "unrelated", "title": "", "text": "本通知自发布之日起施行。"}])
    assert doubtful_no_answers([_question("q1"), _question("q2")], collection, dev_root) == set()


def test_answerable_questions_are_never_doubted(tmp_path):
    dev_root, collection = _dev_root(tmp_path, [{"doc_id": "repost", "title": "", "text": REPOST}])
    assert doubtful_no_answers([_question("q1", answerable=True)], collection, dev_root) == set()


def test_the_share_is_of_one_document_not_of_the_corpus():
    half = len(ANSWER) // 2
    split = GramIndex({"a": ANSWER[:half], "b": ANSWER[half:]})
    assert split.best_share(ANSWER) < 0.7
    assert GramIndex({"a": REPOST, "b": OTHER}).best_share(ANSWER) >= 0.7
