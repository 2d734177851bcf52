"""Answer extraction: score every sentence of the top passages against the question and
return the best one, cut to the clause window that answers (or the enumeration for a list
question), with exact offsets into the original document."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.normalize import normalize_text
from index.store import LoadedIndex
from qa.answer_types import ORG, has_new_entity
from qa.question import PreparedQuestion
from qa.retrieval import member_score, passage_bounds
from qa.sentences import Span, split_clauses, split_sentences

_DIGIT = re.compile(r"[0-9０-９]|[一二三四五六七八九十百千万亿两]+(?:个|项|家|条|次|年|月|日|天|人|所|座|名|批|类|元|亩|公里|%|倍)")
_ENUM_ITEM = re.compile(r"^\s*(●|•|·|▪|[一二三四五六七八九十]+[是、]|[(（][一二三四五六七八九十0-9]+[)）]|\d{1,2}[.、．])")
_PUNCT = re.compile(r"[\W_]+")
_NOTE_ONLY = re.compile(r"^\s*[（(][^）)]*[）)]\s*[。；;]?\s*$")  # a sentence that is one bracketed note


@dataclass
class ScoredSentence:
    hit_rank: int
    span: Span
    score: float
    coverage: float


class TermWeights:
    """IDF of BM25 vocabulary terms, for weighting question words in sentence coverage."""

    def __init__(self, index: LoadedIndex) -> None:
        retriever = index.sparse._retriever
        indptr = np.asarray(retriever.scores["indptr"])
        self.n = max(1, int(retriever.scores["num_docs"]))
        df = np.diff(indptr)
        self.idf = {token: math.log(1 + (self.n - df[i] + 0.5) / (df[i] + 0.5))
                    for token, i in index.sparse.vocab.items() if i < len(df)}
        self.unknown = math.log(1 + (self.n + 0.5) / 0.5)

    def weight(self, token: str) -> float:
        return self.idf.get(token, self.unknown)


def _bigrams(text: str) -> set[str]:
    clean = _PUNCT.sub("", text)
    return {clean[i:i + 2] for i in range(len(clean) - 1)}


def _bigrams_within(text: str) -> set[str]:
    """Character bigrams that do not cross a gap (spaces or punctuation) in ``text``."""
    return {b for part in _PUNCT.split(text) for b in _bigrams(part)}


class SentenceScorer:
    def __init__(self, index: LoadedIndex, weights: TermWeights, answer_type_bonus: float = 0.0,
                 mix: tuple[float, float, float] = (0.45, 0.25, 0.30), definition_bonus: float = 0.0,
                 answer_type_min_coverage: float = 0.25) -> None:
        self.index = index
        self.weights = weights
        self.answer_type_bonus = answer_type_bonus
        self.answer_type_min_coverage = answer_type_min_coverage
        self.definition_bonus = definition_bonus
        self.mix = mix  # weights of coverage, bigram overlap and passage score

    def coverage(self, words: list[str], text_norm: str, local: dict[str, float] | None = None) -> float:
        """Share of the question's word weight found in ``text_norm`` (IDF x in-passage rarity)."""
        weights = [(w, self.weights.weight(w) * (local.get(w, 1.0) if local else 1.0)) for w in words]
        total = sum(weight for _, weight in weights)
        if total <= 0:
            return 0.0
        return sum(weight for w, weight in weights if w in text_norm) / total

    def focus_coverage(self, words: list[str], topic: set[str], text_norm: str,
                       local: dict[str, float] | None = None) -> float:
        """Coverage of the question's words that are *not* the topic of the document (words of
        its title and section path). Sentences deep in an article say "它"/"本鱼"/"该办法" for
        the topic, so what tells the answering sentence apart is the rest of the question;
        topic words found in the sentence still count a little."""
        focus = [w for w in words if w not in topic]
        if not focus:
            return self.coverage(words, text_norm, local)
        topical = [w for w in words if w in topic]
        rest = self.coverage(focus, text_norm, local)
        return rest if not topical else 0.85 * rest + 0.15 * self.coverage(topical, text_norm)

    @staticmethod
    def context_norm(stored, chunk) -> str:
        """What a passage is about, normalised: its document's title and its section path."""
        return normalize_text((stored.document.title or stored.meta.get("title", "")) + " " + chunk.section)

    def focus_words(self, words: list[str], stored, chunk) -> list[str]:
        """The question's words that are not the passage's topic (all of them when every word is)."""
        context = self.context_norm(stored, chunk)
        return [w for w in words if w not in context] or words

    @staticmethod
    def _local_rarity(words: list[str], sentences_norm: list[str]) -> dict[str, float]:
        """Words found in every sentence of a passage (its subject) tell sentences apart less
        than words found in one: scale each from 0.5 (everywhere) to 1.0 (in one sentence)."""
        count = len(sentences_norm)
        if count <= 1:
            return {}
        rarity = {}
        for word in set(words):
            found = sum(word in s for s in sentences_norm)
            if found:
                rarity[word] = 0.5 + 0.5 * math.log(1 + count / found) / math.log(1 + count)
        return rarity

    def score_passages(self, question: PreparedQuestion, words: list[str], hits, passage_scores: list[float]
                       ) -> list[list[ScoredSentence]]:
        """Scored sentences of each hit's chunk, best first within the chunk."""
        q_bigrams = _bigrams(question.normalized)
        definition = defining_sentence(question.defines, question.defines_end) if question.defines else None
        top = max(passage_scores) if passage_scores else 1.0
        results: list[list[ScoredSentence]] = []
        for rank, (hit, passage_score) in enumerate(zip(hits, passage_scores)):
            chunk = self.index.chunks[hit.chunk_id]
            stored = self.index.documents[chunk.doc_id]
            start, end = passage_bounds(self.index.chunks, hit)
            context_norm = self.context_norm(stored, chunk)
            topic = {w for w in words if w in context_norm}
            focus_bigrams = q_bigrams
            if topic:  # the topic's own bigrams match its introduction, not the answer
                rest = question.normalized
                for word in sorted(topic, key=len, reverse=True):
                    rest = rest.replace(word, " ")
                focus_bigrams = {b for b in (_bigrams_within(rest)) if b} or q_bigrams
            spans = [sp for sp in split_sentences(stored.document.text[start:end], start)
                     if len(_PUNCT.sub("", stored.document.text[sp.start:sp.end])) >= 2]
            sentences = [stored.document.text[sp.start:sp.end] for sp in spans]
            norms = [normalize_text(sentence) for sentence in sentences]
            local = self._local_rarity(words, norms)
            scored: list[ScoredSentence] = []
            for span, sentence, norm in zip(spans, sentences, norms):
                cov_sentence = self.coverage(words, norm, local)
                cov_focus = self.focus_coverage(words, topic, norm, local) if topic else cov_sentence
                cov_context = self.coverage(words, norm + " " + context_norm)
                bigram = len(focus_bigrams & _bigrams(norm)) / max(1, len(focus_bigrams))
                coverage = 0.7 * cov_sentence + 0.3 * cov_context  # evidence for the confidence
                w_cov, w_bigram, w_passage = self.mix
                own_score = passage_score
                if hit.joined and hit.score > 0:  # a sentence of a joined neighbour keeps that chunk's evidence
                    own_score = passage_score * member_score(self.index.chunks, hit, span.start) / hit.score
                score = (w_cov * (0.7 * cov_focus + 0.3 * cov_context) + w_bigram * bigram
                         + w_passage * (own_score / top if top > 0 else 0.0))
                if not (question.wants_who or question.answer_type == ORG) and _NOTE_ONLY.match(sentence):
                    score -= 0.2  # "（责任单位：…）" alone answers only who-is-responsible questions
                if question.wants_number and _DIGIT.search(sentence):
                    score += 0.05
                if question.wants_list:
                    # an enumeration ("分别是A、B、C…" or a lead-in colon) is what a list question wants
                    items = sentence.count("、") + sentence.count("；")
                    score += 0.12 * min(1.0, items / 5) + (0.06 if sentence.rstrip().endswith(("：", ":")) else 0.0)
                if definition is not None and definition.search(norm):
                    score += self.definition_bonus
                if (self.answer_type_bonus and rank < 5 and coverage >= self.answer_type_min_coverage
                        and has_new_entity(norm, question.answer_type, question.normalized)):
                    score += self.answer_type_bonus
                scored.append(ScoredSentence(rank, span, score, coverage))
            _answer_asked_questions(scored, sentences)
            scored.sort(key=lambda s: -s.score)
            results.append(scored)
        return results


