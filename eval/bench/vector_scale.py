"""Search-only benchmark of the OceanBase backend's two queries at up to a million rows::

    python -m eval.bench.vector_scale --rows 1000000 [--budget-s 1800] [--out bench_out/vector_scale]

A table shaped like ``policyqa_chunks`` (chunk id, document id, jieba-like tokens under a full-text
index with the ``beng`` parser, ``VECTOR(384)`` under the backend's HNSW index: cosine, m 16,
ef_construction 200, ef_search 200) is filled with synthetic rows: clustered unit vectors of the
real dimension and Zipf-distributed two-character words, about 150 a row like our chunks. With
``--indexes after`` (the default, as ``index.export`` does it) the rows are written first and both
indexes built over them, then measured once; with ``--indexes before`` they are created on the
empty table and kept up to date by the inserts, and measured at each checkpoint (10k, 100k, 250k,
500k, 1M rows). On 2 busy cores writing then indexing 10k rows took 17 s, writing into the indexes 29 s.
The queries:

* dense: ``ORDER BY cosine_distance(embedding, …) APPROXIMATE LIMIT 100`` (with its recall against
  an exact numpy search of the rows written);
* lexical: ``MATCH(tokens) AGAINST (… IN NATURAL LANGUAGE MODE)`` for 300 candidates, then BM25 over
  their tokens from the collection's statistics, as ``index.oceanbase`` does;
* exact scores: ``cosine_distance`` of the lexical candidates by primary key;
* the search step: the three in a row, what one question costs the server;
* ``EXPLAIN`` of both queries (it names the index a query uses).

Writing stops at ``--rows`` or when ``--budget-s`` of writing time is spent; the last measurement is
of the size reached (with ``after``, index building comes on top and is reported). A bare run starts seekdb from the pylibseekdb wheel in a temporary folder
(``index.seekdb``, larger ``memory_limit``/``datafile_size``) and stops it by its process id; its
folder is removed. ``--backend oceanbase://…`` uses another server (database ``policyqa_vector_scale``,
dropped at the end unless ``--keep``)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.metrics import percentile
from index.config import REPO_ROOT

log = logging.getLogger(__name__)
TABLE, VECTOR_INDEX, FULLTEXT_INDEX = "vs_chunks", "vs_vec", "vs_ft"
DATABASE = "policyqa_vector_scale"
HNSW = {"m": 16, "ef_construction": 200, "ef_search": 200}  # index.oceanbase.HNSW
LEXICAL_K, LEXICAL_POOL, DENSE_K = 100, 3, 100                # qa.config candidates=100; index.oceanbase LEXICAL_POOL
WORD_BASE = 0x4E00


@dataclass
class ScaleSettings:
    rows: int = 1_000_000
    checkpoints: str = "10000,100000,250000,500000,1000000"
    dim: int = 384
    queries: int = 100
    budget_s: float = 1800.0         # writing time after which no more rows are written
    indexes: str = "after"           # after: write, then build both indexes; before: indexes on the empty table
    batch: int = 500
    vocabulary: int = 100_000
    tokens_mean: int = 150
    clusters: int = 1000
    seed: int = 0
    backend: str = "oceanbase"       # a local seekdb; or oceanbase://user:pw@host:port/db (database replaced)
    memory_limit: str = "10G"
    datafile_size: str = "16G"
    log_disk_size: str = "8G"
    out: Path = REPO_ROOT / "bench_out" / "vector_scale"
    keep: bool = False

    def checkpoint_list(self) -> list[int]:
        try:
            points = sorted({int(c) for c in self.checkpoints.split(",") if c.strip()} | {self.rows})
        except ValueError:
            raise ValueError(f"--checkpoints must be comma-separated integers. Currently, it is {self.checkpoints!r}") from None
        return [p for p in points if 0 < p <= self.rows]

    def validate(self) -> None:
        if self.rows < 1 or self.queries < 1 or self.batch < 1 or self.dim < 2:
            raise ValueError(f"--rows, --queries, --batch must be at least 1 and --dim at least 2. Currently, they are "
                             f"{self.rows}, {self.queries}, {self.batch}, {self.dim}")
        if self.indexes not in ("after", "before"):
            raise ValueError(f"--indexes must be after or before. Currently, it is {self.indexes!r}")
        if self.backend != "oceanbase" and not self.backend.startswith("oceanbase://"):
            raise ValueError(f"--backend must be oceanbase (a local seekdb) or oceanbase://user:password@host:port/db. "
                             f"Currently, it is {self.backend!r}")
        self.checkpoint_list()


# ----- synthetic data ---------------------------------------------------------------------------------

def word(token_id: int) -> str:
    """Token ``token_id`` as two CJK characters (distinct for ids below 2,900²)."""
    return chr(WORD_BASE + token_id % 2900) + chr(WORD_BASE + 2900 + token_id // 2900 % 2900)


class Synthetic:
    """Deterministic rows: clustered unit vectors and Zipf word lists, batch by batch."""

    def __init__(self, settings: ScaleSettings) -> None:
        self.settings = settings
        rng = np.random.default_rng(settings.seed)
        self.centers = rng.standard_normal((settings.clusters, settings.dim)).astype(np.float32)

    def _unit(self, rng: np.random.Generator, n: int) -> np.ndarray:
        centers = self.centers[rng.integers(0, len(self.centers), n)]
        vectors = centers + 0.7 * rng.standard_normal((n, self.settings.dim)).astype(np.float32)
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def _ids(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return (rng.zipf(1.15, n) - 1) % self.settings.vocabulary

    def batch(self, start: int, n: int) -> tuple[np.ndarray, list[np.ndarray]]:
        rng = np.random.default_rng([self.settings.seed, 1, start])
        lengths = np.clip(rng.normal(self.settings.tokens_mean, 40, n), 20, 400).astype(int)
        ids = self._ids(rng, int(lengths.sum()))
        return self._unit(rng, n), np.split(ids, np.cumsum(lengths)[:-1])

    def queries(self, n: int) -> tuple[np.ndarray, list[list[int]]]:
        """Question vectors near the data, and 4-8 words each, of middle frequency (ranks 30-20,000)."""
        rng = np.random.default_rng([self.settings.seed, 2])
        words = [list(rng.integers(30, min(20_000, self.settings.vocabulary), int(rng.integers(4, 9)))) for _ in range(n)]
        return self._unit(rng, n), words


def vector_literals(vectors: np.ndarray) -> list[str]:
    """``[x1,…]`` per row, each as an integer count of millionths (``-49794e-6``): synthetic data needs
    no more digits, and formatting integers is several times faster than formatting floats, which kept
    the writer busier than the server."""
    micro = np.rint(np.asarray(vectors, dtype=np.float64) * 1e6).astype(np.int64).tolist()
    return ["[" + "e-6,".join(map(str, row)) + "e-6]" for row in micro]


# ----- the server -------------------------------------------------------------------------------------

def _connect(url: str, database: bool = True) -> Any:
    """``index.oceanbase.connect`` with a reply limit of hours, not the backend's 120 s: building an
    index over a million rows is one statement."""
    from index.oceanbase import BackendURL, connect

    return connect(BackendURL.parse(url), use_database=database, timeout=4 * 3600)


def _disk_mb(folder: Path | None) -> float | None:
    if folder is None:
        return None
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def create_table(cursor: Any, dim: int) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cursor.execute(f"CREATE TABLE {TABLE} (chunk_id BIGINT NOT NULL PRIMARY KEY, doc_id VARCHAR(512) NOT NULL, "
                   f"tokens MEDIUMTEXT NOT NULL, token_count INT NOT NULL, embedding VECTOR({dim}), "
                   f"KEY {TABLE}_doc (doc_id)) ORGANIZATION = HEAP")


def create_indexes(cursor: Any) -> dict[str, float]:
    """The backend's two indexes (``index.export.index_sql``); seconds each."""
    params = ", ".join(f"{k}={v}" for k, v in HNSW.items())
    timings = {}
    for name, statement in (("vector_index_s", f"CREATE VECTOR INDEX {VECTOR_INDEX} ON {TABLE}(embedding) WITH "
                                               f"(distance=cosine, type=hnsw, lib=vsag, {params})"),
                            ("fulltext_index_s", f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} ON {TABLE}(tokens) WITH PARSER beng")):
        t0 = time.perf_counter()
        cursor.execute(statement)
        timings[name] = time.perf_counter() - t0
    return timings


DENSE_SQL = (f"SELECT chunk_id, cosine_distance(embedding, %s) AS distance FROM {TABLE} "
             f"ORDER BY cosine_distance(embedding, %s) APPROXIMATE LIMIT {DENSE_K}")
MATCH = "MATCH(tokens) AGAINST (%s IN NATURAL LANGUAGE MODE)"
LEXICAL_SQL = (f"SELECT chunk_id, tokens, {MATCH} AS relevance FROM {TABLE} WHERE {MATCH} "
               f"ORDER BY relevance DESC LIMIT {LEXICAL_K * LEXICAL_POOL}")


def _stats(values: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99),
            "mean": float(np.mean(values)) if values else None, "n": len(values)}


