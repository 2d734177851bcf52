"""Hybrid retrieval: BM25 and dense candidates, fused by weighted normalised scores (or
RRF), nudged toward documents whose place or year the question names, with reposts
collapsed into one passage."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.backend import SearchBackend, backend_of
from index.normalize import normalize_text
from index.store import LoadedIndex
from qa.config import QAOptions, RetrievalConfig
from qa.places import Places
from qa.question import Question


@dataclass
class Hit:
    chunk_id: int
    score: float
    bm25: float = 0.0
    dense: float = 0.0
    also_published_as: list[str] = field(default_factory=list)
    joined: list[Hit] = field(default_factory=list)  # neighbouring chunks of the same document shown with this one


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


class HybridRetriever:
    def __init__(self, index: LoadedIndex, config: RetrievalConfig, embed_query: Callable[[str], np.ndarray]) -> None:
        self.index = index
        self.backend: SearchBackend = backend_of(index)
        self.config = config
        self._embed_query = embed_query
        self.places = Places(index.documents)
        self._doc_of = np.array([c.doc_id for c in index.chunks], dtype=object)
        self._years = {d: s.meta.get("year") for d, s in index.documents.items()}
        self._shingle_cache: dict[int, frozenset[str]] = {}
        self._ordinal = _ordinals_in_document(index.chunks)

    def _allowed(self, options: QAOptions) -> frozenset[str] | None:
        """The documents the question's filters leave (None: no filter)."""
        if not (options.doc_ids or options.places or options.years):
            return None
        allowed = set(self.index.documents)
        if options.doc_ids:
            allowed &= set(options.doc_ids)
        if options.places:
            wanted = set(options.places)
            allowed = {d for d in allowed if self.places.doc_places.get(d, set()) & wanted}
        if options.years:
            allowed = {d for d in allowed if self._years.get(d) in set(options.years)}
        return frozenset(allowed)

    def _metadata_boost(self, question: Question) -> dict[str, float]:
        places, years = question.places, set(question.years)
        if not places and not years:
            return {}
        boost: dict[str, float] = {}
        for doc_id, doc_places in self.places.doc_places.items():
            score = 0.0
            if places and doc_places & places:
                score += 1.0
            if years and self._years.get(doc_id) in years:
                score += 0.5
            if score:
                boost[doc_id] = score
        return boost

    def retrieve(self, question: Question, options: QAOptions, limit: int,
                 timings: dict[str, float] | None = None) -> list[Hit]:
        """The best ``limit`` passages (reposts collapsed), fused scores first."""
        config = self.config
        question_norm, tokens = question.normalized, question.words
        backend = self.backend
        allowed = self._allowed(options)
        t0 = time.perf_counter()
        candidates: set[int] = set()
        if options.mode != "dense":
            lexical_ids, _ = backend.lexical_top_k(tokens, config.candidates, allowed)
            candidates |= {int(i) for i in lexical_ids}
        t1 = time.perf_counter()
        dense_scores: dict[int, float] = {}
        if options.mode != "bm25":
            query_vector = self._embed_query(question_norm)
            t2 = time.perf_counter()
            # with a filter every allowed chunk is a dense candidate (k = all chunks)
            ids, scores = backend.dense_top_k(query_vector, config.candidates if allowed is None else backend.size, allowed)
            dense_scores = {int(i): float(s) for i, s in zip(ids, scores)}
            t3 = time.perf_counter()
        else:
            t2 = t3 = t1
        if timings is not None:
            timings.update(bm25_ms=(t1 - t0) * 1000, embed_query_ms=(t2 - t1) * 1000, faiss_ms=(t3 - t2) * 1000)
        candidates |= set(dense_scores)
        if not candidates:
            return []
        ids = np.array(sorted(candidates))
        bm25_c = (backend.lexical_scores(tokens, ids) if options.mode != "dense"
                  else np.zeros(len(ids), np.float32))
        if options.mode == "hybrid" and config.exact_dense:
            # BM25's candidates outside the dense top list get their true similarity, not the list's floor
            missing = np.array([i for i in ids if int(i) not in dense_scores], dtype=np.int64)
            if len(missing):
                similarity = backend.dense_scores(query_vector, missing)
                dense_scores.update(zip(missing.tolist(), similarity.tolist()))
        floor = min(dense_scores.values(), default=0.0)  # candidates the dense list did not score
        dense_c = np.array([dense_scores.get(int(i), floor) for i in ids])
        if options.mode == "bm25":
            fused = _minmax(bm25_c)
        elif options.mode == "dense":
            fused = _minmax(dense_c)
        elif config.fusion == "rrf":
            fused = _rrf(bm25_c, config.rrf_k) + _rrf(dense_c, config.rrf_k)
            fused = _minmax(fused)
        else:
            bm25_n = bm25_c / bm25_c.max() if bm25_c.max() > 0 else bm25_c
            fused = config.dense_weight * _minmax(dense_c) + (1 - config.dense_weight) * bm25_n
        boost = self._metadata_boost(question)
        if boost and config.metadata_boost:
            fused = fused + config.metadata_boost * np.array([boost.get(self._doc_of[i], 0.0) for i in ids])
        order = np.argsort(-fused)
        hits = [Hit(int(ids[j]), float(fused[j]), float(bm25_c[j]), float(dense_c[j])) for j in order]
        return self._collapse_reposts(hits, limit)

    def _shingles(self, chunk_id: int) -> frozenset[str]:
        cached = self._shingle_cache.get(chunk_id)
        if cached is None:
            text = "".join(normalize_text(self.index.chunks[chunk_id].text).split())
            cached = frozenset(text[i:i + 4] for i in range(max(1, len(text) - 3)))
            if len(self._shingle_cache) > 50_000:
                self._shingle_cache.clear()
            self._shingle_cache[chunk_id] = cached
        return cached

    def _copy_of(self, hit: Hit, kept: list[Hit]) -> Hit | None:
        """A kept passage of another document that holds (nearly) the same text: compilations
        and reposts of one policy under other headlines, which document-level MinHash misses
        because the documents around the passage differ."""
        threshold = self.config.passage_copy_overlap
        if threshold <= 0:
            return None
        mine = self._shingles(hit.chunk_id)
        for other in kept:
            if self._doc_of[other.chunk_id] == self._doc_of[hit.chunk_id]:
                continue
            theirs = self._shingles(other.chunk_id)
            if len(mine & theirs) >= threshold * min(len(mine), len(theirs)):
                return other
        return None

    def _collapse_reposts(self, hits: list[Hit], limit: int) -> list[Hit]:
        kept: list[Hit] = []
        shown_docs: dict[str, Hit] = {}
        for hit in hits:
            doc_id = self._doc_of[hit.chunk_id]
            twin = next((shown_docs[d] for d in self.index.duplicates.get(doc_id, []) if d in shown_docs), None)
            if twin is None:
                twin = self._copy_of(hit, kept)
            if twin is not None:
                if doc_id not in twin.also_published_as and doc_id != self._doc_of[twin.chunk_id]:
                    twin.also_published_as.append(doc_id)
                continue
            kept.append(hit)
            shown_docs.setdefault(doc_id, hit)
            if len(kept) >= limit:
                break
        return kept

    def join_neighbours(self, hits: list[Hit]) -> list[Hit]:
        """Show neighbouring chunks of one document as one passage when both rank in the first
        ``join_ranks``: an answer that runs over a chunk boundary (a list whose items go on in
        the next chunk, a heading and its body) is then whole in one passage, and the top of
        the list is not spent on two halves of one paragraph. The joined passage keeps the
        better rank and score and is at most ``join_max_chars`` long."""
        window, max_chars = self.config.join_ranks, self.config.join_max_chars
        if window <= 1 or max_chars <= 0:
            return hits
        kept: list[Hit] = []
        for rank, hit in enumerate(hits):
            host = None
            if rank < window:
                chunk = self.index.chunks[hit.chunk_id]
                for other in kept:
                    if self._doc_of[other.chunk_id] != chunk.doc_id:
                        continue
                    positions = [self._ordinal[h.chunk_id] for h in (other, *other.joined)]
                    if self._ordinal[hit.chunk_id] not in (min(positions) - 1, max(positions) + 1):
                        continue
                    start, end = passage_bounds(self.index.chunks, other)
                    if max(end, chunk.end) - min(start, chunk.start) <= max_chars:
                        host = other
                        break
            if host is None:
                kept.append(hit)
                continue
            host.joined.append(hit)
            host.also_published_as.extend(d for d in hit.also_published_as if d not in host.also_published_as)
        return kept


