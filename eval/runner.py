"""Run gold questions through the engine and judge each answer (one record per question and method)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eval import metrics
from eval.config import EvalSettings
from eval.gold import GoldItem
from eval.records import PassageRecord, QuestionRecord
from index.config import DEFAULT_SEEDS_DIR
from index.errors import PolicyQAError
from qa.config import QAOptions
from qa.records import Answer

log = logging.getLogger(__name__)


class AnswerEngine(Protocol):
    """What the runner needs from ``qa.engine.QAEngine`` (a fake in tests)."""

    def answer(self, question: str, options: QAOptions | None = None) -> Answer: ...


@dataclass
class BenchmarkResult:
    """Records of every method, and their metrics keyed by method."""

    methods: list[str]
    top_k: int
    records: list[QuestionRecord] = field(default_factory=list)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_type: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def records_of(self, method: str) -> list[QuestionRecord]:
        return [r for r in self.records if r.method == method]


def judge(item: GoldItem, answer: Answer, method: str, latency_ms: float) -> QuestionRecord:
    """Score one engine answer against its gold question."""
    passages = [
        PassageRecord(
            doc_id=p.doc_id, also_published_as=list(p.also_published_as), section=p.section,
            start=p.start, end=p.end, score=float(p.score), text=p.text,
            hit=item.answerable and metrics.passage_is_hit(p.doc_id, p.also_published_as, p.text,
                                                           item.docs, item.answers),
        )
        for p in answer.passages
    ]
    text = "" if answer.no_answer else answer.text
    return QuestionRecord(
        id=item.id, question=item.question, type=item.type, split=item.split, method=method,
        answerable=item.answerable, gold_answers=list(item.answers), gold_docs=list(item.docs),
        no_answer=answer.no_answer, answer_text=text, answer_score=float(answer.score),
        reason=answer.reason, message=answer.message, latency_ms=latency_ms,
        hit_rank=metrics.first_hit_rank([p.hit for p in passages]) if item.answerable else None,
        answer_hit=metrics.answer_hit(text, answer.no_answer, item.answers) if item.answerable else None,
        answer_f1=(0.0 if answer.no_answer else metrics.max_char_f1(text, item.answers)) if item.answerable else None,
        passages=passages,
    )


def error_record(item: GoldItem, method: str, latency_ms: float, error: Exception) -> QuestionRecord:
    """A question the engine refused with an error: counted as a no-answer without passages."""
    return QuestionRecord(
        id=item.id, question=item.question, type=item.type, split=item.split, method=method,
        answerable=item.answerable, gold_answers=list(item.answers), gold_docs=list(item.docs),
        no_answer=True, answer_text="", answer_score=0.0, reason="error", message=str(error),
        latency_ms=latency_ms, hit_rank=None,
        answer_hit=False if item.answerable else None, answer_f1=0.0 if item.answerable else None,
        error=f"{type(error).__name__}: {error}",
    )


def run_method(engine: AnswerEngine, items: list[GoldItem], method: str, top_k: int,
               show_progress: bool = True, warm_up: bool = True) -> list[QuestionRecord]:
    """Answer every question with one retrieval mode, timing each ``engine.answer`` call.

    With ``warm_up`` one untimed call comes first, so lazily loaded models are not billed
    to the first question's latency.
    """
    options = QAOptions(top_k=top_k, mode=method)  # type: ignore[arg-type]  # checked by validate()
    options.validate()
    if warm_up and items:
        try:
            engine.answer(items[0].question, options)
        except (PolicyQAError, ValueError):
            pass  # the timed call below records it
    iterator: Any = items
    if show_progress:
        from tqdm import tqdm

        iterator = tqdm(items, desc=f"eval {method}", unit="q", leave=True)
    records: list[QuestionRecord] = []
    for item in iterator:
        started = time.perf_counter()
        try:
            answer = engine.answer(item.question, options)
        except (PolicyQAError, ValueError) as exc:
            latency = (time.perf_counter() - started) * 1000
            log.warning("question %s failed with %s: %s", item.id, type(exc).__name__, exc)
            records.append(error_record(item, method, latency, exc))
            continue
        latency = (time.perf_counter() - started) * 1000
        records.append(judge(item, answer, method, latency))
    return records


def run_benchmark(engine: AnswerEngine, items: list[GoldItem], methods: list[str], top_k: int,
                  show_progress: bool = True) -> BenchmarkResult:
    """Every method over every question, then metrics overall and per question type."""
    result = BenchmarkResult(methods=list(methods), top_k=top_k)
    for method in methods:
        records = run_method(engine, items, method, top_k, show_progress)
        result.records.extend(records)
        result.metrics[method] = metrics.summarize(records, top_k)
        result.by_type[method] = metrics.summarize_by_type(records, top_k)
    return result


def open_engine(settings: EvalSettings) -> Any:
    """Build or update the index of ``settings.corpora`` (default: the seeds folder) and load it.

    Not timed. Without ``index_dir`` the engine derives a folder from the sources, so the
    app's own index (which may hold uploaded documents) is never rebuilt by a benchmark. With
    ``backend`` the database's collection is measured as it is (a benchmark never writes to it).
    """
    from qa.engine import QAEngine

    if settings.backend:
        return QAEngine.open(backend=settings.backend, embedder=settings.embedder, show_progress=settings.show_progress)

    sources: list[Path] = list(settings.corpora) or [DEFAULT_SEEDS_DIR]
    return QAEngine.open(index_dir=settings.index_dir, sources=sources, embedder=settings.embedder,
                         show_progress=settings.show_progress)


_MANIFEST_LIMIT = 12
_MANIFEST_COUNTED = ("documents", "files")


def summarize_manifest(manifest: Any) -> Any:
    """The manifest without bulky parts: lists and dicts longer than 12 become ``{"count": n}``
    (so do ``documents`` and ``files``, maps of ids to hashes), recursively."""
    if isinstance(manifest, dict):
        if len(manifest) > _MANIFEST_LIMIT:
            return {"count": len(manifest)}
        return {str(k): {"count": len(v)} if k in _MANIFEST_COUNTED and isinstance(v, (dict, list))
                else summarize_manifest(v) for k, v in manifest.items()}
    if isinstance(manifest, (list, tuple)):
        if len(manifest) > _MANIFEST_LIMIT or any(isinstance(v, (dict, list)) for v in manifest):
            return {"count": len(manifest)}
        return list(manifest)
    if isinstance(manifest, (str, int, float, bool)) or manifest is None:
        return manifest
    return str(manifest)


def describe_model(model: Any) -> dict[str, Any] | None:
    """Which answer model answered, and which collections it was trained on (figures on those are
    in-sample: the honest ones are the out-of-fold figures of ``python -m eval.train``)."""
    if model is None or not hasattr(model, "data"):
        return None
    data = model.data
    return {"file": model.source, "version": data.get("version"), "threshold": data.get("threshold"),
            "feature_fingerprint": data.get("feature_fingerprint"),
            "trained_on": sorted((data.get("training") or {}).get("collections", {}))}


def describe_run(settings: EvalSettings, engine: Any, gold_path: Path, n_questions: int) -> dict[str, Any]:
    """The ``config`` block of the JSON report: what was measured, with which settings."""
    manifest = getattr(engine, "manifest", None) or {}
    embedder: dict[str, Any] = manifest["embedder"] if isinstance(manifest.get("embedder"), dict) else {}
    config = settings.to_dict()
    index_dir = None if settings.backend else getattr(engine, "index_dir", None) or settings.index_dir
    config.update({
        "gold": str(gold_path),
        "corpora": [str(p) for p in settings.corpora or [DEFAULT_SEEDS_DIR]],
        "index_dir": str(index_dir) if index_dir else None,
        "n_questions": n_questions,
        "embedder": embedder.get("spec") or settings.embedder,
        "chunking": manifest.get("chunking") or {},
        "qa_config": engine.config.to_dict() if hasattr(engine, "config") else {},
        "answer_model": describe_model(getattr(engine, "model", None)),
        "manifest": summarize_manifest(manifest),
        "latency": "ms per engine.answer call (time.perf_counter); index build/load and one warm-up call excluded",
    })
    if settings.backend:
        config["generation"] = manifest.get("generation")  # the database's generation that answered
    return config
