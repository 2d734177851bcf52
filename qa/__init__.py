"""Answering: hybrid retrieval, extractive answers with citations, honest no-answers."""
from qa.config import QAConfig, QAOptions
from qa.records import Answer, Citation, Passage

__all__ = ["QAConfig", "QAOptions", "Answer", "Citation", "Passage", "answer", "QAEngine"]


def __getattr__(name: str):  # lazy, so `import qa` stays instant
    if name in ("answer", "QAEngine"):
        from qa import engine

        return getattr(engine, name)
    raise AttributeError(name)
