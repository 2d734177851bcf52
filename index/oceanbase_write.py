"""Writing the index into OceanBase as a new generation (tables ``policyqa_g<N>_*``, see
``index.oceanbase``): rows first, then the HNSW and full-text indexes, then one UPDATE of the
pointer row, and only then are older generations dropped. Until the switch the previous generation
answers; a writer killed, or a server stopped, midway leaves it answering, and the next writer
drops what was left half-written (and says so).

One writer at a time: a lease row (``policyqa_lock``) that the writer renews every few seconds from
a thread of its own; a writer that dies stops renewing and its lease runs out after ``LEASE_S``
(seekdb keeps ``GET_LOCK`` locks of a dead session for minutes, so they are not used). The pointer
switch also checks that the pointer still names the generation the writer started from."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from index.bm25 import Bm25Stats
from index.errors import BackendError, BackendSchemaError
from index.oceanbase import (
    FORMAT_VERSION,
    FULLTEXT_INDEX,
    GENERATION_TABLE,
    HNSW,
    T_CURRENT,
    T_FORMAT,
    T_GENERATIONS,
    T_LOCK,
    V1_TABLES,
    VECTOR_INDEX,
    BackendURL,
    GenerationTables,
    connect,
    translate_error,
    vector_literal,
)
from index.store import LoadedIndex

log = logging.getLogger(__name__)
BATCH = 200
LEASE_S = 15.0      # a writer that stops renewing (killed, cut off) loses the lease after this long
WAIT_S = 60.0       # how long a writer waits for another one to finish
WRITE_TIMEOUT = 3600  # seconds one statement may take (an HNSW index over millions of rows)


class BackendBusyError(BackendError):
    """Another process holds the write lease."""


class GenerationConflictError(BackendError):
    """The pointer moved while this generation was being written (another writer switched first)."""


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def fixed_schema_sql() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {T_FORMAT} (format_version INT NOT NULL PRIMARY KEY, written_at VARCHAR(32) NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {T_CURRENT} (id INT NOT NULL PRIMARY KEY, generation BIGINT NOT NULL, "
        "switched_at VARCHAR(32) NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {T_GENERATIONS} (generation BIGINT NOT NULL PRIMARY KEY, state VARCHAR(16) NOT NULL, "
        "started_at VARCHAR(32) NOT NULL, finished_at VARCHAR(32), documents INT, chunks INT, writer VARCHAR(255), "
        "note VARCHAR(1024))",
        f"CREATE TABLE IF NOT EXISTS {T_LOCK} (id INT NOT NULL PRIMARY KEY, holder VARCHAR(255) NOT NULL, "
        "expires_at DOUBLE NOT NULL)",
    ]


def schema_sql(tables: GenerationTables, dim: int) -> list[str]:
    return [
        f"CREATE TABLE {tables.meta} (name VARCHAR(64) NOT NULL PRIMARY KEY, value LONGTEXT NOT NULL)",
        f"CREATE TABLE {tables.documents} (doc_id VARCHAR(512) NOT NULL PRIMARY KEY, ordinal INT NOT NULL, "
        "title VARCHAR(1024), place VARCHAR(128), doc_year INT, kind VARCHAR(64), content_hash VARCHAR(64), "
        "added_at VARCHAR(32), record LONGTEXT NOT NULL)",
        f"CREATE TABLE {tables.chunks} (chunk_id BIGINT NOT NULL PRIMARY KEY, doc_id VARCHAR(512) NOT NULL, "
        "start_offset INT NOT NULL, end_offset INT NOT NULL, section VARCHAR(2048), place VARCHAR(128), doc_year INT, "
        f"chunk_text MEDIUMTEXT NOT NULL, tokens MEDIUMTEXT NOT NULL, token_count INT NOT NULL, embedding VECTOR({dim}), "
        f"KEY policyqa_chunks_doc (doc_id)) ORGANIZATION = HEAP",
    ]


def index_sql(tables: GenerationTables) -> list[str]:
    params = ", ".join(f"{k}={v}" for k, v in HNSW.items())
    return [f"CREATE VECTOR INDEX {VECTOR_INDEX} ON {tables.chunks}(embedding) "
            f"WITH (distance=cosine, type=hnsw, lib=vsag, {params})",
            f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} ON {tables.chunks}(tokens) WITH PARSER beng"]


# ----- the database and its lease ------------------------------------------------------------------
class Writer:
    """A connection that writes, with the database's fixed tables in place and the write lease."""

    def __init__(self, url: BackendURL) -> None:
        self.url = url
        self.conn = connect(url, use_database=False, timeout=WRITE_TIMEOUT)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:255]
        self.old_format: int | None = None  # a format-1 database being replaced
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self.lease_lost = False

    def execute(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        import pymysql

        try:
            with self.conn.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        except pymysql.err.MySQLError as exc:
            raise translate_error(exc, self.url) from exc

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        import pymysql

        try:
            with self.conn.cursor() as cursor:
                cursor.executemany(sql, rows)
        except pymysql.err.MySQLError as exc:
            raise translate_error(exc, self.url) from exc

    def prepare(self, replace: bool) -> None:
        """Create the database and the fixed tables where missing; refuse an index of another format
        unless ``replace``."""
        self.execute(f"CREATE DATABASE IF NOT EXISTS `{self.url.database}`")
        self.execute(f"USE `{self.url.database}`")
        tables = {r[0] for r in self.execute("SHOW TABLES")}
        if T_FORMAT in tables:
            rows = self.execute(f"SELECT format_version FROM {T_FORMAT}")
            version = int(rows[0][0]) if rows else None
            if version is not None and version != FORMAT_VERSION:
                if not replace:
                    raise BackendSchemaError(f"数据库 {self.url.database} 里已经有格式版本 {version} 的政策问答索引。"
                                             "要用这个索引（新格式）替换它，请加 --replace。")
                self.old_format = version
        for statement in fixed_schema_sql():
            self.execute(statement)
        self.execute(f"INSERT IGNORE INTO {T_LOCK} (id, holder, expires_at) VALUES (1, '', 0)")
        if not self.execute(f"SELECT format_version FROM {T_FORMAT}"):
            self.execute(f"INSERT INTO {T_FORMAT} (format_version, written_at) VALUES (%s, %s)", (FORMAT_VERSION, _now()))

    def acquire(self, wait_s: float = WAIT_S) -> None:
        """Take the write lease (waiting up to ``wait_s`` for another writer), then keep renewing it."""
        deadline = time.monotonic() + wait_s
        while True:
            self.execute(f"UPDATE {T_LOCK} SET holder = %s, expires_at = UNIX_TIMESTAMP(NOW(6)) + %s "
                         f"WHERE id = 1 AND (holder = '' OR expires_at < UNIX_TIMESTAMP(NOW(6)))", (self.holder, LEASE_S))
            rows = self.execute(f"SELECT holder, expires_at - UNIX_TIMESTAMP(NOW(6)) FROM {T_LOCK} WHERE id = 1")
            if rows and rows[0][0] == self.holder:
                break
            if time.monotonic() >= deadline:
                left = max(0.0, float(rows[0][1])) if rows else 0.0
                raise BackendBusyError(f"另一个进程（{rows[0][0] if rows else '?'}）正在写入数据库 {self.url.database}，"
                                       f"请等它完成后再试（它若已中断，写入权最迟 {left:.0f} 秒后释放）。")
            time.sleep(0.5)
        self._beat = threading.Thread(target=self._renew, name="policyqa-lease", daemon=True)
        self._beat.start()

    def _renew(self) -> None:
        try:
            conn = connect(self.url)
        except BackendError:
            self.lease_lost = True
            return
        try:
            while not self._stop.wait(LEASE_S / 3):
                with conn.cursor() as cursor:
                    changed = cursor.execute(f"UPDATE {T_LOCK} SET expires_at = UNIX_TIMESTAMP(NOW(6)) + %s "
                                             f"WHERE id = 1 AND holder = %s", (LEASE_S, self.holder))
                if not changed:
                    self.lease_lost = True
                    return
        except Exception:  # noqa: BLE001 - the server went away: the switch below fails and says so
            self.lease_lost = True
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(5)
        with contextlib.suppress(Exception):
            self.execute(f"UPDATE {T_LOCK} SET holder = '', expires_at = 0 WHERE id = 1 AND holder = %s", (self.holder,))
        with contextlib.suppress(Exception):
            self.conn.close()

    # ----- generations -----------------------------------------------------------------------------
    def current(self) -> int | None:
        rows = self.execute(f"SELECT generation FROM {T_CURRENT} WHERE id = 1")
        return int(rows[0][0]) if rows else None

    def _generation_tables(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for (name,) in self.execute("SHOW TABLES"):
            match = GENERATION_TABLE.fullmatch(name)
            if match:
                found.setdefault(int(match.group(1)), []).append(name)
        return found

    def cleanup(self, keep: set[int]) -> list[int]:
        """Drop every generation but ``keep`` (under the lease: no one else is writing). Returns the
        generations that were left half-written by an interrupted writer."""
        abandoned = [int(r[0]) for r in self.execute(f"SELECT generation FROM {T_GENERATIONS} WHERE state = 'building'")
                     if int(r[0]) not in keep]
        for generation, names in sorted(self._generation_tables().items()):
            if generation in keep:
                continue
            for name in names:
                self.execute(f"DROP TABLE IF EXISTS {name}")
        for generation in abandoned:
            self.execute(f"UPDATE {T_GENERATIONS} SET state = 'abandoned', finished_at = %s, "
                         f"note = '写入中断（进程被终止或与服务器的连接断开），已清理' WHERE generation = %s", (_now(), generation))
        if keep:
            marks = ",".join(["%s"] * len(keep))
            self.execute(f"UPDATE {T_GENERATIONS} SET state = 'dropped' WHERE state = 'complete' "
                         f"AND generation NOT IN ({marks})", tuple(sorted(keep)))
        if abandoned:
            log.warning("dropped generation(s) %s of %s, left half-written by an interrupted writer",
                        abandoned, self.url.masked())
        return abandoned

    def previous_of(self, generation: int | None) -> int | None:
        """The complete generation the pointer named before ``generation`` (still kept: an engine
        may be finishing a question on it)."""
        if generation is None:
            return None
        rows = self.execute(f"SELECT MAX(generation) FROM {T_GENERATIONS} WHERE state = 'complete' AND generation < %s",
                            (generation,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def next_generation(self) -> int:
        logged = self.execute(f"SELECT MAX(generation) FROM {T_GENERATIONS}")
        numbers = [int(logged[0][0]) if logged and logged[0][0] is not None else 0, self.current() or 0,
                   *self._generation_tables()]
        return max(numbers) + 1


@contextlib.contextmanager
def write_lease(url: BackendURL, replace: bool = True, wait_s: float = WAIT_S) -> Iterator[Writer]:
    """A ``Writer`` holding the lease, released at the end (also after an error)."""
    writer = Writer(url)
    try:
        writer.prepare(replace)
        writer.acquire(wait_s)
        yield writer
    finally:
        writer.release()


@dataclass
class GenerationReport:
    target: str
    documents: int = 0
    chunks: int = 0
    generation: int = 0
    previous: int | None = None
    abandoned: list[int] = field(default_factory=list)   # half-written generations of interrupted writers, dropped
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        steps = "，".join(f"{k} {v:.1f} 秒" for k, v in self.timings.items())
        before = f"（替换第 {self.previous} 代）" if self.previous is not None else ""
        text = (f"已写入 {self.documents} 篇文档、{self.chunks} 个文本块到 {self.target}，第 {self.generation} 代{before}"
                f"已开始回答，用时 {self.seconds:.1f} 秒（{steps}）")
        if self.abandoned:
            text += f"\n清理了上次没有写完的第 {'、'.join(map(str, self.abandoned))} 代（写入中断，当时一直由完整的上一代回答）"
        return text


def write_generation(writer: Writer, index: LoadedIndex, tokens: list[list[str]], stats: Bm25Stats,
                     report: GenerationReport, expect: int | None, reuse: dict[int, int] | None = None) -> int:
    """Write ``index`` (with each chunk's ``tokens``) as a new generation and switch the pointer to
    it, if the pointer still names ``expect``. ``reuse`` maps chunk ids of ``index`` to chunks of
    generation ``expect`` whose stored vector they take, copied inside the server (exact, and no vector
    travels; ``index.embeddings`` is not read for them). On any failure before the switch the generation
    being written is dropped where the server allows and the error says which generation answers."""
    report.abandoned = writer.cleanup({g for g in (expect, writer.previous_of(expect)) if g is not None})
    generation = writer.next_generation()
    report.generation, report.previous = generation, expect
    tables = GenerationTables(generation)
    writer.execute(f"INSERT INTO {T_GENERATIONS} (generation, state, started_at, writer) VALUES (%s, 'building', %s, %s)",
                   (generation, _now(), writer.holder))
    try:
        _write_tables(writer, tables, index, tokens, stats, report, reuse or {}, expect)
        if writer.lease_lost:
            raise BackendBusyError("写入权在写入期间失效（与服务器的连接中断过）。")
        _switch(writer, generation, expect)
    except BackendError as exc:
        with contextlib.suppress(Exception):
            for name in tables.names:
                writer.execute(f"DROP TABLE IF EXISTS {name}")
            writer.execute(f"UPDATE {T_GENERATIONS} SET state = 'abandoned', finished_at = %s, note = %s "
                           f"WHERE generation = %s", (_now(), str(exc)[:1000], generation))
        serving = f"仍由完整的第 {expect} 代回答" if expect is not None else "数据库里还没有完整的索引"
        raise type(exc)(f"第 {generation} 代没有写完：{exc} {serving}，可以重新运行。") from exc
    writer.execute(f"UPDATE {T_GENERATIONS} SET state = 'complete', finished_at = %s, documents = %s, chunks = %s "
                   f"WHERE generation = %s", (_now(), len(index.documents), len(index.chunks), generation))
    if writer.old_format is not None:
        for name in V1_TABLES:
            writer.execute(f"DROP TABLE IF EXISTS {name}")
    writer.cleanup({generation} | ({expect} if expect is not None else set()))
    return generation


def _switch(writer: Writer, generation: int, expect: int | None) -> None:
    """The one statement that makes ``generation`` answer (a compare-and-swap on the pointer row)."""
    if expect is None:
        if writer.current() is not None:
            raise GenerationConflictError("另一个进程刚写入了一代索引。")
        writer.execute(f"INSERT INTO {T_CURRENT} (id, generation, switched_at) VALUES (1, %s, %s)", (generation, _now()))
    else:
        import pymysql

        with writer.conn.cursor() as cursor:
            try:
                changed = cursor.execute(f"UPDATE {T_CURRENT} SET generation = %s, switched_at = %s "
                                         f"WHERE id = 1 AND generation = %s", (generation, _now(), expect))
            except pymysql.err.MySQLError as exc:
                raise translate_error(exc, writer.url) from exc
        if not changed:
            raise GenerationConflictError("另一个进程在此期间切换了索引的代。")
    if writer.old_format is not None:
        writer.execute(f"UPDATE {T_FORMAT} SET format_version = %s, written_at = %s", (FORMAT_VERSION, _now()))


def _write_tables(writer: Writer, tables: GenerationTables, index: LoadedIndex, tokens: list[list[str]],
                  stats: Bm25Stats, report: GenerationReport, reuse: dict[int, int], source: int | None) -> None:
    dim = int(index.manifest["embedder"]["dim"])
    for statement in schema_sql(tables, dim):
        writer.execute(statement)
    t0 = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    for ordinal, (doc_id, stored) in enumerate(index.documents.items()):
        record = {**stored.document.to_dict(), "content_hash": stored.content_hash,
                  "added_at": stored.added_at, "meta": stored.meta}
        rows.append((doc_id, ordinal, stored.document.title[:1024], str(stored.meta.get("place") or "")[:128],
                     _year(stored.meta), str(stored.meta.get("kind") or "")[:64], stored.content_hash,
                     stored.added_at, json.dumps(record, ensure_ascii=False)))
    _insert(writer, tables.documents, "doc_id, ordinal, title, place, doc_year, kind, content_hash, added_at, record", rows)
    rows = []
    for chunk, words in zip(index.chunks, tokens):
        meta = index.documents[chunk.doc_id].meta
        rows.append((chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end, chunk.section[:2048],
                     str(meta.get("place") or "")[:128], _year(meta), chunk.text, " ".join(words), len(words),
                     None if chunk.chunk_id in reuse else vector_literal(index.embeddings[chunk.chunk_id])))
        if len(rows) >= BATCH * 10:
            _insert(writer, tables.chunks, _CHUNK_COLUMNS, rows)
            rows = []
    _insert(writer, tables.chunks, _CHUNK_COLUMNS, rows)
    if reuse:
        if source is None:
            raise BackendSchemaError("没有可以复用向量的上一代索引。")
        _copy_vectors(writer, tables, GenerationTables(source), reuse)
    manifest = {k: v for k, v in index.manifest.items() if k != "generation"}
    manifest.update({"exported_from": str(index.folder), "oceanbase_format_version": FORMAT_VERSION})
    meta_rows = [("manifest", manifest), ("duplicates", index.duplicates), ("tasks", [t.to_dict() for t in index.tasks]),
                 ("lexicon", {"n": stats.n, "mean_length": stats.mean_length, "df": stats.df})]
    _insert(writer, tables.meta, "name, value", [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta_rows])
    report.timings["写入"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for statement in index_sql(tables):
        writer.execute(statement)
    report.timings["建索引"] = time.perf_counter() - t0


def _copy_vectors(writer: Writer, tables: GenerationTables, source: GenerationTables, reuse: dict[int, int]) -> None:
    """Each reused chunk takes its vector from the generation before, inside the server."""
    writer.execute(f"CREATE TABLE {tables.reuse} (chunk_id BIGINT NOT NULL PRIMARY KEY, old_chunk_id BIGINT NOT NULL)")
    _insert(writer, tables.reuse, "chunk_id, old_chunk_id", sorted(reuse.items()))
    writer.execute(f"UPDATE {tables.chunks} c, {tables.reuse} r, {source.chunks} o SET c.embedding = o.embedding "
                   f"WHERE c.chunk_id = r.chunk_id AND o.chunk_id = r.old_chunk_id")
    missing = writer.execute(f"SELECT COUNT(*) FROM {tables.chunks} WHERE embedding IS NULL")[0][0]
    writer.execute(f"DROP TABLE {tables.reuse}")
    if missing:
        raise BackendSchemaError(f"有 {missing} 个文本块没能从第 {source.generation} 代取到向量。")


_CHUNK_COLUMNS = ("chunk_id, doc_id, start_offset, end_offset, section, place, doc_year, chunk_text, tokens, "
                  "token_count, embedding")


def _year(meta: dict[str, Any]) -> int | None:
    year = meta.get("year")
    return int(year) if isinstance(year, int) else None


def _insert(writer: Writer, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["%s"] * len(columns.split(",")))
    for start in range(0, len(rows), BATCH):
        writer.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[start:start + BATCH])
