"""The web app under load: start ``python app.py`` on a built index, time it to the first answer
through its API (``api_name="ask"``), then answer the questions from several gradio_client
clients at once and report throughput, latency and errors."""
from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from eval.app_process import spawn_app, stop_process
from index.config import REPO_ROOT

log = logging.getLogger(__name__)
APP = REPO_ROOT / "app.py"


_SSL_CONTEXT: Any = None


def _client(url: str):
    """A gradio_client whose calls share one SSL context: by default each call builds two, loading the
    whole CA bundle (about 60 ms of CPU per question on the app's own cores, docs/BENCH.md session 8),
    so the measuring client, not the app, set the throughput. Portals that reuse a client do the same
    (docs/APP.md)."""
    import ssl

    from gradio_client import Client

    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = ssl.create_default_context()
    return Client(url, verbose=False, ssl_verify=_SSL_CONTEXT)


def _wait_for_answer(url: str, question: str, process: subprocess.Popen, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with status {process.returncode} before answering")
        try:
            return _client(url).predict(question, 5, api_name="/ask")
        except Exception as exc:  # noqa: BLE001 - not up yet: connection refused, config not served...
            last = exc
            time.sleep(0.25)
    raise TimeoutError(f"app.py gave no answer within {timeout:.0f} s (last error: {last})")


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of the app process, and of it with every process it started (answer workers, the
    forkserver they fork from): the sum of RSS counts pages they share (the forkserver's imports) once per
    process; the sum of PSS shares them out."""
    import psutil

    app = psutil.Process(pid)
    processes = [app, *app.children(recursive=True)]
    rss = pss = 0.0
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return {"app": app.memory_info().rss / 2**20, "all_rss": rss / 2**20, "all_pss": pss / 2**20,
            "processes": float(len(processes))}


def cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of the app process and of the processes it started."""
    import psutil

    app = psutil.Process(pid)
    own = sum(app.cpu_times()[:2])
    children = 0.0
    for child in app.children(recursive=True):
        try:
            children += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return own, children


def run_app_benchmark(index_dir: Path, questions: list[str], clients: int, work_dir: Path,
                      timeout: float = 300.0, answer_workers: int = 0, warm_up: bool = False) -> dict[str, Any]:
    """Start-up to first answer, then ``clients`` concurrent API clients; never raises (errors are reported).
    ``answer_workers`` starts the app with ``--answer-workers N`` (0: answering in the app process); ``warm_up``
    sends the questions once, unmeasured, before the measured pass (as the engine's threads are measured after
    a single-client pass: a process's first questions cost more, its workers' most)."""
    if not APP.exists():
        return {"available": False, "note": "app.py not found: start-up and API load not measured"}

    from eval.bench.worker import percentiles

    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "app.log"
    result: dict[str, Any] = {"available": True, "answer_workers": answer_workers}
    extra = ["--answer-workers", str(answer_workers)] if answer_workers else []
    with open(log_path, "w", encoding="utf-8") as log_file:
        started = time.perf_counter()
        process, url, command = spawn_app(index_dir, work_dir / "feedback.jsonl", log_file, extra)
        result["command"] = " ".join(command[1:])
        try:
            _wait_for_answer(url, questions[0], process, timeout)
            result["startup_to_first_answer_s"] = time.perf_counter() - started
            memory = memory_mb(process.pid)
            result["rss_after_start_mb"] = memory["app"]
            result["memory_after_start_mb"] = memory
            if warm_up:
                _concurrent(url, questions, clients, percentiles)
            result["warmed_up"] = warm_up
            result["loadavg_before"] = os.getloadavg()[0]
            cpu_before = cpu_s(process.pid)
            result.update(_concurrent(url, questions, clients, percentiles))
            cpu_after = cpu_s(process.pid)
            result["loadavg_after"] = os.getloadavg()[0]
            result["cpu_ms_per_question"] = {
                "app": (cpu_after[0] - cpu_before[0]) * 1000 / len(questions),
                "workers": (cpu_after[1] - cpu_before[1]) * 1000 / len(questions)}
            memory = memory_mb(process.pid)
            result["rss_after_load_mb"] = memory["app"]
            result["memory_after_load_mb"] = memory
        except Exception as exc:  # noqa: BLE001 - reported in the benchmark, with the app's log
            result["error"] = f"{exc.__class__.__name__}: {exc}"
            result["log_tail"] = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        finally:
            stop_process(process, timeout=20)
    return result


def _concurrent(url: str, questions: list[str], clients: int, percentiles) -> dict[str, Any]:
    handles = [_client(url) for _ in range(clients)]
    pending = list(questions)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def worker(client) -> None:
        while True:
            with lock:
                if not pending:
                    return
                question = pending.pop()
            t0 = time.perf_counter()
            try:
                reply = client.predict(question, 5, api_name="/ask")
                if not isinstance(reply, dict) or "no_answer" not in reply:
                    raise ValueError(f"unexpected reply {str(reply)[:80]!r}")
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(f"{exc.__class__.__name__}: {exc}"[:200])
            latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(h,)) for h in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(questions), "wall_s": wall,
            "throughput_qps": len(questions) / wall if wall else None, "latency_ms": percentiles(latencies),
            "errors": len(errors), "error_samples": errors[:5]}
