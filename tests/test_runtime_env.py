"""Process-wide settings the packages make on import."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _policy_after_import(module: str, env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    code = f"import {module}, os; print(os.environ.get('OMP_WAIT_POLICY', ''))"
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_openmp_threads_wait_passively_unless_the_user_says_otherwise():
    # spinning OpenMP threads made a 30 ms question take 1.7 s while another process was busy
    assert _policy_after_import("qa", None) == "PASSIVE"
    assert _policy_after_import("index", None) == "PASSIVE"
    assert _policy_after_import("qa", "ACTIVE") == "ACTIVE"
