"""Build or update an index: documents -> cleaned lines -> chunks -> embeddings + BM25 ->
an atomically written generation. Unchanged documents reuse their chunks and vectors."""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index import store
from index.chunking import chunk_document, dense_text, embedding_text
from index.cleaning import clean_lines
from index.config import IndexConfig
from index.dedup import near_duplicate_groups
from index.dense import DenseIndex, choose_kind
from index.embedders import make_embedder
from index.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, PolicyQAError
from index.loading import load_sources
from index.metadata import load_catalog, merge_metadata
from index.normalize import table_fingerprint
from index.records import Chunk, Document, DroppedSpan, SkippedFile
from index.sparse import SparseIndex
from index.tasks import TASKS_VERSION, Task, extract_tasks
from index.tokenizer import tokenize, tokenizer_fingerprint

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]
# Version of the document metadata a build derives (index.metadata.derive_metadata). A newer
# version makes the next build write a new generation even when no document changed (the vectors
# are reused); 2 added "national" (a central notice that applies in every province).
METADATA_VERSION = 2


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    tasks: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    dropped: list[DroppedSpan] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    near_duplicates: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    generation: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [s.to_dict() for s in self.skipped]
        data["dropped"] = [{**d.to_dict(), "text": d.text[:80]} for d in self.dropped]
        return data

    def summary(self) -> str:
        lines = [
            f"文档 {self.documents} 篇，文本块 {self.chunks} 个，任务 {self.tasks} 项，用时 {self.seconds:.1f} 秒",
            f"新增 {len(self.added)}，更新 {len(self.updated)}，删除 {len(self.removed)}，未变 {len(self.unchanged)}"
            f"（本次嵌入 {self.embedded_chunks} 个文本块）",
            f"去除重复段落 {sum(d.reason == 'duplicate' for d in self.dropped)} 处，"
            f"网页残留 {sum(d.reason == 'boilerplate' for d in self.dropped)} 处；近似重复（转载）文档 {self.near_duplicates} 篇",
        ]
        for name, encoding in sorted(self.encodings.items()):
            lines.append(f"编码：{name} 按 {encoding} 读取")
        for skipped in self.skipped:
            lines.append(f"跳过：{skipped.path}：{skipped.reason}")
        return "\n".join(lines)


def content_hash(document: Document) -> str:
    return hashlib.sha256((document.title + "\0" + document.text).encode("utf-8")).hexdigest()


def _previous(index_dir: Path, config: IndexConfig, given: store.LoadedIndex | None = None) -> store.LoadedIndex | None:
    """The live generation (or ``given``, one read from a database with its vectors) when its
    vectors can be reused with this config, else None."""
    if given is not None:
        previous = given
    else:
        try:
            previous = store.load_index(index_dir)
        except IndexMissingError:
            return None
        except (IndexCorruptError, IndexMismatchError) as exc:
            log.warning("previous index not reusable, rebuilding from scratch: %s", exc)
            return None
    manifest = previous.manifest
    if (manifest.get("embedder", {}).get("spec") != config.embedder
            or manifest.get("chunking") != config.chunking_signature()):
        log.info("settings changed since the last build: everything is re-embedded")
        return None
    return previous


def _tokenizer_signature() -> dict[str, str]:
    return {"fingerprint": tokenizer_fingerprint(), "script_folding": table_fingerprint()}


def _sparse_is_current(previous: store.LoadedIndex) -> bool:
    """BM25 is rebuilt from every chunk in each new generation, so a tokenizer or script-folding
    change needs a new generation but no new embeddings."""
    stored = previous.manifest.get("tokenizer", {})
    return all(stored.get(key) == value for key, value in _tokenizer_signature().items())


def _metadata_is_current(previous: store.LoadedIndex) -> bool:
    return previous.manifest.get("metadata", {}).get("version") == METADATA_VERSION


def _tasks_are_current(manifest: dict[str, Any]) -> bool:
    return manifest.get("tasks", {}).get("version") == TASKS_VERSION


def _reusable_tasks(previous: store.LoadedIndex | None) -> dict[str, list[Task]] | None:
    """The stored tasks by document, when they were extracted by this version (else None)."""
    if previous is None or not _tasks_are_current(previous.manifest):
        return None
    by_doc: dict[str, list[Task]] = {}
    for task in previous.tasks:
        by_doc.setdefault(task.doc_id, []).append(task)
    return by_doc


def _progress(progress: ProgressFn | None, fraction: float, desc: str) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), desc)


