"""The index folder on disk: generations written atomically, a manifest with checksums,
a build lock, and loading that refuses damaged or mismatched indexes with a clear message.

Layout::

    <index_dir>/CURRENT          name of the live generation (replaced atomically)
    <index_dir>/gen-<stamp>/     manifest.json, documents.jsonl, chunks.jsonl, tasks.jsonl,
                                 embeddings.npy, dense.faiss, bm25/, duplicates.json, report.json
    <index_dir>/.build.lock      held (flock) while a build runs

A build writes a new generation folder, fsyncs it, then swaps CURRENT with ``os.replace``;
a build killed at any moment leaves the previous generation live. The generation it
replaces stays on disk until the next build (two are kept), so a reader that resolved
CURRENT just before the swap never finds its files gone.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.dense import DenseIndex
from index.errors import REBUILD_HINT, BuildLockedError, IndexCorruptError, IndexMismatchError, IndexMissingError
from index.records import Chunk, Document
from index.sparse import SparseIndex
from index.tasks import Task

if TYPE_CHECKING:
    from index.backend import SearchBackend
    from index.bm25 import Bm25Stats

log = logging.getLogger(__name__)
# tasks.jsonl (index.tasks) was added within format 1: an index written before it loads with no tasks
# (and a warning); the next build or QAEngine.open adds them (index.build.refresh_metadata).
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
    """Everything answering needs, loaded once. An index read from a database (``index.oceanbase``)
    has no FAISS or bm25s object: it searches through its ``backend``, and ``sparse`` holds only
    the BM25 statistics (IDF) that reading needs."""

    folder: Path
    manifest: dict[str, Any]
    documents: dict[str, StoredDocument]
    chunks: list[Chunk]
    embeddings: np.ndarray
    dense: DenseIndex | None
    sparse: SparseIndex | Bm25Stats
    duplicates: dict[str, list[str]]
    tasks: list[Task] = field(default_factory=list)  # every document's tasks, in document order
    backend: SearchBackend | None = None  # None: the folder's own FAISS and bm25s (index.backend.EmbeddedBackend)

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


_GENERATION_NAME = re.compile(r"gen-[\w.-]+")


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder; None when the folder holds no index at all.

    A ``CURRENT`` pointer that is unreadable, names anything but a plain ``gen-*`` folder,
    or names a folder that is gone raises ``IndexCorruptError`` (never silently "no index",
    which would let a caller build a different index in its place)."""
    pointer = Path(index_dir) / CURRENT
    if not pointer.exists():
        return None
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"索引指针文件 {pointer} 无法读取或已损坏。{REBUILD_HINT}") from exc
    if not _GENERATION_NAME.fullmatch(name):
        raise IndexCorruptError(f"索引指针文件 {pointer} 内容无效（{name[:40]!r}）。{REBUILD_HINT}")
    folder = Path(index_dir) / name
    if not folder.is_dir():
        raise IndexCorruptError(f"索引指针指向的版本 {name} 不存在：{index_dir}。{REBUILD_HINT}")
    return folder


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
                     duplicates: dict[str, list[str]], report: dict[str, Any],
                     tasks: list[Task] | None = None) -> Path:
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
    with open(tmp / "tasks.jsonl", "w", encoding="utf-8") as handle:
        for task in tasks or []:
            handle.write(json.dumps(task.to_dict(), ensure_ascii=False) + "\n")
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
    try:
        previous = current_generation(index_dir)
    except IndexCorruptError:
        previous = None
    pointer_tmp = index_dir / f".{CURRENT}.{stamp}"
    pointer_tmp.write_text(final.name, encoding="utf-8")
    with open(pointer_tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    _cleanup(index_dir, keep={final.name, previous.name if previous else final.name})
    return final


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cleanup(index_dir: Path, keep: set[str]) -> None:
    """Remove generations older than the live one and the one it replaced, and temp folders
    and pointer files left by killed builds (best effort; runs under the build lock).

    The replaced generation is kept until the next build, so an engine or a loader that
    read ``CURRENT`` just before the swap still finds every file it is about to open."""
    for path in index_dir.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and path.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name.startswith(f".{CURRENT}."):
            with contextlib.suppress(OSError):
                path.unlink()


def read_manifest(index_dir: Path, check_files: bool = True) -> dict[str, Any]:
    """The live generation's manifest, checked for the fields loading needs; with
    ``check_files``, also that every listed file is present at its recorded size
    (cheap: no hashing), so ``python -m index info`` reports a truncated index too."""
    folder = current_generation(index_dir)
    if folder is None:
        raise IndexMissingError(f"索引不存在：{index_dir}。{REBUILD_HINT}")
    manifest = _read_manifest_at(folder)
    if check_files:
        _verify_files(folder, manifest, hash_files=False)
    return manifest


_REQUIRED = ("format_version", "embedder.spec", "embedder.dim", "dense.kind", "counts.chunks", "counts.documents")


def _read_manifest_at(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"索引清单 manifest.json 缺失：{folder}。{REBUILD_HINT}") from exc
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise IndexCorruptError(f"索引清单 manifest.json 已损坏：{folder}。{REBUILD_HINT}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"索引清单 manifest.json 已损坏（不是 JSON 对象）：{folder}。{REBUILD_HINT}")
    missing = [key for key in _REQUIRED if dig(manifest, key) is None]
    if missing:
        raise IndexCorruptError(f"索引清单 manifest.json 缺少字段 {', '.join(missing)}：{folder}。{REBUILD_HINT}")
    return manifest


def _verify_files(folder: Path, manifest: dict[str, Any], hash_files: bool = True) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexCorruptError(f"索引清单缺少文件校验信息：{folder}。{REBUILD_HINT}")
    for name, info in files.items():
        path = folder / name
        if not isinstance(info, dict):
            raise IndexCorruptError(f"索引清单中 {name} 的校验信息无效。{REBUILD_HINT}")
        try:
            if not path.is_file():
                raise IndexCorruptError(f"索引文件缺失：{name}。{REBUILD_HINT}")
            if path.stat().st_size != info.get("bytes"):
                raise IndexCorruptError(f"索引文件大小不符（被截断或被改动）：{name}。{REBUILD_HINT}")
            if hash_files and sha256_file(path) != info.get("sha256"):
                raise IndexCorruptError(f"索引文件已损坏（校验和不符）：{name}。{REBUILD_HINT}")
        except OSError as exc:
            raise IndexCorruptError(f"无法读取索引文件 {name}（{exc.strerror}）。{REBUILD_HINT}") from exc


def load_index(index_dir: Path, expected: dict[str, Any] | None = None, verify: bool = True) -> LoadedIndex:
    """Load the live generation. ``expected`` holds manifest fields that must match
    (embedder spec, tokenizer fingerprint); a mismatch raises ``IndexMismatchError``.
    Damage of any kind raises ``IndexCorruptError`` (a missing index ``IndexMissingError``),
    each naming how to rebuild; no other exception escapes for a damaged folder."""
    index_dir = Path(index_dir)
    folder = current_generation(index_dir)  # resolved once: a build may swap CURRENT meanwhile
    if folder is None:
        raise IndexMissingError(f"索引不存在：{index_dir}。{REBUILD_HINT}")
    manifest = _read_manifest_at(folder)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(f"索引格式版本 {manifest.get('format_version')} 与程序版本 {FORMAT_VERSION} 不符。{REBUILD_HINT}")
    for key, value in (expected or {}).items():
        actual = dig(manifest, key)
        if actual != value:
            raise IndexMismatchError(
                f"索引用 {key}={actual!r} 构建，但当前设置为 {value!r}。请用相同设置加载，或 {REBUILD_HINT}")
    _verify_files(folder, manifest, hash_files=verify)
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
        tasks = _load_tasks(folder, manifest)
        dims = (embeddings.ndim == 2 and embeddings.shape[1] == manifest["embedder"]["dim"]
                == int(dense._index.d))  # noqa: SLF001 - faiss index dimension
    except Exception as exc:  # any damage the checksums did not catch (verify=False)
        raise IndexCorruptError(f"无法读取索引 {folder}：{exc.__class__.__name__}。{REBUILD_HINT}") from exc
    counts = manifest["counts"]
    if "tasks" in counts and len(tasks) != counts["tasks"]:
        raise IndexCorruptError(f"索引任务清单数量不一致（{len(tasks)} 项，清单 {counts['tasks']} 项）。{REBUILD_HINT}")
    if not (len(chunks) == dense.size == sparse.size == len(embeddings) == counts["chunks"]
            and len(documents) == counts["documents"]):
        raise IndexCorruptError(
            f"索引各部分数量不一致（文档 {len(documents)}，清单 {counts['documents']}；文本块 {len(chunks)}，"
            f"向量 {dense.size}，BM25 {sparse.size}，清单 {counts['chunks']}）。{REBUILD_HINT}")
    if not dims:
        raise IndexCorruptError(f"索引向量维度与清单不符（清单 {manifest['embedder']['dim']} 维）。{REBUILD_HINT}")
    if any(chunk.chunk_id != number for number, chunk in enumerate(chunks)):
        raise IndexCorruptError(f"索引文本块编号不连续。{REBUILD_HINT}")
    for chunk in chunks[:: max(1, len(chunks) // 50)]:
        stored = documents.get(chunk.doc_id)
        if stored is None or stored.document.text[chunk.start:chunk.end] != chunk.text:
            raise IndexCorruptError(f"索引中的文本块与原文位置不符。{REBUILD_HINT}")
    for task in tasks[:: max(1, len(tasks) // 20)]:
        stored = documents.get(task.doc_id)
        if stored is None or any(stored.document.text[s.start:s.end] != s.text for s in task.spans()):
            raise IndexCorruptError(f"索引中的任务与原文位置不符。{REBUILD_HINT}")
    return LoadedIndex(folder, manifest, documents, chunks, embeddings, dense, sparse, duplicates, tasks)


def _load_tasks(folder: Path, manifest: dict[str, Any]) -> list[Task]:
    """The stored tasks; none (with a warning) for an index written before tasks were stored."""
    if "tasks.jsonl" not in manifest.get("files", {}):
        log.warning("index %s has no task list (built by an older version); rebuild it to get one: "
                    "python -m index build --index-dir %s", folder, folder.parent)
        return []
    lines = (folder / "tasks.jsonl").read_text(encoding="utf-8").splitlines()
    return [Task.from_dict(json.loads(line)) for line in lines if line.strip()]


def dig(data: dict[str, Any], dotted: str) -> Any:
    """``data["a"]["b"]`` for ``"a.b"``; None where a key is missing or a value is not a dict."""
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
