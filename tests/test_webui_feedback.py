"""Feedback undo (撤销) and the per-reply copy button, in process: a verdict can be withdrawn and chosen again,
the log records the retraction, ``eval.feedback`` leaves a withdrawn verdict out, and each reply carries its own
answer and citation as plain text to copy."""
from __future__ import annotations

import html
import json
import re

import gradio as gr
import pytest

from eval import feedback as gold_feedback
from tests.test_webui_handlers import _answer, _Engine
from webui import render
from webui.feedback import FeedbackLog
from webui.handlers import FEEDBACK_OUTPUTS, Handlers


@pytest.fixture
def handlers(tmp_path):
    log = tmp_path / "feedback.jsonl"
    return Handlers(lambda: _Engine(), FeedbackLog(log)), log


def _copied(bubble: str) -> str:
    """What COPY_JS copies from a reply: its hidden lines' text, joined by newlines."""
    assert 'class="pqa-copy"' in bubble
    row = bubble[bubble.index('<span class="pqa-copy-text">'):]
    return "\n".join(html.unescape(t) for t in re.findall(r'<span class="pqa-copy-line">(.*?)</span>', row))


def _records(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_undo_withdraws_the_verdict_and_lets_the_user_choose_again(handlers):
    h, log = handlers
    out = h.give_feedback("right", [_answer()], 0, "", "")
    answers, undo = out[3], out[6]
    assert answers[0]["feedback"] == "right" and undo == gr.update(visible=True)
    assert h._panel(answers, 0)[6] == gr.update(visible=True)  # selecting the reply again offers 撤销
    note, _, _, answers, right, wrong, undo = h.undo_feedback(answers, 0)
    assert "feedback" not in answers[0] and "已撤销第1问的评价" in note
    assert right == wrong == gr.update(interactive=True, variant="secondary") and undo == gr.update(visible=False)
    verdict, retraction = _records(log)
    assert retraction["retracts"] == verdict["id"] and retraction["question"] == "停车场"
    out = h.give_feedback("wrong", answers, 0, "应为22个", "")
    assert out[3][0]["feedback"] == "wrong" and out[5] == gr.update(interactive=False, variant="primary")
    assert [r.get("verdict") for r in _records(log)] == ["right", None, "wrong"]


def test_undo_without_a_verdict_is_a_notice(handlers):
    h, log = handlers
    with pytest.warns(UserWarning, match="没有可撤销"):
        out = h.undo_feedback([_answer()], 0)
    assert len(out) == FEEDBACK_OUTPUTS and not log.exists()
    with pytest.warns(UserWarning, match="没有可撤销"):
        h.undo_feedback([], -1)


def test_a_retracted_verdict_becomes_no_gold_candidate(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    first = log.append("蓬江区接管了多少个停车场", "停车场22个", [{"doc_id": "a.txt"}], "right")
    log.append("吉安市的目标是多少", "", [], "wrong", correct_passage="年均增长15%")
    log.retract(first["id"], "蓬江区接管了多少个停车场")
    log.append("蓬江区接管了多少个停车场", "停车场22个", [{"doc_id": "a.txt"}], "wrong", correct_passage="22个")
    result = gold_feedback.convert_lines((tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines())
    assert result.retracted == 1 and result.skipped == 0
    assert [c["feedback"]["verdict"] for c in result.candidates] == ["wrong", "wrong"]
    assert result.candidates[1]["answers"] == ["22个"]


def test_a_retraction_before_its_verdict_and_a_bad_one():
    lines = [json.dumps({"retracts": "abc"}), json.dumps({"id": "abc", "question": "问", "verdict": "right"}),
             json.dumps({"retracts": ""}), json.dumps({"id": "x", "question": "问二", "verdict": "right"})]
    result = gold_feedback.convert_lines(lines)
    assert result.retracted == 1 and result.skipped == 1 and [c["question"] for c in result.candidates] == ["问二"]


def test_each_reply_carries_its_answer_and_citation_as_plain_text_to_copy():
    ans = _answer()
    ans["answer"]["citations"][0]["title"] = "蓬江区<b>方案</b> $1"
    bubble = render.reply_html(ans)
    copied = _copied(bubble)
    assert copied == render.citations_text(ans) == "“目前接收管理停车场22个”（《蓬江区<b>方案</b> $1》 › 一、节，第3–15字）"
    assert "<b>" not in bubble  # the markup in the title stays text in the page
    assert "pqa-copy" not in render.reply_html(_answer(no_answer=True))  # a no-answer has nothing to copy


def test_a_reply_with_several_citations_copies_one_line_each():
    ans = _answer()
    cite = dict(ans["answer"]["citations"][0])
    ans["answer"]["citations"].append({**cite, "quote": "第二句", "section": "二、节", "start": 40, "end": 43})
    copied = _copied(render.reply_html(ans))
    assert copied.split("\n") == ["“目前接收管理停车场22个”（《标题》 › 一、节，第3–15字）", "“第二句”（《标题》 › 二、节，第40–43字）"]
