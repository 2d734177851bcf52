"""Hostile and odd questions on the real seed index: every one gets a defined result
(an answer with exact citations, or a no-answer with a reason and a Chinese message), fast."""
from __future__ import annotations

import json
import re
import time
from typing import get_args

import pytest

from qa.config import MAX_QUESTION_CHARS
from qa.engine import MESSAGES
from qa.question import prepare_question
from qa.records import Answer, Reason

REASONS = set(get_args(Reason)) - {""}
# A hang detector, not a benchmark: a question takes well under a second on an idle machine,
# but CI machines shared with other jobs can be many times slower.
SECONDS = 30.0
GOOD = "蓬江区接管了多少个停车场"
GOOD_DOC = "001_9341cea50ca2ce3b.txt"

CASES = {
    "empty": "",
    "blank": " \t\n\u3000 \r\n",
    "punctuation": "？？！。，、…；：“”（）——",
    "emoji": "😀🎉👍🏻🇨🇳❤️‍🔥",
    "zero_width_only": "\u200b\u200c\u200d\u2060\ufeff",
    "controls_only": "\x00\x01\x07\x1b\x7f\x85",
    "long": ("江门市重点改革项目有哪些？" * 7693)[:100_000],
    "controls_inside": "蓬江\x00区\x07接管\u200b了多少\u200d个\ufeff停车\u2066场\u2069",
    "html": "<script>alert('xss')</script><b>蓬江区</b>停车场<img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE documents; -- SELECT * FROM chunks WHERE '1'='1'",
    "english": "How many parking lots does Pengjiang district manage?",
    "single_char": "江",
    "traditional": "蓬江區接管了多少個停車場",
}


def check_defined(engine, answer: Answer) -> dict:
    """What every result must satisfy, whatever the question."""
    assert isinstance(answer, Answer)
    data = answer.to_dict()
    json.dumps(data, ensure_ascii=False)
    assert set(data) >= {"question", "no_answer", "reason", "message", "notes", "answer", "passages"}
    assert len(answer.question) <= MAX_QUESTION_CHARS
    if answer.no_answer:
        assert answer.reason in REASONS
        assert re.search(r"[\u4e00-\u9fff]", answer.message), answer.message
        assert data["answer"] is None
    else:
        assert answer.text and answer.citations
    for citation in answer.citations:
        assert engine.index.documents[citation.doc_id].document.text[citation.start:citation.end] == citation.quote
    for passage in answer.passages:
        assert engine.index.documents[passage.doc_id].document.text[passage.start:passage.end] == passage.text
    return data


@pytest.fixture(scope="module")
def engine(seed_engine):
    seed_engine.warm_up()  # lazy loads (jieba, model) are not part of the timing below
    return seed_engine


def ask(engine, question):
    started = time.perf_counter()
    answer = engine.answer(question)
    seconds = time.perf_counter() - started
    assert seconds < SECONDS, f"{seconds:.1f} s"
    check_defined(engine, answer)
    return answer


@pytest.mark.parametrize("name", ["empty", "blank", "zero_width_only", "controls_only"])
def test_empty_questions_ask_for_a_question(engine, name):
    answer = ask(engine, CASES[name])
    assert answer.no_answer and answer.reason == "empty" and answer.message == MESSAGES["empty"]
    assert answer.passages == [] and answer.question == ""


@pytest.mark.parametrize("name", ["punctuation", "emoji"])
def test_questions_without_words_say_so(engine, name):
    answer = ask(engine, CASES[name])
    assert answer.no_answer and answer.reason == "no_content" and answer.message == MESSAGES["no_content"]


@pytest.mark.parametrize("question,reason", [(None, "empty"), ("？" * 100_000, "no_content"), (42, None)])
def test_non_text_and_long_symbol_input_are_handled(engine, question, reason):
    answer = ask(engine, question)
    if reason:
        assert answer.no_answer and answer.reason == reason
    else:  # a number is read as the text "42"
        assert answer.question == "42"


def test_over_long_question_is_cut_with_a_note(engine):
    question = CASES["long"]
    assert len(question) == 100_000
    answer = ask(engine, question)
    assert answer.question == question[:MAX_QUESTION_CHARS]
    assert any(f"前 {MAX_QUESTION_CHARS} 字" in note and "100000" in note for note in answer.notes)
    assert any(f"前 {MAX_QUESTION_CHARS} 字" in note for note in answer.to_dict()["notes"])


def test_invisible_and_control_characters_are_ignored(engine):
    clean = ask(engine, GOOD)
    dirty = ask(engine, CASES["controls_inside"])
    assert not clean.no_answer and "22个" in clean.text
    assert dirty.question == GOOD
    assert (dirty.no_answer, dirty.text, dirty.citations) == (clean.no_answer, clean.text, clean.citations)


def test_html_is_treated_as_plain_text(engine):
    answer = ask(engine, CASES["html"])
    assert "<script>" in answer.question  # echoed as text; escaping is the UI's job
    assert "<script>" not in answer.text and "alert" not in answer.text
    if not answer.no_answer:
        assert answer.citations[0].doc_id == GOOD_DOC


def test_sql_like_text_is_just_text(engine):
    before = (engine.index.folder, len(engine.index.documents), len(engine.index.chunks))
    answer = ask(engine, CASES["sql"])
    assert answer.no_answer and answer.reason in ("low_confidence", "no_match")
    assert (engine.index.folder, len(engine.index.documents), len(engine.index.chunks)) == before
    assert ask(engine, GOOD).text == ask(engine, GOOD).text


def test_english_question_is_a_defined_no_answer(engine):
    answer = ask(engine, CASES["english"])
    assert answer.no_answer and answer.reason in ("low_confidence", "no_match")
    assert answer.message == MESSAGES[answer.reason]


def test_single_character_gets_a_defined_result(engine):
    answer = ask(engine, CASES["single_char"])
    assert answer.question == "江"
    if not answer.no_answer:
        assert "江" in answer.text


def test_traditional_question_is_folded_and_answered(engine):
    simplified = ask(engine, GOOD)
    answer = ask(engine, CASES["traditional"])
    assert not answer.no_answer and "22个" in answer.text
    assert answer.citations[0].doc_id == GOOD_DOC == simplified.citations[0].doc_id
    assert any("繁体" in note for note in answer.notes)


def test_cutting_a_huge_question_is_cheap():
    """The only work proportional to the input is the cleaning before the cut."""
    started = time.perf_counter()
    prepared = prepare_question("\u200b蓬江区停车场？" * 200_000)  # 1.6 million characters
    assert time.perf_counter() - started < 2.0
    assert len(prepared.text) == MAX_QUESTION_CHARS and prepared.notes
