"""Typed records passed between the indexing stages."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Document:
    """One source document; ``text`` is the decoded original that citations slice."""

    doc_id: str
    text: str
    title: str = ""
    source: str = ""
    encoding: str = "utf-8"
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chunk:
    """A passage of a document: ``document.text[start:end] == text`` always holds."""

    chunk_id: int
    doc_id: str
    start: int
    end: int
    text: str
    section: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DroppedSpan:
    """A piece of a document left out of the index, with the reason (for the build report)."""

    doc_id: str
    start: int
    end: int
    reason: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SkippedFile:
    """A file that could not be indexed, with a human-readable reason."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
