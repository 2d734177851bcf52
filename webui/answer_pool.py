"""Answering in worker processes (``app.py --answer-workers N``): the Gradio process keeps the page, the API and
the 知识库, and sends each question with its options to one of N processes, each with its own engine on the same
index (and its own GIL, which in one process the engine's Python shares with Gradio's event loop).

A worker opens the engine once (``QAEngine.open`` on the index folder the app's own engine uses, or the same
``--backend``) and answers one question at a time. Before each question it follows the index: on a folder it reads
the live generation (``QAEngine.refresh_folder``), on a database the engine follows the pointer row itself, so a
document added or deleted through the app, or by any other engine, is answered from at the worker's next question.
The reply comes back as the answer's ``to_dict()``, which is all the handlers use (``qa.records.Answer`` pickles
too; the dict is cheaper to send and keeps that work out of the Gradio process).

Workers start through ``forkserver`` (``spawn`` where there is none), never by forking the app: the app has threads
and FAISS loaded. A worker that dies breaks the pool; the question it was answering gets ``WorkerLostError`` (a
plain Chinese message) and a new pool starts at once; a question sent to a pool found broken before it ran is sent
again to the new one. ``close`` stops the workers; a worker whose app died without closing it (``kill -9``) sees its
parent gone and exits, so none is left behind."""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from index.errors import PolicyQAError

log = logging.getLogger(__name__)

MAX_WORKERS = 32
WORKER_LOST = "回答这个问题的进程意外退出，已重新启动；请再问一次。"
WORKERS_DOWN = "回答进程无法启动，问题暂时无法回答；详情见服务器日志。"
START_TIMEOUT_S = 600.0  # start() waits this long for every worker to open the index


class WorkerLostError(PolicyQAError):
    """The worker answering a question died (killed, out of memory); the pool was restarted."""


# ---- in the worker process ---------------------------------------------------------------------------------

_engine: Any = None
_open_error: str | None = None


def _watch_parent() -> None:
    """Exit when the app process is gone (killed without closing the pool): no orphan keeps the index."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    parent.join()
    os._exit(0)


def _init_worker(index_dir: str | None, embedder: str | None, backend: str | None, log_level: int,
                 opener: Callable[..., Any] | None = None) -> None:
    """Open (``opener``, by default ``QAEngine.open``) and warm the engine once. A failure is kept and given as
    the answer to every question (the pool would otherwise be broken and restarted for ever)."""
    global _engine, _open_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the app stops us
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s")
    threading.Thread(target=_watch_parent, name="watch-parent", daemon=True).start()
    started = time.perf_counter()
    try:
        if opener is None:
            from qa.engine import QAEngine

            opener = QAEngine.open
        extra: dict[str, Any] = {"backend": backend} if backend else {}
        engine = opener(index_dir=Path(index_dir) if index_dir else None, embedder=embedder, **extra)
        engine.warm_up()
        where = "database backend" if backend else f"generation {engine.index.folder.name}"
    except Exception as exc:  # noqa: BLE001 - reported to every question and in the log
        log.exception("answer worker %d could not open the engine", os.getpid())
        _open_error = str(exc) if isinstance(exc, PolicyQAError) else f"{exc.__class__.__name__}: {exc}"
        return
    _engine = engine
    log.info("answer worker pid=%d ready in %.1f s (%s)", os.getpid(), time.perf_counter() - started, where)


def _answer_in_worker(question: str, options: Any) -> dict[str, Any]:
    if _engine is None:
        raise PolicyQAError(f"无法打开索引：{_open_error}")
    try:
        _engine.refresh_folder()
    except PolicyQAError as exc:  # a damaged pointer: keep answering from the generation loaded
        log.warning("answer worker %d keeps its generation: %s", os.getpid(), exc)
    return _engine.answer(question, options).to_dict()


def _ready(pause: float = 0.0) -> int:
    """A task for start-up: this worker's process id, once it has opened its engine (the initializer runs
    first); ``pause`` leaves the next such task to a worker that is still opening."""
    if _engine is None:
        raise PolicyQAError(f"无法打开索引：{_open_error}")
    time.sleep(pause)
    return os.getpid()


# ---- in the app process ------------------------------------------------------------------------------------

def _context() -> Any:
    """forkserver (its server imports the answering code once; each worker forks from it), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # "__main__" is app.py, whose page is not built under the name "__mp_main__" (see app.py)
        context.set_forkserver_preload(["__main__", "webui.answer_pool", "qa.engine"])
        return context
    return multiprocessing.get_context("spawn")


