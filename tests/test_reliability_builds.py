"""Interrupted and concurrent builds on real copies of the seed index: a build SIGKILLed at
any moment leaves the previous index loadable and answering; a second build into the same
folder is refused while the first runs; an engine keeps answering from its generation
while another process rebuilds, and switches over on ``reload()``."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index import store
from index.build import build_index
from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT, IndexConfig
from index.errors import BuildLockedError
from index.store import current_generation, load_index
from qa.engine import QAEngine

SEED_Q, SEED_A = "蓬江区接管了多少个停车场", "22个"
NEW_DOC = ("鹤山市智慧公园建设方案\n一、建设目标\n2025年鹤山市新建智慧公园17个，覆盖全部镇街。\n"
           "二、责任分工\n由鹤山市住房和城乡建设局牵头，各镇政府负责落实。\n")
NEW_Q, NEW_A = "鹤山市2025年新建智慧公园多少个？", "17个"
LOCKED = "另一个构建正在"


def sources_with(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "sources"
    shutil.copytree(DEFAULT_SEEDS_DIR, folder)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def start_build(sources: Path, index_dir: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "index", "build", "--seeds", str(sources), "--index-dir", str(index_dir), *extra]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class StderrWatch:
    """Collects a child's stderr in a thread and signals when a marker appears."""

    def __init__(self, process: subprocess.Popen, marker: str) -> None:
        self.text, self.seen = "", threading.Event()
        self._marker = marker.encode("utf-8")
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process) -> None:
        data = b""
        for block in iter(lambda: process.stderr.read1(4096), b""):
            data += block
            if self._marker in data:
                self.seen.set()
        self.text = data.decode("utf-8", "replace")

    def join(self) -> str:
        self._thread.join(timeout=30)
        return self.text


def assert_answers(index_dir: Path, generation: Path | None = None) -> None:
    loaded = load_index(index_dir)  # full checksum verification
    if generation is not None:
        assert loaded.folder == generation
    engine = QAEngine.open(index_dir=index_dir)
    answer = engine.answer(SEED_Q)
    assert not answer.no_answer and SEED_A in answer.text


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith((".tmp-gen-", f".{store.CURRENT}.")))


# ----- SIGKILL --------------------------------------------------------------------------

@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_the_previous_index(seed_index_copy, tmp_path):
    index_dir = seed_index_copy
    before = current_generation(index_dir)
    sources = sources_with(tmp_path, {"new.txt": NEW_DOC})
    # --chunk-size 300 re-chunks and re-embeds everything, so the build runs long enough
    # for each moment below (imports, loading the old index, chunking, embedding).
    for moment in (0.5, 2.0, 5.0, "embedding"):
        process = start_build(sources, index_dir, "--chunk-size", "300")
        watch = StderrWatch(process, "嵌入文本块")
        if moment == "embedding":
            assert watch.seen.wait(timeout=180), "the build never reached embedding"
            # meanwhile a second build into the same folder is refused, not queued behind
            second = start_build(sources, index_dir, "--quiet")
            _, err = second.communicate(timeout=300)
            assert process.poll() is None, "the first build ended before the second one tried"
            assert second.returncode == 2 and LOCKED in err.decode("utf-8"), err.decode("utf-8")
        else:
            time.sleep(moment)
        assert process.poll() is None, f"the build finished before the kill at {moment}"
        process.kill()  # SIGKILL
        process.wait(timeout=30)
        watch.join()
        assert process.returncode == -9
        assert current_generation(index_dir) == before, moment
        assert_answers(index_dir, before)
    # the kernel released the lock of the killed builds: a normal build runs and cleans up
    report = build_index([sources], index_dir, IndexConfig())
    assert report.added == ["new.txt"] and len(report.unchanged) == 5
    assert current_generation(index_dir) != before and not leftovers(index_dir)
    assert_answers(index_dir)


def test_leftovers_of_a_build_killed_while_writing_are_harmless(seed_index_copy, tmp_path):
    """What a kill during ``write_generation`` can leave: a half-written temp folder, a temp
    pointer, or a finished folder that CURRENT never pointed to. None of them is loaded, and
    the next build removes them."""
    index_dir = seed_index_copy
    live = current_generation(index_dir)
    half = index_dir / ".tmp-gen-20000101-000000-1-1"
    half.mkdir()
    (half / "chunks.jsonl").write_text('{"chunk_id": 0, "doc', encoding="utf-8")
    (index_dir / f".{store.CURRENT}.20000101-000000-1-2").write_text("gen-20000101-000000-1-2", encoding="utf-8")
    orphan = index_dir / "gen-20000101-000000-1-3"
    shutil.copytree(live, orphan)
    (orphan / "dense.faiss").write_bytes(b"")
    assert load_index(index_dir).folder == live
    build_index([sources_with(tmp_path, {"new.txt": NEW_DOC})], index_dir, IndexConfig())
    assert not leftovers(index_dir) and not orphan.exists()
    assert sorted(p.name for p in index_dir.glob("gen-*")) == sorted([live.name, current_generation(index_dir).name])


