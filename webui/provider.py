"""Opens the QA engine once, lazily and thread-safely, so importing the app never loads the index."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

class EngineProvider:
    """Callable returning the one shared engine; the first call opens it (or builds the index from seeds/)."""

    def __init__(self, index_dir: Path | None = None, embedder: str | None = None,
                 show_progress: bool = True, opener: Callable[..., Any] | None = None,
                 backend: str | None = None) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.backend = backend  # oceanbase://…: the engine reads the database and keeps no index folder
        self.show_progress = show_progress
        self._opener = opener
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    def __call__(self) -> Any:
        engine = self._engine
        if engine is not None:
            return engine
        with self._lock:
            if self._engine is None:
                opener = self._opener
                if opener is None:
                    from qa.engine import QAEngine  # heavy imports (models, FAISS) only when needed
                    opener = QAEngine.open
                extra: dict[str, Any] = {"backend": self.backend} if self.backend else {}
                log.info("opening the QA engine (%s, embedder=%s)", self._where(), self.embedder)
                self._engine = opener(index_dir=self.index_dir, embedder=self.embedder,
                                      show_progress=self.show_progress, **extra)
            return self._engine

    def _where(self) -> str:
        if self.backend:
            from index.oceanbase import BackendURL  # the address without its password

            return f"backend={BackendURL.parse(self.backend).masked()}"
        return f"index_dir={self.index_dir}"

    def warm_up(self) -> None:
        """Open the engine and let it answer its one warm-up question, so the first user does not wait."""
        engine = self()
        if hasattr(engine, "warm_up"):
            engine.warm_up()
