"""The named features of an answer candidate. Each is one small function; the answer model
(``qa.answer_model``) learns how much each counts, so none carries a hand-set weight.

Three groups, by what a feature reads:

- question features (``q_``): what is asked (a figure, a person, a list, a cause …);
- passage features (``p_``): the retrieval evidence of the candidate's passage from both
  retrievers, and whether the passage and its document cover what the question names (its
  places, years, bodies, titles and rare words);
- candidate features (``c_``): what the span itself holds (coverage of the question, the entity
  asked for, a definition, a list), its shape and its length against the limit.

``FEATURES`` fixes their order; the model file records it and the engine refuses a model trained
on another list (``qa.answer_model.FeatureMismatchError``)."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.metadata import short_place
from qa.answer_types import ORG, asked_unit, asked_unit_pattern, unit_pattern
from qa.candidates import ENUM_ITEM, RESPONSIBILITY, SHAPES
from qa.evidence import CandidateBatch, CandidateEvidence, PassageEvidence, QuestionEvidence, names_place

_DIGIT = re.compile(r"[0-9]|[一二三四五六七八九十百千万亿两]+(?:个|项|家|条|次|年|月|日|天|人|所|座|名|批|类|元|亩|公里|%|倍|岁|位|届|种|级|度)")
# A figure as the span writes it, to compare with the question's ("三届", "22", "2.5"); a lone 一 is an
# article ("一批", "一个"), not a figure.
_FIGURE_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?%?|(?!一[^一二三四五六七八九十百千万亿两])[一二三四五六七八九十百千万亿两]+(?:个|项|家|条|次|年|月|日|天|人|所|座|名|批|类|元|亩|公里|%|倍|岁|位|届|种|级|度)")
_CHANGE_Q = re.compile(r"(?:增长|增加|下降|提高|提升|减少|降低|上升|压减|压缩|缩短)了?(?:多少|几)|比上年|比去年|同比|增速|增幅|降幅|增长率|下降率")
_CHANGE = re.compile(r"增长|增加|下降|提高|提升|减少|降低|上升|增幅|降幅|同比|增速|翻番|倍|压减|压缩|缩短|[0-9]\s*%|百分点")
_DATE = re.compile(r"[0-9]{1,4}\s*(年|月|日)|[〇零一二三四五六七八九十]{1,4}(年|月|日)")
_NOTE_ONLY = re.compile(r"^\s*[（(][^）)]*[）)]\s*[。;；]?\s*$")
_ASKED = re.compile(r"[？?]\s*[”」]?\s*$")
_REFERS_BACK = re.compile(r"^.{0,4}?(这|此|该|上述|前述|以上|同年|当时|次年|其后|之后)|^[“「（(]?(他|她|它|牠|其)"
                          r"|^[“「（(]?(因此|所以|于是|因而|故而|由此|从而|遂)")
_CONTINUES = re.compile(r"^[“「（(]?(它|其(?![他它余])|该|此|这|那|他|她|本|两者|后者|前者|因此|所以|但|而|并|同时|此外|另外|之后|后来|最终|最后)")
_GIVES_CAUSE = re.compile(r"因为|由于|因其|缘于|源于|原因|为了|是为|以免|以便|旨在")
_DEFINING = r"\W{0,2}(?:[（(][^）)]{0,60}[）)])?[,、\s]*(?:是|指|即|乃|系|为|意为|就是|也就是|亦称|又称|或称)"
_HEADING_END = re.compile(r"[。；;,，:：！？!?）)]$")


@dataclass(frozen=True)
class ReadList:
    """Scores of all read passages, for features that rank one passage against the others."""

    fused: np.ndarray
    bm25: np.ndarray
    dense: np.ndarray
    docs: list[str]

    @classmethod
    def of(cls, passages: list[PassageEvidence]) -> ReadList:
        return cls(np.array([p.hit.score for p in passages]), np.array([p.hit.bm25 for p in passages]),
                   np.array([p.hit.dense for p in passages]), [p.doc_id for p in passages])


# ----- question features -----------------------------------------------------------------------------
def q_chars(q: QuestionEvidence) -> float:
    return float(len(q.question.text))


def q_words(q: QuestionEvidence) -> float:
    return float(len(q.words))


def _asks(kind: str) -> Callable[[QuestionEvidence], float]:
    def feature(q: QuestionEvidence) -> float:
        return float(q.question.answer_type == kind)
    feature.__name__ = f"q_asks_{kind}"
    feature.__doc__ = f"The question asks for a {kind}."
    return feature


def q_list(q: QuestionEvidence) -> float:
    return float(q.question.wants_list)


def q_explain(q: QuestionEvidence) -> float:
    return float(q.question.wants_explanation)


def q_cause(q: QuestionEvidence) -> float:
    return float(q.question.wants_cause)


def q_measures(q: QuestionEvidence) -> float:
    return float(q.question.wants_measures)


def q_define(q: QuestionEvidence) -> float:
    return float(bool(q.question.defines))


def q_who(q: QuestionEvidence) -> float:
    return float(q.question.wants_who)


def q_places(q: QuestionEvidence) -> float:
    return float(len(q.question.places))


def q_years(q: QuestionEvidence) -> float:
    return float(len(q.question.years))


def q_named(q: QuestionEvidence) -> float:
    """Bodies, quoted titles and figures the question names."""
    return float(len(q.question.bodies) + len(q.question.quoted) + len(q.question.figures))


def q_asks_unit(q: QuestionEvidence) -> float:
    """The question names the unit of its answer ("多少亿元", "几所")."""
    return float(bool(asked_unit(q.question.normalized)))


def q_slot_anchors(q: QuestionEvidence) -> float:
    """How many question words stand next to its asking word (0–2, ``asked_slot``)."""
    return float(sum(bool(w) for w in q.slot))


def q_unknown(q: QuestionEvidence) -> float:
    """Weight share of the question's words that no passage of the collection holds as a word:
    a question about something the documents never mention."""
    return q.unknown


def q_rare(q: QuestionEvidence) -> float:
    """The weight of the question's rarest word: a specific question names something rare."""
    return float(q.weights.max()) if len(q.weights) else 0.0


