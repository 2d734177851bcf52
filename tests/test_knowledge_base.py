"""qa/knowledge_base.py: reading one document back (what the web app's document view shows)."""
from __future__ import annotations

from types import SimpleNamespace

from index.records import Chunk, Document
from index.store import StoredDocument
from qa.knowledge_base import KnowledgeBase

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
