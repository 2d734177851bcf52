"""webui/handlers.py and webui/render.py in process, with a stand-in engine: clicks with nothing to act on
give a Chinese notice (no error badges), feedback is one verdict per reply, messages name no exception class,
long questions are cut for display, a no-answer has no answer highlight, unknown doc_ids are refused."""
from __future__ import annotations

import logging
from types import SimpleNamespace

import gradio as gr
import pytest

from webui import render
from webui.feedback import FeedbackLog
from webui.handlers import ASK_OUTPUTS, DELETE_OUTPUTS, FEEDBACK_OUTPUTS, UPLOAD_OUTPUTS, Handlers, plain


def _answer(no_answer: bool = False) -> dict:
    text = "目前接收管理停车场22个"
    passage = {"doc_id": "a.txt", "title": "标题", "section": "一、节", "start": 0, "end": len(text) + 3,
               "text": "前文。" + text, "score": 0.91234, "highlights": [{"start": 3, "end": 3 + len(text)}],
               "also_published_as": []}
    cite = {"doc_id": "a.txt", "title": "标题", "section": "一、节", "start": 3, "end": 3 + len(text), "quote": text}
    return {"question": "停车场", "no_answer": no_answer, "reason": "low_confidence" if no_answer else "",
            "message": "文档中没有找到。" if no_answer else "", "notes": [], "confidence": "" if no_answer else "高",
            "probability": 0.9, "answer": None if no_answer else {"text": text, "citations": [cite]},
            "passages": [passage]}


class _Engine:
    def __init__(self) -> None:
        self.knowledge_base = SimpleNamespace(document=lambda d: {"doc_id": d} if d == "a.txt" else None)
        self.asked: list[str] = []

    def answer(self, question, options):
        self.asked.append(question)
        return SimpleNamespace(to_dict=lambda: {**_answer(), "question": question})


@pytest.fixture
def handlers(tmp_path):
    engine = _Engine()
    return Handlers(lambda: engine, FeedbackLog(tmp_path / "feedback.jsonl")), tmp_path / "feedback.jsonl"


def test_delete_and_upload_with_nothing_selected_are_notices_not_errors(handlers, caplog):
    h, _ = handlers
    caplog.set_level(logging.INFO)
    with pytest.warns(UserWarning, match="请先在列表中点击一行"):
        out = h.ask_delete(None)
    assert len(out) == 3 and all(isinstance(v, dict) and v.get("__type__") == "update" and len(v) == 1 for v in out)
    with pytest.warns(UserWarning, match="请先选择要上传的文件"):
        assert len(h.upload([])) == UPLOAD_OUTPUTS
    assert "Traceback" not in caplog.text


def test_feedback_before_any_question_is_a_notice(handlers):
    h, log = handlers
    with pytest.warns(UserWarning, match="请先提问"):
        out = h.give_feedback("right", [], -1, "", "")
    assert len(out) == FEEDBACK_OUTPUTS and not log.exists()


def test_feedback_is_one_verdict_per_reply_and_the_buttons_show_it(handlers):
    h, log = handlers
    answers = [_answer()]
    note, _, _, answers, right, wrong, _ = h.give_feedback("wrong", answers, 0, "不对", "")
    assert answers[0]["feedback"] == "wrong" and "错误" in note
    assert wrong == gr.update(interactive=False, variant="primary")
    assert right == gr.update(interactive=False, variant="secondary")
    with pytest.warns(UserWarning, match="已经评价过"):
        h.give_feedback("right", answers, 0, "", "")
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1
    panel = h._panel(answers, 0)  # selecting the reply again shows its verdict
    assert "已标记为“错误”" in panel[3] and panel[5] == gr.update(interactive=False, variant="primary")
    assert h._panel([_answer()], 0)[4] == gr.update(interactive=True, variant="secondary")


def test_ask_ui_yields_one_value_per_output_and_cuts_a_long_question(handlers):
    h, _ = handlers
    steps = list(h.ask_ui("问" * 5000, [], 5, [], [], [], []))
    assert all(len(step) == ASK_OUTPUTS for step in steps)
    bubble = steps[-1][0][0]["content"]
    assert bubble.count("问") < 260 and "共 5000 字" in bubble
    sources = steps[-1][3]
    assert "问" * 41 not in sources  # the header names the question in at most 40 characters


def test_api_refuses_an_unknown_doc_id(handlers):
    h, _ = handlers
    with pytest.raises(gr.Error, match="没有文档：nope.txt"):
        h.ask_api("停车场", 5, doc_ids=["nope.txt"])
    assert h.ask_api("停车场", 5, doc_ids=["a.txt"])["answer"]


