"""Copying an index into OceanBase as a new generation (``index.oceanbase_write``):

* ``python -m index export --to oceanbase://…`` copies an embedded index as it is: its vectors (no
  re-embedding), chunks, documents, tasks and manifest, plus each chunk's jieba tokens for the
  full-text index and the BM25 statistics, checked against the folder's bm25s index;
* ``python -m index build --backend oceanbase://…`` and documents added or deleted through an app on
  the backend (``qa.knowledge_base``) build the new collection in a temporary folder (only new or
  changed documents are embedded), and write it the same way; an unchanged document's chunks take
  their vectors from the generation that answers inside the server (exact: seekdb prints VECTOR
  values with 6 significant digits, so vectors are never read back)."""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from index.bm25 import Bm25Stats
from index.build import BuildReport, ProgressFn, build_from_documents, catalog_for
from index.chunking import embedding_text
from index.config import IndexConfig
from index.errors import BackendSchemaError, IndexMismatchError
from index.loading import load_sources
from index.oceanbase import BackendURL, load_oceanbase
from index.oceanbase_write import WAIT_S, GenerationReport, Writer, write_generation, write_lease
from index.records import Document, SkippedFile
from index.sparse import SparseIndex
from index.store import LoadedIndex, current_generation, load_index
from index.tokenizer import tokenize, tokenizer_fingerprint

log = logging.getLogger(__name__)
ExportReport = GenerationReport  # the name python -m index export and eval.bench use


def chunk_tokens(index: LoadedIndex) -> list[list[str]]:
    """Each chunk's BM25 tokens, as ``index.build`` makes them (title › section, then the text)."""
    titles = {d: s.document.title for d, s in index.documents.items()}
    return [tokenize(embedding_text(c, titles[c.doc_id])) for c in index.chunks]


def _tokens_checked(index: LoadedIndex, where: Path, report: GenerationReport) -> tuple[list[list[str]], Bm25Stats]:
    if index.manifest.get("tokenizer", {}).get("fingerprint") != tokenizer_fingerprint():
        raise IndexMismatchError(f"索引 {where} 的分词设置与当前程序不同。请先运行 `python -m index build` 更新它再导出。")
    t0 = time.perf_counter()
    tokens = chunk_tokens(index)
    stats = Bm25Stats.from_token_lists(tokens)
    if isinstance(index.sparse, SparseIndex) and stats.idf() != index.sparse.idf():
        raise IndexMismatchError(f"重新分词得到的词表与索引 {where} 的 BM25 不符。请先运行 `python -m index build` 重建再导出。")
    report.timings["分词"] = time.perf_counter() - t0
    return tokens, stats


def export_index(index_dir: Path, target: str, replace: bool = False, wait_s: float = WAIT_S) -> GenerationReport:
    """Copy the index at ``index_dir`` into the database of ``target`` as a new generation; an index
    already there is refused unless ``replace`` (it keeps answering until the new one is complete)."""
    started = time.perf_counter()
    url = BackendURL.parse(target)
    with write_lease(url, replace=replace, wait_s=wait_s) as writer:  # a bad address or password fails before any work
        current = writer.current()
        if current is not None and not replace:
            raise BackendSchemaError(f"数据库 {url.database} 里已经有政策问答索引（第 {current} 代）。要用这个索引替换它"
                                     "（写成新的一代，完成前旧的一代照常回答），请加 --replace。")
        index = load_index(index_dir)
        report = GenerationReport(url.masked(), len(index.documents), len(index.chunks))
        tokens, stats = _tokens_checked(index, index_dir, report)
        write_generation(writer, index, tokens, stats, report, current)
    report.seconds = time.perf_counter() - started
    return report


def write_documents(writer: Writer, documents: list[Document], config: IndexConfig,
                    catalog: dict[str, dict] | None = None, skipped: list[SkippedFile] | None = None,
                    show_progress: bool = False, progress: ProgressFn | None = None) -> tuple[BuildReport, GenerationReport | None]:
    """Make the database hold exactly ``documents`` (the caller holds ``writer``'s lease): built in a
    temporary folder from the generation that answers (unchanged documents keep their vectors), then
    written as the next generation. ``None`` for the second report when nothing changed."""
    url = writer.url
    previous = load_oceanbase(url) if writer.current() is not None else None
    base = int(previous.manifest["generation"]) if previous is not None else None
    old_ids: dict[tuple[str, int, int, str], int] = {}
    if previous is not None:
        # the build reuses these chunks; their vectors stay in the server and are copied there (placeholders here)
        previous.embeddings = np.zeros((len(previous.chunks), int(previous.manifest["embedder"]["dim"])), np.float32)
        old_ids = {(c.doc_id, c.start, c.end, c.text): c.chunk_id for c in previous.chunks}
    flat = IndexConfig(**{**config.to_dict(), "faiss_kind": "flat"})  # the folder is a step: no FAISS graph
    with tempfile.TemporaryDirectory(prefix="policyqa-build-") as folder:
        report = build_from_documents(documents, Path(folder), flat, catalog, skipped,
                                      show_progress=show_progress, progress=progress, previous=previous)
        if current_generation(Path(folder)) is None:  # nothing changed: the generation that answers stays
            return report, None
        index = load_index(Path(folder))
        unchanged = set(report.unchanged)
        reuse = {c.chunk_id: old_ids[key] for c in index.chunks
                 if c.doc_id in unchanged and (key := (c.doc_id, c.start, c.end, c.text)) in old_ids}
        written = GenerationReport(url.masked(), len(index.documents), len(index.chunks))
        t0 = time.perf_counter()
        tokens, stats = _tokens_checked(index, Path(folder), written)
        write_generation(writer, index, tokens, stats, written, base, reuse)
        written.seconds = time.perf_counter() - t0
    report.generation = str(written.generation)
    return report, written


def build_to_backend(sources: list[Path], target: str, config: IndexConfig, show_progress: bool = False,
                     progress: ProgressFn | None = None, wait_s: float = WAIT_S) -> tuple[BuildReport, GenerationReport | None]:
    """``python -m index build --backend``: make the database mirror ``sources``, incrementally."""
    url = BackendURL.parse(target)
    sources = [Path(s) for s in sources]
    documents, skipped = load_sources(sources, max_bytes=config.max_file_bytes)
    with write_lease(url, replace=False, wait_s=wait_s) as writer:
        return write_documents(writer, documents, config, catalog_for(sources), skipped, show_progress, progress)
