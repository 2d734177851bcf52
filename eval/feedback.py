"""Turn the app's feedback log into gold-format candidates for human review.

Feedback line: ``{"time", "question", "answer", "citations": [{"doc_id", ...}], "verdict":
"right"|"wrong", "comment", "correct_passage"}``. Candidates:

- right with an answer  -> ``answers=[answer]``, ``doc`` = first citation's doc_id,
  ``needs_review`` false (true when there is no citation to take the doc from);
- right without answer  -> a correctly declined question: ``answers=[]``, type ``unanswerable``;
- wrong + correct_passage -> ``answers=[correct_passage]``, ``doc`` null, ``needs_review`` true;
- wrong without passage -> ``answers=[]``, ``doc`` null, ``needs_review`` true.

Ids are ``fb-1``, ``fb-2``... in input order, split ``dev``, type ``fact`` (except declined ones).
Malformed lines are skipped and counted; exact repeats (same question, answers, doc) are dropped.
A retraction line ``{"time", "retracts": <id>, "question"}`` (the app's 撤销) withdraws the verdict whose
``id`` it names, wherever that verdict is in the log; both lines become no candidate (counted in ``retracted``).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
VERDICTS = ("right", "wrong")


class FeedbackError(ValueError):
    """One feedback record that cannot become a candidate."""


@dataclass
class ConversionResult:
    candidates: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0
    retracted: int = 0
    problems: list[str] = field(default_factory=list)


def _answer_text(answer: Any) -> str:
    """The answer as a string; also accepts the engine's ``{"text": ...}`` answer object."""
    if answer is None:
        return ""
    if isinstance(answer, dict):
        answer = answer.get("text", "")
    if not isinstance(answer, str):
        raise FeedbackError(f"'answer' must be a string, got {type(answer).__name__}")
    return answer.strip()


def _first_doc(citations: Any) -> str | None:
    if citations in (None, []):
        return None
    if not isinstance(citations, list) or not isinstance(citations[0], dict):
        raise FeedbackError("'citations' must be a list of objects")
    doc = citations[0].get("doc_id")
    return doc if isinstance(doc, str) and doc else None


def feedback_to_candidate(record: Any, number: int) -> dict[str, Any]:
    """One feedback record -> one gold-format candidate with id ``fb-<number>``."""
    if not isinstance(record, dict):
        raise FeedbackError(f"expected a JSON object, got {type(record).__name__}")
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise FeedbackError(f"'question' must be a non-empty string, got {question!r}")
    verdict = record.get("verdict")
    if verdict not in VERDICTS:
        raise FeedbackError(f"'verdict' must be one of {', '.join(VERDICTS)}; got {verdict!r}")
    answer = _answer_text(record.get("answer"))
    comment = record.get("comment") or ""
    passage = record.get("correct_passage") or ""
    if not isinstance(comment, str) or not isinstance(passage, str):
        raise FeedbackError("'comment' and 'correct_passage' must be strings")
    passage = passage.strip()
    candidate: dict[str, Any] = {"id": f"fb-{number}", "question": question.strip()}
    if verdict == "right" and answer:
        doc = _first_doc(record.get("citations"))
        candidate.update(answers=[answer], doc=doc, type="fact", needs_review=doc is None)
    elif verdict == "right":
        candidate.update(answers=[], doc=None, type="unanswerable", needs_review=False)
    else:
        candidate.update(answers=[passage] if passage else [], doc=None, type="fact", needs_review=True)
    candidate["split"] = "dev"
    candidate["feedback"] = {"time": record.get("time"), "verdict": verdict, "answer": answer, "comment": comment}
    return candidate


def _parsed(lines: Iterable[str]) -> tuple[list[tuple[int, Any]], set[str], list[str]]:
    """The lines as (line number, record or the error), the ids retracted, and the problems of retractions."""
    rows: list[tuple[int, Any]] = []
    retracted: set[str] = set()
    problems: list[str] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((lineno, FeedbackError(str(exc))))
            continue
        if isinstance(record, dict) and "retracts" in record:
            if isinstance(record["retracts"], str) and record["retracts"]:
                retracted.add(record["retracts"])
            else:
                problems.append(f"line {lineno}: 'retracts' must name a verdict id, got {record['retracts']!r}")
            continue
        rows.append((lineno, record))
    return rows, retracted, problems


def convert_lines(lines: Iterable[str]) -> ConversionResult:
    """Convert feedback JSON Lines; blank lines are ignored, malformed ones counted in ``skipped``, retracted
    verdicts (and their retractions) left out and counted in ``retracted``."""
    result = ConversionResult()
    seen: set[tuple[str, tuple[str, ...], str | None]] = set()
    rows, retracted, problems = _parsed(lines)
    result.skipped, result.problems = len(problems), problems
    for lineno, record in rows:
        if isinstance(record, dict) and record.get("id") in retracted:
            result.retracted += 1
            continue
        try:
            if isinstance(record, FeedbackError):
                raise record
            candidate = feedback_to_candidate(record, len(result.candidates) + 1)
        except FeedbackError as exc:
            result.skipped += 1
            result.problems.append(f"line {lineno}: {exc}")
            continue
        key = (candidate["question"], tuple(candidate["answers"]), candidate["doc"])
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        result.candidates.append(candidate)
    return result


def convert_file(feedback: Path, candidates_out: Path) -> ConversionResult:
    """Read ``feedback``, write the candidates as JSON Lines to ``candidates_out``."""
    result = convert_lines(Path(feedback).read_text(encoding="utf-8-sig").splitlines())
    if result.skipped:
        log.warning("skipped %d malformed feedback line(s): %s", result.skipped, "; ".join(result.problems[:5]))
    candidates_out.parent.mkdir(parents=True, exist_ok=True)
    with candidates_out.open("w", encoding="utf-8") as handle:
        for candidate in result.candidates:
            handle.write(json.dumps(candidate, ensure_ascii=False) + "\n")
    return result