def test_messages_name_no_exception_class():
    assert plain("无法读取 PDF 文件：x.pdf（PdfStreamError）") == "无法读取 PDF 文件：x.pdf（文件可能已损坏，或不是这种格式）"
    assert plain("无法读取索引 /x：UnicodeDecodeError。请重建") == "无法读取索引 /x。请重建"
    assert plain("无法加载模型 m：OSError: no file") == "无法加载模型 m"
    assert plain("普通的中文说明。") == "普通的中文说明。"


def test_sources_panel_shows_rank_and_confidence_not_scores():
    html = render.sources_html(_answer(), 1)
    assert "相关度" not in html and "0.912" not in html
    assert "答案置信度高" in html and '<span class="pqa-rank">1</span>' in html


def test_no_answer_sources_have_no_answer_highlight():
    html = render.sources_html(_answer(no_answer=True), 1)
    assert "pqa-hl" not in html and "<mark" not in html and "可能相关" in html


def _doc() -> dict:
    text = "标题\n一、节\n前文。目前接收管理停车场22个<b>。\n后文。"
    return {"doc_id": "a.txt", "title": "标题", "text": text, "place": "蓬江区", "year": 2023, "kind": "方案",
            "added_at": "2026-05-01T10:00:00", "passages": [{"start": 0, "end": len(text), "section": "一、节"}]}


def test_document_view_marks_the_span_and_shows_metadata_and_reposts():
    doc = _doc()
    start = doc["text"].index("目前")
    end = doc["text"].index("<b>")
    html = render.document_html(doc, start, end, "cite", ["转载.txt"])
    assert '<mark id="pqa-cited" class="pqa-hl">目前接收管理停车场22个</mark>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "引用位置：" in html and "一、节" in html and f"第{start}–{end}字" in html
    assert "蓬江区" in html and "方案" in html and "另见" in html and "转载.txt" in html
    assert 'class="pqa-near"' in render.document_html(doc, 0, 2, "passage")


def test_open_document_uses_the_knowledge_base_and_refuses_a_missing_one(handlers):
    h, _ = handlers
    h.engine().knowledge_base.document = lambda d: _doc() if d == "a.txt" else None
    answers = [_answer()]
    answers[0]["passages"][0]["also_published_as"] = ["b.txt"]
    evt = SimpleNamespace(_data={"doc_id": "a.txt", "start": 3, "end": 8, "kind": "cite"})
    html, tabs = h.open_document(answers, 0, evt)
    assert 'id="pqa-cited"' in html and "b.txt" in html and tabs.selected == "doc"
    with pytest.warns(UserWarning, match="已没有这份文档"):
        h.open_document(answers, 0, SimpleNamespace(_data={"doc_id": "gone.txt", "start": 0, "end": 1}))
    assert h.open_document(answers, 0, SimpleNamespace(_data={})) == (gr.skip(), gr.skip())


def test_sources_cards_have_an_open_button_at_the_citation():
    html = render.sources_html(_answer(), 1)
    assert 'class="pqa-open" data-doc="a.txt" data-start="3" data-end="15" data-kind="cite"' in html
    reply = render.reply_html(_answer())
    assert "› 一、节" in reply and "第3–15字" in reply


class _KnowledgeBase:
    """A stand-in knowledge base holding 政策.txt; records what was added and deleted."""

    def __init__(self) -> None:
        self.docs = [{"doc_id": "政策.txt", "title": "测试市营商环境方案", "chunks": 4}]
        self.calls: list[tuple] = []

    def documents(self):
        return list(self.docs)

    def name_conflicts(self, paths):
        return [{"file": p.name, "doc_id": p.name, "title": "测试市营商环境方案"} for p in paths if p.name == "政策.txt"]

    def add_files(self, paths, progress=None, on_existing="replace"):
        self.calls.append(("add", [p.name for p in paths], on_existing))
        name = "政策（2）.txt" if on_existing == "keep_both" else "政策.txt"
        return {"added": [name] if on_existing == "keep_both" else [], "updated": [] if on_existing == "keep_both"
                else [name], "removed": [], "skipped": [], "chunks": 40, "seconds": 1.0}

    def delete_document(self, doc_id, progress=None):
        self.calls.append(("delete", doc_id))
        return {"added": [], "updated": [], "removed": [doc_id], "skipped": [], "chunks": 36, "seconds": 0.5}


@pytest.fixture
def kb_handlers(tmp_path):
    kb = _KnowledgeBase()
    engine = SimpleNamespace(knowledge_base=kb)
    return Handlers(lambda: engine, FeedbackLog(tmp_path / "feedback.jsonl")), kb, tmp_path


