"""qa/knowledge_base.py: reading one document back (what the web app's document view shows)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from index.records import Chunk, Document
from index.store import StoredDocument
from qa.knowledge_base import KnowledgeBase, file_doc_id, free_doc_id

TEXT = "测试市改革方案\n一、目标\n企业开办压缩至1个工作日。\n二、措施\n推行一网通办。"


def _kb() -> KnowledgeBase:
    stored = StoredDocument(Document("a.txt", TEXT, title="测试市改革方案"), "hash", "2026-05-01T10:00:00",
                            {"place": "测试市", "places": ["测试市"], "year": 2024, "kind": "方案"})
    second = TEXT.index("二、")
    chunks = [Chunk(1, "a.txt", second, len(TEXT), TEXT[second:], "二、措施"),
              Chunk(0, "a.txt", 0, second, TEXT[:second], "一、目标"),
              Chunk(2, "b.txt", 0, 3, "其他", "")]
    index = SimpleNamespace(documents={"a.txt": stored}, chunks=chunks)
    return KnowledgeBase(SimpleNamespace(snapshot=lambda: SimpleNamespace(index=index)))  # type: ignore[arg-type]


def test_document_returns_the_whole_text_metadata_and_passages_in_order():
    doc = _kb().document("a.txt")
    assert doc is not None
    assert doc["text"] == TEXT and doc["title"] == "测试市改革方案"
    assert (doc["place"], doc["places"], doc["year"], doc["kind"]) == ("测试市", ["测试市"], 2024, "方案")
    assert [p["section"] for p in doc["passages"]] == ["一、目标", "二、措施"]
    assert all(doc["text"][p["start"]:p["end"]] for p in doc["passages"])


def test_unknown_document_is_none():
    assert _kb().document("missing.txt") is None


def test_a_second_file_of_one_name_gets_a_free_name():
    assert file_doc_id(Path("/tmp/x/.政策.docx")) == "政策.docx"
    assert free_doc_id("政策.docx", {"政策.docx"}) == "政策（2）.docx"
    assert free_doc_id("政策.docx", {"政策.docx", "政策（2）.docx"}) == "政策（3）.docx"


def test_name_conflicts_and_keep_both_on_a_real_index(tmp_path):
    from tests.conftest import engine_for_documents

    engine = engine_for_documents(tmp_path, [
        {"doc_id": "政策.txt", "title": "测试市营商环境方案", "text": "测试市营商环境方案\n一、目标\n企业开办压缩至1个工作日。"},
        {"doc_id": "其他.txt", "title": "其他", "text": "其他文件的内容，与营商环境无关。"}])
    kb = engine.knowledge_base
    same = tmp_path / "upload" / "政策.txt"
    same.parent.mkdir()
    same.write_text("测试市营商环境方案\n一、目标\n企业开办压缩至1个工作日。", encoding="utf-8")
    assert kb.name_conflicts([same]) == [], "the same text under its own name is no conflict"
    same.write_text("测试市营商环境方案（修订）\n一、目标\n企业开办压缩至半个工作日。", encoding="utf-8")
    assert kb.name_conflicts([same]) == [{"file": "政策.txt", "doc_id": "政策.txt", "title": "测试市营商环境方案"}]
    report = kb.add_files([same], on_existing="keep_both")
    assert report["added"] == ["政策（2）.txt"] and report["updated"] == []
    docs = {d["doc_id"] for d in kb.documents()}
    assert docs == {"政策.txt", "政策（2）.txt", "其他.txt"}
    assert "半个工作日" in kb.document("政策（2）.txt")["text"] and "1个工作日" in kb.document("政策.txt")["text"]
    # replaced: the new text under the old name, with the title read from the new text
    same.write_text("测试市营商环境方案（第三稿）\n一、目标\n企业开办全程网办。", encoding="utf-8")
    report = kb.add_files([same], on_existing="replace")
    assert report["updated"] == ["政策.txt"] and report["added"] == []
    assert kb.document("政策.txt")["title"] == "测试市营商环境方案（第三稿）"
