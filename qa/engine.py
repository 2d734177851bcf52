"""QAEngine: loads an index once and answers questions through one entry point, ``answer``."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from index.build import build_from_documents, build_index, catalog_for
from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT, IndexConfig, default_index_dir
from index.embedders import make_embedder
from index.errors import DocumentError, IndexMissingError, PolicyQAError
from index.loading import read_document_file
from index.records import SkippedFile
from index.store import LoadedIndex, current_generation, load_index
from index.tokenizer import cut_words
from qa.config import QAConfig, QAOptions
from qa.answer_types import ORG, has_new_entity
from qa.extraction import (SentenceScorer, TermWeights, add_neighbour, extend_enumeration, fill_paragraph,
                           responsibility_note, trim_to_window)
from qa.question import prepare_question
from qa.sentences import Span
from qa.records import Answer, Citation, Highlight, Passage
from qa.retrieval import HybridRetriever, member_at, passage_bounds

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]

MESSAGES = {
    "empty": "请输入问题。",
    "no_content": "问题中没有可检索的文字（只有标点、表情或符号），请用文字描述您的问题。",
    "empty_index": "知识库中还没有文档，请先添加文档。",
    "low_confidence": "文档中没有找到能回答这个问题的内容。下面是可能相关的段落，仅供参考。",
    "no_match": "文档中没有找到与这个问题相关的内容。",
}


ANSWER_GAP = " … "  # between the quotes of a two-part answer (a task item and its "(牵头单位：…)" note)


def index_dir_for(sources: list[Path]) -> Path:
    """A stable default index folder for a set of sources (``var/index-<hash>``)."""
    key = "|".join(str(Path(s).resolve()) for s in sources)
    name = re.sub(r"[^\w.-]+", "_", Path(sources[0]).stem)[:30]
    return REPO_ROOT / "var" / f"index-{name}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


class QAEngine:
    def __init__(self, index_dir: Path, index: LoadedIndex, config: QAConfig, index_config: IndexConfig) -> None:
        self.index_dir = Path(index_dir)
        self.config = config
        self.index_config = index_config
        self._lock = threading.RLock()  # guards swaps of the loaded index
        self._write_lock = threading.Lock()
        self._reranker = None
        if config.reranker:
            from qa.rerank import CrossEncoderReranker

            self._reranker = CrossEncoderReranker(config.reranker)
        self._install(index)

    # ----- loading -------------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: Path | None = None, sources: list[Path] | Path | None = None,
             embedder: str | None = None, config: QAConfig | None = None,
             show_progress: bool = False, progress: ProgressFn | None = None) -> "QAEngine":
        """Load the index; with ``sources``, first bring it up to date with them
        (incremental). Without either, builds from ``seeds/`` when no index exists yet."""
        if isinstance(sources, (str, Path)):
            sources = [Path(sources)]
        if index_dir is None:
            index_dir = index_dir_for(sources) if sources else default_index_dir()
        index_dir = Path(index_dir)
        index_config = IndexConfig()
        if embedder:
            index_config.embedder = embedder
        if sources:
            report = build_index(list(sources), index_dir, index_config, show_progress=show_progress, progress=progress)
            if report.embedded_chunks or report.removed:
                log.info("index updated: %s", report.summary())
        elif current_generation(index_dir) is None:
            log.warning("no index at %s: building it from %s", index_dir, DEFAULT_SEEDS_DIR)
            build_index([DEFAULT_SEEDS_DIR], index_dir, index_config, show_progress=show_progress, progress=progress)
        expected = {"embedder.spec": embedder} if embedder else None
        index = load_index(index_dir, expected=expected)
        index_config.embedder = index.embedder
        return cls(index_dir, index, config or QAConfig(), index_config)

    def _install(self, index: LoadedIndex) -> None:
        embedder = make_embedder(index.embedder)
        retriever = HybridRetriever(index, self.config, self._query_vector)
        config = self.config
        scorer = SentenceScorer(index, TermWeights(index), config.answer_type_bonus,
                                (config.sentence_coverage_weight, config.sentence_bigram_weight, config.sentence_passage_weight),
                                config.definition_bonus, config.answer_type_min_coverage)
        with self._lock:
            self.index, self._embedder, self.retriever, self.scorer = index, embedder, retriever, scorer
            self._national: dict[str, bool] = {}

    def _query_vector(self, question_norm: str):
        """The question's vector, computed once per question (retrieval and sentence scoring share it)."""
        cached = self._last_query
        if cached is not None and cached[0] == question_norm:
            return cached[1]
        vector = self._embedder.embed_query(question_norm)
        self._last_query = (question_norm, vector)
        return vector

    _last_query: tuple[str, Any] | None = None

    def _dense_sentence_rescore(self, question_norm: str, index: LoadedIndex, hits, sentences, order) -> None:
        """Re-score the best lexical candidate sentences by their similarity to the question:
        lexical overlap misses paraphrase ("体重" vs "8公斤重"), the embedder does not."""
        weight, limit = self.config.sentence_dense_weight, self.config.sentence_candidates
        if weight <= 0 or limit <= 1:
            return
        pool = sorted((s for rank in order[:3] for s in sentences[rank][:limit]), key=lambda s: -s.score)[:limit]
        if len(pool) < 2:
            return
        texts = [index.documents[index.chunks[hits[s.hit_rank].chunk_id].doc_id].document.text[s.span.start:s.span.end]
                 for s in pool]
        import numpy as np

        similarity = self._embedder.embed_passages(texts) @ self._query_vector(question_norm)
        low, high = float(np.min(similarity)), float(np.max(similarity))
        for sentence, value in zip(pool, similarity):
            sentence.score += weight * ((float(value) - low) / (high - low) if high > low else 0.0)
        for rank in order[:3]:
            sentences[rank].sort(key=lambda s: -s.score)

    @staticmethod
    def _passage_text(index: LoadedIndex, hit) -> str:
        start, end = passage_bounds(index.chunks, hit)
        return index.documents[index.chunks[hit.chunk_id].doc_id].document.text[start:end]

    @property
    def manifest(self) -> dict[str, Any]:
        return self.index.manifest

    def warm_up(self) -> None:
        self.answer("江门市重点改革项目有哪些？")

    # ----- answering -----------------------------------------------------------------
    def answer(self, question: str, options: QAOptions | None = None) -> Answer:
        """Answer one question. Never raises for any question text."""
        options = options or QAOptions()
        options.validate()
        started = time.perf_counter()
        prepared = prepare_question(question, )
        if prepared.problem:
            return Answer(prepared.text, True, MESSAGES[prepared.problem], reason=prepared.problem, notes=prepared.notes)
        with self._lock:
            index, retriever, scorer = self.index, self.retriever, self.scorer
        timings: dict[str, float] = {}
        words = cut_words(prepared.normalized)
        limit = max(options.top_k, self.config.rerank_passages)
        hits = retriever.retrieve(prepared.normalized, words, options, limit, timings)
        hits = retriever.join_neighbours(hits)
        if not hits:
            return Answer(prepared.text, True, MESSAGES["no_match"], reason="no_match", notes=prepared.notes,
                          timings_ms=timings)
        t0 = time.perf_counter()
        if self._reranker is not None:
            texts = [self._passage_text(index, h) for h in hits]
            for hit, score in zip(hits, self._reranker.scores(prepared.text, texts)):
                hit.score = score
                for member in hit.joined:  # the cross-encoder scored the joined passage as a whole
                    member.score = score
            hits.sort(key=lambda h: -h.score)
        passage_scores = [h.score for h in hits]
        sentences = scorer.score_passages(prepared, words, hits, passage_scores)
        # Rerank passages by their own score and their best sentence's evidence.
        top = max(passage_scores) or 1.0
        alpha = self.config.passage_order_weight
        combined = [alpha * (h.score / top) + (1 - alpha) * (s[0].score if s else 0.0) for h, s in zip(hits, sentences)]
        order = sorted(range(len(hits)), key=lambda i: -combined[i])
        if options.mode != "bm25" and not prepared.wants_list:
            # (an enumeration's vector is diluted over its items: list questions stay lexical)
            self._dense_sentence_rescore(prepared.normalized, index, hits, sentences, order)
        candidates = [sentences[rank][0] for rank in order[: self.config.answer_passages] if sentences[rank]]
        best = max(candidates, key=lambda s: s.score) if candidates else None
        if best is not None and best.hit_rank != order[0]:
            order.remove(best.hit_rank)
            order.insert(0, best.hit_rank)
        answer = self._build_answer(prepared, words, index, hits, sentences, order, best, combined, options)
        timings["extraction_ms"] = (time.perf_counter() - t0) * 1000
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = timings
        return answer

    def _build_answer(self, prepared, words, index, hits, sentences, order, best, combined, options) -> Answer:
        passages: list[Passage] = []
        for rank in order[: options.top_k]:
            hit = hits[rank]
            chunk = index.chunks[hit.chunk_id]
            stored = index.documents[chunk.doc_id]
            start, end = passage_bounds(index.chunks, hit)
            highlights = [Highlight(sentences[rank][0].span.start, sentences[rank][0].span.end)] if sentences[rank] else []
            passages.append(Passage(chunk.doc_id, stored.document.title, chunk.section, start, end,
                                    stored.document.text[start:end], combined[rank], hit.chunk_id, stored.meta.get("place", ""),
                                    stored.meta.get("year"), highlights, list(hit.also_published_as)))
        if best is None:
            return Answer(prepared.text, True, MESSAGES["low_confidence"], reason="low_confidence",
                          passages=passages, notes=prepared.notes)
        hit = hits[best.hit_rank]
        chunk = index.chunks[hit.chunk_id]
        stored = index.documents[chunk.doc_id]
        text = stored.document.text
        chunk_start, chunk_end = passage_bounds(index.chunks, hit)  # the passage: the chunk and joined neighbours
        if prepared.wants_list:
            span = extend_enumeration(text, chunk_start, chunk_end, best.span, self.config.max_list_chars)
            if span.end - span.start > self.config.max_list_chars:
                span = trim_to_window(text, span, words, self.scorer, self.config.max_list_chars)
            elif span == best.span and prepared.wants_measures:
                # "哪些措施" answered by an item's heading: its measures are the prose that follows
                span = fill_paragraph(text, chunk_start, chunk_end, span, self.config.max_measures_chars)
            elif span == best.span and self.config.list_neighbour_chars:
                # no enumeration follows: the items may go on in the next sentence ("症状包括…。阿米巴能…")
                span = add_neighbour(text, span, sentences[best.hit_rank], self.config.list_neighbour_chars,
                                     self.config.neighbour_ratio)
        else:
            budget = (self.config.max_measures_chars if prepared.wants_measures
                      else self.config.max_cause_chars if prepared.wants_cause
                      else self.config.max_explain_chars if prepared.wants_explanation
                      else self.config.max_answer_chars)
            holds = None
            if prepared.answer_type and self.config.answer_type_bonus:
                holds = lambda norm: has_new_entity(norm, prepared.answer_type, prepared.normalized)  # noqa: E731
            # the clause that answers holds the question's other words, not the topic's name
            span = trim_to_window(text, best.span, words, self.scorer, budget, holds,
                                  focus=self.scorer.focus_words(words, stored, chunk), slack=self.config.sentence_slack)
            span = add_neighbour(text, span, sentences[best.hit_rank], budget, self.config.neighbour_ratio, holds,
                                 wants_cause=prepared.wants_cause,
                                 antecedent_overflow=self.config.antecedent_overflow)
            if prepared.wants_explanation and not prepared.wants_cause:
                span = fill_paragraph(text, chunk_start, chunk_end, span, budget)
        spans = [span]
        if prepared.answer_type == ORG:  # "who leads X": the item's "(牵头单位：…)" note
            note = responsibility_note(text, span)
            if note is not None:
                if note.end - span.start <= self.config.max_explain_chars:
                    spans = [Span(span.start, note.end)]
                else:
                    spans = [span, note]
        # the place and year check reads the chunk that holds the answer, not its joined neighbour
        # (a neighbour may be another district's section of the same document)
        own = index.chunks[member_at(index.chunks, hit, best.span.start).chunk_id]
        context = " ".join((stored.document.title, stored.meta.get("title", ""), own.section, own.text))
        confidence = self._confidence(prepared, best, context, chunk.doc_id)
        if passages and passages[0].chunk_id == hit.chunk_id:
            passages[0].highlights = [Highlight(s.start, s.end) for s in spans]
        citations = [Citation(chunk.doc_id, stored.document.title, chunk.section, s.start, s.end, text[s.start:s.end],
                              stored.meta.get("place", ""), stored.meta.get("year")) for s in spans]
        if confidence < self.config.no_answer_threshold:
            return Answer(prepared.text, True, MESSAGES["low_confidence"], score=confidence, reason="low_confidence",
                          passages=passages, notes=prepared.notes)
        return Answer(prepared.text, False, "", text=ANSWER_GAP.join(c.quote for c in citations), score=confidence,
                      citations=citations, passages=passages, notes=prepared.notes)

    def _is_national(self, doc_id: str) -> bool:
        cached = self._national.get(doc_id)
        if cached is None:
            from index.metadata import is_national

            stored = self.index.documents[doc_id]
            cached = self._national[doc_id] = is_national(stored.document.text, stored.document.title or stored.meta.get("title", ""))
        return cached

    def _confidence(self, prepared, best, context: str, doc_id: str) -> float:
        """Evidence that the best sentence answers: its coverage of the question's words,
        lowered when a place or year the question names is absent from the answer's passage
        and its title and section path (a figure for 台山市 is no answer when the passage is
        about another district of the same document)."""
        confidence = best.coverage
        doc_norm = None
        from index.metadata import question_places, question_years, short_place

        named = self.retriever.places.in_question(prepared.normalized) | question_places(prepared.normalized)

        years = question_years(prepared.normalized)
        if named or years:
            from index.normalize import normalize_text

            doc_norm = normalize_text(context)
            if named and not any(short_place(p) in doc_norm for p in named):
                stored = self.index.documents[doc_id]
                elsewhere = bool(stored.meta.get("places") or stored.meta.get("place"))  # it names other places
                if self._is_national(doc_id):
                    confidence *= self.config.national_place_factor
                elif elsewhere:
                    confidence *= self.config.place_mismatch_factor
                else:
                    confidence *= self.config.unknown_place_factor
            if years and not any(str(y) in doc_norm for y in years):
                confidence *= self.config.year_mismatch_factor
        return float(confidence)

    # ----- knowledge base ------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for chunk in self.index.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return [{"doc_id": d, "title": s.document.title, "place": s.meta.get("place", ""), "year": s.meta.get("year"),
                 "kind": s.meta.get("kind", ""), "chunks": counts.get(d, 0), "added_at": s.added_at,
                 "chars": len(s.document.text)} for d, s in self.index.documents.items()]

    def filter_choices(self) -> dict[str, list]:
        places = sorted({p for places in self.retriever.places.doc_places.values() for p in places})
        years = sorted({s.meta.get("year") for s in self.index.documents.values() if s.meta.get("year")})
        docs = [(s.document.title or d, d) for d, s in self.index.documents.items()]
        return {"doc_ids": docs, "places": places, "years": years}

    def add_files(self, paths: list[Path], progress: ProgressFn | None = None) -> dict[str, Any]:
        """Add or replace documents; bad files are refused and reported, the index untouched by them."""
        existing = {d: s.document for d, s in self.index.documents.items()}
        hashes = {hashlib.sha256(doc.text.encode("utf-8")).hexdigest(): d for d, doc in existing.items()}
        new_docs, skipped = [], []
        for path in paths:
            path = Path(path)
            doc_id = re.sub(r"[\\/\x00]+", "_", Path(path.name).name).lstrip(".") or "document.txt"
            try:
                document = read_document_file(path, doc_id=doc_id, max_bytes=self.index_config.max_file_bytes)
            except DocumentError as exc:
                skipped.append(SkippedFile(path.name, str(exc)))
                continue
            digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
            if digest in hashes:
                skipped.append(SkippedFile(path.name, f"与已有文档《{existing[hashes[digest]].title or hashes[digest]}》内容相同，未重复添加"))
                continue
            hashes[digest] = doc_id
            new_docs.append(document)
        result = {"added": [], "updated": [], "removed": [], "skipped": [s.to_dict() for s in skipped], "chunks": len(self.index.chunks), "seconds": 0.0}
        if not new_docs:
            return result
        documents = {d: doc for d, doc in existing.items()}
        for document in new_docs:
            documents[document.doc_id] = document
        return self._rebuild(list(documents.values()), progress, result)

    def delete_document(self, doc_id: str, progress: ProgressFn | None = None) -> dict[str, Any]:
        if doc_id not in self.index.documents:
            raise PolicyQAError(f"知识库中没有文档：{doc_id}")
        if len(self.index.documents) == 1:
            raise PolicyQAError("不能删除最后一篇文档：知识库至少需要一篇文档。")
        documents = [s.document for d, s in self.index.documents.items() if d != doc_id]
        return self._rebuild(documents, progress, {"skipped": []})

    def _rebuild(self, documents, progress, result: dict[str, Any]) -> dict[str, Any]:
        catalog = {d: s.meta for d, s in self.index.documents.items()}
        for document in documents:
            if document.doc_id in catalog and not document.title:
                document.title = catalog[document.doc_id].get("title", "")
        with self._write_lock:
            report = build_from_documents(documents, self.index_dir, self.index_config, catalog, progress=progress)
            self._install(load_index(self.index_dir))
        result.update({"added": report.added, "updated": report.updated, "removed": report.removed,
                       "chunks": report.chunks, "seconds": round(report.seconds, 2), "summary": report.summary()})
        return result

    def reload(self) -> None:
        """Switch to the live generation on disk (after an outside rebuild)."""
        self._install(load_index(self.index_dir))


_default_engine: QAEngine | None = None
_default_lock = threading.Lock()


def default_engine() -> QAEngine:
    global _default_engine
    with _default_lock:
        if _default_engine is None:
            _default_engine = QAEngine.open()
        return _default_engine


def answer(question: str, options: QAOptions | None = None) -> Answer:
    """The one entry point: answer with the default index (built from seeds/ if missing)."""
    return default_engine().answer(question, options)


__all__ = ["QAEngine", "answer", "index_dir_for", "IndexMissingError", "catalog_for"]