def _exact_top(queries: np.ndarray, vectors: np.ndarray, k: int) -> np.ndarray:
    """The true top ``k`` rows by cosine (unit vectors: inner product), best first, in slices."""
    out = []
    for start in range(0, len(queries), 16):
        scores = queries[start:start + 16] @ vectors.T
        k_ = min(k, scores.shape[1])
        part = np.argpartition(-scores, k_ - 1, axis=1)[:, :k_]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        out.append(np.take_along_axis(part, order, axis=1))
    return np.vstack(out)


def measure(cursor: Any, written: np.ndarray, df: np.ndarray, total_tokens: int, query_vectors: np.ndarray,
            query_words: list[list[int]]) -> dict[str, Any]:
    """The queries at the current size: latency of each, the search step, recall, plans."""
    from index.bm25 import Bm25Stats

    n = len(written)
    vocabulary = {word(int(i)): int(c) for i, c in enumerate(df) if c}
    stats = Bm25Stats(vocabulary, n, total_tokens / max(1, n))
    dense_ms, lexical_ms, bm25_ms, exact_ms, step_ms = [], [], [], [], []
    recall10, recall100, lexical_rows = [], [], []
    exact_top = _exact_top(query_vectors, written, DENSE_K)
    for q, (vector, words) in enumerate(zip(query_vectors, query_words)):
        literal = vector_literals(vector[None, :])[0]
        tokens = [word(int(w)) for w in words]
        query = " ".join(dict.fromkeys(t for t in tokens if t in vocabulary))
        t0 = time.perf_counter()
        cursor.execute(DENSE_SQL, (literal, literal))
        dense = [int(r[0]) for r in cursor.fetchall()]
        t1 = time.perf_counter()
        rows: dict[int, list[str]] = {}
        if query:
            cursor.execute(LEXICAL_SQL, (query, query))
            rows = {int(r[0]): r[1].split(" ") for r in cursor.fetchall()}
        t2 = time.perf_counter()
        scored = sorted(((-stats.score(tokens, w), i) for i, w in rows.items()))[:LEXICAL_K]
        t3 = time.perf_counter()
        missing = [i for _, i in scored if i not in set(dense)]
        if missing:
            marks = ",".join(["%s"] * len(missing))
            cursor.execute(f"SELECT chunk_id, cosine_distance(embedding, %s) FROM {TABLE} WHERE chunk_id IN ({marks})",
                           [literal, *missing])
            cursor.fetchall()
        t4 = time.perf_counter()
        dense_ms.append((t1 - t0) * 1000)
        lexical_ms.append((t2 - t1) * 1000)
        bm25_ms.append((t3 - t2) * 1000)
        exact_ms.append((t4 - t3) * 1000)
        step_ms.append((t4 - t0) * 1000)
        lexical_rows.append(len(rows))
        truth = exact_top[q]
        recall10.append(len(set(dense[:10]) & set(truth[:10].tolist())) / min(10, n))
        recall100.append(len(set(dense) & set(truth.tolist())) / min(DENSE_K, n))
    literal = vector_literals(query_vectors[:1])[0]
    cursor.execute("EXPLAIN " + DENSE_SQL, (literal, literal))
    dense_plan = "\n".join(str(r[0]) for r in cursor.fetchall())
    query = " ".join(word(int(w)) for w in query_words[0])
    cursor.execute("EXPLAIN " + LEXICAL_SQL, (query, query))
    lexical_plan = "\n".join(str(r[0]) for r in cursor.fetchall())
    return {"rows": n, "dense_ms": _stats(dense_ms), "lexical_ms": _stats(lexical_ms), "bm25_ms": _stats(bm25_ms),
            "exact_scores_ms": _stats(exact_ms), "search_step_ms": _stats(step_ms),
            "dense_recall@10": float(np.mean(recall10)), "dense_recall@100": float(np.mean(recall100)),
            "lexical_rows_mean": float(np.mean(lexical_rows)),
            "dense_uses_index": "VECTOR INDEX SCAN" in dense_plan and f"({VECTOR_INDEX})" in dense_plan,
            "lexical_uses_index": "TEXT RETRIEVAL SCAN" in lexical_plan and f"({FULLTEXT_INDEX})" in lexical_plan,
            "dense_plan": dense_plan, "lexical_plan": lexical_plan}