_ASKED = re.compile(r"[？?]\s*[”」]?\s*$")


def _answer_asked_questions(scored: list[ScoredSentence], sentences: list[str]) -> None:
    """A question-and-answer notice ("Q2：闭馆期间还能借阅文献吗？ 答：…") restates the asker's
    question; what answers it is the sentence after. Such a question passes its score on to
    that sentence and is itself no answer. ``scored`` and ``sentences`` are in document order."""
    for i in range(len(scored) - 1):
        if _ASKED.search(sentences[i]) and not _ASKED.search(sentences[i + 1]):
            scored[i + 1].score = max(scored[i + 1].score, scored[i].score)
            scored[i + 1].coverage = max(scored[i + 1].coverage, scored[i].coverage)
            scored[i].score *= 0.5  # below any neighbour ratio: not added to the answer by its score


def defining_sentence(term: str, term_ends_subject: bool = False) -> re.Pattern[str]:
    """A sentence that defines ``term``: it opens on it ("乡里制，是…", "冠夫姓（或从夫姓），指…").
    When the term only ends a longer subject ("…突出保民生"), its last two to six characters
    followed by a defining verb anywhere in the sentence ("…，“保民生”是确保…")."""
    defining = r"\W{0,2}(?:[（(][^）)]{0,60}[）)])?[，,、\s]*(?:是|指|即|乃|系|为|意为|就是|也就是|亦称|又称|或称)"
    if not term_ends_subject:
        return re.compile(r"^\W{0,2}(?:所谓)?" + re.escape(term) + defining)
    tails = [re.escape(term[-k:]) for k in range(min(6, len(term)), 1, -1)]
    return re.compile("(?:" + "|".join(tails) + ")" + defining)


