"""The reader: from a question and its retrieved passages to scored answer candidates.

``gather`` builds every candidate of the first ``read_passages`` passages with its feature row
(what training and answering share); ``read`` adds the answer model's verdict. One reader is
made per index snapshot and never reads anything but that snapshot."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.store import LoadedIndex
from qa.answer_model import AnswerModel, AnswerModelError, Verdict
from qa.candidates import answer_limit, passage_candidates
from qa.config import ReadingConfig
from qa.evidence import CandidateEvidence, EvidenceBuilder, PassageEvidence, QuestionEvidence
from qa.features import feature_matrix
from qa.places import Places
from qa.question import Question
from qa.retrieval import Hit


@dataclass
class Reading:
    """The candidates of one question, their features and (with a model) the verdict."""

    question: QuestionEvidence
    passages: list[PassageEvidence]
    candidates: list[CandidateEvidence]
    matrix: np.ndarray
    verdict: Verdict | None = None

    @property
    def best(self) -> CandidateEvidence | None:
        if self.verdict is None or self.verdict.best is None:
            return None
        return self.candidates[self.verdict.best]

    def passage_scores(self) -> list[float]:
        """Each read passage's best candidate score (-inf when it has none): the display order."""
        best = [-np.inf] * len(self.passages)
        if self.verdict is not None:
            for c, score in zip(self.candidates, self.verdict.scores):
                k = c.candidate.passage
                best[k] = max(best[k], float(score))
        return best


class Reader:
    def __init__(self, index: LoadedIndex, places: Places, config: ReadingConfig,
                 model: AnswerModel | None) -> None:
        self.index = index
        self.config = config
        self.model = model
        idf = index.sparse.idf()
        self.builder = EvidenceBuilder(index, places, idf, index.sparse.unknown_idf())

    def gather(self, question: Question, hits: list[Hit]) -> Reading:
        """Every candidate of the first ``read_passages`` hits, with its feature row."""
        q = self.builder.question(question, answer_limit(question, self.config))
        passages = [self.builder.passage(q, rank, hit) for rank, hit in enumerate(hits[: self.config.read_passages])]
        candidates: list[CandidateEvidence] = []
        documents = self.index.documents
        for k, passage in enumerate(passages):
            text = documents[passage.doc_id].document.text
            for candidate in passage_candidates(text, passage.sentences, passage.paragraphs, k, question, self.config):
                candidates.append(self.builder.candidate(q, passage, candidate))
        return Reading(q, passages, candidates, feature_matrix(q, passages, candidates))

    def read(self, question: Question, hits: list[Hit], explain: bool = True) -> Reading:
        if self.model is None:
            raise AnswerModelError("没有加载答案模型：引擎以 load_model=False 打开，只能收集候选答案。")
        reading = self.gather(question, hits)
        reading.verdict = self.model.read(reading.matrix, [c.candidate.passage for c in reading.candidates],
                                          [c.passage.doc_id for c in reading.candidates], explain)
        return reading
