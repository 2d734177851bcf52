"""``python app.py`` on a private copy of an index, for the tests that talk to the running app
(gradio_client, the browser): one way to start it, wait for it and stop it by its process id."""
from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from eval.app_process import spawn_app, stop_process

START_TIMEOUT = 300.0


@dataclass
class RunningApp:
    url: str
    work: Path          # the private folder: index/, feedback.jsonl, app.log
    feedback: Path
    log_path: Path
    pid: int = 0        # the app process

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def client(self):
        from gradio_client import Client

        return Client(self.url, verbose=False)


def wait_until_ready(process: subprocess.Popen, url: str, log_path: Path, timeout: float = START_TIMEOUT) -> None:
    """Wait until the app's page answers; an app that exits or stays silent raises with its log's end."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with status {process.returncode}:\n" + _tail(log_path))
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"app.py not ready within {timeout:.0f} s:\n" + _tail(log_path))
        time.sleep(0.5)


def _tail(log_path: Path) -> str:
    return log_path.read_text(encoding="utf-8", errors="replace")[-3000:]


@contextmanager
def running_app(index_dir: Path, work: Path, timeout: float = START_TIMEOUT,
                args: Sequence[str] = ()) -> Iterator[RunningApp]:
    """Copy ``index_dir`` into ``work``, start the app on it (with ``args`` added to its command line),
    wait until its page answers, yield it, and stop it (also when the test failed)."""
    shutil.copytree(index_dir, work / "index", ignore=shutil.ignore_patterns(".build.lock"))
    app = RunningApp("", work, work / "feedback.jsonl", work / "app.log")
    with open(app.log_path, "w", encoding="utf-8") as log_file:
        process, url, _ = spawn_app(work / "index", app.feedback, log_file, args)
        app.url, app.pid = url, process.pid
        try:
            wait_until_ready(process, url, app.log_path, timeout)
            yield app
        finally:
            stop_process(process, timeout=20)
