"""BM25 from stored statistics (each token's document frequency, the chunk count and mean length):
the formula bm25s uses for ``index.sparse`` (Lucene variant, k1 1.5, b 0.75), for a backend that
keeps token lists instead of a bm25s matrix. Scores agree with bm25s to float32 rounding."""
from __future__ import annotations

import math
from collections import Counter
from functools import cached_property

import numpy as np

K1 = 1.5
B = 0.75


class Bm25Stats:
    def __init__(self, df: dict[str, int], n: int, mean_length: float) -> None:
        self.df = df
        self.n = n
        self.mean_length = mean_length

    @classmethod
    def from_token_lists(cls, token_lists: list[list[str]]) -> Bm25Stats:
        df: Counter[str] = Counter()
        for tokens in token_lists:
            df.update(set(tokens))
        mean = float(np.array([len(t) for t in token_lists]).mean()) if token_lists else 0.0
        return cls(dict(df), len(token_lists), mean)

    @property
    def size(self) -> int:
        return self.n

    @cached_property
    def _idf(self) -> dict[str, float]:
        n = max(1, self.n)
        return {token: math.log(1 + (n - df + 0.5) / (df + 0.5)) for token, df in self.df.items()}

    def idf(self) -> dict[str, float]:
        """Each token's IDF, ln(1 + (N - df + 0.5) / (df + 0.5)), as ``SparseIndex.idf``."""
        return self._idf

    def unknown_idf(self) -> float:
        n = max(1, self.n)
        return math.log(1 + (n + 0.5) / 0.5)

    def score(self, query: list[str], chunk_tokens: list[str]) -> float:
        """BM25 of one chunk's tokens for the query tokens (a repeated query token counts again, as in bm25s)."""
        if not query or not chunk_tokens or self.mean_length <= 0:
            return 0.0
        counts = Counter(chunk_tokens)
        norm = K1 * ((1 - B) + B * len(chunk_tokens) / self.mean_length)
        idf = self._idf
        total = np.float32(0.0)
        for token in query:
            tf = counts.get(token, 0)
            if tf and token in idf:
                total += np.float32(idf[token]) * np.float32(tf / (norm + tf))
        return float(total)
