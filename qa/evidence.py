"""What the features of an answer candidate read: the question's words with their weights, each
read passage (its sentences, topic, retrieval scores, document metadata, the entities it names)
and each candidate's normalised text. Computed once per question, so that every feature in
``qa.features`` is a small function of these records."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from index.metadata import short_place
from index.normalize import normalize_text
from index.store import LoadedIndex
from qa.answer_types import TAGGED_KINDS, entity_spans, unit_pattern
from qa.candidates import Candidate
from qa.question import Question
from qa.retrieval import Hit, member_at, passage_bounds
from qa.sentences import Span, split_sentences
from qa.synonyms import synonyms

_PUNCT = re.compile(r"[\W_]+")
# Question words that only ask ("哪一年", "第几", "多少", "什么样"): never in an answer, so they weigh nothing.
_ASKING = re.compile(r"哪|几|多少|什么|怎|谁|何|吗|呢|啥|多长|多大|多高|多远|多久")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CLAUSE_END = re.compile(r"[，,。；;！？!?：:\n]")
_FUNCTION_CHARS = frozenset("的了是在和与及为等对将把被也都而其之于以由从向着过所")  # they state nothing
# The asking word of a question with the count word it takes ("多少个", "哪一年", "哪十项"): the answer
# takes its place, next to the question words around it.
_SLOT = re.compile(r"(?:多少|几|什么|哪|谁|何时|何地|何处|何人|何种|如何|怎样|怎么|为什么|为何|多长|多大|多高|多远|多久|啥)"
                   r"[一二三四五六七八九十两0-9]*[个项家条次年月日天人所座名批类种位件款方届期]?")


def bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` that do not cross a gap (spaces or punctuation)."""
    return {part[i:i + 2] for part in _PUNCT.split(text) for i in range(len(part) - 1)}


def trigrams(text: str) -> set[str]:
    """Character trigrams of ``text`` that do not cross a gap."""
    return {part[i:i + 3] for part in _PUNCT.split(text) for i in range(len(part) - 2)}


@dataclass
class QuestionEvidence:
    """The question as the features weigh it."""

    question: Question
    words: list[str]
    weights: np.ndarray           # IDF of each word (rare words tell most)
    bigrams: set[str]
    limit: int                    # the answer length limit of this kind of question
    chars: frozenset[str]         # the question's characters, for how much of a candidate is new
    synonyms: list[tuple[str, ...]] = field(default_factory=list)  # each word's synonyms (qa.synonyms)
    trigrams: tuple[str, ...] = ()
    unknown: float = 0.0          # weight share of the question's words that no chunk holds as a token
    slot: tuple[str, str] = ("", "")  # the question words nearest its asking word, before and after (``asked_slot``)

    def holds(self, text: str) -> np.ndarray:
        """Which question words ``text`` holds, itself or by a synonym."""
        return np.array([w in text or any(s in text for s in syns) for w, syns in zip(self.words, self.synonyms)],
                        dtype=bool)

    def coverage(self, present: np.ndarray, mask: np.ndarray | None = None) -> float:
        """Weighted share of the (masked) question words that are present."""
        weights = self.weights if mask is None else self.weights * mask
        total = float(weights.sum())
        return float((weights * present).sum()) / total if total > 0 else 0.0

    def missing_weight(self, present: np.ndarray) -> float:
        """The weight of the rarest question word that is absent, over the rarest word's weight:
        1.0 when the most specific word of the question is missing."""
        if not len(self.weights):
            return 0.0
        absent = self.weights[~present.astype(bool)]
        return float(absent.max() / self.weights.max()) if len(absent) else 0.0


