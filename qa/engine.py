"""QAEngine: loads an index once and answers questions. (Interface; implementation in progress.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from qa.config import QAConfig, QAOptions
from qa.records import Answer

ProgressFn = Callable[[float, str], None]


class QAEngine:
    @classmethod
    def open(cls, index_dir: Path | None = None, sources: list[Path] | Path | None = None,
             embedder: str | None = None, config: QAConfig | None = None,
             show_progress: bool = False, progress: ProgressFn | None = None) -> "QAEngine":
        raise NotImplementedError

    def answer(self, question: str, options: QAOptions | None = None) -> Answer:
        raise NotImplementedError

    def documents(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def add_files(self, paths: list[Path], progress: ProgressFn | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def delete_document(self, doc_id: str, progress: ProgressFn | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def filter_choices(self) -> dict[str, list]:
        raise NotImplementedError
