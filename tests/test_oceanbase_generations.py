"""Generations of the index in OceanBase (index/oceanbase_write.py) against a real seekdb: every
write (export --replace, build --backend, a document added or deleted through an engine) is a new
generation switched by one pointer row when complete; the one before answers until then; a writer
killed midway, or a server killed mid-write, leaves the last complete generation answering with a
clear message, and the next writer cleans up; two engines on one database follow each other."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT
from index.export import export_index
from index.oceanbase import (
    GENERATION_TABLE,
    T_CURRENT,
    T_GENERATIONS,
    BackendURL,
    connect,
    load_oceanbase,
    vector_literal,
)
from index.oceanbase_write import BackendBusyError
from tests.conftest import oceanbase_url

QUESTION, NEW_QUESTION = "蓬江区接管了多少个停车场", "青松湖公园共建设多少个停车位？"
NEW_TEXT = ("关于建设青松湖公园的通知\n\n青松湖市人民政府决定，青松湖公园共建设停车位1234个，"
            "由市住房和城乡建设局牵头，2025年6月底前完成。\n")


def _query(url: str, sql: str, params: tuple = (), use_database: bool = True) -> list[tuple]:
    conn = connect(BackendURL.parse(url), use_database=use_database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    finally:
        conn.close()


def _pointer(url: str) -> int:
    return int(_query(url, f"SELECT generation FROM {T_CURRENT} WHERE id = 1")[0][0])


def _states(url: str) -> dict[int, str]:
    return {int(g): s for g, s in _query(url, f"SELECT generation, state FROM {T_GENERATIONS}")}


def _generation_tables(url: str) -> set[int]:
    matches = (GENERATION_TABLE.fullmatch(name) for (name,) in _query(url, "SHOW TABLES"))
    return {int(m.group(1)) for m in matches if m}


@pytest.fixture
def fresh_url(oceanbase_server, seed_index_dir, request):
    """A database of its own for one test, holding the seeds as generation 1."""
    name = "pq_" + request.node.name.removeprefix("test_")[:40]
    url = oceanbase_url(oceanbase_server, name)
    _query(url, f"DROP DATABASE IF EXISTS {name}", use_database=False)
    export_index(seed_index_dir, url)
    yield url
    _query(url, f"DROP DATABASE IF EXISTS {name}", use_database=False)


@pytest.fixture(autouse=True)
def _no_backend_in_env(monkeypatch):
    monkeypatch.delenv("POLICYQA_BACKEND", raising=False)


def _export_process(url: str, index_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "POLICYQA_BACKEND"}
    return subprocess.Popen([sys.executable, "-m", "index", "export", "--to", url, "--index-dir", str(index_dir),
                             "--replace"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _stop_while_building(url: str, process: subprocess.Popen, timeout: float = 180.0) -> int:
    """Wait until ``process`` is writing a generation (its row says building), then freeze it
    (SIGSTOP, by its process id) and return that generation."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        building = [g for g, s in _states(url).items() if s == "building"]
        if building:
            os.kill(process.pid, signal.SIGSTOP)
            assert _states(url)[building[0]] == "building", "the writer finished before it could be stopped"
            return building[0]
        if process.poll() is not None:
            raise AssertionError(f"the writer ended first ({process.returncode}): {process.communicate()}")
        time.sleep(0.02)
    raise AssertionError("the writer never began a generation")


def test_each_replace_is_a_new_generation_and_only_the_one_before_is_kept(fresh_url, seed_index_dir):
    from qa.engine import QAEngine

    engine = QAEngine.open(backend=fresh_url, load_model=False)
    assert engine.index.manifest["generation"] == 1 and _pointer(fresh_url) == 1
    for expected in (2, 3):
        report = export_index(seed_index_dir, fresh_url, replace=True)
        assert report.generation == expected and report.previous == expected - 1
        assert f"第 {expected} 代（替换第 {expected - 1} 代）已开始回答" in report.summary()
    assert _pointer(fresh_url) == 3
    assert _generation_tables(fresh_url) == {2, 3}  # generation 1 dropped; 2 kept for questions still on it
    assert _states(fresh_url) == {1: "dropped", 2: "complete", 3: "complete"}
    started = time.perf_counter()
    assert engine.refresh() and engine.index.manifest["generation"] == 3
    print(f"switch to a new generation: {time.perf_counter() - started:.3f} s")
    assert not engine.refresh()  # the pointer did not move: nothing is loaded again


