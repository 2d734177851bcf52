"""Evidence for the reading tests from a text a test writes: a one-chunk index in memory, no model."""
from __future__ import annotations

from types import SimpleNamespace

from index.records import Chunk, Document
from index.store import StoredDocument
from qa.candidates import Candidate
from qa.config import ReadingConfig
from qa.evidence import CandidateEvidence, EvidenceBuilder, PassageEvidence, QuestionEvidence
from qa.places import Places
from qa.question import prepare_question
from qa.retrieval import Hit


def tiny_index(documents: list[tuple[str, str, str, dict]]) -> SimpleNamespace:
    """``(doc_id, title, text, meta)`` records, each one chunk (section "")."""
    stored = {d: StoredDocument(Document(d, text, title), "", "", {"title": title, **meta}) for d, title, text, meta in documents}
    chunks = [Chunk(k, d, 0, len(text), text, "") for k, (d, _, text, _) in enumerate(documents)]
    return SimpleNamespace(documents=stored, chunks=chunks)


def read_text(question: str, text: str, title: str = "", meta: dict | None = None, idf: dict | None = None,
              others: list[tuple[str, str, str, dict]] = ()) -> tuple[QuestionEvidence, PassageEvidence, EvidenceBuilder]:
    """The question's and the passage's evidence for one document (plus ``others`` for the collection's places)."""
    index = tiny_index([("doc", title, text, meta or {}), *others])
    builder = EvidenceBuilder(index, Places(index.documents), idf or {}, 1.0)
    prepared = prepare_question(question, builder.places)
    q = builder.question(prepared, 80)
    return q, builder.passage(q, 0, Hit(0, 1.0, 1.0, 0.8)), builder


def candidate_at(builder: EvidenceBuilder, q: QuestionEvidence, passage: PassageEvidence, fragment: str,
                 shape: str = "sentence") -> CandidateEvidence:
    """The candidate whose span is the sentence(s) of the passage holding ``fragment``."""
    text = builder.index.documents[passage.doc_id].document.text
    start = text.index(fragment)
    end = start + len(fragment)
    first = next(i for i, s in enumerate(passage.sentences) if s.start <= start < s.end)
    last = next(i for i, s in enumerate(passage.sentences) if s.start < end <= s.end)
    return builder.candidate(q, passage, Candidate(0, start, end, shape, first, last))


READING = ReadingConfig()
