"""What retrieval asks of an index, whatever holds it: the embedded folder (FAISS + bm25s, the
default) or a database (``index.oceanbase``). Scores mean the same in every backend: a dense
score is the inner product of normalised vectors (cosine similarity), a lexical score is BM25
(Lucene variant, k1 1.5, b 0.75) over the tokens of ``index.tokenizer``."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.records import Chunk

if TYPE_CHECKING:
    from index.store import LoadedIndex, StoredDocument

DocFilter = frozenset[str] | None  # the documents a search may return; None: all of them


class SearchBackend(Protocol):
    """Dense and lexical search over one collection's chunks, and fetching what they point at.

    ``*_top_k`` return ``(chunk_ids, scores)``, best first, at most ``k`` of them, only chunks of
    the documents in ``doc_ids`` when it is given; lexical hits all score above zero."""

    name: str

    @property
    def size(self) -> int: ...

    def dense_top_k(self, vector: np.ndarray, k: int, doc_ids: DocFilter = None) -> tuple[np.ndarray, np.ndarray]: ...

    def dense_scores(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        """The exact dense score of each of ``chunk_ids`` (a chunk outside the top list too)."""
        ...

    def lexical_top_k(self, tokens: list[str], k: int, doc_ids: DocFilter = None) -> tuple[np.ndarray, np.ndarray]: ...

    def lexical_scores(self, tokens: list[str], chunk_ids: np.ndarray) -> np.ndarray:
        """The BM25 score of each of ``chunk_ids`` for ``tokens`` (0 where none occurs)."""
        ...

    def fetch_chunks(self, chunk_ids: list[int]) -> list[Chunk]: ...

    def fetch_document(self, doc_id: str) -> StoredDocument | None: ...


class EmbeddedBackend:
    """The index folder as it is loaded (``index.store.LoadedIndex``): exactly today's FAISS and
    bm25s calls, so results are bit for bit those of the code before the interface existed."""

    name = "embedded"

    def __init__(self, index: LoadedIndex) -> None:
        from index.sparse import SparseIndex

        if index.dense is None or not isinstance(index.sparse, SparseIndex):
            raise TypeError("EmbeddedBackend needs an index loaded from its folder (FAISS and bm25s)")
        self.index = index
        self._dense, self._sparse = index.dense, index.sparse
        self._doc_of = np.array([c.doc_id for c in index.chunks], dtype=object)
        self._last = threading.local()  # the last question's BM25 array, per thread

    @property
    def size(self) -> int:
        return len(self.index.chunks)

    def _mask(self, doc_ids: DocFilter) -> np.ndarray | None:
        if doc_ids is None:
            return None
        return np.array([d in doc_ids for d in self._doc_of], dtype=bool)

    def dense_top_k(self, vector: np.ndarray, k: int, doc_ids: DocFilter = None) -> tuple[np.ndarray, np.ndarray]:
        mask = self._mask(doc_ids)
        ids, scores = self._dense.search(vector, k if mask is None else self.size)
        if mask is not None:
            keep = mask[ids]
            ids, scores = ids[keep][:k], scores[keep][:k]
        return ids, scores

    def dense_scores(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        return self._dense.similarity(vector, chunk_ids)

    def _bm25(self, tokens: list[str]) -> np.ndarray:
        key = tuple(tokens)
        last = getattr(self._last, "value", None)
        if last is not None and last[0] == key:
            return last[1]
        scores = self._sparse.scores(tokens)
        self._last.value = (key, scores)
        return scores

    def lexical_top_k(self, tokens: list[str], k: int, doc_ids: DocFilter = None) -> tuple[np.ndarray, np.ndarray]:
        bm25 = self._bm25(tokens)
        mask = self._mask(doc_ids)
        if mask is not None:
            bm25 = np.where(mask, bm25, 0.0)
        top = np.argsort(-bm25)[:k]
        top = top[bm25[top] > 0]
        return top, bm25[top]

    def lexical_scores(self, tokens: list[str], chunk_ids: np.ndarray) -> np.ndarray:
        return self._bm25(tokens)[chunk_ids]

    def fetch_chunks(self, chunk_ids: list[int]) -> list[Chunk]:
        return [self.index.chunks[i] for i in chunk_ids]

    def fetch_document(self, doc_id: str) -> StoredDocument | None:
        return self.index.documents.get(doc_id)


def backend_of(index: LoadedIndex) -> SearchBackend:
    """The backend a loaded index searches through (its folder's own unless it came from a database)."""
    return index.backend if index.backend is not None else EmbeddedBackend(index)