@dataclass
class PassageEvidence:
    """One read passage: its place in the ranking, its text and the document it belongs to."""

    rank: int
    hit: Hit
    doc_id: str
    start: int
    end: int
    norm: str                     # the passage's normalised text (offset 0 = ``start``)
    sentences: list[Span]         # document offsets
    paragraphs: list[int]         # paragraph number of each sentence
    context: str                  # normalised title and section path: what the passage is about
    topic: np.ndarray             # which question words are in ``context``
    present: np.ndarray           # which question words are in the passage or its context
    doc_present: np.ndarray       # which question words are anywhere in the document or its title
    synonym_present: np.ndarray   # which question words the passage holds, itself or by a synonym
    rarity: np.ndarray            # 0.5 (word in every sentence) .. 1.0 (in one): what tells sentences apart
    meta: dict
    own_context: str              # title, section path and text of the chunks, normalised (places, years)
    doc_norm: str
    entities: list[tuple[int, int]] = field(default_factory=list)  # spans of the asked type (document offsets)
    places: list[tuple[int, int, str]] = field(default_factory=list)  # places named (document offsets, form)
    years: list[tuple[int, int, int]] = field(default_factory=list)   # years named (document offsets, year)
    chunk_contexts: dict[int, str] = field(default_factory=dict)
    asked_bigrams: tuple[str, ...] = ()  # the question's bigrams outside the passage's topic words
    letters: np.ndarray = field(default_factory=lambda: np.zeros(1))  # running count of letters/digits
    new_letters: np.ndarray = field(default_factory=lambda: np.zeros(1))  # … of those not in the question

    def novelty(self, start: int, end: int) -> float:
        """Share of the letters and digits of [start, end) that are not in the question."""
        a, b = start - self.start, end - self.start
        letters = self.letters[b] - self.letters[a]
        return float(self.new_letters[b] - self.new_letters[a]) / letters if letters > 0 else 0.0


@dataclass
class CandidateEvidence:
    """One candidate span and what it holds."""

    candidate: Candidate
    passage: PassageEvidence
    norm: str                     # normalised span text (with its note, if any)
    first_norm: str               # its first sentence
    before_norm: str              # the sentence before it ("" at the passage start)
    after_norm: str               # the sentence after it
    member: Hit                   # the retrieved chunk that holds its start
    chunk_context: str            # title, section path and text of that chunk, normalised


class EvidenceBuilder:
    """Builds the evidence records of a question over one index snapshot."""

    def __init__(self, index: LoadedIndex, places, idf: dict[str, float], unknown_idf: float) -> None:
        self.index = index
        self.places = places          # qa.places.Places
        self.idf = idf
        self.unknown_idf = unknown_idf
        self._doc_norm = lru_cache(maxsize=256)(self._normalise_document)

    def _normalise_document(self, doc_id: str) -> str:
        stored = self.index.documents[doc_id]
        return normalize_text((stored.document.title or "") + "\n" + stored.document.text)

    def question(self, question: Question, limit: int) -> QuestionEvidence:
        words = list(dict.fromkeys(question.words))
        weights = np.array([0.0 if _ASKING.search(w) else self.idf.get(w, self.unknown_idf) for w in words],
                           dtype=np.float64)
        unknown = sum(wt for w, wt in zip(words, weights) if w not in self.idf) / max(1e-9, float(weights.sum()))
        return QuestionEvidence(question, words, weights, bigrams(question.normalized), limit,
                                frozenset(_PUNCT.sub("", question.normalized)), [synonyms(w) for w in words],
                                tuple(trigrams(question.normalized)), unknown,
                                asked_slot(question.normalized, words, weights))

    def passage(self, q: QuestionEvidence, rank: int, hit: Hit) -> PassageEvidence:
        chunks, documents = self.index.chunks, self.index.documents
        chunk = chunks[hit.chunk_id]
        stored = documents[chunk.doc_id]
        text = stored.document.text
        start, end = passage_bounds(chunks, hit)
        norm = normalize_text(text[start:end])
        sentences = [s for s in split_sentences(text[start:end], start)
                     if len(_PUNCT.sub("", norm[s.start - start:s.end - start])) >= 2]
        paragraphs = [text.count("\n", start, s.start) for s in sentences]
        title = stored.document.title or stored.meta.get("title", "")
        context = normalize_text(title + " " + chunk.section)
        members = [chunks[m.chunk_id] for m in (hit, *hit.joined)]
        own_context = normalize_text(" ".join([title, stored.meta.get("title", ""), *(c.section for c in members)])) + " " + norm
        doc_norm = self._doc_norm(chunk.doc_id)
        words = q.words
        present = np.array([w in norm or w in context for w in words], dtype=bool)
        doc_present = np.array([w in doc_norm for w in words], dtype=bool)
        topic = np.array([w in context for w in words], dtype=bool)
        sentence_norms = [norm[s.start - start:s.end - start] for s in sentences]
        rarity = _local_rarity(words, sentence_norms)
        passage = PassageEvidence(rank, hit, chunk.doc_id, start, end, norm, sentences, paragraphs, context, topic,
                                  present, doc_present, present | q.holds(norm), rarity, stored.meta, own_context,
                                  doc_norm)
        kind = q.question.answer_type
        if kind in TAGGED_KINDS:
            passage.entities = self._tagged_entities(q, passage, sentence_norms)
        elif kind:
            passage.entities = [(start + a, start + b)
                                for a, b in entity_spans(norm, kind, q.question.normalized)]
        passage.places = [(start + a, start + b, name) for a, b, name in self.places.spans(norm)]
        passage.years = [(start + m.start(), start + m.end(), int(m.group(1))) for m in _YEAR.finditer(norm)]
        passage.asked_bigrams = _asked_bigrams(q, topic)
        letters = np.fromiter((ch.isalnum() for ch in norm), dtype=bool, count=len(norm))
        new = letters & np.fromiter((ch not in q.chars for ch in norm), dtype=bool, count=len(norm))
        passage.letters = np.concatenate([[0], np.cumsum(letters)])
        passage.new_letters = np.concatenate([[0], np.cumsum(new)])
        return passage

    @staticmethod
    def _tagged_entities(q: QuestionEvidence, passage: PassageEvidence, sentence_norms: list[str]) -> list[tuple[int, int]]:
        """Persons and places found by jieba's part-of-speech tagger, which is slow (about 7 µs a
        character): only in the sentences that hold a word of the question and the sentence after
        each, where an answer can be."""
        asked = [w for w, weight in zip(q.words, q.weights) if weight > 0]
        chosen = {k for k, text in enumerate(sentence_norms) if any(w in text for w in asked)}
        chosen |= {k + 1 for k in chosen if k + 1 < len(sentence_norms)}
        spans: list[tuple[int, int]] = []
        for k in sorted(chosen):
            base = passage.sentences[k].start
            spans += [(base + a, base + b) for a, b in entity_spans(sentence_norms[k], q.question.answer_type,
                                                                    q.question.normalized)]
        return spans

    def candidate(self, q: QuestionEvidence, passage: PassageEvidence, candidate: Candidate) -> CandidateEvidence:
        norm = passage.norm[candidate.start - passage.start:candidate.end - passage.start]
        if candidate.note is not None:
            norm += " " + passage.norm[candidate.note.start - passage.start:candidate.note.end - passage.start]
        sentences = passage.sentences
        first = sentences[candidate.first]
        before = sentences[candidate.first - 1] if candidate.first > 0 else None
        after = sentences[candidate.last + 1] if candidate.last + 1 < len(sentences) else None
        cut = passage.start
        member = member_at(self.index.chunks, passage.hit, candidate.start)
        return CandidateEvidence(
            candidate, passage, norm,
            passage.norm[first.start - cut:first.end - cut],
            passage.norm[before.start - cut:before.end - cut] if before else "",
            passage.norm[after.start - cut:after.end - cut] if after else "",
            member, self._chunk_context(passage, member.chunk_id),
        )

    def _chunk_context(self, passage: PassageEvidence, chunk_id: int) -> str:
        """Title, section path and text of one chunk of a passage, normalised (once per chunk)."""
        cached = passage.chunk_contexts.get(chunk_id)
        if cached is None:
            chunk = self.index.chunks[chunk_id]
            cut = passage.start
            cached = (passage.context + " " + normalize_text(chunk.section) + " "
                      + passage.norm[max(0, chunk.start - cut):chunk.end - cut])
            passage.chunk_contexts[chunk_id] = cached
        return cached


