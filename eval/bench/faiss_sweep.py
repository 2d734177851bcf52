"""Flat (exact) vs HNSW FAISS search through ``index.dense.DenseIndex``: build time, single-query
latency at the engine's candidate depth, recall of HNSW against flat, and index size, over
synthetic clustered unit vectors (sizes 1k..100k) and, when given, real chunk embeddings."""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from eval.metrics import percentile

DIM = 384
QUERIES = 200


def synthetic_vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    """Unit vectors in ``max(10, n // 100)`` clusters (intra-cluster cosine ~0.6), like text embeddings
    that crowd around topics; uniformly random vectors would be unrealistically hard for HNSW."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(10, n // 100), dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, len(centres), n)
    vectors = centres[labels] + 0.8 * rng.standard_normal((n, dim)).astype(np.float32) / math.sqrt(dim)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _latencies(index, queries: np.ndarray, k: int) -> tuple[list[float], list[np.ndarray]]:
    times, results = [], []
    index.search(queries[0], k)  # warm
    for query in queries:
        t0 = time.perf_counter()
        ids, _ = index.search(query, k)
        times.append((time.perf_counter() - t0) * 1000)
        results.append(ids)
    return times, results


def _recall(approx: list[np.ndarray], exact: list[np.ndarray], k: int) -> float:
    """Mean share of the exact top k that the approximate search also returns (not a rank recall)."""
    found = [len(set(a[:k].tolist()) & set(e[:k].tolist())) / max(1, min(k, len(e))) for a, e in zip(approx, exact)]
    return float(np.mean(found))


def compare(vectors: np.ndarray, queries: np.ndarray, depth: int = 100, label: str = "") -> dict[str, Any]:
    """Flat and HNSW over the same vectors; latency at k=10 and k=``depth``; HNSW recall@10 and @depth."""
    import faiss

    from index.dense import DenseIndex

    row: dict[str, Any] = {"label": label, "n": int(len(vectors)), "queries": int(len(queries)), "depth": depth}
    built = {}
    for kind in ("flat", "hnsw"):
        t0 = time.perf_counter()
        built[kind] = DenseIndex.build(vectors, kind)
        row[f"{kind}_build_s"] = time.perf_counter() - t0
        row[f"{kind}_bytes"] = int(len(faiss.serialize_index(built[kind]._index)))
    results = {}
    for kind, index in built.items():
        for k in (10, depth):
            times, ids = _latencies(index, queries, k)
            results[(kind, k)] = ids
            row[f"{kind}_k{k}_ms_p50"] = percentile(times, 50)
            row[f"{kind}_k{k}_ms_p95"] = percentile(times, 95)
    row["hnsw_recall@10"] = _recall(results[("hnsw", 10)], results[("flat", 10)], 10)
    row[f"hnsw_recall@{depth}"] = _recall(results[("hnsw", depth)], results[("flat", depth)], depth)
    return row


def sweep(sizes: list[int], depth: int = 100, seed: int = 0) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        data = synthetic_vectors(n + QUERIES, seed=seed)
        rows.append(compare(data[QUERIES:], data[:QUERIES], depth, label="synthetic"))
    return rows


def crossover(rows: list[dict[str, Any]], depth: int = 100) -> dict[str, Any]:
    """Size where HNSW search becomes faster than flat (log-log interpolation between measured sizes),
    and a linear per-vector model of flat latency to extrapolate it to larger collections."""
    rows = sorted(rows, key=lambda r: r["n"])
    key_f, key_h = f"flat_k{depth}_ms_p50", f"hnsw_k{depth}_ms_p50"
    crossing = None
    for a, b in zip(rows, rows[1:]):
        da, db = a[key_f] - a[key_h], b[key_f] - b[key_h]
        if da <= 0 < db:
            t = -da / (db - da) if db != da else 0.0
            crossing = math.exp(math.log(a["n"]) + t * (math.log(b["n"]) - math.log(a["n"])))
            break
    if crossing is None and rows and rows[0][key_f] > rows[0][key_h]:
        crossing = float(rows[0]["n"])  # HNSW already faster at the smallest size measured
    ns = np.array([r["n"] for r in rows], dtype=float)
    flat = np.array([r[key_f] for r in rows], dtype=float)
    slope, intercept = np.polyfit(ns, flat, 1) if len(rows) >= 2 else (0.0, float(flat[0]) if len(flat) else 0.0)
    return {"hnsw_faster_from_n": crossing, "flat_ms_per_100k": float(slope * 1e5),
            "flat_ms_intercept": float(intercept),
            "flat_ms_at": {str(n): float(intercept + slope * n) for n in (200_000, 1_000_000)}}
