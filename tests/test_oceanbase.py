"""The OceanBase backend against a real server (seekdb from the pylibseekdb wheel, see
tests/oceanbase_server.py): export, the queries' plans, agreement with the embedded backend,
parity on the seeds' gold questions, and bad conditions (unreachable, wrong password, another
format version, an index already there), each a Chinese message and no traceback. Generations,
writers killed midway and several engines on one database: tests/test_oceanbase_generations.py."""
from __future__ import annotations

import time

import numpy as np
import pytest

from eval.gold import load_gold
from eval.runner import run_benchmark
from index.config import REPO_ROOT
from index.errors import BackendAuthError, BackendSchemaError, BackendUnavailableError, PolicyQAError
from index.export import export_index
from index.oceanbase import (
    FORMAT_VERSION,
    FULLTEXT_INDEX,
    T_CURRENT,
    T_FORMAT,
    V1_TABLES,
    VECTOR_INDEX,
    BackendURL,
    connect,
    load_oceanbase,
)
from index.tokenizer import tokenize
from tests.conftest import oceanbase_url
from tests.oceanbase_server import free_port

QUESTIONS = ["蓬江区接管了多少个停车场", "吉安市普惠小微贷款余额年均增长目标是多少？", "江门市2023年推进哪十项重点改革？",
             "金湾区产业高质量发展相关任务涉及哪些项目?"]


@pytest.fixture(scope="module")
def loaded(oceanbase_seed_url):
    return load_oceanbase(oceanbase_seed_url)


def test_export_copies_documents_chunks_tasks_and_manifest(loaded, seed_loaded):
    assert list(loaded.documents) == list(seed_loaded.documents)
    assert [d.document.text for d in loaded.documents.values()] == [d.document.text for d in seed_loaded.documents.values()]
    assert loaded.chunks == seed_loaded.chunks
    assert [t.to_dict() for t in loaded.tasks] == [t.to_dict() for t in seed_loaded.tasks]
    assert loaded.duplicates == seed_loaded.duplicates
    assert loaded.embedder == seed_loaded.embedder and loaded.manifest["counts"] == seed_loaded.manifest["counts"]
    assert loaded.sparse.idf() == seed_loaded.sparse.idf()
    backend = loaded.backend
    assert backend is not None and backend.size == len(seed_loaded.chunks)
    assert backend.fetch_chunks([2, 0]) == [seed_loaded.chunks[2], seed_loaded.chunks[0]]
    doc = seed_loaded.chunks[0].doc_id
    stored = backend.fetch_document(doc)
    assert stored is not None and stored.document == seed_loaded.documents[doc].document
    assert backend.fetch_document("no-such-document") is None


def test_both_queries_use_their_index(loaded, seed_embed):
    backend = loaded.backend
    dense_plan = backend.explain_dense(seed_embed(QUESTIONS[0]))
    lexical_plan = backend.explain_lexical(tokenize(QUESTIONS[0]))
    operators = [line for plan in (dense_plan, lexical_plan) for line in plan.splitlines() if line.startswith("|0 ")]
    print(*operators, sep="\n")
    assert "VECTOR INDEX SCAN" in operators[0] and f"({VECTOR_INDEX})" in operators[0], dense_plan[:2000]
    assert "TEXT RETRIEVAL SCAN" in operators[1] and f"({FULLTEXT_INDEX})" in operators[1], lexical_plan[:2000]


def test_dense_search_agrees_with_faiss(loaded, seed_loaded, seed_embed):
    for question in QUESTIONS:
        vector = seed_embed(question)
        ids, scores = loaded.backend.dense_top_k(vector, 10)
        want_ids, want_scores = seed_loaded.dense.search(vector, 10)
        assert len(set(ids.tolist()) & set(want_ids.tolist())) >= 9, question
        exact = seed_loaded.dense.similarity(vector, ids)
        assert np.allclose(scores, exact, atol=1e-4)
        assert np.allclose(loaded.backend.dense_scores(vector, want_ids), want_scores, atol=1e-4)


