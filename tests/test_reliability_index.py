"""Damaged indexes (real copies of the real seed index): loading raises IndexCorruptError or
IndexMissingError telling how to rebuild, never another exception and never wrong answers;
the CLIs exit non-zero with that message and no traceback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.config import REPO_ROOT
from index.errors import IndexCorruptError, IndexMissingError, PolicyQAError
from index.store import current_generation, load_index, read_manifest, sha256_file
from qa.engine import QAEngine

HINT = "python -m index build"


def _gen(index_dir: Path) -> Path:
    folder = current_generation(index_dir)
    assert folder is not None
    return folder


def truncate(relative: str, keep: float = 0.5):
    def damage(index_dir: Path) -> None:
        path = _gen(index_dir) / relative
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
    damage.__name__ = f"truncate {relative} to {keep:.0%}"
    return damage


def flip_bytes(relative: str):
    def damage(index_dir: Path) -> None:  # same size, different content: only the checksum sees it
        path = _gen(index_dir) / relative
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
        path.write_bytes(bytes(data))
    damage.__name__ = f"flip bytes of {relative}"
    return damage


def edit_manifest(edit):
    def damage(index_dir: Path) -> None:
        path = _gen(index_dir) / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        edit(manifest)
        path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    damage.__name__ = f"manifest{edit.__name__}"
    return damage


def _more_chunks(m):
    m["counts"]["chunks"] += 1


def _fewer_documents(m):
    m["counts"]["documents"] -= 1


def _no_counts(m):
    del m["counts"]


def _no_files(m):
    del m["files"]


def _wrong_dim(m):
    m["embedder"]["dim"] = 768


def delete_manifest(index_dir):
    (_gen(index_dir) / "manifest.json").unlink()


def garble_manifest(index_dir):
    (_gen(index_dir) / "manifest.json").write_bytes(b'{"format_version": 1, "embedder": {"spe\xff\xfe')


def manifest_not_an_object(index_dir):
    (_gen(index_dir) / "manifest.json").write_text("[1, 2, 3]", encoding="utf-8")


def delete_dense(index_dir):
    (_gen(index_dir) / "dense.faiss").unlink()


def delete_bm25(index_dir):
    shutil.rmtree(_gen(index_dir) / "bm25")


def drop_last_chunk_line(index_dir):
    path = _gen(index_dir) / "chunks.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")


def garble_current(index_dir):
    (index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00gen")


def current_points_outside(index_dir):
    (index_dir / "CURRENT").write_text("../../etc", encoding="utf-8")


def delete_generation(index_dir):
    shutil.rmtree(_gen(index_dir))


CORRUPT = [
    truncate("dense.faiss"), truncate("dense.faiss", 0.0), truncate("embeddings.npy"),
    truncate("bm25/data.csc.index.npy"), truncate("bm25/vocab.index.json"), truncate("bm25/params.index.json", 0.0),
    truncate("chunks.jsonl"), truncate("documents.jsonl", 0.9),
    flip_bytes("dense.faiss"), flip_bytes("embeddings.npy"), flip_bytes("bm25/indices.csc.index.npy"),
    delete_manifest, garble_manifest, manifest_not_an_object, edit_manifest(_more_chunks),
    edit_manifest(_fewer_documents), edit_manifest(_no_counts), edit_manifest(_no_files), edit_manifest(_wrong_dim),
    delete_dense, delete_bm25, drop_last_chunk_line, garble_current, current_points_outside, delete_generation,
]


def assert_refused(index_dir: Path, verify: bool = True) -> PolicyQAError:
    with pytest.raises((IndexCorruptError, IndexMissingError)) as caught:
        load_index(index_dir, verify=verify)
    assert HINT in str(caught.value)
    return caught.value


@pytest.mark.parametrize("damage", CORRUPT, ids=[d.__name__ for d in CORRUPT])
def test_damaged_index_is_refused_with_a_rebuild_hint(seed_index_copy, damage):
    load_index(seed_index_copy)  # the copy is sound before the damage
    damage(seed_index_copy)
    error = assert_refused(seed_index_copy)
    assert isinstance(error, IndexCorruptError)
    with pytest.raises(IndexCorruptError):  # the engine refuses too: no answers from a damaged index
        QAEngine.open(index_dir=seed_index_copy)


@pytest.mark.parametrize("damage", [truncate("dense.faiss"), truncate("bm25/data.csc.index.npy"),
                                    drop_last_chunk_line, edit_manifest(_more_chunks), truncate("chunks.jsonl"),
                                    truncate("embeddings.npy", 0.0)], ids=lambda d: d.__name__)
def test_damage_is_caught_without_checksums_too(seed_index_copy, damage):
    damage(seed_index_copy)
    assert isinstance(assert_refused(seed_index_copy, verify=False), IndexCorruptError)


def test_missing_index_is_reported_as_missing(seed_index_copy, tmp_path):
    (seed_index_copy / "CURRENT").unlink()
    assert isinstance(assert_refused(seed_index_copy), IndexMissingError)
    with pytest.raises(IndexMissingError, match=HINT):
        load_index(tmp_path / "never-built")


def test_consistent_looking_damage_never_gives_wrong_offsets(seed_index_copy):
    """Chunks shifted by one character with checksums recomputed: the offset check refuses it."""
    folder = _gen(seed_index_copy)
    path = folder / "chunks.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record["start"] += 1
        record["end"] += 1
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["chunks.jsonl"] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="原文位置"):
        load_index(seed_index_copy)


def test_info_reports_truncation_without_hashing(seed_index_copy):
    read_manifest(seed_index_copy)
    truncate("dense.faiss")(seed_index_copy)
    with pytest.raises(IndexCorruptError, match="dense.faiss"):
        read_manifest(seed_index_copy)
    assert read_manifest(seed_index_copy, check_files=False)["counts"]["chunks"] > 0


# ----- command lines --------------------------------------------------------------------

def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


CLI_DAMAGE = [truncate("dense.faiss"), delete_manifest, garble_manifest, garble_current]


@pytest.mark.parametrize("damage", CLI_DAMAGE, ids=["truncated-faiss", "no-manifest", "garbled-manifest",
                                                    "garbled-CURRENT"])
def test_clis_exit_non_zero_with_the_message(seed_index_copy, damage):
    damage(seed_index_copy)
    info = run_cli("-m", "index", "info", "--index-dir", str(seed_index_copy))
    ask = run_cli("-m", "qa", "ask", "蓬江区接管了多少个停车场", "--json", "--index-dir", str(seed_index_copy))
    for result in (info, ask):
        assert result.returncode != 0, result.stdout
        assert "Traceback" not in result.stderr, result.stderr
        assert "错误" in result.stderr and HINT in result.stderr
        assert "22个" not in result.stdout


def test_clis_work_on_the_undamaged_copy(seed_index_copy):
    info = run_cli("-m", "index", "info", "--index-dir", str(seed_index_copy))
    assert info.returncode == 0 and "文本块" in info.stdout, info.stderr
    ask = run_cli("-m", "qa", "ask", "蓬江区接管了多少个停车场", "--json", "--index-dir", str(seed_index_copy))
    assert ask.returncode == 0, ask.stderr
    assert "22个" in json.loads(ask.stdout)["answer"]["text"]
