"""BM25 over jieba tokens with bm25s; tokens are mapped to ids by our own vocabulary so the
index never falls back to bm25s's default splitter (which treats a Chinese run as one word)."""
from __future__ import annotations

import logging
import math
from functools import cached_property
from pathlib import Path

import numpy as np


class SparseIndex:
    def __init__(self, retriever, vocab: dict[str, int]) -> None:
        self._retriever = retriever
        self.vocab = vocab

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> SparseIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import

        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(token, len(vocab)) for token in tokens] for tokens in token_lists]
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        return cls(retriever, dict(retriever.vocab_dict))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (zeros when none is known)."""
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(ids), dtype=np.float32)

    @cached_property
    def _idf(self) -> dict[str, float]:
        indptr = np.asarray(self._retriever.scores["indptr"])
        df = np.diff(indptr)
        n = max(1, self.size)
        return {token: math.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5)) for token, i in self.vocab.items() if i < len(df)}

    def idf(self) -> dict[str, float]:
        """Each indexed token's inverse document frequency (BM25's: ln(1 + (N - df + 0.5) / (df + 0.5)))."""
        return self._idf

    def unknown_idf(self) -> float:
        """The IDF of a token no chunk holds (the rarest possible)."""
        n = max(1, self.size)
        return math.log(1 + (n + 0.5) / 0.5)

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> SparseIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        return cls(retriever, dict(retriever.vocab_dict))
