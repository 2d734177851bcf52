"""Helpers for running ``python app.py`` as a child process (benchmarks, load test, tests)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from index.config import REPO_ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate, wait up to ``timeout`` seconds, then kill."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def spawn_app(index_dir: Path, feedback: Path, log_file: IO[str],
              extra_args: Sequence[str] = ()) -> tuple[subprocess.Popen, str, list[str]]:
    """``python app.py`` on 127.0.0.1 and a free port, serving ``index_dir`` without login (``extra_args``
    added to its command line, e.g. ``--answer-workers 2``), its output to ``log_file``. Returns the
    process, its URL and the command line."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    env.pop("POLICYQA_USERNAME", None)
    env.pop("POLICYQA_PASSWORD", None)
    env.pop("POLICYQA_ANSWER_WORKERS", None)
    command = [sys.executable, str(REPO_ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
               "--index-dir", str(index_dir), "--feedback", str(feedback), *extra_args]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}/", command
