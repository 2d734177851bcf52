"""The app's ``/ask`` throughput against the engine's threads, side by side, with and without answer workers::

    python -m eval.bench.app_workers --index-dir var/index [--workers 0,1,2] [--rounds 3] [--clients 8]

On a shared machine only figures taken close together compare, so each round measures the engine on
``--clients`` threads (``eval.bench.worker query``, a fresh process), then ``app.py`` once per ``--workers`` count
(``--answer-workers N``; 0 answers in the app process) under as many gradio_client clients sharing one SSL context
(``eval.bench.app``), after one unmeasured pass over the questions (the engine's threads come after a single-client
pass too; ``--no-warm-up`` measures the first pass, as ``eval.bench`` does); the order of the apps is reversed every
other round. Each figure carries the 1-minute load average before and after it. Writes ``app_workers.json`` and prints a Markdown table."""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from index.config import REPO_ROOT

log = logging.getLogger(__name__)


def _threads(index_dir: Path, questions_file: Path, repeats: int, clients: int, out: Path) -> dict[str, Any]:
    from eval.bench.run import run_worker

    before = os.getloadavg()[0]
    query = run_worker("query", out, "--index-dir", str(index_dir), "--questions", str(questions_file),
                       "--repeats", str(repeats), "--clients", str(clients))
    return {**query["concurrent"], "cpu_ms_per_question": query["cpu_ms_per_question"],
            "rss_after_load_mb": query["rss_after_load_mb"], "loadavg_before": before,
            "loadavg_after": os.getloadavg()[0]}


def run(index_dir: Path, workers: list[int], rounds: int, clients: int, questions: list[dict[str, Any]],
        repeats: int, out: Path, warm_up: bool = True) -> dict[str, Any]:
    from eval.bench.app import run_app_benchmark

    out.mkdir(parents=True, exist_ok=True)
    questions_file = out / "questions.json"
    questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix="policyqa-app-workers-"))
    index_copy = work / "index"  # the apps never write, but a private copy keeps var/ out of reach
    shutil.copytree(index_dir, index_copy, ignore=shutil.ignore_patterns(".build.lock"))
    asked = [q["question"] for q in questions] * repeats
    result: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "clients": clients,
                              "requests": len(asked), "workers": workers, "warm_up": warm_up, "rounds": []}
    try:
        for number in range(rounds):
            order = workers if number % 2 == 0 else list(reversed(workers))
            entry: dict[str, Any] = {"round": number + 1, "at": time.strftime("%H:%M:%S"),
                                     "threads": _threads(index_copy, questions_file, repeats, clients,
                                                         out / f"threads-{number + 1}.json"), "apps": []}
            for count in order:
                app = run_app_benchmark(index_copy, asked, clients, work / f"app-{number + 1}-w{count}",
                                        answer_workers=count, warm_up=warm_up)
                app["ratio"] = (app.get("throughput_qps") or 0) / entry["threads"]["throughput_qps"]
                entry["apps"].append(app)
                log.info("round %d, %d workers: %.2f q/s (ratio %.2f, load %.1f → %.1f)", number + 1, count,
                         app.get("throughput_qps") or 0, app["ratio"], app.get("loadavg_before", 0),
                         app.get("loadavg_after", 0))
            result["rounds"].append(entry)
            (out / "app_workers.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def table(result: dict[str, Any]) -> str:
    rows = ["| round (time) | 8 threads q/s (load) | `/ask` answer workers | q/s | ratio | p95 ms | errors | load before → after "
            "| app RSS MiB | with workers RSS / PSS MiB | CPU ms / question app + workers |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for entry in result["rounds"]:
        t = entry["threads"]
        for app in entry["apps"]:
            memory = app.get("memory_after_load_mb") or {}
            cpu = app.get("cpu_ms_per_question") or {}
            rows.append(
                f"| {entry['round']} ({entry['at']}) | {t['throughput_qps']:.2f} ({t['loadavg_before']:.1f}) "
                f"| {app.get('answer_workers', 0) or 'off'} | {app.get('throughput_qps') or 0:.2f} | {app['ratio']:.2f} "
                f"| {(app.get('latency_ms') or {}).get('p95') or 0:.0f} | {app.get('errors', app.get('error', '?'))} "
                f"| {app.get('loadavg_before', 0):.1f} → {app.get('loadavg_after', 0):.1f} "
                f"| {memory.get('app', 0):.0f} | {memory.get('all_rss', 0):.0f} / {memory.get('all_pss', 0):.0f} "
                f"| {cpu.get('app', 0):.0f} + {cpu.get('workers', 0):.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    from eval.gold import DEFAULT_GOLD, filter_split, load_gold

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m eval.bench.app_workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="a built folder index")
    parser.add_argument("--workers", default="0,1,2", help="answer worker counts, comma-separated (0: in process)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="engine threads, and gradio_client clients")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench_out" / "app_workers")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="measure each app's first pass over the questions (eval.bench does)")
    args = parser.parse_args(argv)
    try:
        workers = [int(w) for w in args.workers.split(",") if w.strip()]
    except ValueError:
        raise SystemExit(f"error: --workers must be comma-separated integers, e.g. 0,2. Currently, it is "
                         f"{args.workers!r}") from None
    if not workers or any(not 0 <= w <= 32 for w in workers) or min(args.rounds, args.clients, args.questions,
                                                                     args.repeats) < 1:
        raise SystemExit("error: --workers must be 0 to 32; --rounds, --clients, --questions and --repeats at least 1")
    items = filter_split(load_gold(DEFAULT_GOLD), "all", args.questions)
    questions = [{"id": i.id, "question": i.question, "answers": list(i.answers), "docs": list(i.docs),
                  "type": i.type} for i in items]
    result = run(args.index_dir, workers, args.rounds, args.clients, questions, args.repeats, args.out, args.warm_up)
    print(table(result))


if __name__ == "__main__":
    main()
