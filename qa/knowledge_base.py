"""Keeping the collection: list, add and delete documents. Each change is an incremental build of
a new index generation (unchanged documents keep their vectors), after which the engine switches
to it; a question being answered meanwhile finishes on the snapshot it started with. The index is
the engine's folder (``KnowledgeBase``) or a database (``BackendKnowledgeBase``: the generation is
written there, and every engine on the database switches to it at its next question)."""
from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.build import BuildReport, ProgressFn, build_from_documents
from index.errors import DocumentError, PolicyQAError
from index.loading import read_document_file
from index.records import Document, SkippedFile
from index.store import load_index

if TYPE_CHECKING:
    from qa.engine import QAEngine

ON_EXISTING = ("replace", "keep_both")


def file_doc_id(path: Path) -> str:
    """The doc_id a file is added under: its name, without any folder or leading dots."""
    return re.sub(r"[\\/\x00]+", "_", Path(Path(path).name).name).lstrip(".") or "document.txt"


def free_doc_id(doc_id: str, taken: set[str]) -> str:
    """``政策.docx`` -> ``政策（2）.docx`` (the first number not taken), so that two files may share a name."""
    path = Path(doc_id)
    number = 2
    while f"{path.stem}（{number}）{path.suffix}" in taken:
        number += 1
    return f"{path.stem}（{number}）{path.suffix}"


class KnowledgeBase:
    """The documents behind one engine."""

    def __init__(self, engine: QAEngine) -> None:
        self.engine = engine
        self._write_lock = threading.RLock()

    def documents(self) -> list[dict[str, Any]]:
        index = self.engine.snapshot().index
        counts: dict[str, int] = {}
        for chunk in index.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return [{"doc_id": d, "title": s.document.title, "place": s.meta.get("place", ""),
                 "places": list(s.meta.get("places", [])), "year": s.meta.get("year"),
                 "kind": s.meta.get("kind", ""), "chunks": counts.get(d, 0), "added_at": s.added_at,
                 "chars": len(s.document.text)} for d, s in index.documents.items()]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """One document as indexed: its whole text (what citations' offsets slice), title, metadata and the
        span and section path of each of its passages, in order; ``None`` if there is no such document."""
        index = self.engine.snapshot().index
        stored = index.documents.get(doc_id)
        if stored is None:
            return None
        meta = stored.meta
        passages = [{"start": c.start, "end": c.end, "section": c.section}
                    for c in sorted((c for c in index.chunks if c.doc_id == doc_id), key=lambda c: c.start)]
        return {"doc_id": doc_id, "title": stored.document.title, "text": stored.document.text,
                "place": meta.get("place", ""), "places": list(meta.get("places", [])), "year": meta.get("year"),
                "kind": meta.get("kind", ""), "added_at": stored.added_at, "passages": passages}

    def name_conflicts(self, paths: list[Path]) -> list[dict[str, str]]:
        """The files that would replace a document of the same name with different text:
        ``[{"file", "doc_id", "title"}]`` (a file that cannot be read, or reads the same, is not one)."""
        index = self.engine.snapshot().index
        conflicts = []
        for path in paths:
            stored = index.documents.get(file_doc_id(Path(path)))
            if stored is None:
                continue
            try:
                text = read_document_file(Path(path), max_bytes=self.engine.index_config.max_file_bytes).text
            except DocumentError:
                continue
            if text != stored.document.text:
                conflicts.append({"file": Path(path).name, "doc_id": stored.document.doc_id,
                                  "title": stored.document.title})
        return conflicts

    def add_files(self, paths: list[Path], progress: ProgressFn | None = None,
                  on_existing: str = "replace") -> dict[str, Any]:
        """Add documents; bad files are refused and reported, the index untouched by them. A file named like a
        document already there replaces it (``on_existing="replace"``) or is added beside it under a free name
        (``"keep_both"``: 政策.docx -> 政策（2）.docx)."""
        if on_existing not in ON_EXISTING:
            raise PolicyQAError(f"on_existing 必须是 {' 或 '.join(ON_EXISTING)}，当前值为 {on_existing!r}")
        index = self.engine.snapshot().index
        existing = {d: s.document for d, s in index.documents.items()}
        hashes = {hashlib.sha256(doc.text.encode("utf-8")).hexdigest(): d for d, doc in existing.items()}
        new_docs, skipped = [], []
        taken = set(existing)
        for path in paths:
            path = Path(path)
            doc_id = file_doc_id(path)
            if on_existing == "keep_both" and doc_id in taken:
                doc_id = free_doc_id(doc_id, taken)
            try:
                document = read_document_file(path, doc_id=doc_id, max_bytes=self.engine.index_config.max_file_bytes)
            except DocumentError as exc:
                skipped.append(SkippedFile(path.name, str(exc)))
                continue
            digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
            if digest in hashes:
                same = existing.get(hashes[digest])
                skipped.append(SkippedFile(path.name, f"与已有文档《{(same.title if same else '') or hashes[digest]}》内容相同，未重复添加"))
                continue
            hashes[digest] = doc_id
            taken.add(doc_id)
            new_docs.append(document)
        result: dict[str, Any] = {"added": [], "updated": [], "removed": [], "skipped": [s.to_dict() for s in skipped],
                                  "chunks": len(index.chunks), "seconds": 0.0}
        if not new_docs:
            return result
        documents = dict(existing)
        for document in new_docs:
            documents[document.doc_id] = document
        # a replaced document's title, place and year are read from its new text, not kept from the old one
        return self._rebuild(list(documents.values()), progress, result, frozenset(d.doc_id for d in new_docs))

    def delete_document(self, doc_id: str, progress: ProgressFn | None = None) -> dict[str, Any]:
        index = self.engine.snapshot().index
        if doc_id not in index.documents:
            raise PolicyQAError(f"知识库中没有文档：{doc_id}")
        if len(index.documents) == 1:
            raise PolicyQAError("不能删除最后一篇文档：知识库至少需要一篇文档。")
        documents = [s.document for d, s in index.documents.items() if d != doc_id]
        return self._rebuild(documents, progress, {"skipped": []})

    def _rebuild(self, documents: list[Document], progress: ProgressFn | None, result: dict[str, Any],
                 new_ids: frozenset[str] = frozenset()) -> dict[str, Any]:
        engine = self.engine
        catalog = {d: s.meta for d, s in engine.snapshot().index.documents.items() if d not in new_ids}
        for document in documents:
            if document.doc_id in catalog and not document.title:
                document.title = catalog[document.doc_id].get("title", "")
        with self._write_lock:
            report = self._write(documents, catalog, progress)
        result.update({"added": report.added, "updated": report.updated, "removed": report.removed,
                       "chunks": report.chunks, "seconds": round(report.seconds, 2), "summary": report.summary()})
        return result

    def _write(self, documents: list[Document], catalog: dict[str, dict[str, Any]],
               progress: ProgressFn | None) -> BuildReport:
        """Write ``documents`` as the next generation and answer from it."""
        engine = self.engine
        report = build_from_documents(documents, engine.index_dir, engine.index_config, catalog, progress=progress)
        engine.install(load_index(engine.index_dir))
        return report

    def reload(self) -> None:
        """Switch to the live generation on disk (after an outside rebuild)."""
        self.engine.install(load_index(self.engine.index_dir))