def _visible(update) -> bool:
    return isinstance(update, dict) and update.get("visible") is True


def test_an_upload_named_like_a_document_asks_replace_or_keep_both(kb_handlers):
    h, kb, tmp_path = kb_handlers
    upload = tmp_path / "政策.txt"
    upload.write_text("测试市营商环境方案（修订）\n新的内容。", encoding="utf-8")
    out = h.upload([str(upload)])
    assert len(out) == UPLOAD_OUTPUTS and kb.calls == [], "nothing is added before the user chooses"
    box, note, pending = out[-3:]
    assert _visible(box) and "政策.txt" in note and "测试市营商环境方案" in note and "政策（2）.txt" in note
    kept = h.upload_keep_both(pending)
    assert kb.calls == [("add", ["政策.txt"], "keep_both")]
    assert len(kept) == UPLOAD_OUTPUTS and kept[-3]["visible"] is False and kept[-1] is None
    h.upload_replace(pending)
    assert kb.calls[-1] == ("add", ["政策.txt"], "replace")
    cancelled = h.upload_cancel()
    assert len(cancelled) == UPLOAD_OUTPUTS and "已取消" in cancelled[0] and cancelled[-3]["visible"] is False
    assert len(kb.calls) == 2


def test_an_upload_with_a_new_name_is_added_at_once(kb_handlers):
    h, kb, tmp_path = kb_handlers
    upload = tmp_path / "新文件.txt"
    upload.write_text("新文件的内容。", encoding="utf-8")
    out = h.upload([str(upload)])
    assert kb.calls == [("add", ["新文件.txt"], "replace")] and out[-3]["visible"] is False


def test_deleting_a_document_asks_for_confirmation(kb_handlers):
    h, kb, _ = kb_handlers
    box, note, pending = h.ask_delete("政策.txt")
    assert _visible(box) and "确定删除《测试市营商环境方案》" in note and pending == "政策.txt"
    assert kb.calls == [], "nothing is deleted before the confirmation"
    assert h.cancel_delete()[0]["visible"] is False and kb.calls == []
    out = h.delete(pending)
    assert kb.calls == [("delete", "政策.txt")] and len(out) == DELETE_OUTPUTS and out[-3]["visible"] is False
    assert "已删除" in out[0] and "测试市营商环境方案" in out[0]


def test_the_upload_report_speaks_of_the_files_just_uploaded_in_the_headers_words():
    report = {"added": ["新.docx"], "updated": ["政策.txt"], "removed": [],
              "skipped": [{"file": "坏.pdf", "reason": "无法读取 PDF 文件"}], "chunks": 1234, "seconds": 3.2,
              "summary": "文档 6 篇，文本块 1234 个\n新增 1（本次嵌入 3 个文本块）\n去除重复段落 33 处，网页残留 2 处"}
    docs = {"新.docx": {"doc_id": "新.docx", "title": "新方案", "chunks": 3},
            "政策.txt": {"doc_id": "政策.txt", "title": "测试市方案", "chunks": 5}}
    html = render.report_html(report, "加入", docs)
    for jargon in ("去除重复", "嵌入", "文本块", "网页残留", "1234", "文档 6 篇"):
        assert jargon not in html, jargon
    assert "已加入 1 份文件：《新方案》（文件 新.docx，3 个段落）" in html
    assert "已替换 1 份同名文件" in html and "《测试市方案》（文件 政策.txt，5 个段落）" in html
    assert "未加入“坏.pdf”：无法读取 PDF 文件" in html and "用时 3.2 秒" in html
    deleted = render.report_html({"removed": ["政策.txt"], "summary": "文档 5 篇"}, "删除", docs)
    assert "已删除 1 份文件：《测试市方案》（文件 政策.txt）" in deleted and "文档 5 篇" not in deleted


def test_a_two_part_reply_shows_each_part_under_its_question(seed_engine):
    """One part answered with its citation, the other's no-answer said under its own question."""
    data = seed_engine.answer("蓬江区和珠海市分别接管了多少个停车场？").to_dict()
    html = render.reply_html(data)
    assert data["parts"][0]["no_answer"] is False and data["parts"][1]["no_answer"] is True
    first, second = html.index("蓬江区接管了多少个停车场？"), html.index("珠海市接管了多少个停车场？")
    assert first < html.index("22个") < second < html.index("文档中没有珠海市的相关内容")
    assert html.count('<sup class="pqa-ref">') == len(data["answer"]["citations"]) == 1
    assert "“推动区属企业开展智慧停车项目,目前接收管理停车场22个;”" in render.citations_text(data)
