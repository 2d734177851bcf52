"""Append-only JSON Lines log of user feedback; every record is flushed and fsynced before returning."""
from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VERDICTS = ("right", "wrong")


class FeedbackLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, question: str, answer: str, citations: list[dict[str, Any]], verdict: str,
               comment: str = "", correct_passage: str = "") -> dict[str, Any]:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}. Currently, the verdict is {verdict!r}")
        record = {
            "time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
            "question": question,
            "answer": answer,
            "citations": citations,
            "verdict": verdict,
            "comment": comment,
            "correct_passage": correct_passage,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        return record