def trim_to_window(text: str, span: Span, words: list[str], scorer: SentenceScorer, max_chars: int,
                   holds_answer: Callable[[str], bool] | None = None, focus: list[str] | None = None,
                   slack: float = 0.0) -> Span:
    """The contiguous clauses of the sentence (at most ``max_chars``) around the best-matching
    clause. With ``holds_answer``, a window without an entity of the asked type is moved to
    take the nearest clause that names one ("…的阿29相交" is no answer to "which motorway" when
    the sentence opens with "海岸高速路阿22，"). A sentence at most ``slack`` (a share of
    ``max_chars``) over the budget is kept whole."""
    if span.end - span.start <= max_chars * (1 + slack):
        return span  # a sentence just over the budget: a cut would lose more than it saves
    sentence = text[span.start:span.end]
    clauses = split_clauses(sentence, span.start)
    if len(clauses) <= 1:
        return Span(span.start, span.start + max_chars)
    def clause_score(i: int) -> float:
        clause = normalize_text(text[clauses[i].start:clauses[i].end])
        return scorer.coverage(words, clause) + (scorer.coverage(focus, clause) if focus else 0.0)

    best = max(range(len(clauses)), key=clause_score)
    left, right = _grow_window(clauses, best, best, max_chars)
    if holds_answer is not None and not holds_answer(normalize_text(text[clauses[left].start:clauses[right].end])):
        holders = [i for i in range(len(clauses))
                   if holds_answer(normalize_text(text[clauses[i].start:clauses[i].end]))]
        if holders:
            target = min(holders, key=lambda i: abs(i - best))
            lo, hi = min(target, best), max(target, best)
            if clauses[hi].end - clauses[lo].start <= max_chars:
                left, right = _grow_window(clauses, lo, hi, max_chars)
            else:
                left, right = _grow_window(clauses, target, target, max_chars)
    start, end = clauses[left].start, clauses[right].end
    if end - start > max_chars:
        end = start + max_chars
    return Span(start, end)