def asked_slot(normalized: str, words: list[str], weights: np.ndarray) -> tuple[str, str]:
    """The question words (of weight > 0) nearest the first asking word, one before it and one after
    it, "" where there is none: "外海大桥全长多少公里" → ("全长", "公里"), "…是谁" → ("…", "").
    A sentence that states the fact asked writes new words between them, or beside the one there is."""
    asking = _SLOT.search(normalized)
    if asking is None:
        return "", ""
    before, after = normalized[:asking.start()], normalized[asking.end():]
    named = [w for w, weight in zip(words, weights) if weight > 0]
    left = max((w for w in named if w in before), key=lambda w: (before.rfind(w) + len(w), len(w)), default="")
    right = min((w for w in named if w in after), key=lambda w: (after.find(w), -len(w)), default="")
    return left, right


def _asked_bigrams(q: QuestionEvidence, topic: np.ndarray) -> tuple[str, ...]:
    """The question's character bigrams once the topic's words are taken out: the topic's own
    bigrams match its introduction, not the answer."""
    if not topic.any():
        return tuple(q.bigrams)
    rest = q.question.normalized
    for word in sorted((w for w, t in zip(q.words, topic) if t), key=len, reverse=True):
        rest = rest.replace(word, " ")
    return tuple(bigrams(rest) or q.bigrams)


