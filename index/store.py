"""The index folder on disk: generations written atomically, a manifest with checksums,
a build lock, and loading that refuses damaged or mismatched indexes with a clear message.

Layout::

    <index_dir>/CURRENT          name of the live generation (replaced atomically)
    <index_dir>/gen-<stamp>/     manifest.json, documents.jsonl, chunks.jsonl,
                                 embeddings.npy, dense.faiss, bm25/, duplicates.json, report.json
    <index_dir>/.build.lock      held (flock) while a build runs

A build writes a new generation folder, fsyncs it, then swaps CURRENT with ``os.replace``;
a build killed at any moment leaves the previous generation live.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from index.dense import DenseIndex
from index.errors import REBUILD_HINT, BuildLockedError, IndexCorruptError, IndexMismatchError, IndexMissingError
from index.records import Chunk, Document
from index.sparse import SparseIndex

FORMAT_VERSION = 1
CURRENT = "CURRENT"
LOCK = ".build.lock"


@dataclass
class StoredDocument:
    document: Document
    content_hash: str
    added_at: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadedIndex:
    """Everything answering needs, loaded once."""

    folder: Path
    manifest: dict[str, Any]
    documents: dict[str, StoredDocument]
    chunks: list[Chunk]
    embeddings: np.ndarray
    dense: DenseIndex
    sparse: SparseIndex
    duplicates: dict[str, list[str]]

    @property
    def embedder(self) -> str:
        return self.manifest["embedder"]["spec"]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")


def _fsync_tree(folder: Path) -> None:
    for path in [*_files_of(folder), folder / "manifest.json"]:
        if path.exists():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for directory in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def current_generation(index_dir: Path) -> Path | None:
    pointer = Path(index_dir) / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    folder = Path(index_dir) / name
    return folder if name and folder.is_dir() else None


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """Exclusive build lock on the index folder; ``BuildLockedError`` when already held."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    handle = open(Path(index_dir) / LOCK, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise BuildLockedError(f"另一个构建正在使用索引文件夹 {index_dir}，请等它完成后再试。") from exc
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def write_generation(index_dir: Path, manifest: dict[str, Any], documents: list[StoredDocument],
                     chunks: list[Chunk], embeddings: np.ndarray, dense: DenseIndex, sparse: SparseIndex,
                     duplicates: dict[str, list[str]], report: dict[str, Any]) -> Path:
    """Write a complete generation into a temp folder, then make it live atomically."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000}"
    tmp = index_dir / f".tmp-gen-{stamp}"
    tmp.mkdir()
    with open(tmp / "documents.jsonl", "w", encoding="utf-8") as handle:
        for stored in documents:
            record = {**stored.document.to_dict(), "content_hash": stored.content_hash,
                      "added_at": stored.added_at, "meta": stored.meta}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    np.save(tmp / "embeddings.npy", embeddings.astype(np.float32))
    dense.save(tmp / "dense.faiss")
    sparse.save(tmp / "bm25")
    (tmp / "duplicates.json").write_text(json.dumps(duplicates, ensure_ascii=False), encoding="utf-8")
    (tmp / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    manifest = dict(manifest)
    manifest["format_version"] = FORMAT_VERSION
    manifest["files"] = {p.relative_to(tmp).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                         for p in _files_of(tmp)}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync_tree(tmp)
    final = index_dir / f"gen-{stamp}"
    os.replace(tmp, final)
    pointer_tmp = index_dir / f".{CURRENT}.{stamp}"
    pointer_tmp.write_text(final.name, encoding="utf-8")
    with open(pointer_tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _cleanup(index_dir, keep=final.name)
    return final


def _cleanup(index_dir: Path, keep: str) -> None:
    """Remove older generations and temp folders left by killed builds (best effort)."""
    for path in index_dir.iterdir():
        if path.name == keep or not path.is_dir():
            continue
        if path.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(path, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    folder = current_generation(index_dir)
    if folder is None:
        raise IndexMissingError(f"索引不存在：{index_dir}。{REBUILD_HINT}")
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"索引清单 manifest.json 缺失：{folder}。{REBUILD_HINT}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"索引清单 manifest.json 已损坏：{folder}。{REBUILD_HINT}") from exc


def _verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexCorruptError(f"索引清单缺少文件校验信息：{folder}。{REBUILD_HINT}")
    for name, info in files.items():
        path = folder / name
        if not path.exists():
            raise IndexCorruptError(f"索引文件缺失：{name}。{REBUILD_HINT}")
        if path.stat().st_size != info.get("bytes") or sha256_file(path) != info.get("sha256"):
            raise IndexCorruptError(f"索引文件已损坏（校验和不符）：{name}。{REBUILD_HINT}")


def load_index(index_dir: Path, expected: dict[str, Any] | None = None, verify: bool = True) -> LoadedIndex:
    """Load the live generation. ``expected`` holds manifest fields that must match
    (embedder spec, tokenizer fingerprint); a mismatch raises ``IndexMismatchError``."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    folder = current_generation(index_dir)
    assert folder is not None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(f"索引格式版本 {manifest.get('format_version')} 与程序版本 {FORMAT_VERSION} 不符。{REBUILD_HINT}")
    for key, value in (expected or {}).items():
        actual = _dig(manifest, key)
        if actual != value:
            raise IndexMismatchError(
                f"索引用 {key}={actual!r} 构建，但当前设置为 {value!r}。请用相同设置加载，或 {REBUILD_HINT}")
    if verify:
        _verify_files(folder, manifest)
    try:
        documents: dict[str, StoredDocument] = {}
        for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            meta = record.pop("meta")
            content_hash, added_at = record.pop("content_hash"), record.pop("added_at")
            documents[record["doc_id"]] = StoredDocument(Document(**record), content_hash, added_at, meta)
        chunks = [Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        embeddings = np.load(folder / "embeddings.npy", mmap_mode="r")
        dense = DenseIndex.load(folder / "dense.faiss", manifest["dense"]["kind"])
        sparse = SparseIndex.load(folder / "bm25")
        duplicates = json.loads((folder / "duplicates.json").read_text(encoding="utf-8"))
    except Exception as exc:  # any damage the checksums did not catch (verify=False)
        raise IndexCorruptError(f"无法读取索引 {folder}：{exc.__class__.__name__}。{REBUILD_HINT}") from exc
    counts = manifest.get("counts", {})
    if not (len(chunks) == dense.size == sparse.size == len(embeddings) == counts.get("chunks")
            and len(documents) == counts.get("documents")):
        raise IndexCorruptError(
            f"索引各部分数量不一致（文本块 {len(chunks)}，向量 {dense.size}，BM25 {sparse.size}，"
            f"清单 {counts.get('chunks')}）。{REBUILD_HINT}")
    for chunk in chunks[:: max(1, len(chunks) // 50)]:
        stored = documents.get(chunk.doc_id)
        if stored is None or stored.document.text[chunk.start:chunk.end] != chunk.text:
            raise IndexCorruptError(f"索引中的文本块与原文位置不符。{REBUILD_HINT}")
    return LoadedIndex(folder, manifest, documents, chunks, embeddings, dense, sparse, duplicates)


def _dig(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