def _grow_window(clauses: list[Span], left: int, right: int, max_chars: int) -> tuple[int, int]:
    """Widen the clause range [left, right] one clause at a time while it fits in ``max_chars``."""
    while True:
        grown = False
        for candidate in (right + 1, left - 1):  # prefer what follows the matched words
            if 0 <= candidate < len(clauses):
                lo, hi = min(left, candidate), max(right, candidate)
                if clauses[hi].end - clauses[lo].start <= max_chars:
                    left, right, grown = lo, hi, True
                    break
        if not grown:
            break
    return left, right


def extend_enumeration(text: str, chunk_start: int, chunk_end: int, span: Span, max_chars: int) -> Span:
    """For a list question: the sentence plus the enumerated items that follow it."""
    sentences = split_sentences(text[chunk_start:chunk_end], chunk_start)
    index = next((i for i, s in enumerate(sentences) if s.start <= span.start < s.end), None)
    if index is None:
        return span
    end = span.end
    lead = text[span.start:span.end].rstrip()
    follows_items = lead.endswith(("：", ":")) or any(
        _ENUM_ITEM.match(text[s.start:s.end]) for s in sentences[index + 1:index + 2])
    if not follows_items:
        return span
    for sentence in sentences[index + 1:]:
        if sentence.end - span.start > max_chars:
            break
        if not _ENUM_ITEM.match(text[sentence.start:sentence.end]) and not lead.endswith(("：", ":")):
            break
        end = sentence.end
    return Span(span.start, end)


_CONTINUES = re.compile(r"^[“「（(]?(它|其(?![他它余])|该|此|这|那|他|她|牠|本|两者|后者|前者|因此|所以|但|而|并|同时|此外|另外|之后|后来|不久|最终|最后)")


_REFERS_BACK = re.compile(r"^.{0,4}?(这|此|该|上述|前述|以上|同年|当时|次年|其后|之后)"
                          r"|^[“「（(]?(他|她|它|牠)"  # a sentence opening on a pronoun: who "he" is, is before it
                          r"|^[“「（(]?(因此|所以|于是|因而|故而|由此|从而|遂)")  # an effect: its cause is before it
# A sentence that gives a reason itself ("由于…", "…是因为…") needs no preceding one.
_GIVES_CAUSE = re.compile(r"因为|由于|因其|缘于|源于|原因|为了|是为|以免|以便|旨在")


