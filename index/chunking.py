"""Structure-aware chunking: sections by detected headings, then langchain's recursive
splitter with Chinese separators inside a section. Chunks never cross documents, sections
or dropped lines, and each one keeps exact offsets into the original text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from index.cleaning import Line
from index.config import IndexConfig
from index.headings import SEPARATOR as SECTION_SEPARATOR
from index.headings import SectionTracker, detect_heading, is_whole_line_heading
from index.records import Chunk


@dataclass
class _Unit:
    start: int
    end: int
    section: str
    has_body: bool = False


def _is_title(heading: str, title: str) -> bool:
    return bool(title) and re.sub(r"\s+", "", heading) == re.sub(r"\s+", "", title)


def _section_units(text: str, lines: list[Line], title: str = "") -> list[_Unit]:
    """Group kept lines into contiguous units, each opening at a heading. A line that is the document's
    title stays in the text but opens no section: a citation already names the title."""
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
        if heading is not None and _is_title(heading.text, title):
            if current is None:
                current = _Unit(line.start, line.end, tracker.path)
                units.append(current)
            current.end = line.end
            previous_kept = True
            continue
        whole = heading is not None and is_whole_line_heading(raw)
        if heading is not None:
            tracker.push(heading)
            starts_new = current is None or current.has_body or not previous_kept
            if starts_new:
                current = _Unit(line.start, line.end, tracker.path)
                units.append(current)
            else:
                assert current is not None  # starts_new is true whenever current is None
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


def _siblings(first: str, second: str) -> tuple[bool, str]:
    """Whether two section paths are siblings or parent and child, and their common path."""
    a, b = first.split(SECTION_SEPARATOR), second.split(SECTION_SEPARATOR)
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    return common >= max(len(a), len(b)) - 1, SECTION_SEPARATOR.join(a[:common])


def _merge_small_units(text: str, units: list[_Unit], max_chars: int) -> list[_Unit]:
    """Join neighbouring sections that fit in one chunk together: the items "（1）…（2）…" of a
    list, or "2022年…2023年…" under one district, are one passage to a reader and to a question
    whose answer runs over several of them. Only siblings (or a heading and its first child)
    with nothing dropped between them are joined; the chunk keeps their common section path."""
    merged: list[_Unit] = []
    for unit in units:
        last = merged[-1] if merged else None
        if last is not None and unit.end - last.start <= max_chars and not text[last.end:unit.start].strip():
            related, common = _siblings(last.section, unit.section)
            if related:
                merged[-1] = _Unit(last.start, unit.end, common, last.has_body or unit.has_body)
                continue
        merged.append(_Unit(unit.start, unit.end, unit.section, unit.has_body))
    return merged


def _splitter(config: IndexConfig) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=config.chunk_size,
        chunk_overlap=config.chunk_overlap,
        separators=config.separators,
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def chunk_document(doc_id: str, text: str, lines: list[Line], config: IndexConfig, title: str = "") -> list[Chunk]:
    """Chunks of one document; ``chunk_id`` is left at -1 and numbered by the index builder. ``title`` (the
    document's) is left out of section paths when the text opens with it."""
    splitter = _splitter(config)
    chunks: list[Chunk] = []
    for unit in _merge_small_units(text, _section_units(text, lines, title), config.chunk_size):
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
    """What BM25 sees: the title and section path, then the original chunk text."""
    header = SECTION_SEPARATOR.join(part for part in (title, chunk.section) if part and part not in chunk.text[:60])
    return f"{header}\n{chunk.text}" if header else chunk.text


def dense_text(chunk: Chunk, title: str, max_chars: int, header_chars: int = 48) -> str:
    """What the embedder sees: the title and the innermost heading (each once), then the
    chunk's first ``max_chars`` characters (0: all of it).

    Embedding time grows with every token: on 2 cores the bundled model embeds about 900
    characters a second, and ncp_policy's chunks with their full headers hold 1.28 million.
    The head of a chunk and its headings place it in its topic; BM25 still indexes every word."""
    parts: list[str] = []
    sections = [part for part in chunk.section.split(SECTION_SEPARATOR) if part]
    for part in [title] + sections[-1:]:
        if part and part not in chunk.text[:60] and not any(part in kept or kept in part for kept in parts):
            parts.append(part)
    header = SECTION_SEPARATOR.join(parts)[:header_chars]
    body = chunk.text[:max_chars] if max_chars > 0 else chunk.text
    return f"{header}\n{body}" if header else body