def passage_bounds(chunks, hit: Hit) -> tuple[int, int]:
    """Document offsets of the passage a hit shows: its chunk and any joined neighbours."""
    if not hit.joined:
        chunk = chunks[hit.chunk_id]
        return chunk.start, chunk.end
    members = [chunks[h.chunk_id] for h in (hit, *hit.joined)]
    return min(c.start for c in members), max(c.end for c in members)


def member_at(chunks, hit: Hit, offset: int) -> Hit:
    """The hit of the chunk of a (joined) passage that holds ``offset`` (the passage's own hit
    when no chunk does)."""
    return next((m for m in (hit, *hit.joined) if chunks[m.chunk_id].start <= offset < chunks[m.chunk_id].end), hit)


def member_score(chunks, hit: Hit, offset: int) -> float:
    """The retrieval score of the chunk of a (joined) passage that holds ``offset``: a
    sentence keeps its own chunk's evidence, not its better-ranked neighbour's."""
    return member_at(chunks, hit, offset).score


def _ordinals_in_document(chunks) -> list[int]:
    """Each chunk's position among its document's chunks (by start offset)."""
    by_doc: dict[str, list[int]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk.chunk_id)
    ordinal = [0] * len(chunks)
    for ids in by_doc.values():
        for position, chunk_id in enumerate(sorted(ids, key=lambda i: (chunks[i].start, chunks[i].end))):
            ordinal[chunk_id] = position
    return ordinal


def _rrf(scores: np.ndarray, k: int) -> np.ndarray:
    ranks = np.empty(len(scores))
    ranks[np.argsort(-scores)] = np.arange(1, len(scores) + 1)
    return 1.0 / (k + ranks)


__all__ = ["HybridRetriever", "Hit", "passage_bounds", "member_at"]
