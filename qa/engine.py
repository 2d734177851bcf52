"""QAEngine: loads an index and the answer model once and answers through one entry point,
``answer``: analyse the question → retrieve → read → cite. The engine holds no answer logic of
its own (reading: ``qa.reader`` and ``qa.answer_model``; the reply: ``qa.citing``)."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.build import ProgressFn, build_index, catalog_for, refresh_metadata
from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT, IndexConfig, default_index_dir
from index.embedders import Embedder, make_embedder
from index.errors import BackendSchemaError, IndexMissingError, PolicyQAError
from index.store import LoadedIndex, current_generation, load_index
from qa.answer_model import AnswerModel
from qa.citing import MESSAGES, compose_answer, compose_parts, no_answer
from qa.config import QAConfig, QAOptions
from qa.knowledge_base import KnowledgeBase
from qa.question import Question, prepare_question
from qa.reader import Reader
from qa.records import Answer
from qa.retrieval import HybridRetriever
from qa.tasks import answer_task_question

log = logging.getLogger(__name__)

WARM_UP_QUESTION = "江门市2023年推进哪十项重点改革？"


def index_dir_for(sources: list[Path]) -> Path:
    """A stable default index folder for a set of sources (``var/index-<hash>``)."""
    key = "|".join(str(Path(s).resolve()) for s in sources)
    name = re.sub(r"[^\w.-]+", "_", Path(sources[0]).stem)[:30]
    return REPO_ROOT / "var" / f"index-{name}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Snapshot:
    """Everything one question reads, taken together: a document change installs a new snapshot
    and a question being answered finishes on the one it started with."""

    index: LoadedIndex
    embedder: Embedder
    retriever: HybridRetriever
    reader: Reader


class QAEngine:
    def __init__(self, index_dir: Path, index: LoadedIndex, config: QAConfig, index_config: IndexConfig,
                 model: AnswerModel | None = None, load_model: bool = True) -> None:
        self.index_dir = Path(index_dir)
        self.config = config
        self.index_config = index_config
        # without a model (training gathers candidates for one) the engine retrieves and reads but cannot answer
        self.model = model if model is not None or not load_model else AnswerModel.load(config.answer_model)
        self.knowledge_base = KnowledgeBase(self)
        self._lock = threading.Lock()
        self._query_cache: tuple[str, np.ndarray] | None = None
        self._reranker = None
        if config.retrieval.reranker:
            from qa.rerank import CrossEncoderReranker

            self._reranker = CrossEncoderReranker(config.retrieval.reranker)
        self._snapshot: Snapshot | None = None
        self.backend_url: str | None = None  # set on a database backend: the engine follows its generations
        self._refresh_lock = threading.Lock()
        self.install(index)

    # ----- loading -------------------------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: Path | None = None, sources: list[Path] | Path | None = None,
             embedder: str | None = None, config: QAConfig | None = None,
             show_progress: bool = False, progress: ProgressFn | None = None,
             load_model: bool = True, backend: str | None = None) -> QAEngine:
        """Load the index; with ``sources``, first bring it up to date with them (incremental).
        Without either, the default index builds itself from ``seeds/`` when it does not exist;
        an explicit ``index_dir`` that holds no index is an error (a mistyped folder must not
        answer from another collection). With ``backend`` (``oceanbase://user:password@host:port/db``,
        filled by ``python -m index export`` or ``build --backend``) the generation that answers there is
        read and every search goes to the server; the engine keeps no index folder, switches to a newer
        generation at the next question after it is written (by any process), and its knowledge base
        writes documents as a new generation (``qa.knowledge_base.BackendKnowledgeBase``)."""
        config = config or QAConfig()
        model = AnswerModel.load(config.answer_model) if load_model else None  # before any build: fail fast
        if backend:
            return cls._open_backend(backend, embedder, config, model, load_model, index_dir, sources)
        if isinstance(sources, (str, Path)):
            sources = [Path(sources)]
        explicit = index_dir is not None
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
            if explicit:
                from index.errors import REBUILD_HINT

                raise IndexMissingError(f"索引不存在：{index_dir}。{REBUILD_HINT}")
            log.warning("no index at %s: building it from %s", index_dir, DEFAULT_SEEDS_DIR)
            build_index([DEFAULT_SEEDS_DIR], index_dir, index_config, show_progress=show_progress, progress=progress)
        else:
            refresh_metadata(index_dir, index_config, progress)  # an index of an older version: no re-embedding
        expected = {"embedder.spec": embedder} if embedder else None
        index = load_index(index_dir, expected=expected)
        index_config.embedder = index.embedder
        return cls(index_dir, index, config, index_config, model, load_model)

    @classmethod
    def _open_backend(cls, backend: str, embedder: str | None, config: QAConfig, model: AnswerModel | None,
                      load_model: bool, index_dir: Path | None, sources: list[Path] | Path | None) -> QAEngine:
        from index.oceanbase import load_oceanbase
        from qa.knowledge_base import BackendKnowledgeBase

        if index_dir is not None or sources:
            raise PolicyQAError("使用 OceanBase 后端时不能同时指定索引目录或文档来源；"
                                "文档请用 python -m index build --backend 后端地址 --seeds 文件夹 写入数据库。")
        index = load_oceanbase(backend, expected={"embedder.spec": embedder} if embedder else None)
        engine = cls(index.folder, index, config, IndexConfig(embedder=index.embedder), model, load_model)
        engine.backend_url = backend
        engine.knowledge_base = BackendKnowledgeBase(engine, backend)
        return engine

    def refresh(self, force: bool = False, wait: bool = False) -> bool:
        """On a database backend: switch to the generation the pointer names if it is not the one
        answering (one primary-key read; the new generation is loaded only when it changed). A thread
        that finds another one loading it answers on the current snapshot meanwhile (unless ``wait``);
        ``force`` reads the generation again even if it did not change. True if switched."""
        if self.backend_url is None:
            return False
        backend = self.snapshot().index.backend
        current = backend.current_generation() if backend is not None else None  # type: ignore[attr-defined]
        if current is None or (current == backend.generation and not force):  # type: ignore[union-attr]
            return False
        if not self._refresh_lock.acquire(blocking=force or wait):
            return False
        try:
            from index.oceanbase import load_oceanbase

            answering = self.snapshot().index.backend
            if answering is not None and answering.generation == current and not force:  # type: ignore[attr-defined]
                return False
            started = time.perf_counter()
            index = load_oceanbase(self.backend_url)
            self.install(index)
            log.info("switched to generation %s of the database index in %.2f s", index.manifest.get("generation"),
                     time.perf_counter() - started)
            return True
        finally:
            self._refresh_lock.release()

    def refresh_folder(self) -> bool:
        """On an index folder: the folder's counterpart of ``refresh``. Switch to the live generation if
        another engine wrote one since this one loaded (a 知识库 change in another process, ``python -m index
        build``): one read of the small ``CURRENT`` file; the index is loaded only when it changed. A thread
        that finds another one loading it answers on the current snapshot meanwhile. True if switched."""
        if self.backend_url is not None:
            return False
        live = current_generation(self.index_dir)
        if live is None or live.name == self.snapshot().index.folder.name:
            return False
        if not self._refresh_lock.acquire(blocking=False):
            return False
        try:
            live = current_generation(self.index_dir)
            if live is None or live.name == self.snapshot().index.folder.name:
                return False
            started = time.perf_counter()
            index = load_index(self.index_dir)
            self.install(index)
            log.info("switched to generation %s of %s in %.2f s", index.folder.name, self.index_dir,
                     time.perf_counter() - started)
            return True
        finally:
            self._refresh_lock.release()

    def install(self, index: LoadedIndex) -> None:
        """Answer from ``index`` from now on (questions under way finish on their snapshot)."""
        embedder = make_embedder(index.embedder)
        retriever = HybridRetriever(index, self.config.retrieval, lambda text: self._query_vector(embedder, text))
        reader = Reader(index, retriever.places, self.config.reading, self.model)
        with self._lock:
            self._snapshot = Snapshot(index, embedder, retriever, reader)

    def snapshot(self) -> Snapshot:
        with self._lock:
            assert self._snapshot is not None
            return self._snapshot

    @property
    def index(self) -> LoadedIndex:
        return self.snapshot().index

    @property
    def manifest(self) -> dict[str, Any]:
        return self.snapshot().index.manifest

    def _query_vector(self, embedder: Embedder, question_norm: str) -> np.ndarray:
        """The question's vector; the last one is kept (the warm-up and eval repeat questions)."""
        cached = self._query_cache
        if cached is not None and cached[0] == question_norm:
            return cached[1]
        vector = embedder.embed_query(question_norm)
        self._query_cache = (question_norm, vector)
        return vector

    def warm_up(self) -> None:
        self.answer(WARM_UP_QUESTION, QAOptions(top_k=1))

    # ----- answering -----------------------------------------------------------------------------
    def answer(self, question: str, options: QAOptions | None = None) -> Answer:
        """Answer one question. Never raises for any question text (a database backend that cannot be
        reached raises its ``BackendError``). On a database backend the generation that answers is
        checked first, and a question whose generation was dropped under it is asked again on the new one."""
        options = options or QAOptions()
        options.validate()
        if self.backend_url is None:
            return self._answer(question, options)
        self.refresh()
        try:
            return self._answer(question, options)
        except BackendSchemaError:
            if not self.refresh():
                raise
            return self._answer(question, options)

    def _answer(self, question: str, options: QAOptions) -> Answer:
        started = time.perf_counter()
        snap = self.snapshot()
        prepared = prepare_question(question, snap.retriever.places)
        if prepared.problem:
            return no_answer(prepared, prepared.problem)  # type: ignore[arg-type]
        listed = answer_task_question(prepared, snap.index, options)  # "哪些任务由市发改委牵头？": the task list's rows
        if listed is not None:
            listed.timings_ms = {"total_ms": (time.perf_counter() - started) * 1000}
            return listed
        timings: dict[str, float] = {}
        if prepared.parts:  # "蓬江区和江海区各引进了多少个超亿元项目？": each part answered from its own passages
            answer = compose_parts(prepared, [self._read(snap, part, options, timings) for part in prepared.parts],
                                   options.top_k)
        else:
            answer = self._read(snap, prepared, options, timings)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = timings
        return answer

    def _read(self, snap: Snapshot, prepared: Question, options: QAOptions, timings: dict[str, float]) -> Answer:
        """Retrieve → read → cite one question on ``snap`` (the timings of several parts add up)."""
        part_timings: dict[str, float] = {}
        answer = self._read_once(snap, prepared, options, part_timings)
        for name, ms in part_timings.items():
            timings[name] = timings.get(name, 0.0) + ms
        return answer

    def _read_once(self, snap: Snapshot, prepared: Question, options: QAOptions, timings: dict[str, float]) -> Answer:
        limit = max(options.top_k, self.config.reading.read_passages)
        hits = snap.retriever.retrieve(prepared, options, limit, timings)
        hits = snap.retriever.join_neighbours(hits)
        if not hits:
            return no_answer(prepared, "no_match", timings_ms=timings)
        t0 = time.perf_counter()
        if self._reranker is not None:
            self._rerank(snap, prepared.text, hits)
        reading = snap.reader.read(prepared, hits)
        answer = compose_answer(prepared, reading, hits, snap.index, options.top_k)
        timings["reading_ms"] = (time.perf_counter() - t0) * 1000
        return answer

    def _rerank(self, snap: Snapshot, question: str, hits) -> None:
        from qa.retrieval import passage_bounds

        assert self._reranker is not None
        texts = []
        for hit in hits:
            start, end = passage_bounds(snap.index.chunks, hit)
            texts.append(snap.index.documents[snap.index.chunks[hit.chunk_id].doc_id].document.text[start:end])
        for hit, score in zip(hits, self._reranker.scores(question, texts)):
            hit.score = score
            for member in hit.joined:  # the cross-encoder scored the joined passage as a whole
                member.score = score
        hits.sort(key=lambda h: -h.score)


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


__all__ = ["QAEngine", "Snapshot", "answer", "index_dir_for", "catalog_for", "MESSAGES"]
