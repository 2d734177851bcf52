"""The index in OceanBase (or seekdb, its single-node edition), over the MySQL protocol (pymysql).

The database holds generations of the index (``FORMAT_VERSION`` 2). Fixed tables::

    policyqa_format       one row: the format version (a program of another version refuses the database)
    policyqa_current      one row: the generation that answers (the pointer); switched by one UPDATE
                          only when a new generation is complete, so readers never see a half-written one
    policyqa_generations  one row per generation written or begun: building | complete | abandoned | dropped
    policyqa_lock         one row: the writer holding the write lease (``index.oceanbase_write``)

and three tables per generation ``N`` (``policyqa_g<N>_meta|documents|chunks``)::

    _meta       name → JSON: the manifest, duplicates, tasks and the BM25 statistics
    _documents  one row per document: title, place, year, kind and the whole record
    _chunks     one row per chunk: offsets, section, place, year, its text, its jieba tokens
                (space-joined, under a full-text index with the ``beng`` parser) and its vector
                (VECTOR(dim) under an HNSW index, cosine distance)

Dense search is ``ORDER BY cosine_distance(...) APPROXIMATE LIMIT k`` on the HNSW index (exact
over the allowed documents when a filter is given, as the embedded backend searches every chunk
then). Lexical search finds candidates with ``MATCH … AGAINST`` over our own tokens, then scores
them with BM25 from the stored statistics (``index.bm25``), so both backends give one score.
Writing a generation: ``index.oceanbase_write``."""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from index.bm25 import Bm25Stats
from index.errors import (
    BackendAuthError,
    BackendError,
    BackendSchemaError,
    BackendUnavailableError,
    IndexCorruptError,
    IndexMismatchError,
)
from index.records import Chunk, Document
from index.store import LoadedIndex, StoredDocument, dig
from index.tasks import Task

SCHEME = "oceanbase"
FORMAT_VERSION = 2  # 1: one set of tables, no generations (phase 1)
T_FORMAT, T_CURRENT, T_GENERATIONS, T_LOCK = "policyqa_format", "policyqa_current", "policyqa_generations", "policyqa_lock"
FIXED_TABLES = (T_FORMAT, T_CURRENT, T_GENERATIONS, T_LOCK)
V1_TABLES = ("policyqa_meta", "policyqa_documents", "policyqa_chunks")  # format 1's tables, dropped by a --replace
GENERATION_TABLE = re.compile(r"policyqa_g(\d+)_(meta|documents|chunks|reuse)")  # _reuse: only while written
VECTOR_INDEX, FULLTEXT_INDEX = "policyqa_vec", "policyqa_ft"  # HNSW index names may not pass 25 characters
HNSW = {"m": 16, "ef_construction": 200, "ef_search": 200}
LEXICAL_POOL = 3  # full-text candidates fetched per lexical hit wanted, then scored by BM25
_SCHEMA_HINT = "请先导出索引：python -m index export --to {url}"


@dataclass(frozen=True)
class GenerationTables:
    """The three tables of one generation."""

    generation: int

    @property
    def meta(self) -> str:
        return f"policyqa_g{self.generation}_meta"

    @property
    def documents(self) -> str:
        return f"policyqa_g{self.generation}_documents"

    @property
    def chunks(self) -> str:
        return f"policyqa_g{self.generation}_chunks"

    @property
    def reuse(self) -> str:
        """new chunk id → the chunk of the generation before whose vector it takes (while being written)."""
        return f"policyqa_g{self.generation}_reuse"

    @property
    def names(self) -> tuple[str, str, str, str]:
        return self.meta, self.documents, self.chunks, self.reuse