def build_from_documents(documents: list[Document], index_dir: Path, config: IndexConfig,
                         catalog: dict[str, dict[str, Any]] | None = None,
                         skipped: list[SkippedFile] | None = None, show_progress: bool = False,
                         progress: ProgressFn | None = None, previous: store.LoadedIndex | None = None) -> BuildReport:
    """Index exactly ``documents`` (the new generation holds these and no others). ``previous``: the
    index to reuse vectors from instead of ``index_dir``'s live generation (``index.export``)."""
    started = time.perf_counter()
    report = BuildReport(skipped=list(skipped or []))
    catalog = catalog or {}
    with store.build_lock(index_dir):
        previous = _previous(index_dir, config, previous)
        old_docs = previous.documents if previous else {}
        _progress(progress, 0.02, "读取与清洗文档")
        t0 = time.perf_counter()
        stored_docs: list[store.StoredDocument] = []
        chunks: list[Chunk] = []
        vectors: list[np.ndarray | None] = []
        to_embed: list[int] = []
        reuse = _reusable_vectors(previous)
        old_tasks = _reusable_tasks(previous)
        tasks: list[Task] = []
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        for document in documents:
            entry = catalog.get(document.doc_id)
            meta = merge_metadata(document.doc_id, document.text, document.title, entry)
            document.title = meta["title"]
            digest = content_hash(document)
            old = old_docs.get(document.doc_id)
            if document.encoding not in ("utf-8", "docx", "pdf", "html"):
                report.encodings[document.doc_id] = document.encoding
            lines, dropped = clean_lines(document.doc_id, document.text)
            report.dropped += dropped
            if old_tasks is not None and old is not None and old.content_hash == digest and old.meta == meta:
                tasks += old_tasks.get(document.doc_id, [])
            else:  # new text, new metadata (place, year) or tasks of an older version: extract again
                tasks += extract_tasks(document.doc_id, document.text, lines, meta)
            if old is not None and old.content_hash == digest and document.doc_id in reuse:
                report.unchanged.append(document.doc_id)
                for chunk, vector in reuse[document.doc_id]:
                    chunks.append(chunk)
                    vectors.append(vector)
                stored_docs.append(store.StoredDocument(document, digest, old.added_at, meta))
                continue
            (report.updated if old is not None else report.added).append(document.doc_id)
            for chunk in chunk_document(document.doc_id, document.text, lines, config, document.title):
                chunks.append(chunk)
                vectors.append(None)
                to_embed.append(len(chunks) - 1)
            stored_docs.append(store.StoredDocument(document, digest, now, meta))
        report.removed = sorted(set(old_docs) - {d.doc_id for d in documents})
        report.timings["chunking_s"] = time.perf_counter() - t0
        report.tasks = len(tasks)
        if (previous is not None and _sparse_is_current(previous) and _metadata_is_current(previous)
                and _tasks_are_current(previous.manifest) and not (report.added or report.updated or report.removed)):
            # Nothing changed: keep the live generation instead of writing an identical one.
            report.documents, report.chunks = len(stored_docs), len(chunks)
            report.near_duplicates = len(previous.duplicates)
            report.generation = previous.folder.name
            report.seconds = time.perf_counter() - started
            _progress(progress, 1.0, "索引已是最新")
            return report
        if not chunks:
            raise PolicyQAError("没有可索引的文本：所有文档都为空或被跳过。")
        for number, chunk in enumerate(chunks):
            chunk.chunk_id = number
        titles = {d.document.doc_id: d.document.title for d in stored_docs}

        t0 = time.perf_counter()
        embedder = make_embedder(config.embedder)
        _embed(embedder, chunks, vectors, to_embed, titles, config, show_progress, progress)
        report.embedded_chunks = len(to_embed)
        report.timings["embedding_s"] = time.perf_counter() - t0
        matrix = (np.vstack([v for v in vectors if v is not None]).astype(np.float32) if vectors
                  else np.zeros((0, embedder.dim), np.float32))

        _progress(progress, 0.9, "建立向量与 BM25 索引")
        t0 = time.perf_counter()
        kind = choose_kind(len(chunks), config.faiss_kind, config.hnsw_threshold)
        dense = DenseIndex.build(matrix, kind)
        report.timings["faiss_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sparse = SparseIndex.build([tokenize(embedding_text(c, titles[c.doc_id])) for c in chunks])
        report.timings["bm25_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        duplicates = near_duplicate_groups({d.document.doc_id: d.document.text for d in stored_docs
                                            if len(d.document.text) >= 50}, config.near_duplicate_threshold)
        report.timings["dedup_s"] = time.perf_counter() - t0
        report.near_duplicates = len(duplicates)
        report.documents, report.chunks = len(stored_docs), len(chunks)
        report.seconds = time.perf_counter() - started
        manifest = {
            "embedder": {"spec": config.embedder, "dim": int(matrix.shape[1])},
            "tokenizer": {"name": "jieba cut_for_search + user dict + stopwords", **_tokenizer_signature()},
            "chunking": config.chunking_signature(),
            "metadata": {"version": METADATA_VERSION},
            "tasks": {"version": TASKS_VERSION},
            "dense": {"kind": kind, "metric": "inner_product", "normalised": True},
            "counts": {"documents": len(stored_docs), "chunks": len(chunks), "tasks": len(tasks)},
            "documents": {d.document.doc_id: d.content_hash for d in stored_docs},
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "build_seconds": round(report.seconds, 2),
        }
        _progress(progress, 0.95, "写入索引")
        folder = store.write_generation(index_dir, manifest, stored_docs, chunks, matrix, dense, sparse,
                                        duplicates, report.to_dict(), tasks)
        report.generation = folder.name
        report.seconds = time.perf_counter() - started
        _progress(progress, 1.0, "完成")
    return report