def add_neighbour(text: str, span: Span, chunk_sentences: list[ScoredSentence], max_chars: int,
                  min_ratio: float, holds_answer: Callable[[str], bool] | None = None,
                  wants_cause: bool = False, antecedent_overflow: float = 0.0) -> Span:
    """Widen a short answer by the sentences next to it while they fit in ``max_chars``: the
    next one when it goes on about the same subject ("它…", "其…", "因此…"), the previous one
    when the answer refers back to it ("这场革命…", "此过程…"), either when it scores at least
    ``min_ratio`` of the best. With ``holds_answer`` (does a text name an entity of the asked
    type?), a neighbour that holds one is added when the answer so far does not. For a why
    question (``wants_cause``) whose answer states an effect but no reason, the sentence before
    it is the cause and comes first ("…一条军溃败。此战奠定了…霸权。"). An answer that refers
    back ("该线…") means nothing without its antecedent, which may go ``antecedent_overflow``
    (a share of ``max_chars``) over the budget.
    Questions are often asked about a sentence's neighbour."""
    if min_ratio >= 1.0 or span.end - span.start >= max_chars:
        return span
    ordered = sorted(chunk_sentences, key=lambda s: s.span.start)
    best = max(chunk_sentences, key=lambda s: s.score, default=None)
    if best is None:
        return span
    position = next((i for i, s in enumerate(ordered) if s.span.start <= span.start < s.span.end), None)
    if position is None:
        return span
    lo, hi = span.start, span.end
    first = last = position
    cause_before = wants_cause and not _GIVES_CAUSE.search(normalize_text(text[lo:hi]))
    for _ in range(3):
        grown = False
        answered = holds_answer is not None and holds_answer(normalize_text(text[lo:hi]))
        supplies = [holds_answer is not None and not answered and 0 <= j < len(ordered)
                    and holds_answer(normalize_text(text[ordered[j].span.start:ordered[j].span.end]))
                    for j in (first - 1, last + 1)]  # neighbours naming the asked entity the answer lacks
        for j in ((first - 1, last + 1) if cause_before or supplies[0] else (last + 1, first - 1)):
            if not 0 <= j < len(ordered):
                continue
            neighbour = ordered[j]
            supplied = supplies[0] if j < first else supplies[1]
            new_lo, new_hi = min(lo, neighbour.span.start), max(hi, neighbour.span.end)
            antecedent = j == first - 1 and not cause_before and bool(supplied or _REFERS_BACK.match(
                normalize_text(text[ordered[first].span.start:ordered[first].span.end])))
            limit = max_chars * (1 + antecedent_overflow) if antecedent or supplied else max_chars
            if new_hi - new_lo > limit or "\n" in text[new_lo:new_hi]:
                continue  # too long, or another paragraph (another item of a list)
            if j > last:  # the next sentence goes on about the same subject
                linked = bool(supplied or _CONTINUES.match(normalize_text(text[neighbour.span.start:neighbour.span.end])))
            else:  # the answer refers back ("这场革命…", "此过程…"): its antecedent is before it
                linked = j == first - 1 and (cause_before or antecedent)
            # items of a "；"-separated list are separate answers: only a link joins them, not a score
            list_item = text[neighbour.span.start:neighbour.span.end].rstrip().endswith(("；", ";")) if j < first \
                else text[lo:hi].rstrip().endswith(("；", ";"))
            if linked or (not list_item and not answered and neighbour.score >= min_ratio * best.score):
                lo, hi, grown = new_lo, new_hi, True
                first, last = min(first, j), max(last, j)
                break
        if not grown:
            break
    return Span(lo, hi)


_RESPONSIBILITY = re.compile(r"[（(](?:牵头单位|责任单位|牵头部门|责任部门|主办单位|负责单位|主责单位|牵头)[：:][^）)\n]{1,80}[）)]?")


def responsibility_note(text: str, span: Span) -> Span | None:
    """The "(牵头单位：…)" note of the paragraph the answer is in, when the answer lacks one.

    Task lists (工作要点, 任务分解表) end each item with the units responsible for it; a
    question about who leads an item is answered by that note, not by the item's title."""
    if _RESPONSIBILITY.search(text, span.start, span.end):
        return None
    end = text.find("\n", span.end)
    match = _RESPONSIBILITY.search(text, span.end, len(text) if end < 0 else end)
    return Span(match.start(), match.end()) if match else None


def fill_paragraph(text: str, chunk_start: int, chunk_end: int, span: Span, max_chars: int) -> Span:
    """The answer plus the sentences after it in its paragraph, while they fit in ``max_chars``.

    For how/what-measures questions: a notice states the topic ("加强工地现场管理。") and
    then the measures, so the sentences that follow the best match are the answer's body."""
    end = span.end
    for sentence in split_sentences(text[chunk_start:chunk_end], chunk_start):
        if sentence.start < span.end:
            continue
        if sentence.end - span.start > max_chars or "\n" in text[end:sentence.end]:
            break
        end = sentence.end
    return Span(span.start, end)
