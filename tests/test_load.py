"""eval.load: the figures of a load run from the locustfile's per-question records (no app, no locust)."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict

import pytest

from eval.load.run import LoadSettings, summarise
from index.config import REPO_ROOT


def _records(*ms: float, errors: int = 0) -> list[dict]:
    rows = [{"n": i, "ms": value, "ok": True, "error": ""} for i, value in enumerate(ms)]
    for row in rows[:errors]:
        row.update(ok=False, error="GET 500 error: boom")
    return rows


def test_summarise_gives_percentiles_errors_and_throughput() -> None:
    result = summarise(_records(10.0, 20.0, 30.0, 40.0, errors=1), LoadSettings(users=2, questions=4), "http://x", 2.0)
    assert (result.completed, result.errors, result.error_samples) == (4, 1, ["GET 500 error: boom"])
    assert result.p50_ms == pytest.approx(25.0) and result.p95_ms == pytest.approx(38.5)
    assert result.mean_ms == pytest.approx(25.0) and result.max_ms == pytest.approx(40.0)
    assert result.questions_per_s == pytest.approx(2.0)
    assert "p50 25 ms" in result.summary() and "错误 1 个" in result.summary()


def test_a_run_with_no_completed_question_has_no_percentiles() -> None:
    result = summarise([], LoadSettings(questions=5), "http://x", 0.0)
    assert result.completed == 0
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.mean_ms, result.max_ms) == (None, None, None, None, None)
    assert "p50 –" in result.summary()
    assert json.loads(json.dumps(asdict(result), default=str))["p95_ms"] is None


@pytest.mark.parametrize("module", ["eval.load", "eval.loadtest"])
def test_the_command_and_its_old_name_answer_help(module: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--users" in done.stdout and "--url" in done.stdout
