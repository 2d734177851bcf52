"""Turn a benchmark result (the dict written to ``bench.json``) into ``bench.md``, PNG plots
(English labels) and a linear extrapolation beyond the largest measured scale."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from eval.charts import pyplot
from index.store import dig

EXTRAPOLATE_SCALES = (100, 1_000, 10_000)
BUILD_PARTS = ("loading_s", "chunking_s", "embedding_s", "faiss_s", "bm25_s", "dedup_s", "write_s")
QUERY_PARTS = ("bm25_ms", "embed_query_ms", "faiss_ms", "reading_ms")


def build_parts(build: dict[str, Any]) -> dict[str, float]:
    """Seconds per build stage; ``write_s`` is what the builder's own timings leave unexplained
    (writing, checksums and fsync of the generation, metadata)."""
    parts = {"loading_s": build.get("loading_s", 0.0), **{k: build["timings"].get(k, 0.0) for k in BUILD_PARTS[1:6]}}
    parts["write_s"] = max(0.0, build["build_s"] - sum(build["timings"].get(k, 0.0) for k in BUILD_PARTS[1:6]))
    return parts


def extrapolate(scales: list[dict[str, Any]], faiss: dict[str, Any] | None = None) -> dict[str, Any]:
    """Costs at ×1,000 and ×10,000 seeds (chunks assumed proportional to the scale).

    Build time, memory and disk: least-squares line against the chunk count over the measured
    scales. Question latency: the parts that grow with the index (BM25 scoring, FAISS search) get
    their own line; the rest (question and sentence embedding, extraction) does not depend on the
    index size and is taken as its median over the measured scales, so one noisy scale cannot tilt
    the line. FAISS is also given from the flat/HNSW sweep's per-vector cost when available."""
    if len(scales) < 2:
        return {"note": "at least two scales are needed to extrapolate"}
    chunks = np.array([s["build"]["chunks"] for s in scales], dtype=float)
    per_scale = float(np.mean(chunks / np.array([s["scale"] for s in scales], dtype=float)))
    targets = {f"x{n}": per_scale * n for n in EXTRAPOLATE_SCALES}
    linear = {  # a scale without a figure (None) becomes NaN in the float array below and is left out
        "build_s": [s["build"]["build_s"] + s["build"].get("loading_s", 0.0) for s in scales],
        "baseline_build_s": [dig(s, "baseline.build_s") for s in scales],
        "bm25_p50_ms": [dig(s, "query.parts_ms.bm25_ms.p50") for s in scales],
        "faiss_p50_ms": [dig(s, "query.parts_ms.faiss_ms.p50") for s in scales],
        "index_rss_mb": [dig(s, "query.index_rss_delta_mb") for s in scales],
        "index_disk_mb": [s["build"]["index_bytes"] / 2**20 for s in scales],
        "build_peak_rss_mb": [s["build"]["peak_rss_mb"] for s in scales],
        "index_load_s": [dig(s, "query.load_s") for s in scales],
    }
    fits: dict[str, Any] = {}
    for name, values in linear.items():
        y = np.array(values, dtype=float)
        ok = ~np.isnan(y)
        if ok.sum() < 2:
            continue
        slope, intercept = np.polyfit(chunks[ok], y[ok], 1)
        fits[name] = {"per_1k_chunks": float(slope * 1000), "intercept": float(intercept),
                      "at": {k: float(intercept + slope * n) for k, n in targets.items()}}
    flat_ms_per_vector = (dig(faiss or {}, "crossover.flat_ms_per_100k") or 0.0) / 1e5
    constant = [(dig(s, "query.latency_ms.p50") or np.nan) - (dig(s, "query.parts_ms.bm25_ms.p50") or 0.0)
                - (dig(s, "query.parts_ms.faiss_ms.p50") or 0.0) for s in scales]
    fixed = float(np.nanmedian(constant))
    if "bm25_p50_ms" in fits:
        faiss_at = {k: max(fits["faiss_p50_ms"]["at"][k], flat_ms_per_vector * n) for k, n in targets.items()}
        fits["query_p50_ms"] = {"per_1k_chunks": fits["bm25_p50_ms"]["per_1k_chunks"] + fits["faiss_p50_ms"]["per_1k_chunks"],
                                "intercept": fixed,
                                "at": {k: fixed + max(0.0, fits["bm25_p50_ms"]["at"][k]) + faiss_at[k] for k in targets}}
    base = [dig(s, "baseline.parts_ms.embed_query_ms.p50") for s in scales]
    if all(v is not None for v in base):
        b_fixed = float(np.median(base))
        fits["baseline_p50_ms"] = {"per_1k_chunks": flat_ms_per_vector * 1000, "intercept": b_fixed,
                                   "at": {k: b_fixed + flat_ms_per_vector * n for k, n in targets.items()}}
    return {"method": "build/memory/disk: least-squares line vs. chunks; latency: size-independent part "
                      "(median over scales) + BM25 line + FAISS flat cost per vector from the sweep",
            "chunks_per_scale": per_scale, "chunks_at": targets, "fits": fits}


