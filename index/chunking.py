"""Structure-aware chunking: sections by detected headings, then langchain's recursive
splitter with Chinese separators inside a section. Chunks never cross documents, sections
or dropped lines, and each one keeps exact offsets into the original text."""
from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from index.cleaning import Line
from index.config import IndexConfig
from index.headings import SectionTracker, detect_heading, is_whole_line_heading
from index.records import Chunk


@dataclass
class _Unit:
    start: int
    end: int
    section: str
    has_body: bool = False


def _section_units(text: str, lines: list[Line]) -> list[_Unit]:
    """Group kept lines into contiguous units, each opening at a heading."""
    tracker = SectionTracker()
    units: list[_Unit] = []
    current: _Unit | None = None
    previous_kept = False
    for line in lines:
        if not line.kept:
            current, previous_kept = None, False
            continue
        raw = text[line.start:line.end]
        heading = detect_heading(raw)
        whole = heading is not None and is_whole_line_heading(raw)
        if heading is not None:
            tracker.push(heading)
            starts_new = current is None or current.has_body or not previous_kept
            if starts_new:
                current = _Unit(line.start, line.end, tracker.path)
                units.append(current)
            else:
                current.end, current.section = line.end, tracker.path
            if not whole:
                current.has_body = True
                tracker.body()
        else:
            tracker.body()
            if current is None:
                current = _Unit(line.start, line.end, tracker.path)
                units.append(current)
            current.end = line.end
            current.has_body = True
        previous_kept = True
    return units


def _splitter(config: IndexConfig) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=config.chunk_size,
        chunk_overlap=config.chunk_overlap,
        separators=config.separators,
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def chunk_document(doc_id: str, text: str, lines: list[Line], config: IndexConfig) -> list[Chunk]:
    """Chunks of one document; ``chunk_id`` is left at -1 and numbered by the index builder."""
    splitter = _splitter(config)
    chunks: list[Chunk] = []
    for unit in _section_units(text, lines):
        unit_text = text[unit.start:unit.end]
        if len(unit_text) <= config.chunk_size:
            pieces = [(0, unit_text)]
        else:
            pieces = [(d.metadata["start_index"], d.page_content) for d in splitter.create_documents([unit_text])]
        for offset, piece in pieces:
            if offset < 0 or unit_text[offset:offset + len(piece)] != piece:
                offset = unit_text.find(piece)  # langchain's own offset search failed; find it
            if offset < 0 or not piece.strip():
                continue
            start = unit.start + offset
            chunks.append(Chunk(-1, doc_id, start, start + len(piece), piece, unit.section))
    return chunks


def embedding_text(chunk: Chunk, title: str) -> str:
    """What the embedder and BM25 see: a short context header, then the original chunk text."""
    header = " › ".join(part for part in (title, chunk.section) if part and part not in chunk.text[:60])
    return f"{header}\n{chunk.text}" if header else chunk.text