# ----- passage features ------------------------------------------------------------------------------
def p_rank(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    return float(p.rank)


def p_fused(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The fused retrieval score over the best one."""
    top = float(r.fused.max())
    return p.hit.score / top if top > 0 else 0.0


def p_bm25(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """BM25 over the best BM25 of the read passages."""
    top = float(r.bm25.max())
    return p.hit.bm25 / top if top > 0 else 0.0


def p_bm25_rank(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    return float((r.bm25 > p.hit.bm25).sum())


def p_bm25_per_weight(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """BM25 over the question's total word weight: comparable across questions and collections."""
    total = float(q.weights.sum())
    return p.hit.bm25 / total if total > 0 else 0.0


def p_dense(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Cosine similarity of the passage's vector to the question's."""
    return p.hit.dense


def p_dense_rank(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    return float((r.dense > p.hit.dense).sum())


def p_dense_gap(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """How far the passage's similarity is below the best read passage's."""
    return float(r.dense.max()) - p.hit.dense


def p_margin_other_doc(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The fused score over the best passage of any other document (negative when one is better)."""
    others = [s for s, d in zip(r.fused, r.docs) if d != p.doc_id]
    top = float(r.fused.max())
    return (p.hit.score - max(others)) / top if others and top > 0 else 1.0


def p_doc_passages(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """How many read passages come from this document."""
    return float(sum(d == p.doc_id for d in r.docs))


def p_coverage(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Weighted share of the question's words in the passage, its title or its section."""
    return q.coverage(p.present)


def p_synonym_coverage(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Coverage of the question's words by the passage when a synonym counts for a word
    ("侨胞" for "华侨")."""
    return q.coverage(p.synonym_present)


def p_doc_coverage(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Weighted share of the question's words anywhere in the document."""
    return q.coverage(p.doc_present)


def p_missing(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The rarest question word missing from the passage (1.0: its rarest word is missing)."""
    return q.missing_weight(p.present)


def p_doc_missing(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The rarest question word missing from the whole document."""
    return q.missing_weight(p.doc_present)


def _place_share(places: set[str], *texts: str) -> float:
    """Share of ``places`` named (full or short name) in any of ``texts``; 1 when there are none."""
    if not places:
        return 1.0
    return sum(any(names_place(t, {p}) for t in texts) for p in places) / len(places)


def p_place_named(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Share of the places the question names that are in the passage's chunks, section path or
    title (1 when the question names none, or the document is a national notice: it holds in every
    place, so "江苏省…免征个人所得税吗" is covered by 国家税务总局's notice)."""
    if p.meta.get("national"):
        return 1.0
    return _place_share(q.question.places, p.own_context)


def p_place_in_doc(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Share of the places the question names that are in the document or its metadata (1 for a
    national notice, as in ``p_place_named``)."""
    if p.meta.get("national"):
        return 1.0
    meta = " ".join([str(p.meta.get("place", "")), *map(str, p.meta.get("places", []))])
    return _place_share(q.question.places, p.doc_norm, meta)


def p_doc_other_places(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The question names a place and the document is about other places (its metadata names some)."""
    if not q.question.places:
        return 0.0
    places = {str(x) for x in [p.meta.get("place", ""), *p.meta.get("places", [])] if x}
    return float(bool(places) and not any(names_place(x, q.question.places) for x in places))


def p_national(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The document is a national notice (it applies in every province)."""
    return float(bool(p.meta.get("national")))


def p_year_named(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """A year the question names is in the passage, its section or title (1 when it names none)."""
    if not q.question.years:
        return 1.0
    return float(any(str(y) in p.own_context for y in q.question.years))


def p_year_in_doc(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    if not q.question.years:
        return 1.0
    return float(any(str(y) in p.doc_norm for y in q.question.years))


def p_doc_year_other(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """The question names a year and the document is dated another year."""
    year = p.meta.get("year")
    return float(bool(q.question.years) and bool(year) and year not in q.question.years)


def _share_in(names: list[str], text: str) -> float:
    return 1.0 if not names else sum(n in text for n in names) / len(names)


def p_bodies_named(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Share of the bodies the question names that the passage names (1 when it names none)."""
    return _share_in(q.question.bodies, p.own_context)


def p_bodies_in_doc(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    return _share_in(q.question.bodies, p.doc_norm)


def p_quoted_named(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Share of the question's quoted titles and terms in the passage (1 when it quotes none)."""
    return _share_in(q.question.quoted, p.own_context)


def p_quoted_in_doc(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    return _share_in(q.question.quoted, p.doc_norm)


def p_figures_in_doc(q: QuestionEvidence, p: PassageEvidence, r: ReadList) -> float:
    """Share of the figures the question names that the document holds (1 when it names none)."""
    return _share_in(q.question.figures, p.doc_norm)


# ----- candidate features ----------------------------------------------------------------------------
# Each takes all candidates of a question at once (``CandidateBatch``) and returns one value per
# candidate: a question has a hundred or more, and answering has a latency budget.
def _each(b: CandidateBatch, value: Callable[[CandidateEvidence], float]) -> np.ndarray:
    return np.array([value(c) for c in b.items], dtype=np.float64)


def _found(b: CandidateBatch, pattern: re.Pattern[str], of: Callable[[CandidateEvidence], str] = lambda c: c.norm
           ) -> np.ndarray:
    """1 where ``pattern`` occurs in each candidate's text (or the part ``of`` picks), else 0."""
    return _each(b, lambda c: float(pattern.search(of(c)) is not None))


def c_coverage(b: CandidateBatch) -> np.ndarray:
    """Weighted share of the question's words in the span."""
    return b.coverage(b.present)


def c_focus_coverage(b: CandidateBatch) -> np.ndarray:
    """Coverage of the question's words that are not the passage's topic (its title and section):
    deep in an article a sentence says "它"/"本办法" for the topic, so the rest of the question
    is what tells the answering sentence apart."""
    focus = ~b.topic
    all_topic = ~focus.any(axis=1)
    focus[all_topic] = True  # every word is the topic: plain coverage
    return b.coverage(b.present, focus)


def c_context_coverage(b: CandidateBatch) -> np.ndarray:
    """Coverage of the question's words by the span together with its title and section path."""
    return b.coverage(b.present | b.topic)


def c_local_coverage(b: CandidateBatch) -> np.ndarray:
    """Coverage with each word weighted by how rare it is among the passage's sentences."""
    return b.coverage(b.present, b.rarity)


def c_missing(b: CandidateBatch) -> np.ndarray:
    """The rarest question word missing from the span and its context (1.0: the rarest of all)."""
    return b.missing(b.present | b.topic)


def c_synonym_coverage(b: CandidateBatch) -> np.ndarray:
    """Coverage of the question's words by the span when a synonym counts for a word: a question
    in an official's own words."""
    return b.coverage(b.by_synonym)


def c_trigrams(b: CandidateBatch) -> np.ndarray:
    """Share of the question's character trigrams found in the span (phrases, not just words)."""
    return _each(b, lambda c: _share_found(b.q.trigrams, c.norm))


def c_bigrams(b: CandidateBatch) -> np.ndarray:
    """Share of the question's character bigrams (outside the topic's words) found in the span."""
    return _each(b, lambda c: _share_found(b.asked_bigrams(c.passage), c.norm))


def _share_found(asked: tuple[str, ...], text: str) -> float:
    return sum(bigram in text for bigram in asked) / max(1, len(asked))


def c_novelty(b: CandidateBatch) -> np.ndarray:
    """Share of the span's characters that are not in the question: a near miss repeats the
    question's words and adds little."""
    return _each(b, lambda c: c.passage.novelty(c.candidate.start, c.candidate.end))


def c_slot_anchors(b: CandidateBatch) -> np.ndarray:
    """Share of the question words next to its asking word that one clause of the span holds
    ("全长" and "公里" for "…全长多少公里")."""
    return b.slot[:, 0]


def c_slot_new(b: CandidateBatch) -> np.ndarray:
    """Letters of that clause that are not the question's: what it says beyond repeating it."""
    return b.slot[:, 1]


def c_slot_filled(b: CandidateBatch) -> np.ndarray:
    """That clause writes new words where the question has its asking word ("全长3公里" for
    "全长多少公里"): it states the fact asked, not just its topic."""
    return b.slot[:, 2]


def c_chunk_score(b: CandidateBatch) -> np.ndarray:
    """The fused retrieval score of the chunk holding the span over its passage's (the chunks of
    a joined passage differ)."""
    return _each(b, lambda c: c.member.score / c.passage.hit.score if c.passage.hit.score > 0 else 0.0)


def c_chunk_dense(b: CandidateBatch) -> np.ndarray:
    """Cosine similarity to the question of the chunk holding the span."""
    return _each(b, lambda c: c.member.dense)


def _in_span(spans: list[tuple[int, int]], c: CandidateEvidence) -> bool:
    start, end = c.candidate.start, c.candidate.end
    note = c.candidate.note
    return any((start <= a and b <= end) or (note is not None and note.start <= a and b <= note.end) for a, b in spans)


def c_asked_entity(b: CandidateBatch) -> np.ndarray:
    """The span names an entity of the asked type (a person, date, figure with its unit, place,
    body, colour, phone number) that the question does not name."""
    return _each(b, lambda c: float(_in_span(c.passage.entities, c)))


def c_measured_unit(b: CandidateBatch) -> np.ndarray:
    """A figure in the unit of what the question measures (体重 → 公斤, 多高 → 米, 价格 → 元)."""
    pattern = unit_pattern(b.q.question.normalized)
    if pattern is None:
        return np.zeros(len(b.items))
    return _found(b, pattern)


def c_asked_unit(b: CandidateBatch) -> np.ndarray:
    """A figure in the unit the question names ("多少亿元" → "…1200亿元"; 0 when it names none)."""
    unit = asked_unit(b.q.question.normalized)
    if not unit:
        return np.zeros(len(b.items))
    pattern = asked_unit_pattern(unit)
    return _found(b, pattern)


def c_has_figure(b: CandidateBatch) -> np.ndarray:
    return _found(b, _DIGIT)


def _new_figure(b: CandidateBatch) -> np.ndarray:
    """The span holds a figure the question does not already name: "举办第三届…大赛" repeats the
    question's 第三届 and gives no amount for "第三届…大赛的奖金总额是多少"."""
    asked = b.q.question.normalized
    return _each(b, lambda c: float(any(m.group() not in asked for m in _FIGURE_TOKEN.finditer(c.norm))))


def _states_change(b: CandidateBatch) -> np.ndarray:
    """For a question about a change ("比上年增长了多少", "下降了几个百分点"): the span states one
    (a change word or a percentage) (1), or gives only a level (0)."""
    return _found(b, _CHANGE)


def c_type_fit(b: CandidateBatch) -> np.ndarray:
    """Whether the span is the measure asked for, on every count the question gives: a figure (not
    one the question names) for a how-many question, a change for a question about one, else the unit
    it names or measures in ("收费标准" → 元). 1 when all hold, 0 when one
    fails, 0.5 when the question asks for no measure (a list question "哪几座…" asks for items, not a
    count). The unit checks are features of their own too (``c_asked_unit``, ``c_measured_unit``);
    the figure and change checks are not: as features apart they raised the out-of-fold figures and
    lowered the leave-one-collection-out ones (docs/ANSWER_MODEL.md, session 16)."""
    question = b.q.question
    if question.wants_list:
        return np.full(len(b.items), 0.5)
    checks: list[np.ndarray] = []
    if question.wants_number or question.answer_type == "number":
        checks.append(_new_figure(b))
    if _CHANGE_Q.search(question.normalized):  # a change is told in % as often as in the measure's unit
        checks.append(_states_change(b))
    elif asked_unit(question.normalized):
        checks.append(c_asked_unit(b))
    elif unit_pattern(question.normalized) is not None:
        checks.append(c_measured_unit(b))
    if not checks:
        return np.full(len(b.items), 0.5)
    return np.minimum.reduce(checks)


def c_has_date(b: CandidateBatch) -> np.ndarray:
    return _found(b, _DATE)


def c_figures_named(b: CandidateBatch) -> np.ndarray:
    """Share of the question's figures that the span holds (1 when it names none)."""
    return _each(b, lambda c: _share_in(b.q.question.figures, c.norm))


def _names_asked_place(b: CandidateBatch, text: Callable[[CandidateEvidence], str]) -> np.ndarray:
    places = b.q.question.places
    if not places:
        return np.ones(len(b.items))
    return _each(b, lambda c: _place_share(places, text(c)))


def c_place_named(b: CandidateBatch) -> np.ndarray:
    """Share of the places the question names that the span itself names (1 when it names none)."""
    return _names_asked_place(b, lambda c: c.norm)


def c_chunk_place(b: CandidateBatch) -> np.ndarray:
    """Share of the places the question names in the chunk holding the span, its section path or
    title (1 when it names none, or in a national notice): a joined neighbour may be another
    district's section."""
    shares = _names_asked_place(b, lambda c: c.chunk_context)
    national = np.array([bool(c.passage.meta.get("national")) for c in b.items], dtype=bool)
    return np.where(national, 1.0, shares) if len(shares) else shares


def c_other_place(b: CandidateBatch) -> np.ndarray:
    """The span names a known place that the question does not: another district's figure."""
    asked = b.q.question.normalized
    return _each(b, lambda c: float(any(c.candidate.start <= s and e <= c.candidate.end and form not in asked
                                        and short_place(form) not in asked for s, e, form in c.passage.places)))


def _nearest_before(marks: list, end: int):
    """The last mark (start, end, value) that ends at or before ``end``: what the span is about."""
    found = None
    for mark in marks:
        if mark[1] <= end:
            found = mark
        else:
            break
    return found


def c_subject_place(b: CandidateBatch) -> np.ndarray:
    """Whose figure the span gives: the last place named up to its end (in it or before it in the
    passage), failing that the place the document is about, is a place the question names (1),
    another place (0), or there is none (0.5; a national notice holds everywhere). "江海区…。2022年
    引进超亿元项目43个" answers for 江海区, not for 新会区; an unnamed figure in 蓬江区's report is
    蓬江区's."""
    asked = b.q.question.normalized
    if not b.q.question.places:
        return np.full(len(b.items), 0.5)

    def subject(c: CandidateEvidence) -> float:
        mark = _nearest_before(c.passage.places, c.candidate.end)
        form = mark[2] if mark is not None else str(c.passage.meta.get("place") or "")
        if not form or (mark is None and c.passage.meta.get("national")):
            return 0.5
        return float(form in asked or short_place(form) in asked or names_place(form, b.q.question.places))
    return _each(b, subject)


def c_subject_year(b: CandidateBatch) -> np.ndarray:
    """The last year named up to the span's end is a year the question names (1), another year (0),
    or there is none (0.5)."""
    years = set(b.q.question.years)
    if not years:
        return np.full(len(b.items), 0.5)

    def subject(c: CandidateEvidence) -> float:
        mark = _nearest_before(c.passage.years, c.candidate.end)
        return 0.5 if mark is None else float(mark[2] in years)
    return _each(b, subject)


def _names_asked_year(b: CandidateBatch, text: Callable[[CandidateEvidence], str]) -> np.ndarray:
    years = [str(y) for y in b.q.question.years]
    if not years:
        return np.ones(len(b.items))
    return _each(b, lambda c: float(any(y in text(c) for y in years)))


def c_year_named(b: CandidateBatch) -> np.ndarray:
    return _names_asked_year(b, lambda c: c.norm)


def c_chunk_year(b: CandidateBatch) -> np.ndarray:
    """A year the question names is in the chunk holding the span, its section path or title."""
    return _names_asked_year(b, lambda c: c.chunk_context)


def c_chars(b: CandidateBatch) -> np.ndarray:
    return _each(b, lambda c: float(c.candidate.chars))


def c_length_ratio(b: CandidateBatch) -> np.ndarray:
    """Length against the answer limit of this kind of question."""
    return c_chars(b) / max(1, b.q.limit)


def c_sentences(b: CandidateBatch) -> np.ndarray:
    return _each(b, lambda c: float(c.candidate.last - c.candidate.first + 1))


def _shape(shape: str) -> Callable[[CandidateBatch], np.ndarray]:
    def feature(b: CandidateBatch) -> np.ndarray:
        return _each(b, lambda c: float(c.candidate.shape == shape))
    feature.__name__ = f"c_shape_{shape}"
    feature.__doc__ = f"The span is a {shape} (see qa.candidates)."
    return feature


def c_position(b: CandidateBatch) -> np.ndarray:
    """Where the span starts among the passage's sentences (0 first, 1 last)."""
    return _each(b, lambda c: c.candidate.first / max(1, len(c.passage.sentences) - 1))


def c_document_position(b: CandidateBatch) -> np.ndarray:
    """Where the span starts in its document (0: the headline)."""
    return _each(b, lambda c: c.candidate.start / max(1, len(c.passage.doc_norm)))


def c_paragraph_start(b: CandidateBatch) -> np.ndarray:
    """The span opens a paragraph."""
    def opens(c: CandidateEvidence) -> float:
        first = c.candidate.first
        return float(first == 0 or c.passage.paragraphs[first - 1] != c.passage.paragraphs[first])
    return _each(b, opens)


def c_heading(b: CandidateBatch) -> np.ndarray:
    """The span opens on a heading-like line (short, no closing punctuation, a paragraph of its own)."""
    def heading(c: CandidateEvidence) -> float:
        first = c.first_norm.strip()
        p, i = c.passage, c.candidate.first
        alone = i + 1 >= len(p.sentences) or p.paragraphs[i + 1] != p.paragraphs[i]
        return float(alone and len(first) <= 40 and not _HEADING_END.search(first))
    return _each(b, heading)


def c_enumeration(b: CandidateBatch) -> np.ndarray:
    """How much of a list the span is: its 、 and ； separators and item markers."""
    def items(c: CandidateEvidence) -> float:
        count = c.norm.count("、") + c.norm.count("；") + c.norm.count(";")
        return float(count + sum(bool(ENUM_ITEM.match(line)) for line in c.norm.split("\n")))
    return _each(b, items)


def c_item_count(b: CandidateBatch) -> np.ndarray:
    """For a question asking for N items ("哪十项改革"): the span lists about that many (1), or
    not (0); 0.5 when the question gives no number."""
    wanted = b.q.question.item_count
    if not wanted:
        return np.full(len(b.items), 0.5)

    def matches(c: CandidateEvidence) -> float:
        items = 1 + c.norm.count("、") + c.norm.count("；") + c.norm.count(";")
        items = max(items, sum(bool(ENUM_ITEM.match(line)) for line in c.norm.split("\n")))
        return float(wanted - 1 <= items <= wanted + 2)
    return _each(b, matches)


def c_count_phrase(b: CandidateBatch) -> np.ndarray:
    """The span names the count the question asks about ("十项重点改革项目" for "哪十项")."""
    phrase = b.q.question.count_phrase
    if not phrase:
        return np.zeros(len(b.items))
    return _each(b, lambda c: float(phrase in c.norm))


def c_colon_lead(b: CandidateBatch) -> np.ndarray:
    """The span's first sentence ends with a colon (it announces what follows)."""
    return _each(b, lambda c: float(c.first_norm.rstrip().endswith((":", "："))))


def c_defines(b: CandidateBatch) -> np.ndarray:
    """For a what-is question: the span opens on the term and defines it ("X，是…", "X（…）指…");
    for "…X是指什么": a defining verb after the end of the subject anywhere in it."""
    term = b.q.question.defines
    if not term:
        return np.zeros(len(b.items))
    if b.q.question.defines_end:
        tails = [re.escape(term[-k:]) for k in range(min(6, len(term)), 1, -1)]
        if not tails:
            return np.zeros(len(b.items))
        pattern = re.compile("(?:" + "|".join(tails) + ")" + _DEFINING)
        return _found(b, pattern)
    opening = re.compile(r"^\W{0,2}(?:所谓)?" + re.escape(term) + _DEFINING)
    return _each(b, lambda c: float(bool(opening.match(c.norm))))


def c_after_asked(b: CandidateBatch) -> np.ndarray:
    """The sentence before the span is a question written in the document (a Q&A notice)."""
    return _each(b, lambda c: float(bool(_ASKED.search(c.before_norm)) and not _ASKED.search(c.first_norm)))


def c_asked_coverage(b: CandidateBatch) -> np.ndarray:
    """How well the question written just before the span matches the question asked."""
    words = b.q.words
    def match(c: CandidateEvidence) -> float:
        if not _ASKED.search(c.before_norm):
            return 0.0
        return b.q.coverage(np.array([w in c.before_norm for w in words], dtype=bool))
    return _each(b, match)


def c_is_question(b: CandidateBatch) -> np.ndarray:
    """The span's first sentence is itself a question."""
    return _found(b, _ASKED, lambda c: c.first_norm)


def c_note_only(b: CandidateBatch) -> np.ndarray:
    """The span is only a bracketed note ("（责任单位：…）")."""
    return _found(b, _NOTE_ONLY)


def c_responsibility(b: CandidateBatch) -> np.ndarray:
    """The span holds a "(牵头单位：…)" note."""
    return _found(b, RESPONSIBILITY)


def c_refers_back(b: CandidateBatch) -> np.ndarray:
    """The span opens by referring back ("这场革命…", "该线…", "他…", "因此…")."""
    return _found(b, _REFERS_BACK, lambda c: c.first_norm)


def c_next_continues(b: CandidateBatch) -> np.ndarray:
    """The sentence after the span goes on about it ("它…", "此外…"): the span may be cut short."""
    return _each(b, lambda c: float(bool(c.after_norm) and bool(_CONTINUES.match(c.after_norm))))


def c_gives_cause(b: CandidateBatch) -> np.ndarray:
    """The span states a reason ("由于…", "…是为了…")."""
    return _found(b, _GIVES_CAUSE)


def c_org_note_fit(b: CandidateBatch) -> np.ndarray:
    """A who-leads question and a span holding the responsible body."""
    if not (b.q.question.answer_type == ORG or b.q.question.wants_who):
        return np.zeros(len(b.items))
    return c_responsibility(b)


# ----- the list --------------------------------------------------------------------------------------
QuestionFeature = Callable[[QuestionEvidence], float]
PassageFeature = Callable[[QuestionEvidence, PassageEvidence, ReadList], float]
CandidateFeature = Callable[[CandidateBatch], np.ndarray]

QUESTION_FEATURES: tuple[QuestionFeature, ...] = (
    q_chars, q_words, *(_asks(k) for k in ("person", "organisation", "time", "number", "place", "phone", "colour")),
    q_list, q_explain, q_cause, q_measures, q_define, q_who, q_places, q_years, q_named, q_asks_unit, q_unknown, q_rare,
    q_slot_anchors,
)
PASSAGE_FEATURES: tuple[PassageFeature, ...] = (
    p_rank, p_fused, p_bm25, p_bm25_rank, p_bm25_per_weight, p_dense, p_dense_rank, p_dense_gap,
    p_margin_other_doc, p_doc_passages, p_coverage, p_synonym_coverage, p_doc_coverage, p_missing, p_doc_missing,
    p_place_named, p_place_in_doc, p_doc_other_places, p_national, p_year_named, p_year_in_doc,
    p_doc_year_other, p_bodies_named, p_bodies_in_doc, p_quoted_named, p_quoted_in_doc, p_figures_in_doc,
)
CANDIDATE_FEATURES: tuple[CandidateFeature, ...] = (
    c_coverage, c_focus_coverage, c_context_coverage, c_local_coverage, c_synonym_coverage, c_missing,
    c_bigrams, c_trigrams, c_novelty, c_slot_anchors, c_slot_new, c_slot_filled,
    c_chunk_score, c_chunk_dense, c_asked_entity, c_measured_unit, c_asked_unit, c_has_figure, c_type_fit, c_has_date, c_figures_named,
    c_place_named, c_chunk_place, c_other_place, c_subject_place, c_year_named, c_chunk_year, c_subject_year, c_chars, c_length_ratio, c_sentences,
    *(_shape(s) for s in SHAPES),
    c_position, c_document_position, c_paragraph_start, c_heading, c_enumeration, c_item_count, c_count_phrase, c_colon_lead, c_defines,
    c_after_asked, c_asked_coverage, c_is_question, c_note_only, c_responsibility, c_refers_back,
    c_next_continues, c_gives_cause, c_org_note_fit,
)
# Candidate features also given relative to the best candidate of the question (value − max):
# a span is judged against its rivals as well as on its own.
RELATIVE_FEATURES: tuple[str, ...] = ("c_coverage", "c_focus_coverage", "c_synonym_coverage", "c_bigrams",
                                      "c_trigrams", "c_chunk_score")

FEATURES: tuple[str, ...] = (
    *(f.__name__ for f in QUESTION_FEATURES), *(f.__name__ for f in PASSAGE_FEATURES),
    *(f.__name__ for f in CANDIDATE_FEATURES), *(f"{name}_vs_best" for name in RELATIVE_FEATURES),
)


def feature_fingerprint(names: tuple[str, ...] | list[str] = FEATURES) -> str:
    """Identifies a feature list (names and order); stored in the model file."""
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()[:16]


def feature_matrix(q: QuestionEvidence, passages: list[PassageEvidence],
                   candidates: list[CandidateEvidence]) -> np.ndarray:
    """One row of ``FEATURES`` per candidate."""
    n_q, n_p = len(QUESTION_FEATURES), len(PASSAGE_FEATURES)
    matrix = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    if not candidates:
        return matrix
    matrix[:, :n_q] = [f(q) for f in QUESTION_FEATURES]
    read = ReadList.of(passages)
    rows = {p.rank: [f(q, p, read) for f in PASSAGE_FEATURES] for p in passages}
    matrix[:, n_q:n_q + n_p] = [rows[c.passage.rank] for c in candidates]
    batch = CandidateBatch.of(q, candidates)
    for k, f in enumerate(CANDIDATE_FEATURES):
        matrix[:, n_q + n_p + k] = f(batch)
    return against_best(matrix)


def against_best(matrix: np.ndarray) -> np.ndarray:
    """Fill the ``*_vs_best`` columns of a question's candidate rows (in place; returns ``matrix``):
    each ``RELATIVE_FEATURES`` value minus its highest value among these rows."""
    if len(matrix):
        for name in RELATIVE_FEATURES:
            column = matrix[:, FEATURES.index(name)]
            matrix[:, FEATURES.index(f"{name}_vs_best")] = column - column.max()
    return matrix


# What each feature means to an official, for the "为什么是这个答案" line (and the API's explanation).
FEATURE_LABELS: dict[str, str] = {
    "q_chars": "问题长度", "q_words": "问题词数", "q_asks_person": "问的是人", "q_asks_organisation": "问的是单位",
    "q_asks_time": "问的是时间", "q_asks_number": "问的是数字", "q_asks_place": "问的是地点",
    "q_asks_phone": "问的是电话", "q_asks_colour": "问的是颜色", "q_list": "问的是清单", "q_explain": "问的是做法或说明",
    "q_cause": "问的是原因", "q_measures": "问的是措施", "q_define": "问的是定义", "q_who": "问的是谁负责",
    "q_places": "问题中的地名", "q_years": "问题中的年份", "q_named": "问题中的单位、书名和数字",
    "q_rare": "问题中最具体的词", "q_slot_anchors": "问题中紧挨疑问词的词",
    "c_slot_anchors": "答案含有紧挨疑问词的问题词", "c_slot_new": "该分句提供了问题之外的内容",
    "c_slot_filled": "答案在疑问词的位置给出了内容", "q_asks_unit": "问题指明了单位", "q_unknown": "问题中有文档从未出现的词",
    "c_asked_unit": "答案含有所问单位的数字", "c_subject_place": "答案说的是问题中的地方",
    "c_subject_year": "答案说的是问题中的年份",
    "p_rank": "段落检索名次", "p_fused": "段落检索得分", "p_bm25": "关键词匹配得分", "p_bm25_rank": "关键词匹配名次",
    "p_bm25_per_weight": "关键词匹配强度", "p_dense": "语义相似度", "p_dense_rank": "语义相似度名次",
    "p_dense_gap": "语义相似度差距", "p_margin_other_doc": "领先其他文档的幅度", "p_doc_passages": "同一文档的段落数",
    "p_coverage": "段落覆盖问题的词", "p_synonym_coverage": "段落覆盖问题的词（含同义词）", "p_doc_coverage": "文档覆盖问题的词", "p_missing": "段落缺少问题中的关键词",
    "p_doc_missing": "文档缺少问题中的关键词", "p_place_named": "段落提到问题中的地名",
    "p_place_in_doc": "文档提到问题中的地名", "p_doc_other_places": "文档讲的是其他地方", "p_national": "全国性文件",
    "p_year_named": "段落提到问题中的年份", "p_year_in_doc": "文档提到问题中的年份", "p_doc_year_other": "文档是其他年份的",
    "p_bodies_named": "段落提到问题中的单位", "p_bodies_in_doc": "文档提到问题中的单位",
    "p_quoted_named": "段落提到问题中的书名或引语", "p_quoted_in_doc": "文档提到问题中的书名或引语",
    "p_figures_in_doc": "文档含有问题中的数字",
    "c_coverage": "答案覆盖问题的词", "c_focus_coverage": "答案覆盖问题的要点", "c_context_coverage": "答案连同标题覆盖问题",
    "c_local_coverage": "答案覆盖段落中少见的问题词", "c_synonym_coverage": "答案覆盖问题的词（含同义词）",
    "c_trigrams": "答案与问题的词组重合", "c_synonym_coverage_vs_best": "覆盖问题的词含同义词（与最佳候选相比）",
    "c_trigrams_vs_best": "词组重合（与最佳候选相比）", "c_missing": "答案缺少问题中的关键词", "c_bigrams": "答案与问题的字面重合",
    "c_novelty": "答案提供了问题之外的信息", "c_chunk_score": "答案所在文本块的检索得分",
    "c_chunk_dense": "答案所在文本块的语义相似度", "c_asked_entity": "答案含有所问类型的内容",
    "c_measured_unit": "答案含有所问的计量单位", "c_has_figure": "答案含有数字", "c_has_date": "答案含有日期",
    "c_figures_named": "答案含有问题中的数字", "c_place_named": "答案提到问题中的地名",
    "c_chunk_place": "答案所在部分提到问题中的地名", "c_other_place": "答案提到其他地方", "c_year_named": "答案提到问题中的年份",
    "c_chunk_year": "答案所在部分提到问题中的年份", "c_chars": "答案长度", "c_length_ratio": "答案长度与上限之比",
    "c_sentences": "答案句数", "c_shape_sentence": "答案是一句话", "c_shape_window": "答案是长句中的一段",
    "c_shape_pair": "答案是相邻两句", "c_shape_paragraph": "答案是一段内容", "c_shape_enumeration": "答案是一个列表",
    "c_shape_note": "答案带有牵头单位", "c_position": "答案在段落中的位置", "c_document_position": "答案在文档中的位置",
    "c_paragraph_start": "答案是段首", "c_heading": "答案是标题", "c_enumeration": "答案中的列举项",
    "c_colon_lead": "答案以冒号引出下文",
    "c_item_count": "答案列出的项数与所问相符", "c_type_fit": "答案是所问的那种数量（数字与单位）", "c_count_phrase": "答案提到所问的项数", "c_defines": "答案给出定义", "c_after_asked": "答案紧跟文档中的提问",
    "c_asked_coverage": "文档中的提问与所问相符", "c_is_question": "答案本身是问句", "c_note_only": "答案只是括号注释",
    "c_responsibility": "答案含有牵头单位", "c_refers_back": "答案承接上文", "c_next_continues": "下一句接着说",
    "c_gives_cause": "答案说明了原因", "c_org_note_fit": "问牵头单位且答案给出",
    "c_coverage_vs_best": "覆盖问题的词（与最佳候选相比）", "c_focus_coverage_vs_best": "覆盖问题要点（与最佳候选相比）",
    "c_bigrams_vs_best": "字面重合（与最佳候选相比）", "c_chunk_score_vs_best": "检索得分（与最佳候选相比）",
    "v_score": "答案排序得分", "v_gap_second": "领先第二名的幅度", "v_gap_other_passage": "领先其他段落的幅度",
    "v_gap_other_doc": "领先其他文档的幅度", "v_candidates": "候选答案数", "v_same_doc_share": "候选答案集中在同一文档",
}