def test_lexical_search_agrees_with_bm25s(loaded, seed_loaded):
    for question in QUESTIONS:
        tokens = tokenize(question)
        ids, scores = loaded.backend.lexical_top_k(tokens, 10)
        full = seed_loaded.sparse.scores(tokens)
        want = [i for i in np.argsort(-full)[:10].tolist() if full[i] > 0]
        assert len(set(ids.tolist()) & set(want)) >= len(want) - 1, question
        assert np.allclose(scores, full[ids], rtol=1e-5, atol=1e-6)
        some = np.arange(0, len(seed_loaded.chunks), 7)
        assert np.allclose(loaded.backend.lexical_scores(tokens, some), full[some], rtol=1e-5, atol=1e-6)


def test_filters_return_only_the_allowed_documents(loaded, seed_embed):
    doc = loaded.chunks[0].doc_id
    allowed = frozenset({doc})
    ids, _ = loaded.backend.dense_top_k(seed_embed(QUESTIONS[1]), loaded.backend.size, allowed)
    assert ids.size == sum(c.doc_id == doc for c in loaded.chunks)
    lexical, _ = loaded.backend.lexical_top_k(tokenize(QUESTIONS[2]), 100, allowed)
    assert all(loaded.chunks[i].doc_id == doc for i in lexical)


@pytest.mark.slow
def test_seed_gold_through_oceanbase_matches_the_embedded_backend(seed_engine, oceanbase_seed_url):
    from qa.engine import QAEngine

    engine = QAEngine.open(backend=oceanbase_seed_url)
    items = load_gold(REPO_ROOT / "eval" / "gold.jsonl")
    started = time.perf_counter()
    embedded = run_benchmark(seed_engine, items, ["hybrid"], 10, False).metrics["hybrid"]
    middle = time.perf_counter()
    remote = run_benchmark(engine, items, ["hybrid"], 10, False).metrics["hybrid"]
    print(f"{len(items)} questions: embedded {middle - started:.1f} s, oceanbase {time.perf_counter() - middle:.1f} s; "
          f"recall@5 {embedded['recall@5']:.3f} / {remote['recall@5']:.3f}, "
          f"answer_hit@1 {embedded['answer_hit@1']:.3f} / {remote['answer_hit@1']:.3f}")
    assert abs(remote["recall@5"] - embedded["recall@5"]) <= 0.01
    assert abs(remote["answer_hit@1"] - embedded["answer_hit@1"]) <= 0.01
    answer = engine.answer("蓬江区接管了多少个停车场")
    assert not answer.no_answer and "22" in answer.text


def test_qa_ask_answers_through_the_backend(oceanbase_seed_url, capsys):
    from qa.__main__ import main

    assert main(["ask", "--backend", oceanbase_seed_url, "--json", "蓬江区接管了多少个停车场"]) == 0
    assert "22" in capsys.readouterr().out


def _with_password(url: str, password: str) -> str:
    parsed = BackendURL.parse(url)
    return f"oceanbase://{parsed.user}:{password}@{parsed.host}:{parsed.port}/{parsed.database}"


