"""Append-only JSON Lines log of user feedback; every record is flushed and fsynced before returning.

A verdict record has an ``id``; 撤销 (undo) appends a retraction ``{"time", "retracts": <id>, "question"}``
instead of rewriting the file (several app processes may append to one log). ``eval/feedback.py`` drops a
verdict that a later line retracts.
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VERDICTS = ("right", "wrong")


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


class FeedbackLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, question: str, answer: str, citations: list[dict[str, Any]], verdict: str,
               comment: str = "", correct_passage: str = "") -> dict[str, Any]:
        """Record one verdict; returns the record (its ``id`` is what :meth:`retract` takes)."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}. Currently, the verdict is {verdict!r}")
        record = {
            "time": _now(),
            "id": uuid.uuid4().hex,
            "question": question,
            "answer": answer,
            "citations": citations,
            "verdict": verdict,
            "comment": comment,
            "correct_passage": correct_passage,
        }
        self._write(record)
        return record

    def retract(self, record_id: str, question: str = "") -> dict[str, Any]:
        """Record that the verdict ``record_id`` is withdrawn (the user pressed 撤销)."""
        if not record_id:
            raise ValueError("record_id must name a recorded verdict. Currently, it is empty")
        record = {"time": _now(), "retracts": record_id, "question": question}
        self._write(record)
        return record

    def _write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