def _reusable_vectors(previous: store.LoadedIndex | None) -> dict[str, list[tuple[Chunk, np.ndarray]]]:
    reuse: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
    if previous is None:
        return reuse
    for chunk in previous.chunks:
        reuse.setdefault(chunk.doc_id, []).append((chunk, np.array(previous.embeddings[chunk.chunk_id])))
    return reuse


def _embed(embedder, chunks: list[Chunk], vectors: list, to_embed: list[int], titles: dict[str, str],
           config: IndexConfig, show_progress: bool, progress: ProgressFn | None) -> None:
    """Fill ``vectors[i]`` for every ``i`` in ``to_embed``; a text shared by several chunks
    (a passage reposted in several documents) is embedded once."""
    from tqdm import tqdm

    chunk_texts = {i: dense_text(chunks[i], titles[chunks[i].doc_id], config.embed_max_chars) for i in to_embed}
    unique = list(dict.fromkeys(chunk_texts.values()))
    by_text: dict[str, np.ndarray] = {}
    batch = max(1, config.embed_batch_size)
    bar = tqdm(total=len(unique), desc="嵌入文本块", unit="块", disable=not show_progress)
    for offset in range(0, len(unique), batch):
        texts = unique[offset:offset + batch]
        by_text.update(zip(texts, embedder.embed_passages(texts)))
        bar.update(len(texts))
        _progress(progress, 0.05 + 0.85 * (offset + len(texts)) / max(1, len(unique)),
                  f"嵌入文本块 {offset + len(texts)}/{len(unique)}")
    bar.close()
    for i, text in chunk_texts.items():
        vectors[i] = by_text[text]


def catalog_for(sources: list[Path]) -> dict[str, dict[str, Any]]:
    catalog: dict[str, dict[str, Any]] = {}
    for source in sources:
        if Path(source).is_dir():
            catalog.update(load_catalog(Path(source)))
    return catalog


def build_index(sources: list[Path], index_dir: Path, config: IndexConfig, show_progress: bool = False,
                progress: ProgressFn | None = None) -> BuildReport:
    """Make the index mirror ``sources`` (folders, files, corpus.jsonl), incrementally."""
    sources = [Path(s) for s in sources]
    documents, skipped = load_sources(sources, max_bytes=config.max_file_bytes)
    return build_from_documents(documents, index_dir, config, catalog_for(sources), skipped,
                                show_progress=show_progress, progress=progress)


def refresh_metadata(index_dir: Path, config: IndexConfig, progress: ProgressFn | None = None) -> bool:
    """Bring an index built by an older version up to the current metadata and task list (no
    re-embedding): True when a new generation was written."""
    manifest = store.read_manifest(index_dir)
    if manifest.get("metadata", {}).get("version") == METADATA_VERSION and _tasks_are_current(manifest):
        return False
    previous = store.load_index(index_dir)
    config = IndexConfig(**{**config.to_dict(), "embedder": previous.embedder})
    catalog = {d: dict(s.meta) for d, s in previous.documents.items()}
    documents = [s.document for s in previous.documents.values()]
    log.info("index %s has metadata version %s and task list version %s: updating them to %s and %s (vectors "
             "reused)", index_dir, manifest.get("metadata", {}).get("version"), manifest.get("tasks", {}).get("version"),
             METADATA_VERSION, TASKS_VERSION)
    build_from_documents(documents, index_dir, config, catalog, progress=progress)
    return True
