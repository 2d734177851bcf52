"""``python -m index export --to oceanbase://…``: copy an embedded index into OceanBase as it is:
its vectors (no re-embedding), chunks, documents, tasks and manifest, plus each chunk's jieba
tokens for the full-text index and the BM25 statistics, checked against the folder's bm25s index."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.bm25 import Bm25Stats
from index.chunking import embedding_text
from index.errors import BackendSchemaError, IndexMismatchError
from index.oceanbase import (
    FORMAT_VERSION,
    FULLTEXT_INDEX,
    HNSW,
    T_CHUNKS,
    T_DOCUMENTS,
    T_FORMAT,
    T_META,
    TABLES,
    VECTOR_INDEX,
    BackendURL,
    connect,
    translate_error,
    vector_literal,
)
from index.sparse import SparseIndex
from index.store import LoadedIndex, load_index
from index.tokenizer import tokenize, tokenizer_fingerprint

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class ExportReport:
    target: str
    documents: int = 0
    chunks: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        steps = "，".join(f"{k} {v:.1f} 秒" for k, v in self.timings.items())
        return f"已导出 {self.documents} 篇文档、{self.chunks} 个文本块到 {self.target}，用时 {self.seconds:.1f} 秒（{steps}）"


def schema_sql(dim: int) -> list[str]:
    return [
        f"CREATE TABLE {T_FORMAT} (format_version INT NOT NULL PRIMARY KEY, written_at VARCHAR(32) NOT NULL)",
        f"CREATE TABLE {T_META} (name VARCHAR(64) NOT NULL PRIMARY KEY, value LONGTEXT NOT NULL)",
        f"CREATE TABLE {T_DOCUMENTS} (doc_id VARCHAR(512) NOT NULL PRIMARY KEY, ordinal INT NOT NULL, "
        "title VARCHAR(1024), place VARCHAR(128), doc_year INT, kind VARCHAR(64), content_hash VARCHAR(64), "
        "added_at VARCHAR(32), record LONGTEXT NOT NULL)",
        f"CREATE TABLE {T_CHUNKS} (chunk_id BIGINT NOT NULL PRIMARY KEY, doc_id VARCHAR(512) NOT NULL, "
        "start_offset INT NOT NULL, end_offset INT NOT NULL, section VARCHAR(2048), place VARCHAR(128), doc_year INT, "
        f"chunk_text MEDIUMTEXT NOT NULL, tokens MEDIUMTEXT NOT NULL, token_count INT NOT NULL, embedding VECTOR({dim}), "
        "KEY policyqa_chunks_doc (doc_id)) ORGANIZATION = HEAP",
    ]


def index_sql() -> list[str]:
    params = ", ".join(f"{k}={v}" for k, v in HNSW.items())
    return [f"CREATE VECTOR INDEX {VECTOR_INDEX} ON {T_CHUNKS}(embedding) WITH (distance=cosine, type=hnsw, lib=vsag, {params})",
            f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} ON {T_CHUNKS}(tokens) WITH PARSER beng"]


def chunk_tokens(index: LoadedIndex) -> list[list[str]]:
    """Each chunk's BM25 tokens, as ``index.build`` makes them (title › section, then the text)."""
    titles = {d: s.document.title for d, s in index.documents.items()}
    return [tokenize(embedding_text(c, titles[c.doc_id])) for c in index.chunks]


