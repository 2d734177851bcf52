"""Several app processes on one OceanBase database, each under its own gradio_client clients::

    python -m eval.bench.two_apps --index-dir var/index [--apps 2] [--clients 8] [--questions 60] [--repeats 2]

Starts seekdb from the pylibseekdb wheel in a temporary folder (``index.seekdb``), exports the folder
index into it (``index.export``), starts ``--apps`` ``app.py --backend`` processes on 127.0.0.1 (the
address through ``POLICYQA_BACKEND``), waits until each answers, then sends every app the gold
questions from ``--clients`` clients at the same time (``/ask``). Reports questions/s in all and per
app, latency, errors and resident memory; every process is stopped by its pid, also on failure."""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from eval.app_process import free_port, stop_process
from index.config import REPO_ROOT

log = logging.getLogger(__name__)


def _spawn(backend: str, log_file: Any, feedback: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", "POLICYQA_BACKEND": backend}
    env.pop("POLICYQA_USERNAME", None)
    env.pop("POLICYQA_PASSWORD", None)
    command = [sys.executable, str(REPO_ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
               "--feedback", str(feedback)]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT), \
        f"http://127.0.0.1:{port}/"


def run(index_dir: Path, apps: int, clients: int, questions: list[str], out: Path) -> dict[str, Any]:
    import psutil

    from eval.bench.app import _concurrent, _wait_for_answer
    from eval.bench.worker import percentiles
    from index.export import export_index
    from index.seekdb import PARAMETERS, start_seekdb, stop_seekdb

    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg_start": os.getloadavg(),
                              "apps": apps, "clients_per_app": clients, "requests_per_app": len(questions)}
    folder = Path(tempfile.mkdtemp(prefix="policyqa-two-apps-seekdb-"))
    server = start_seekdb(folder, parameters={**PARAMETERS, "memory_limit": "3G"})
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        url = server.url("policyqa_two_apps")
        report = export_index(index_dir, url, replace=True)
        result["export_s"] = report.seconds
        urls = []
        for n in range(apps):
            handle = open(out / f"app{n}.log", "w", encoding="utf-8")
            logs.append(handle)
            process, app_url = _spawn(url, handle, out / f"feedback{n}.jsonl")
            processes.append(process)
            urls.append(app_url)
        t0 = time.perf_counter()
        for process, app_url in zip(processes, urls):
            _wait_for_answer(app_url, questions[0], process, 600)
        result["all_up_s"] = time.perf_counter() - t0
        per_app: list[dict[str, Any]] = [{} for _ in urls]

        def load(n: int) -> None:
            per_app[n] = _concurrent(urls[n], questions, clients, percentiles)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(apps)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        result.update({"wall_s": wall, "throughput_qps": apps * len(questions) / wall, "per_app": per_app,
                       "errors": sum(a["errors"] for a in per_app),
                       "app_rss_mb": [psutil.Process(p.pid).memory_info().rss / 2**20 for p in processes],
                       "server_rss_mb": psutil.Process(server.pid).memory_info().rss / 2**20})
    finally:
        for process in processes:
            stop_process(process, timeout=20)
        for handle in logs:
            handle.close()
        stop_seekdb(server)
        result["loadavg_end"] = os.getloadavg()
        result["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        (out / "two_apps.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> None:
    from eval.gold import DEFAULT_GOLD, filter_split, load_gold

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m eval.bench.two_apps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="a built folder index to export")
    parser.add_argument("--apps", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8, help="gradio_client clients per app")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench_out" / "two_apps")
    args = parser.parse_args(argv)
    if args.apps < 1 or args.clients < 1 or args.questions < 1 or args.repeats < 1:
        raise SystemExit("error: --apps, --clients, --questions and --repeats must be at least 1")
    items = filter_split(load_gold(DEFAULT_GOLD), "all", args.questions)
    result = run(args.index_dir, args.apps, args.clients, [i.question for i in items] * args.repeats, args.out)
    print(json.dumps({k: v for k, v in result.items() if k != "per_app"}, ensure_ascii=False, indent=1))
    for n, app in enumerate(result.get("per_app", [])):
        print(f"app {n}: {app['throughput_qps']:.2f} q/s, p50 {app['latency_ms']['p50']:.0f} ms, "
              f"p95 {app['latency_ms']['p95']:.0f} ms, errors {app['errors']}")


if __name__ == "__main__":
    main()
