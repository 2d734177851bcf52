"""BM25 over jieba tokens with bm25s; tokens are mapped to ids by our own vocabulary so the
index never falls back to bm25s's default splitter (which treats a Chinese run as one word)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np


class SparseIndex:
    def __init__(self, retriever, vocab: dict[str, int]) -> None:
        self._retriever = retriever
        self.vocab = vocab

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> "SparseIndex":
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

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "SparseIndex":
        import bm25s

        retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        return cls(retriever, dict(retriever.vocab_dict))