# ----- plots ---------------------------------------------------------------------------------------

def write_plots(result: dict[str, Any], out: Path) -> list[Path]:
    plt = pyplot()
    scales = result["scales"]
    chunks = [s["build"]["chunks"] for s in scales]
    paths = []

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label, style in (("query", "ours", "-o"), ("baseline", "baseline", "--s")):
        for pct in ("p50", "p95"):
            values = [dig(s, f"{key}.latency_ms.{pct}") for s in scales]
            left.plot(chunks, values, style, label=f"{label} {pct}")
    left.set(xscale="log", xlabel="chunks in index", ylabel="latency per question (ms)",
             title="End-to-end latency, single client")
    for part in QUERY_PARTS:
        right.plot(chunks, [dig(s, f"query.parts_ms.{part}.p50") for s in scales], "-o", label=part[:-3])
    right.set(xscale="log", xlabel="chunks in index", ylabel="p50 (ms)", title="Ours: latency by stage")
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    paths.append(_save(fig, plt, out / "latency_vs_size.png"))

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(chunks, [s["build"]["build_s"] + s["build"].get("loading_s", 0) for s in scales], "-o", label="ours")
    left.plot([dig(s, "baseline.chunks") for s in scales], [dig(s, "baseline.build_s") for s in scales], "--s",
              label="baseline (its own chunks)")
    left.set(xscale="log", yscale="log", xlabel="chunks", ylabel="build time (s)", title="Index build time")
    bottom: np.ndarray = np.zeros(len(scales))
    labels = [f"x{s['scale']}" for s in scales]
    for part in BUILD_PARTS:
        part_values = np.array([build_parts(s["build"])[part] for s in scales])
        right.bar(labels, part_values, bottom=bottom, label=part[:-2])
        bottom += part_values
    right.set(xlabel="scale (copies of the seeds)", ylabel="seconds", title="Ours: build time by stage")
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    paths.append(_save(fig, plt, out / "build_time_vs_size.png"))

    fig, ax = plt.subplots(figsize=(6.5, 4))
    series = (("build.peak_rss_mb", "build: peak RSS"), ("query.index_rss_delta_mb", "loaded index: RSS delta"),
              ("app.rss_after_load_mb", "app.py: RSS after load test"), ("baseline.peak_rss_mb", "baseline: peak RSS"))
    for key, label in series:
        values = [dig(s, key) for s in scales]
        if any(v is not None for v in values):
            ax.plot(chunks, [np.nan if v is None else v for v in values], "-o", label=label)
    ax.plot(chunks, [s["build"]["index_bytes"] / 2**20 for s in scales], ":^", label="index on disk")
    ax.set(xscale="log", xlabel="chunks in index", ylabel="MiB", title="Memory and disk")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    paths.append(_save(fig, plt, out / "memory_vs_size.png"))

    rows = dig(result, "faiss.synthetic") or []
    if rows:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        ns = [r["n"] for r in rows]
        for kind, style in (("flat", "-o"), ("hnsw", "--s")):
            ax.plot(ns, [r[f"{kind}_k100_ms_p50"] for r in rows], style, label=f"{kind} (k=100) p50")
        ax.set(xscale="log", yscale="log", xlabel="vectors (dim 384)", ylabel="search latency (ms)",
               title="FAISS flat vs HNSW, one query")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        paths.append(_save(fig, plt, out / "faiss_flat_vs_hnsw.png"))
    return paths


def _save(fig, plt, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