@dataclass
class CandidateBatch:
    """All candidates of a question, with the word-presence matrices the coverage features share."""

    q: QuestionEvidence
    items: list[CandidateEvidence]
    present: np.ndarray           # (candidates, words): the span holds the word
    topic: np.ndarray             # (candidates, words): the word is in the span's passage topic
    rarity: np.ndarray            # (candidates, words): the word's rarity in the span's passage
    by_synonym: np.ndarray        # (candidates, words): the span holds the word or a synonym of it

    @classmethod
    def of(cls, q: QuestionEvidence, items: list[CandidateEvidence]) -> CandidateBatch:
        width = len(q.words)
        present = np.array([[w in c.norm for w in q.words] for c in items], dtype=bool).reshape(len(items), width)
        topic = np.array([c.passage.topic for c in items], dtype=bool).reshape(len(items), width)
        rarity = np.array([c.passage.rarity for c in items], dtype=np.float64).reshape(len(items), width)
        by_synonym = present.copy()
        for k, c in enumerate(items):
            if not present[k].all():
                by_synonym[k] |= q.holds(c.norm)
        return cls(q, items, present, topic, rarity, by_synonym)

    def coverage(self, present: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Row-wise weighted share of the (masked) question words that are present."""
        weights = np.broadcast_to(self.q.weights, present.shape)
        if mask is not None:
            weights = weights * mask
        total = weights.sum(axis=1)
        found = (weights * present).sum(axis=1)
        return np.divide(found, total, out=np.zeros(len(present)), where=total > 0)

    def missing(self, present: np.ndarray) -> np.ndarray:
        """Row-wise weight of the rarest absent question word over the rarest word's weight."""
        if not len(self.q.weights) or not len(present):
            return np.zeros(len(present))
        absent = np.where(present, 0.0, self.q.weights[None, :])
        return absent.max(axis=1) / self.q.weights.max()

    def asked_bigrams(self, passage: PassageEvidence) -> tuple[str, ...]:
        return passage.asked_bigrams

    @cached_property
    def slot(self) -> np.ndarray:
        """(candidates, 3): for each span, of its clause that holds most of the words next to the
        question's asking word (``QuestionEvidence.slot``): the share of them it holds, its letters
        that are not the question's, and 1 where those new letters stand where the asking word stands
        (between the two words, or on the asking side of the one there is)."""
        return np.array([_slot_clause(self.q, c.norm) for c in self.items], dtype=np.float64).reshape(len(self.items), 3)


def _new_letters(text: str, known: frozenset[str]) -> int:
    """Letters and digits of ``text`` that are neither the question's nor function characters."""
    return sum(ch.isalnum() and ch not in known and ch not in _FUNCTION_CHARS for ch in text)


def _slot_clause(q: QuestionEvidence, span_norm: str) -> tuple[float, float, float]:
    """One row of ``CandidateBatch.slot``."""
    left, right = q.slot
    anchors = [w for w in (left, right) if w]
    best = (0, 0, 0)
    for clause in _CLAUSE_END.split(span_norm) if anchors else ():
        found = sum(w in clause for w in anchors)
        if not found:
            continue
        slot = ""
        if left and right and found == 2:
            i = clause.find(left) + len(left)
            j = clause.find(right, i)
            slot = clause[i:j] if j >= 0 else ""
        elif left and not right:
            slot = clause[clause.find(left) + len(left):]
        elif right and not left:
            slot = clause[:clause.find(right)]
        best = max(best, (found, int(_new_letters(slot, q.chars) > 0), _new_letters(clause, q.chars)))
    found, filled, new = best
    return found / max(1, len(anchors)), float(new), float(filled)


def _local_rarity(words: list[str], sentence_norms: list[str]) -> np.ndarray:
    """Words found in every sentence of a passage (its subject) tell sentences apart less than
    words found in one: each from 0.5 (everywhere) to 1.0 (in one sentence)."""
    count = len(sentence_norms)
    rarity = np.ones(len(words))
    if count <= 1:
        return rarity
    for k, word in enumerate(words):
        found = sum(word in s for s in sentence_norms)
        if found:
            rarity[k] = 0.5 + 0.5 * math.log(1 + count / found) / math.log(1 + count)
    return rarity


def names_place(text_norm: str, places: set[str]) -> bool:
    """Whether ``text_norm`` names one of ``places`` (full or short name: 蓬江区 or 蓬江)."""
    return any(p in text_norm or short_place(p) in text_norm for p in places)


__all__ = ["QuestionEvidence", "PassageEvidence", "CandidateEvidence", "CandidateBatch", "EvidenceBuilder", "asked_slot", "bigrams",
           "names_place", "unit_pattern"]
