"""Property test: for any Unicode text (and any valid options) ``answer()`` returns a
well-formed result whose citations and passages slice the original documents exactly."""
from __future__ import annotations

import json
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.config import MAX_QUESTION_CHARS, QAOptions
from qa.records import Answer, Reason

FIELDS = {"question", "no_answer", "reason", "message", "notes", "answer", "probability", "confidence", "explanation",
          "passages"}
REASONS = set(get_args(Reason)) - {""}
SEED_QUESTIONS = [
    "蓬江区接管了多少个停车场",
    "江海区把哪个产业列为头号工程？",
    "吉安市普惠小微贷款余额年均增长目标是多少？",
    "江门市重点改革项目有哪些？",
    "揭榜挂帅由哪个部门推进？",
]

# Arbitrary text, and arbitrary text wrapped around real questions (so the answer path,
# not only the no-answer path, meets odd characters).
questions = st.one_of(
    st.text(),
    st.builds(lambda a, q, b: a + q + b, st.text(max_size=30), st.sampled_from(SEED_QUESTIONS), st.text(max_size=30)),
)
options = st.builds(QAOptions, top_k=st.integers(1, 50), mode=st.sampled_from(["hybrid", "bm25", "dense"]))


def _check_slices(documents, start, end, text):
    assert 0 <= start <= end
    assert documents[text[0]].document.text[start:end] == text[1]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions, opts=options)
def test_any_text_gets_a_well_formed_answer(seed_engine, question, opts):
    answer = seed_engine.answer(question, opts)
    assert isinstance(answer, Answer)
    data = answer.to_dict()
    assert set(data) >= FIELDS
    json.loads(json.dumps(data, ensure_ascii=False))
    assert isinstance(data["notes"], list) and all(isinstance(n, str) for n in data["notes"])
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert len(answer.passages) <= opts.top_k
    documents = seed_engine.index.documents
    if answer.no_answer:
        assert answer.reason in REASONS and answer.message and data["answer"] is None
    else:
        assert answer.text and answer.citations and data["answer"]["text"] == answer.text
        assert answer.text == " … ".join(c.quote for c in answer.citations)  # one quote, or an item and its note
    for citation in answer.citations:
        _check_slices(documents, citation.start, citation.end, (citation.doc_id, citation.quote))
    for passage in answer.passages:
        _check_slices(documents, passage.start, passage.end, (passage.doc_id, passage.text))
        for highlight in passage.highlights:
            assert passage.start <= highlight.start < highlight.end <= passage.end