@dataclass(frozen=True)
class BackendURL:
    """``oceanbase://user:password@host:port/database``."""

    user: str
    password: str
    host: str
    port: int
    database: str

    @classmethod
    def parse(cls, url: str) -> BackendURL:
        parts = urlsplit(url.strip())
        shown = _mask(url)
        if parts.scheme != SCHEME:
            raise BackendError(f"后端地址无效：{shown}（应为 oceanbase://用户:密码@主机:端口/数据库）")
        try:
            port = parts.port or 2881
        except ValueError as exc:
            raise BackendError(f"后端地址的端口无效：{shown}") from exc
        database = parts.path.strip("/")
        if not parts.hostname or not parts.username or not database or "/" in database or "`" in database:
            raise BackendError(f"后端地址无效：{shown}（应为 oceanbase://用户:密码@主机:端口/数据库，三者都要写明）")
        return cls(unquote(parts.username), unquote(parts.password or ""), parts.hostname, port, database)

    def masked(self) -> str:
        """The address without its password (for messages and logs)."""
        secret = ":***" if self.password else ""
        return f"{SCHEME}://{self.user}{secret}@{self.host}:{self.port}/{self.database}"


def is_backend_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(f"{SCHEME}://")


def _mask(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def connect(url: BackendURL, use_database: bool = True, timeout: int = 120) -> Any:
    """A pymysql connection (autocommit, utf8mb4; ``timeout`` seconds for one statement's reply);
    errors become ``BackendError``s in Chinese."""
    try:
        import pymysql
    except ImportError as exc:  # pragma: no cover - in requirements.txt
        raise BackendError("使用 OceanBase 后端需要 pymysql：pip install -r requirements.txt") from exc
    try:
        return pymysql.connect(host=url.host, port=url.port, user=url.user, password=url.password,
                               database=url.database if use_database else None, charset="utf8mb4",
                               autocommit=True, connect_timeout=5, read_timeout=timeout, write_timeout=timeout)
    except pymysql.err.MySQLError as exc:
        raise translate_error(exc, url) from exc


def translate_error(exc: Exception, url: BackendURL) -> BackendError:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    where = f"{url.host}:{url.port}"
    if code == 1045:
        return BackendAuthError(f"OceanBase 服务器 {where} 拒绝了用户 {url.user} 的登录：用户名或密码不对。"
                                f"请检查后端地址 {url.masked()} 中的用户名和密码。")
    if code == 1049:
        return BackendSchemaError(f"OceanBase 服务器 {where} 上没有数据库 {url.database}。"
                                  + _SCHEMA_HINT.format(url=url.masked()))
    if code in (1146, 1051):
        return BackendSchemaError(f"数据库 {url.database} 里没有政策问答索引（缺少表）。" + _SCHEMA_HINT.format(url=url.masked()))
    if not code or 2000 <= code < 3000:  # the client's own: refused, timed out, lost, closed
        return BackendUnavailableError(f"无法连接 OceanBase 服务器 {where}（错误 {code}）。"
                                       "请确认服务器已启动、地址和端口正确，并且本机可以访问它。")
    return BackendError(f"OceanBase 服务器 {where} 返回错误 {code}：{exc.args[1] if len(exc.args) > 1 else exc}")


def vector_literal(vector: np.ndarray) -> str:
    """``[x1,x2,…]`` with 9 significant digits: every float32 comes back exactly."""
    return "[" + ",".join(format(float(x), ".9g") for x in np.asarray(vector, dtype=np.float32)) + "]"


class OceanBaseBackend:
    """``index.backend.SearchBackend`` over the tables above; one connection per thread."""

    name = "oceanbase"

    def __init__(self, url: BackendURL, stats: Bm25Stats, size: int, generation: int = 0) -> None:
        self.url = url
        self.stats = stats
        self._size = size
        self.generation = generation
        self.tables = GenerationTables(generation)
        self._local = threading.local()

    @property
    def size(self) -> int:
        return self._size

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or not conn.open:
            conn = connect(self.url)
            self._local.conn = conn
        return conn

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import pymysql

        conn = self._connection()
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        except pymysql.err.MySQLError as exc:
            code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
            if isinstance(exc, (pymysql.err.OperationalError, pymysql.err.InterfaceError)) or code in (1146, 1051):
                self._local.conn = None
                raise translate_error(exc, self.url) from exc
            raise

    def current_generation(self) -> int | None:
        """The generation the pointer names now (one primary-key read): None when none is complete."""
        return read_pointer(self)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @staticmethod
    def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({','.join(['%s'] * len(values))})", list(values)

    # ----- dense -----------------------------------------------------------------------------------
    def _dense_sql(self, k: int, doc_ids: frozenset[str] | None) -> tuple[str, list[Any]]:
        where, params = "", list[Any]()
        if doc_ids is not None:
            clause, params = self._in("doc_id", sorted(doc_ids))
            where = f" WHERE {clause}"
        approximate = " APPROXIMATE" if doc_ids is None else ""
        sql = (f"SELECT chunk_id, cosine_distance(embedding, %s) AS distance FROM {self.tables.chunks}{where} "
               f"ORDER BY cosine_distance(embedding, %s){approximate} LIMIT {int(k)}")
        return sql, params

    def dense_top_k(self, vector: np.ndarray, k: int, doc_ids: frozenset[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0 or (doc_ids is not None and not doc_ids):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        literal = vector_literal(vector)
        sql, params = self._dense_sql(k, doc_ids)
        rows = self.query(sql, [literal, *params, literal])
        return np.array([r[0] for r in rows], np.int64), np.array([1.0 - float(r[1]) for r in rows], np.float32)

    def dense_scores(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        ids = [int(i) for i in chunk_ids]
        if not ids:
            return np.zeros(0, np.float32)
        clause, params = self._in("chunk_id", ids)
        rows = self.query(f"SELECT chunk_id, cosine_distance(embedding, %s) FROM {self.tables.chunks} WHERE {clause}",
                          [vector_literal(vector), *params])
        found = {int(r[0]): 1.0 - float(r[1]) for r in rows}
        return np.array([found.get(i, 0.0) for i in ids], np.float32)

    # ----- lexical ---------------------------------------------------------------------------------
    def _lexical_sql(self, pool: int, doc_ids: frozenset[str] | None) -> tuple[str, list[Any]]:
        match = "MATCH(tokens) AGAINST (%s IN NATURAL LANGUAGE MODE)"
        extra, params = "", list[Any]()
        if doc_ids is not None:
            clause, params = self._in("doc_id", sorted(doc_ids))
            extra = f" AND {clause}"
        sql = (f"SELECT chunk_id, tokens, {match} AS relevance FROM {self.tables.chunks} WHERE {match}{extra} "
               f"ORDER BY relevance DESC LIMIT {int(pool)}")
        return sql, params

    def _known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if t in self.stats.df]

    def _remember(self, tokens: list[str], rows: dict[int, list[str]]) -> None:
        last = getattr(self._local, "tokens", None)
        if last is None or last[0] != tuple(tokens):
            last = (tuple(tokens), dict[int, list[str]]())
            self._local.tokens = last
        last[1].update(rows)

    def lexical_top_k(self, tokens: list[str], k: int, doc_ids: frozenset[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        known = self._known(tokens)
        if k <= 0 or not known or (doc_ids is not None and not doc_ids):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        query = " ".join(dict.fromkeys(known))
        sql, params = self._lexical_sql(k * LEXICAL_POOL, doc_ids)
        rows = {int(r[0]): r[1].split(" ") for r in self.query(sql, [query, query, *params])}
        self._remember(tokens, rows)
        scored = sorted(((-self.stats.score(tokens, words), i) for i, words in rows.items()))
        best = [(i, -s) for s, i in scored if s < 0][:k]
        return np.array([i for i, _ in best], np.int64), np.array([s for _, s in best], np.float32)

    def lexical_scores(self, tokens: list[str], chunk_ids: np.ndarray) -> np.ndarray:
        ids = [int(i) for i in chunk_ids]
        last = getattr(self._local, "tokens", None)
        cached: dict[int, list[str]] = last[1] if last is not None and last[0] == tuple(tokens) else {}
        missing = [i for i in ids if i not in cached]
        if missing and self._known(tokens):
            clause, params = self._in("chunk_id", missing)
            rows = {int(r[0]): r[1].split(" ") for r in self.query(f"SELECT chunk_id, tokens FROM {self.tables.chunks} WHERE {clause}", params)}
            self._remember(tokens, rows)
            cached = {**cached, **rows}
        return np.array([self.stats.score(tokens, cached.get(i, [])) for i in ids], np.float32)

    # ----- fetching --------------------------------------------------------------------------------
    def fetch_chunks(self, chunk_ids: list[int]) -> list[Chunk]:
        if not chunk_ids:
            return []
        clause, params = self._in("chunk_id", [int(i) for i in chunk_ids])
        rows = self.query(f"SELECT chunk_id, doc_id, start_offset, end_offset, chunk_text, section FROM {self.tables.chunks} "
                          f"WHERE {clause}", params)
        by_id = {int(r[0]): Chunk(int(r[0]), r[1], int(r[2]), int(r[3]), r[4], r[5]) for r in rows}
        return [by_id[int(i)] for i in chunk_ids if int(i) in by_id]

    def fetch_document(self, doc_id: str) -> StoredDocument | None:
        rows = self.query(f"SELECT record FROM {self.tables.documents} WHERE doc_id = %s", [doc_id])
        return _stored_document(rows[0][0]) if rows else None

    # ----- plans -----------------------------------------------------------------------------------
    def explain_dense(self, vector: np.ndarray, k: int = 10) -> str:
        """The server's plan of the dense query (it names the HNSW index when the index is used)."""
        literal = vector_literal(vector)
        sql, params = self._dense_sql(k, None)
        return "\n".join(str(r[0]) for r in self.query("EXPLAIN " + sql, [literal, *params, literal]))

    def explain_lexical(self, tokens: list[str], k: int = 10) -> str:
        query = " ".join(dict.fromkeys(self._known(tokens) or tokens))
        sql, params = self._lexical_sql(k * LEXICAL_POOL, None)
        return "\n".join(str(r[0]) for r in self.query("EXPLAIN " + sql, [query, query, *params]))


def _stored_document(record_json: str) -> StoredDocument:
    record = json.loads(record_json)
    meta = record.pop("meta")
    content_hash, added_at = record.pop("content_hash"), record.pop("added_at")
    return StoredDocument(Document(**record), content_hash, added_at, meta)


def _where(url: BackendURL) -> str:
    return f"数据库 {url.database}（{url.host}:{url.port}）"


def read_format(backend: OceanBaseBackend) -> int | None:
    """The database's format version; None when it holds no index of ours (no format table or row)."""
    tables = {r[0] for r in backend.query("SHOW TABLES")}
    if T_FORMAT not in tables:
        return None
    versions = backend.query(f"SELECT format_version FROM {T_FORMAT}")
    return int(versions[0][0]) if versions else None


def read_pointer(backend: OceanBaseBackend) -> int | None:
    """The generation that answers; None when no generation was ever completed."""
    rows = backend.query(f"SELECT generation FROM {T_CURRENT} WHERE id = 1")
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def check_format(backend: OceanBaseBackend) -> None:
    """Refuse a database without our index or with one of another format version."""
    url = backend.url
    version = read_format(backend)
    if version is None:
        raise BackendSchemaError(f"{_where(url)} 里没有政策问答索引（缺少表）。" + _SCHEMA_HINT.format(url=url.masked()))
    if version != FORMAT_VERSION:
        raise BackendSchemaError(f"{_where(url)} 里的索引格式版本 {version} 与程序版本 {FORMAT_VERSION} 不符。"
                                 + _SCHEMA_HINT.format(url=url.masked()) + " --replace")


def generation_log(backend: OceanBaseBackend) -> list[dict[str, Any]]:
    """Every generation the database remembers, newest first (``python -m index info --backend``)."""
    rows = backend.query(f"SELECT generation, state, started_at, finished_at, documents, chunks, note "
                         f"FROM {T_GENERATIONS} ORDER BY generation DESC")
    keys = ("generation", "state", "started_at", "finished_at", "documents", "chunks", "note")
    return [dict(zip(keys, row)) for row in rows]


def parse_vector(text: str) -> np.ndarray:
    return np.array(json.loads(text), dtype=np.float32)


def load_oceanbase(url: str | BackendURL, expected: dict[str, Any] | None = None, with_vectors: bool = False,
                   generation: int | None = None) -> LoadedIndex:
    """Everything answering needs from the generation that answers at ``url`` (or ``generation``);
    searches go to the server. ``expected`` holds manifest fields that must match, as for
    ``index.store.load_index``; ``with_vectors`` also reads every chunk's vector (an incremental build
    reuses them), which answering does not need."""
    parsed = url if isinstance(url, BackendURL) else BackendURL.parse(url)
    backend = OceanBaseBackend(parsed, Bm25Stats({}, 0, 0.0), 0)
    where = _where(parsed)
    check_format(backend)
    current = read_pointer(backend) if generation is None else generation
    if current is None:
        raise BackendSchemaError(f"{where} 里还没有完整的索引（第一次导出或构建没有完成）。"
                                 + _SCHEMA_HINT.format(url=parsed.masked()) + " --replace")
    backend = OceanBaseBackend(parsed, backend.stats, 0, current)
    tables = backend.tables
    hint = _SCHEMA_HINT.format(url=parsed.masked()) + " --replace"
    meta = {name: json.loads(value) for name, value in backend.query(f"SELECT name, value FROM {tables.meta}")}
    manifest = meta["manifest"]
    manifest["generation"] = current
    for key, value in (expected or {}).items():
        if dig(manifest, key) != value:
            raise IndexMismatchError(f"{where} 里的索引用 {key}={dig(manifest, key)!r} 构建，但当前设置为 {value!r}。")
    documents: dict[str, StoredDocument] = {}
    for doc_id, record in backend.query(f"SELECT doc_id, record FROM {tables.documents} ORDER BY ordinal"):
        documents[doc_id] = _stored_document(record)
    vector_column = ", embedding" if with_vectors else ""
    rows = backend.query(f"SELECT chunk_id, doc_id, start_offset, end_offset, chunk_text, section{vector_column} "
                         f"FROM {tables.chunks} ORDER BY chunk_id")
    chunks = [Chunk(int(r[0]), r[1], int(r[2]), int(r[3]), r[4], r[5]) for r in rows]
    counts = manifest["counts"]
    if len(chunks) != counts["chunks"] or len(documents) != counts["documents"] or any(
            c.chunk_id != n for n, c in enumerate(chunks)):
        raise IndexCorruptError(f"{where} 里的第 {current} 代索引不完整（文档 {len(documents)}/{counts['documents']}，"
                                f"文本块 {len(chunks)}/{counts['chunks']}）。" + hint)
    for chunk in chunks[:: max(1, len(chunks) // 50)]:
        stored = documents.get(chunk.doc_id)
        if stored is None or stored.document.text[chunk.start:chunk.end] != chunk.text:
            raise IndexCorruptError(f"{where} 里的文本块与原文位置不符。" + hint)
    lexicon = meta["lexicon"]
    stats = Bm25Stats(lexicon["df"], int(lexicon["n"]), float(lexicon["mean_length"]))
    backend.stats, backend._size = stats, len(chunks)
    tasks = [Task.from_dict(t) for t in meta.get("tasks", [])]
    dim = int(manifest["embedder"]["dim"])
    embeddings = (np.vstack([parse_vector(r[6]) for r in rows]).astype(np.float32) if with_vectors and rows
                  else np.zeros((0, dim), np.float32))
    return LoadedIndex(Path(parsed.masked()), manifest, documents, chunks, embeddings, None, stats,
                       meta.get("duplicates", {}), tasks, backend)