def test_an_unreachable_server_is_a_clear_error(capsys):
    url = f"oceanbase://root:secret-pw@127.0.0.1:{free_port()}/policyqa"
    with pytest.raises(BackendUnavailableError, match="无法连接 OceanBase 服务器 127.0.0.1") as caught:
        load_oceanbase(url)
    assert "secret-pw" not in str(caught.value)
    from qa.__main__ import main

    assert main(["ask", "--backend", url, "停车场"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：无法连接") and "Traceback" not in err and "secret-pw" not in err


def test_a_wrong_password_is_a_clear_error(oceanbase_seed_url, seed_index_dir, capsys):
    url = _with_password(oceanbase_seed_url, "wrong-pw")
    with pytest.raises(BackendAuthError, match="用户名或密码不对") as caught:
        load_oceanbase(url)
    assert "wrong-pw" not in str(caught.value)
    from index.__main__ import main

    assert main(["export", "--to", url, "--index-dir", str(seed_index_dir)]) == 2
    from qa.__main__ import main as ask

    assert ask(["ask", "--backend", url, "停车场"]) == 2
    err = capsys.readouterr().err
    assert "用户名或密码不对" in err and "Traceback" not in err and "wrong-pw" not in err


def test_missing_database_other_format_and_existing_index_are_refused(oceanbase_server, oceanbase_seed_url, seed_index_dir, capsys):
    with pytest.raises(BackendSchemaError, match="没有数据库"):
        load_oceanbase(oceanbase_url(oceanbase_server, "policyqa_nothing_here"))
    url = oceanbase_url(oceanbase_server, "policyqa_format_check")
    from index.__main__ import main

    assert main(["export", "--to", url, "--index-dir", str(seed_index_dir), "--replace"]) == 0
    assert "已写入 5 篇文档" in capsys.readouterr().out
    with pytest.raises(BackendSchemaError, match="已经有政策问答索引（第 1 代）.*--replace"):
        export_index(seed_index_dir, url)
    backend = load_oceanbase(url).backend
    backend.query(f"UPDATE {T_FORMAT} SET format_version = 99")
    with pytest.raises(BackendSchemaError, match="格式版本 99"):
        load_oceanbase(url)
    backend.query(f"UPDATE {T_FORMAT} SET format_version = {FORMAT_VERSION}")
    backend.query(f"DELETE FROM {T_CURRENT}")
    with pytest.raises(BackendSchemaError, match="还没有完整的索引"):
        load_oceanbase(url)
    backend.query(f"DROP TABLE {T_FORMAT}")
    with pytest.raises(BackendSchemaError, match="没有政策问答索引"):
        load_oceanbase(url)
    backend.query("DROP DATABASE policyqa_format_check")
    backend.close()


def test_a_format_1_database_is_refused_then_replaced_with_replace(oceanbase_server, seed_index_dir):
    url = oceanbase_url(oceanbase_server, "policyqa_format_one")
    conn = connect(BackendURL.parse(url), use_database=False)
    with conn.cursor() as cursor:  # what phase 1 wrote: one set of tables, no generations
        cursor.execute("DROP DATABASE IF EXISTS policyqa_format_one")
        cursor.execute("CREATE DATABASE policyqa_format_one")
        cursor.execute("USE policyqa_format_one")
        cursor.execute(f"CREATE TABLE {T_FORMAT} (format_version INT NOT NULL PRIMARY KEY, written_at VARCHAR(32) NOT NULL)")
        cursor.execute(f"INSERT INTO {T_FORMAT} VALUES (1, '2026-12-01 00:00:00')")
        for name in V1_TABLES:
            cursor.execute(f"CREATE TABLE {name} (id INT PRIMARY KEY)")
    with pytest.raises(BackendSchemaError, match="格式版本 1 与程序版本 2 不符"):
        load_oceanbase(url)
    with pytest.raises(BackendSchemaError, match="已经有格式版本 1 的政策问答索引.*--replace"):
        export_index(seed_index_dir, url)
    report = export_index(seed_index_dir, url, replace=True)
    assert report.generation == 1 and load_oceanbase(url).manifest["generation"] == 1
    with conn.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        tables = {r[0] for r in cursor.fetchall()}
        cursor.execute(f"SELECT format_version FROM {T_FORMAT}")
        assert cursor.fetchall() == ((FORMAT_VERSION,),)
        assert not tables & set(V1_TABLES) and "policyqa_g1_chunks" in tables
        cursor.execute("DROP DATABASE policyqa_format_one")
    conn.close()


def test_bad_addresses_are_refused_before_connecting():
    for url in ["mysql://root@127.0.0.1:2881/db", "oceanbase://127.0.0.1:2881/db", "oceanbase://root@127.0.0.1:2881/",
                "oceanbase://root@127.0.0.1:notaport/db"]:
        with pytest.raises(PolicyQAError, match="后端地址"):
            BackendURL.parse(url)
    assert BackendURL.parse("oceanbase://u:p%40ss@h:1/d").password == "p@ss"
    assert "p@ss" not in BackendURL.parse("oceanbase://u:p%40ss@h:1/d").masked()