class BackendKnowledgeBase(KnowledgeBase):
    """The documents of an engine on a database backend. A change takes the database's write lease,
    switches the engine to the generation that answers (another app may have written one), works out
    the new collection from it, and writes it as the next generation (``index.export.write_documents``):
    every other engine on the database answers from it at its next question."""

    def __init__(self, engine: QAEngine, backend: str) -> None:
        super().__init__(engine)
        self.backend = backend
        self._writer: Any = None

    @contextlib.contextmanager
    def _leased(self) -> Iterator[None]:
        from index.oceanbase import BackendURL
        from index.oceanbase_write import write_lease

        with self._write_lock, write_lease(BackendURL.parse(self.backend)) as writer:
            self._writer = writer
            try:
                self.engine.refresh(wait=True)
                yield
            finally:
                self._writer = None

    def documents(self) -> list[dict[str, Any]]:
        self.engine.refresh()  # the list another app just changed, not the one of this engine's last question
        return super().documents()

    def document(self, doc_id: str) -> dict[str, Any] | None:
        self.engine.refresh()
        return super().document(doc_id)

    def add_files(self, paths: list[Path], progress: ProgressFn | None = None,
                  on_existing: str = "replace") -> dict[str, Any]:
        if on_existing not in ON_EXISTING:
            raise PolicyQAError(f"on_existing 必须是 {' 或 '.join(ON_EXISTING)}，当前值为 {on_existing!r}")
        with self._leased():
            return super().add_files(paths, progress, on_existing)

    def delete_document(self, doc_id: str, progress: ProgressFn | None = None) -> dict[str, Any]:
        with self._leased():
            return super().delete_document(doc_id, progress)

    def _rebuild(self, documents: list[Document], progress: ProgressFn | None, result: dict[str, Any],
                 new_ids: frozenset[str] = frozenset()) -> dict[str, Any]:
        if self._writer is None:  # reached only through add_files and delete_document, which hold the lease
            raise PolicyQAError("写入数据库需要先取得写入权。")
        return super()._rebuild(documents, progress, result, new_ids)

    def _write(self, documents: list[Document], catalog: dict[str, dict[str, Any]],
               progress: ProgressFn | None) -> BuildReport:
        from index.export import write_documents

        report, _ = write_documents(self._writer, documents, self.engine.index_config, catalog, progress=progress)
        self.engine.refresh(force=True)
        return report

    def reload(self) -> None:
        """Read the generation that answers in the database again."""
        self.engine.refresh(force=True)
