"""Answering: hybrid retrieval, extractive answers with citations, honest no-answers."""
import index  # noqa: F401  (sets OMP_WAIT_POLICY before any OpenMP runtime loads; see index/__init__.py)
from qa.config import QAConfig, QAOptions
from qa.records import Answer, Citation, Passage

__all__ = ["QAConfig", "QAOptions", "Answer", "Citation", "Passage", "answer", "QAEngine"]


def __getattr__(name: str):  # lazy, so `import qa` stays instant
    if name in ("answer", "QAEngine"):
        from qa import engine

        return getattr(engine, name)
    raise AttributeError(name)