def export_index(index_dir: Path, target: str, replace: bool = False) -> ExportReport:
    """Copy the index at ``index_dir`` into the database of ``target``; an index already there is
    refused unless ``replace``. The format row is written last: an export that stops midway
    leaves no index that loads."""
    started = time.perf_counter()
    url = BackendURL.parse(target)
    conn = connect(url, use_database=False)  # a bad address or password fails before any work
    try:
        index = load_index(index_dir)
        if index.manifest.get("tokenizer", {}).get("fingerprint") != tokenizer_fingerprint():
            raise IndexMismatchError(f"索引 {index_dir} 的分词设置与当前程序不同。请先运行 `python -m index build` 更新它再导出。")
        t0 = time.perf_counter()
        tokens = chunk_tokens(index)
        stats = Bm25Stats.from_token_lists(tokens)
        if isinstance(index.sparse, SparseIndex) and stats.idf() != index.sparse.idf():
            raise IndexMismatchError(f"重新分词得到的词表与索引 {index_dir} 的 BM25 不符。请先运行 `python -m index build` 重建再导出。")
        report = ExportReport(url.masked(), len(index.documents), len(index.chunks))
        report.timings["分词"] = time.perf_counter() - t0
        import pymysql

        try:
            _write(conn, url, index, tokens, stats, replace, report)
        except pymysql.err.MySQLError as exc:
            raise translate_error(exc, url) from exc
    finally:
        conn.close()
    report.seconds = time.perf_counter() - started
    return report


def _write(conn: Any, url: BackendURL, index: LoadedIndex, tokens: list[list[str]], stats: Bm25Stats,
           replace: bool, report: ExportReport) -> None:
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{url.database}`")
        cursor.execute(f"USE `{url.database}`")
        cursor.execute("SHOW TABLES")
        present = {row[0] for row in cursor.fetchall()} & set(TABLES)
        if present and not replace:
            raise BackendSchemaError(f"数据库 {url.database} 里已经有政策问答索引。要用这个索引覆盖它，请加 --replace。")
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        dim = int(index.manifest["embedder"]["dim"])
        for statement in schema_sql(dim):
            cursor.execute(statement)
        t0 = time.perf_counter()
        rows: list[tuple[Any, ...]] = []
        for ordinal, (doc_id, stored) in enumerate(index.documents.items()):
            record = {**stored.document.to_dict(), "content_hash": stored.content_hash,
                      "added_at": stored.added_at, "meta": stored.meta}
            rows.append((doc_id, ordinal, stored.document.title[:1024], str(stored.meta.get("place") or "")[:128],
                         _year(stored.meta), str(stored.meta.get("kind") or "")[:64], stored.content_hash,
                         stored.added_at, json.dumps(record, ensure_ascii=False)))
        _insert(cursor, T_DOCUMENTS, "doc_id, ordinal, title, place, doc_year, kind, content_hash, added_at, record", rows)
        rows = []
        for chunk, words in zip(index.chunks, tokens):
            meta = index.documents[chunk.doc_id].meta
            rows.append((chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end, chunk.section[:2048],
                         str(meta.get("place") or "")[:128], _year(meta), chunk.text, " ".join(words), len(words),
                         vector_literal(index.embeddings[chunk.chunk_id])))
        _insert(cursor, T_CHUNKS, "chunk_id, doc_id, start_offset, end_offset, section, place, doc_year, chunk_text, "
                "tokens, token_count, embedding", rows)
        manifest = {**index.manifest, "exported_from": str(index.folder), "oceanbase_format_version": FORMAT_VERSION}
        meta_rows = [("manifest", manifest), ("duplicates", index.duplicates), ("tasks", [t.to_dict() for t in index.tasks]),
                     ("lexicon", {"n": stats.n, "mean_length": stats.mean_length, "df": stats.df})]
        _insert(cursor, T_META, "name, value", [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta_rows])
        report.timings["写入"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for statement in index_sql():
            cursor.execute(statement)
        report.timings["建索引"] = time.perf_counter() - t0
        cursor.execute(f"INSERT INTO {T_FORMAT} (format_version, written_at) VALUES (%s, %s)",
                       (FORMAT_VERSION, time.strftime("%Y-%m-%d %H:%M:%S")))


def _year(meta: dict[str, Any]) -> int | None:
    year = meta.get("year")
    return int(year) if isinstance(year, int) else None


def _insert(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["%s"] * len(columns.split(",")))
    for start in range(0, len(rows), BATCH):
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[start:start + BATCH])