class AnswerPool:
    """N worker processes answering questions on the index of ``provider``'s engine (``webui.provider``)."""

    def __init__(self, workers: int, provider: Any, log_level: int = logging.INFO,
                 opener: Callable[..., Any] | None = None) -> None:
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"workers must be between 1 and {MAX_WORKERS}. Currently, it is {workers!r}")
        self.workers = workers
        self.provider = provider
        self.log_level = log_level
        self.opener = opener  # a module-level function the workers can import; None: QAEngine.open
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0

    def _init_args(self) -> tuple:
        """The index the app's engine opened (its folder, already built from seeds/ if it was missing), or its
        database: workers never build one of their own."""
        engine = self.provider()
        backend = getattr(engine, "backend_url", None)
        index_dir = None if backend else str(engine.index_dir)
        return index_dir, getattr(self.provider, "embedder", None), backend, self.log_level, self.opener

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise PolicyQAError("服务正在关闭，问题未回答。")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_init_worker,
                                                     initargs=self._init_args())
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A new pool in place of ``broken`` (once, whichever question found it broken first); its workers
        start at once."""
        with self._lock:
            if self._executor is not broken or self._closed:
                return
            self._executor = None
            self.restarts += 1
        log.warning("an answer worker exited; starting %d new worker(s)", self.workers)
        broken.shutdown(wait=False, cancel_futures=True)
        try:  # the workers start (and open the index) now, not at the next question
            executor = self._current()
            for _ in range(self.workers):
                executor.submit(_ready)
        except (BrokenProcessPool, PolicyQAError):
            pass

    def start(self, timeout: float = START_TIMEOUT_S) -> list[int]:
        """Start the workers and wait until each has opened the index; their process ids. An engine that
        cannot open raises its ``PolicyQAError``."""
        executor = self._current()
        deadline = time.monotonic() + timeout
        pids: set[int] = set()
        while len(pids) < self.workers:  # a worker that is ready takes one task at a time, the others theirs
            futures = [executor.submit(_ready, 0.05) for _ in range(self.workers)]
            try:
                pids |= {f.result(timeout=max(0.1, deadline - time.monotonic())) for f in futures}
            except FutureTimeout:
                pass
            if len(pids) < self.workers and time.monotonic() > deadline:
                raise PolicyQAError(f"{self.workers} 个回答进程中只有 {len(pids)} 个在 {timeout:.0f} 秒内打开了索引。")
        log.info("%d answer worker(s) ready: pid %s", self.workers, ", ".join(map(str, sorted(pids))))
        return sorted(pids)

    def answer(self, question: str, options: Any) -> dict[str, Any]:
        """The engine's answer dict, from a worker; ``WorkerLostError`` if the worker died answering it."""
        for attempt in (1, 2):
            executor = self._current()
            try:
                future = executor.submit(_answer_in_worker, question, options)
            except BrokenProcessPool:  # broken before this question ran: a new pool, and ask there
                self._replace(executor)
                if attempt == 2:
                    raise PolicyQAError(WORKERS_DOWN) from None
                continue
            try:
                return future.result()
            except BrokenProcessPool:
                self._replace(executor)
                raise WorkerLostError(WORKER_LOST) from None
        raise PolicyQAError(WORKERS_DOWN)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the workers: a question under way is finished first (for up to ``timeout`` seconds); a worker
        still running then (stuck opening the index, say) is terminated."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        # the executor's worker processes, taken before shutdown() forgets them (no public accessor)
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                log.warning("answer worker %s did not stop within %.0f s: terminated", process.pid, timeout)
                process.terminate()
                process.join(5)