def run(settings: ScaleSettings) -> dict[str, Any]:
    settings.validate()
    settings.out.mkdir(parents=True, exist_ok=True)
    from index.seekdb import PARAMETERS, start_seekdb, stop_seekdb

    server = None
    folder: Path | None = None
    result: dict[str, Any] = {"settings": {k: str(v) for k, v in asdict(settings).items()},
                              "started_at": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg_start": os.getloadavg(),
                              "checkpoints": []}
    try:
        if settings.backend == "oceanbase":
            folder = Path(tempfile.mkdtemp(prefix="policyqa-vector-scale-"))
            parameters = {**PARAMETERS, "memory_limit": settings.memory_limit, "datafile_size": settings.datafile_size,
                          "log_disk_size": settings.log_disk_size}
            server = start_seekdb(folder, parameters=parameters)
            result["server"] = {"kind": "seekdb (pylibseekdb wheel), local", "pid": server.pid, "parameters": parameters,
                                "start_s": server.start_seconds}
            url = server.url(DATABASE)
        else:
            head = settings.backend.rstrip("/").rsplit("/", 1)[0]
            url = f"{head}/{DATABASE}"
            result["server"] = {"kind": "given server"}
        _load_and_measure(settings, url, server, folder, result)
    finally:
        if server is not None:
            import psutil

            with _suppress():
                result["server"]["rss_end_mb"] = psutil.Process(server.pid).memory_info().rss / 2**20
            stop_seekdb(server, remove=not settings.keep)
            log.info("seekdb (pid %d) stopped%s", server.pid, "" if settings.keep else f", {folder} removed")
        elif folder is not None and not settings.keep:
            shutil.rmtree(folder, ignore_errors=True)
        result["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        result["loadavg_end"] = os.getloadavg()
        _write(result, settings.out)
    return result


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


def _load_and_measure(settings: ScaleSettings, url: str, server: Any, folder: Path | None, result: dict[str, Any]) -> None:
    import psutil

    conn = _connect(url, database=False)
    cursor = conn.cursor()
    cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{DATABASE}`")
    cursor.execute(f"USE `{DATABASE}`")
    with _suppress():
        cursor.execute("SHOW PARAMETERS LIKE 'ob_vector_memory_limit_percentage'")
        result["vector_memory_limit_percentage"] = [str(r) for r in cursor.fetchall()][:1]
    create_table(cursor, settings.dim)
    if settings.indexes == "before":
        result["create"] = create_indexes(cursor)
    data = Synthetic(settings)
    words = np.array([word(i) for i in range(settings.vocabulary)])
    query_vectors, query_words = data.queries(settings.queries)
    written = np.zeros((settings.rows, settings.dim), np.float32)
    df = np.zeros(settings.vocabulary, np.int64)
    total_tokens = 0
    n = 0
    load_s = 0.0
    insert = f"INSERT INTO {TABLE} (chunk_id, doc_id, tokens, token_count, embedding) VALUES (%s, %s, %s, %s, %s)"
    checkpoints = settings.checkpoint_list() if settings.indexes == "before" else [settings.rows]
    for checkpoint in checkpoints:
        t0 = time.perf_counter()
        while n < checkpoint and load_s + (time.perf_counter() - t0) < settings.budget_s:
            size = min(settings.batch, checkpoint - n)
            vectors, ids = data.batch(n, size)
            literals = vector_literals(vectors)
            rows = []
            for j, (literal, row_ids) in enumerate(zip(literals, ids)):
                rows.append((n + j, f"doc{(n + j) // 20}", " ".join(words[row_ids].tolist()), len(row_ids), literal))
                df[np.unique(row_ids)] += 1
                total_tokens += len(row_ids)
            if n % 50_000 < size:
                log.info("%d rows written, %.0f s", n, load_s + time.perf_counter() - t0)
            cursor.executemany(insert, rows)
            written[n:n + size] = vectors
            n += size
        load_s += time.perf_counter() - t0
        stopped = n < checkpoint
        log.info("%d rows written in %.0f s (%.0f rows/s)%s", n, load_s, n / load_s if load_s else 0,
                 " (budget spent)" if stopped else "")
        index_s = None
        if settings.indexes == "after":
            result["write_s"] = load_s
            result["server_rss_after_write_mb"] = psutil.Process(server.pid).memory_info().rss / 2**20 if server else None
            result["create"] = create_indexes(cursor)
            index_s = sum(result["create"].values())
            log.info("indexes built: %s", ", ".join(f"{k} {v:.0f}" for k, v in result["create"].items()))
        t0 = time.perf_counter()
        point = measure(cursor, written[:n], df, total_tokens, query_vectors, query_words)
        point.update({"load_s": load_s, "rows_per_s": n / load_s if load_s else None, "measure_s": time.perf_counter() - t0,
                      "index_s": index_s, "build_s": load_s + (index_s or 0.0),
                      "server_rss_mb": psutil.Process(server.pid).memory_info().rss / 2**20 if server is not None else None,
                      "server_disk_mb": _disk_mb(folder), "loadavg": os.getloadavg(), "budget_spent": stopped,
                      "at": time.strftime("%H:%M:%S")})
        result["checkpoints"].append(point)
        log.info("%d rows: dense p50/p95 %.1f/%.1f ms, lexical %.1f/%.1f ms, step %.1f/%.1f ms, recall@10 %.3f, plans %s/%s",
                 n, point["dense_ms"]["p50"], point["dense_ms"]["p95"], point["lexical_ms"]["p50"], point["lexical_ms"]["p95"],
                 point["search_step_ms"]["p50"], point["search_step_ms"]["p95"], point["dense_recall@10"],
                 point["dense_uses_index"], point["lexical_uses_index"])
        _write(result, settings.out)
        if stopped:
            break
    result["rows_reached"] = n
    if settings.backend != "oceanbase" and not settings.keep:
        cursor.execute(f"DROP DATABASE `{DATABASE}`")
    conn.close()


def attach(settings: ScaleSettings, url: str, write_s: float, server_pid: int | None = None,
           folder: Path | None = None) -> dict[str, Any]:
    """Finish a run whose writer was stopped while writing, the server left running (``--attach``):
    count the rows in the table (a prefix of the synthetic rows, written in order), regenerate the same
    data for recall and the BM25 statistics, build both indexes and measure. ``write_s`` is the stopped
    run's writing time, from its log. The server is not stopped here."""
    import psutil

    settings.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"settings": {**{k: str(v) for k, v in asdict(settings).items()}, "attach": url.rsplit("@", 1)[-1]},
                              "started_at": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg_start": os.getloadavg(),
                              "checkpoints": [], "server": {"kind": "seekdb left running by a stopped writer", "pid": server_pid}}
    conn = _connect(url)
    cursor = conn.cursor()
    cursor.execute(f"SELECT COUNT(*), MAX(chunk_id) FROM {TABLE}")
    n, top = (int(v) for v in cursor.fetchone())
    if top != n - 1:
        raise ValueError(f"the table's rows are not a prefix (count {n}, largest id {top})")
    log.info("%d rows in the table; regenerating them", n)
    data = Synthetic(settings)
    written = np.zeros((n, settings.dim), np.float32)
    df = np.zeros(settings.vocabulary, np.int64)
    total_tokens = 0
    for start in range(0, n, settings.batch):
        vectors, ids = data.batch(start, settings.batch)
        take = min(settings.batch, n - start)
        written[start:start + take] = vectors[:take]
        for row_ids in ids[:take]:
            df[np.unique(row_ids)] += 1
            total_tokens += len(row_ids)
    result["write_s"] = write_s
    result["server_rss_after_write_mb"] = psutil.Process(server_pid).memory_info().rss / 2**20 if server_pid else None
    cursor.execute(f"SHOW INDEX FROM {TABLE}")
    present = {str(r[2]) for r in cursor.fetchall()}
    index_s: float | None = None
    if {VECTOR_INDEX, FULLTEXT_INDEX} <= present:
        log.info("both indexes are there already: measuring only (a second, warm pass)")
        result["indexes_present"] = True
    else:
        t0 = time.perf_counter()
        result["create"] = create_indexes(cursor)
        index_s = sum(result["create"].values())
        log.info("indexes built in %.0f s: %s", time.perf_counter() - t0, result["create"])
    query_vectors, query_words = data.queries(settings.queries)
    t0 = time.perf_counter()
    point = measure(cursor, written, df, total_tokens, query_vectors, query_words)
    point.update({"load_s": write_s, "rows_per_s": n / write_s if write_s else None, "measure_s": time.perf_counter() - t0,
                  "index_s": index_s, "build_s": write_s + index_s if index_s is not None else None,
                  "server_rss_mb": psutil.Process(server_pid).memory_info().rss / 2**20 if server_pid else None,
                  "server_disk_mb": _disk_mb(folder), "loadavg": os.getloadavg(), "budget_spent": True,
                  "at": time.strftime("%H:%M:%S")})
    result["checkpoints"].append(point)
    result["rows_reached"] = n
    result["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    result["loadavg_end"] = os.getloadavg()
    _write(result, settings.out)
    conn.close()
    return result


def render(result: dict[str, Any]) -> str:
    def f(value: Any, digits: int = 1) -> str:
        return "–" if value is None else f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"

    server = result.get("server") or {}
    out = ["# Search-only benchmark: OceanBase backend queries on synthetic rows", "",
           f"Run {result['started_at']} – {result.get('finished_at', '…')}; server: {server.get('kind', '–')} "
           + ", ".join(f"{k}={v}" for k, v in (server.get("parameters") or {}).items())
           + f"; load average (1/5/15 min) at start {', '.join(f'{x:.2f}' for x in result['loadavg_start'])}.", "",
           f"Indexes {result['settings'].get('indexes', 'before')} writing"
           + (": " + ", ".join(f"{k} {v:,.0f}" for k, v in result["create"].items()) if result.get("create") else "")
           + ".", "",
           "| rows | write s (rows/s) | write + index s | dense kNN p50 / p95 ms | full-text p50 / p95 ms | BM25 p50 ms | exact scores p50 ms "
           "| search step p50 / p95 ms | dense recall@10 / @100 | plans use HNSW / full-text | seekdb RSS MiB | disk MiB | load avg 1 min |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in result["checkpoints"]:
        out.append(f"| {p['rows']:,}{' (budget spent)' if p['budget_spent'] else ''} | {f(p['load_s'], 0)} ({f(p['rows_per_s'], 0)}) "
                   f"| {f(p.get('build_s'), 0)} "
                   f"| {f(p['dense_ms']['p50'])} / {f(p['dense_ms']['p95'])} | {f(p['lexical_ms']['p50'])} / {f(p['lexical_ms']['p95'])} "
                   f"| {f(p['bm25_ms']['p50'])} | {f(p['exact_scores_ms']['p50'])} "
                   f"| {f(p['search_step_ms']['p50'])} / {f(p['search_step_ms']['p95'])} "
                   f"| {f(p['dense_recall@10'], 3)} / {f(p['dense_recall@100'], 3)} "
                   f"| {'yes' if p['dense_uses_index'] else 'NO'} / {'yes' if p['lexical_uses_index'] else 'NO'} "
                   f"| {f(p['server_rss_mb'], 0)} | {f(p['server_disk_mb'], 0)} | {p['loadavg'][0]:.2f} |")
    if result["checkpoints"]:
        last = result["checkpoints"][-1]
        out += ["", f"Plans at {last['rows']:,} rows:", "", "```", last["dense_plan"], "", last["lexical_plan"], "```"]
    return "\n".join(out) + "\n"


def _write(result: dict[str, Any], out: Path) -> None:
    (out / "vector_scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    (out / "vector_scale.md").write_text(render(result), encoding="utf-8")


def parse_args(argv: Sequence[str] | None = None) -> ScaleSettings:
    d = ScaleSettings()
    parser = argparse.ArgumentParser(prog="python -m eval.bench.vector_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=d.rows, help="rows to write at most (default 1,000,000)")
    parser.add_argument("--checkpoints", default=d.checkpoints, help="sizes at which the queries are measured")
    parser.add_argument("--budget-s", type=float, default=d.budget_s, help="loading time after which writing stops")
    parser.add_argument("--queries", type=int, default=d.queries, help="questions per checkpoint")
    parser.add_argument("--dim", type=int, default=d.dim)
    parser.add_argument("--indexes", choices=("after", "before"), default=d.indexes,
                        help="build the indexes after writing (default) or create them first and measure at each checkpoint")
    parser.add_argument("--batch", type=int, default=d.batch, help="rows per INSERT batch")
    parser.add_argument("--backend", default=d.backend, help="oceanbase (a local seekdb) or oceanbase://user:pw@host:port/db")
    parser.add_argument("--memory-limit", default=d.memory_limit, help="memory_limit of the local seekdb")
    parser.add_argument("--datafile-size", default=d.datafile_size, help="datafile_size of the local seekdb")
    parser.add_argument("--out", type=Path, default=d.out)
    parser.add_argument("--keep", action="store_true", help="keep the server's folder / the database")
    return ScaleSettings(**vars(parser.parse_args(argv)))


def _attach_main(argv: list[str]) -> None:
    """``--attach URL --write-s S [--attach-pid PID] [--attach-dir DIR]`` before the usual options."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--attach", required=True)
    parser.add_argument("--write-s", type=float, required=True)
    parser.add_argument("--attach-pid", type=int)
    parser.add_argument("--attach-dir", type=Path)
    known, rest = parser.parse_known_args(argv)
    result = attach(parse_args(rest), known.attach, known.write_s, known.attach_pid, known.attach_dir)
    print(render(result))


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--attach" in argv:
        _attach_main(argv)
        return
    try:
        settings = parse_args(argv)
        result = run(settings)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(render(result))


if __name__ == "__main__":
    main()
