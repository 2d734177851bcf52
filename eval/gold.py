"""Gold questions: load and validate a JSON Lines file, filter by split, find the default file."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.config import DEFAULT_SEEDS_DIR

EVAL_DIR = Path(__file__).resolve().parent
DEFAULT_GOLD = EVAL_DIR / "gold.jsonl"
QUESTION_TYPES = ("fact", "paraphrase", "number", "who", "list", "multi", "unanswerable")
SPLITS = ("dev", "test")
SPLIT_CHOICES = ("dev", "test", "all")


class GoldError(ValueError):
    """A gold file that cannot be used, with the file, line and what was wrong."""


@dataclass(frozen=True)
class GoldItem:
    """One gold question. ``answers == []`` means the corpus does not answer it."""

    id: str
    question: str
    answers: tuple[str, ...]
    docs: tuple[str, ...]
    type: str
    split: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def parse_gold_record(record: Any, where: str = "record") -> GoldItem:
    """Validate one decoded gold record; raise GoldError naming the field and the allowed values."""
    if not isinstance(record, dict):
        raise GoldError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for key in ("id", "question", "answers", "type", "split"):
        if key not in record:
            raise GoldError(f"{where}: missing field {key!r}")
    qid, question = record["id"], record["question"]
    if not isinstance(qid, str) or not qid.strip():
        raise GoldError(f"{where}: 'id' must be a non-empty string, got {qid!r}")
    if not isinstance(question, str) or not question.strip():
        raise GoldError(f"{where} ({qid}): 'question' must be a non-empty string, got {question!r}")
    answers = record["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise GoldError(f"{where} ({qid}): 'answers' must be a list of non-empty strings, got {answers!r}")
    qtype, split = record["type"], record["split"]
    if qtype not in QUESTION_TYPES:
        raise GoldError(f"{where} ({qid}): 'type' must be one of {', '.join(QUESTION_TYPES)}; got {qtype!r}")
    if split not in SPLITS:
        raise GoldError(f"{where} ({qid}): 'split' must be one of {', '.join(SPLITS)}; got {split!r}")
    if (qtype == "unanswerable") != (not answers):
        raise GoldError(f"{where} ({qid}): type {qtype!r} with {len(answers)} answers; "
                        "'unanswerable' questions and only they have an empty 'answers' list")
    docs = _parse_docs(record, f"{where} ({qid})")
    known = {"id", "question", "answers", "doc", "docs", "type", "split"}
    extra = {k: v for k, v in record.items() if k not in known}
    return GoldItem(qid, question.strip(), tuple(answers), docs, qtype, split, extra)


def _parse_docs(record: dict[str, Any], where: str) -> tuple[str, ...]:
    if "doc" in record and "docs" in record:
        raise GoldError(f"{where}: give either 'doc' or 'docs', not both")
    if "docs" in record:
        docs = record["docs"]
        if not isinstance(docs, list) or not all(isinstance(d, str) and d for d in docs):
            raise GoldError(f"{where}: 'docs' must be a list of document ids, got {docs!r}")
        return tuple(docs)
    doc = record.get("doc")
    if doc is None:
        return ()
    if not isinstance(doc, str) or not doc:
        raise GoldError(f"{where}: 'doc' must be a document id or null, got {doc!r}")
    return (doc,)


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSON Lines file (blank lines allowed); ids must be unique."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"gold file not found: {path}")
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{where}: not valid JSON ({exc.msg})") from exc
        item = parse_gold_record(record, where)
        if item.id in seen:
            raise GoldError(f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = lineno
        items.append(item)
    if not items:
        raise GoldError(f"gold file has no questions: {path}")
    return items


def filter_split(items: list[GoldItem], split: str, limit: int | None = None) -> list[GoldItem]:
    """Keep one split ('dev', 'test') or 'all', then the first ``limit`` questions."""
    if split not in SPLIT_CHOICES:
        raise ValueError(f"split must be one of {', '.join(SPLIT_CHOICES)}. Currently, the split is {split!r}")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1. Currently, the limit is {limit}")
    kept = [item for item in items if split == "all" or item.split == split]
    return kept[:limit] if limit is not None else kept


def default_gold_path(corpora: list[Path] | None) -> Path:
    """``eval/gold.jsonl`` for the seeds; otherwise ``qa.jsonl`` beside (or inside) the first corpus."""
    if not corpora:
        return DEFAULT_GOLD
    first = Path(corpora[0])
    if first.resolve() == DEFAULT_SEEDS_DIR.resolve():
        return DEFAULT_GOLD
    candidates = [first / "qa.jsonl", first.parent / "qa.jsonl"] if first.is_dir() else [first.parent / "qa.jsonl"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise GoldError(f"no gold file given and no qa.jsonl found beside the corpus {first} "
                    f"(looked at {', '.join(str(c) for c in candidates)}); pass --gold FILE")