# ----- two builds at once ---------------------------------------------------------------

def test_a_held_lock_refuses_a_second_build(seed_index_copy, tmp_path):
    index_dir = seed_index_copy
    before = current_generation(index_dir)
    sources = sources_with(tmp_path, {"new.txt": NEW_DOC})
    engine = QAEngine.open(index_dir=index_dir)
    with store.build_lock(index_dir):  # as a running build holds it
        with pytest.raises(BuildLockedError, match=LOCKED):
            build_index([sources], index_dir, IndexConfig())
        with pytest.raises(BuildLockedError, match=LOCKED):
            engine.knowledge_base.add_files([sources / "new.txt"])
        process = start_build(sources, index_dir, "--quiet")
        _, err = process.communicate(timeout=300)
    err = err.decode("utf-8")
    assert process.returncode == 2 and LOCKED in err and "Traceback" not in err
    assert current_generation(index_dir) == before and engine.index.folder == before
    assert SEED_A in engine.answer(SEED_Q).text


@pytest.mark.slow
def test_two_builds_at_once_never_corrupt_the_index(seed_index_copy, tmp_path):
    index_dir = seed_index_copy
    big_new = NEW_DOC + "".join(f"第{n}条 鹤山市第{n}个智慧公园配建健身步道{n * 3}公里，设置智能灯杆{n * 7}根。\n"
                                for n in range(1, 40))
    sources = sources_with(tmp_path, {"new.txt": big_new})
    processes = [start_build(sources, index_dir, "--quiet") for _ in range(2)]
    results = [(p.wait(timeout=600), p.stderr.read().decode("utf-8")) for p in processes]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        assert "Traceback" not in err
        if code == 2:
            assert LOCKED in err
    loaded = load_index(index_dir)
    assert "new.txt" in loaded.documents and not leftovers(index_dir)
    assert len(list(index_dir.glob("gen-*"))) <= 2
    engine = QAEngine.open(index_dir=index_dir)
    answer = engine.answer(NEW_Q)
    assert not answer.no_answer and NEW_A in answer.text and answer.citations[0].doc_id == "new.txt"


# ----- an engine during a rebuild -------------------------------------------------------

@pytest.mark.slow
def test_engine_answers_from_its_generation_during_a_rebuild_and_switches_on_reload(seed_index_copy, tmp_path):
    index_dir = seed_index_copy
    engine = QAEngine.open(index_dir=index_dir)
    stale = QAEngine.open(index_dir=index_dir)  # never reloaded: outlives its generation folder
    old = engine.index.folder
    process = start_build(sources_with(tmp_path, {"new.txt": NEW_DOC}), index_dir, "--quiet")
    answered = 0
    while process.poll() is None:
        answer = engine.answer(SEED_Q)
        assert not answer.no_answer and SEED_A in answer.text and engine.index.folder == old
        answered += 1
        time.sleep(0.2)  # leave the build some CPU
    assert process.returncode == 0, process.stderr.read().decode("utf-8")
    assert answered >= 1
    new = current_generation(index_dir)
    assert new != old and old.exists()  # the replaced generation is kept until the next build
    assert engine.index.folder == old and "new.txt" not in engine.index.documents
    assert all(c.doc_id != "new.txt" for c in engine.answer(NEW_Q).citations)

    engine.knowledge_base.reload()
    assert engine.index.folder == new
    answer = engine.answer(NEW_Q)
    assert not answer.no_answer and NEW_A in answer.text and answer.citations[0].doc_id == "new.txt"

    # a second build removes the oldest generation, which ``stale`` still holds open
    build_index([sources_with(tmp_path / "2", {"new.txt": NEW_DOC, "more.txt": NEW_DOC.replace("鹤山", "开平")})],
                index_dir, IndexConfig())
    assert not old.exists() and new.exists() and len(list(index_dir.glob("gen-*"))) == 2
    for _ in range(3):
        answer = stale.answer(SEED_Q)
        assert not answer.no_answer and SEED_A in answer.text
        citation = answer.citations[0]
        assert stale.index.documents[citation.doc_id].document.text[citation.start:citation.end] == citation.quote
    stale.knowledge_base.reload()
    assert "more.txt" in stale.index.documents