def test_build_backend_reuses_the_vectors_and_mirrors_the_sources(fresh_url, seed_loaded, tmp_path, capsys):
    from index.__main__ import main

    assert main(["build", "--backend", fresh_url, "--seeds", str(DEFAULT_SEEDS_DIR), "--quiet"]) == 0
    assert "已是最新，没有写入新的一代" in capsys.readouterr().out and _pointer(fresh_url) == 1
    subset = tmp_path / "subset"
    subset.mkdir()
    names = sorted(p.name for p in DEFAULT_SEEDS_DIR.glob("*.txt"))
    for name in names[1:]:
        shutil.copy(DEFAULT_SEEDS_DIR / name, subset / name)
    if (DEFAULT_SEEDS_DIR / "catalog.json").exists():
        shutil.copy(DEFAULT_SEEDS_DIR / "catalog.json", subset / "catalog.json")
    assert main(["build", "--backend", fresh_url, "--seeds", str(subset), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "删除 1" in out and "本次嵌入 0 个文本块" in out and "第 2 代（替换第 1 代）已开始回答" in out, out
    loaded = load_oceanbase(fresh_url)
    assert names[0] not in loaded.documents and sorted(loaded.documents) == names[1:]
    want = {(c.doc_id, c.start, c.end): seed_loaded.embeddings[c.chunk_id] for c in seed_loaded.chunks}
    assert len(loaded.chunks) == sum(c.doc_id != names[0] for c in seed_loaded.chunks)
    backend = loaded.backend
    for chunk in loaded.chunks:  # every vector is the folder's, bit for bit: copied inside the server, not embedded
        literal = vector_literal(want[(chunk.doc_id, chunk.start, chunk.end)])
        rows = backend.query(f"SELECT l2_distance(embedding, %s) FROM {backend.tables.chunks} WHERE chunk_id = %s",
                             [literal, chunk.chunk_id])
        assert rows[0][0] == 0.0, chunk
    assert {t.doc_id for t in loaded.tasks} <= set(names[1:])
    assert main(["info", "--backend", fresh_url]) == 0
    info = capsys.readouterr().out
    assert "正在回答的是第 2 代" in info and "文档 4 篇" in info


def test_two_engines_on_one_database_answer_each_others_documents(fresh_url, tmp_path):
    from qa.engine import QAEngine

    first, second = QAEngine.open(backend=fresh_url), QAEngine.open(backend=fresh_url)
    assert second.answer(NEW_QUESTION).no_answer or "1234" not in second.answer(NEW_QUESTION).text
    upload = tmp_path / "青松湖公园.txt"
    upload.write_text(NEW_TEXT, encoding="utf-8")
    report = first.knowledge_base.add_files([upload])
    assert report["added"] == ["青松湖公园.txt"] and first.index.manifest["generation"] == 2
    assert any(d["doc_id"] == "青松湖公园.txt" for d in second.knowledge_base.documents())  # listed before any question
    assert second.index.manifest["generation"] == 2
    second.install(load_oceanbase(fresh_url, generation=1))  # back on generation 1: the next question notices 2
    started = time.perf_counter()
    answer = second.answer(NEW_QUESTION)  # its next question: it notices generation 2 and switches to it
    switched = time.perf_counter() - started
    assert not answer.no_answer and "1234" in answer.text and second.index.manifest["generation"] == 2
    assert any(d["doc_id"] == "青松湖公园.txt" for d in second.knowledge_base.documents())
    started = time.perf_counter()
    second.answer(NEW_QUESTION)
    print(f"first question after the switch {switched * 1000:.0f} ms (load included), next {(time.perf_counter() - started) * 1000:.0f} ms")
    report = second.knowledge_base.delete_document("青松湖公园.txt")
    assert report["removed"] == ["青松湖公园.txt"] and _pointer(fresh_url) == 3
    answer = first.answer(NEW_QUESTION)
    assert "1234" not in answer.text and first.index.manifest["generation"] == 3
    assert "22" in first.answer(QUESTION).text
    assert _generation_tables(fresh_url) == {2, 3}


def test_a_writer_killed_midway_leaves_the_last_generation_answering(fresh_url, seed_index_dir, capsys):
    from index.__main__ import main
    from qa.engine import QAEngine

    engine = QAEngine.open(backend=fresh_url)
    writer = _export_process(fresh_url, seed_index_dir)
    try:
        half = _stop_while_building(fresh_url, writer)
    finally:
        writer.kill()  # by its process id, while it is half-way through generation 2
        writer.communicate(timeout=30)
    assert half == 2 and _pointer(fresh_url) == 1
    with pytest.raises(BackendBusyError, match="另一个进程.*正在写入.*秒后释放"):
        export_index(seed_index_dir, fresh_url, replace=True, wait_s=0)  # the dead writer's lease has not run out yet
    answer = engine.answer(QUESTION)
    assert "22" in answer.text and engine.index.manifest["generation"] == 1
    assert "22" in QAEngine.open(backend=fresh_url).answer(QUESTION).text  # a new process would answer too
    assert main(["info", "--backend", fresh_url]) == 0
    assert "第 2 代：正在写入（或写入中断" in capsys.readouterr().out
    report = export_index(seed_index_dir, fresh_url, replace=True, wait_s=60)
    assert report.abandoned == [2] and report.generation == 3 and "清理了上次没有写完的第 2 代" in report.summary()
    assert _states(fresh_url)[2] == "abandoned" and _generation_tables(fresh_url) == {1, 3}
    assert "22" in engine.answer(QUESTION).text and engine.index.manifest["generation"] == 3


@pytest.fixture
def private_server(tmp_path):
    """A seekdb of this test's own, which the test kills (tests/oceanbase_server.py)."""
    if os.environ.get("POLICYQA_TEST_BACKEND"):
        pytest.skip("kills its server: runs only against the seekdb it starts")
    from tests.oceanbase_server import start_seekdb, stop_seekdb

    servers = [start_seekdb(tmp_path / "seekdb")]
    yield servers
    for server in servers:
        stop_seekdb(server, remove=False)


def test_a_server_killed_mid_write_leaves_the_last_generation_and_a_clear_message(private_server, seed_index_dir):
    from qa.engine import QAEngine
    from tests.oceanbase_server import start_seekdb

    server = private_server[0]
    url = server.url("policyqa")
    export_index(seed_index_dir, url)
    writer = _export_process(url, seed_index_dir)
    try:
        assert _stop_while_building(url, writer) == 2
        server.process.kill()  # the server, by its process id, while generation 2 is half-written
        server.process.wait(30)
    finally:
        os.kill(writer.pid, signal.SIGCONT)
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 2, out + err
    assert err.startswith("错误：第 2 代没有写完：无法连接 OceanBase 服务器 127.0.0.1") and "仍由完整的第 1 代回答" in err, err
    assert "Traceback" not in err
    restarted = start_seekdb(server.base_dir)  # the same data, a new port
    private_server.append(restarted)
    url = restarted.url("policyqa")
    assert _pointer(url) == 1
    assert "22" in QAEngine.open(backend=url).answer(QUESTION).text
    report = export_index(seed_index_dir, url, replace=True, wait_s=60)
    assert report.abandoned == [2] and report.generation == 3 and _generation_tables(url) == {1, 3}


def test_two_uploads_at_once_through_two_engines_both_stay(fresh_url, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from qa.engine import QAEngine

    engines = [QAEngine.open(backend=fresh_url, load_model=False) for _ in range(2)]
    files = []
    for number, place in enumerate(("青松湖", "白鹭洲")):
        path = tmp_path / f"{place}.txt"
        path.write_text(NEW_TEXT.replace("青松湖", place).replace("1234", str(4321 + number)), encoding="utf-8")
        files.append(path)
    with ThreadPoolExecutor(2) as pool:  # each waits for the other's lease and writes on top of its generation
        reports = list(pool.map(lambda pair: pair[0].knowledge_base.add_files([pair[1]]), zip(engines, files)))
    assert sorted(r["added"][0] for r in reports) == ["白鹭洲.txt", "青松湖.txt"]
    assert _pointer(fresh_url) == 3 and _states(fresh_url)[3] == "complete"
    assert {"白鹭洲.txt", "青松湖.txt"} <= set(load_oceanbase(fresh_url).documents)


def test_build_backend_into_an_empty_database_writes_generation_one(oceanbase_server, tmp_path, capsys):
    import json

    from index.__main__ import main
    from qa.engine import QAEngine

    url = oceanbase_url(oceanbase_server, "pq_build_empty")
    _query(url, "DROP DATABASE IF EXISTS pq_build_empty", use_database=False)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"doc_id": "青松湖公园.txt", "title": "关于建设青松湖公园的通知", "text": NEW_TEXT},
                                 ensure_ascii=False), encoding="utf-8")
    assert main(["build", "--backend", url, "--seeds", str(corpus), "--quiet"]) == 0
    assert "第 1 代已开始回答" in capsys.readouterr().out and _pointer(url) == 1
    assert "1234" in QAEngine.open(backend=url).answer(NEW_QUESTION).text
    _query(url, "DROP DATABASE pq_build_empty", use_database=False)
