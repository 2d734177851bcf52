"""The optional cross-encoder reranker: loaded offline from a folder the test creates."""
from __future__ import annotations

import pytest

from index.errors import EmbedderError
from qa.config import QAConfig, RetrievalConfig
from qa.engine import QAEngine
from qa.rerank import CrossEncoderReranker


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    chars = sorted(set("蓬江区接管了多少个停车场改革吉安市普惠小微贷款余额年均增长"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    (folder / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"))
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=512, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_reranker_scores_pairs(tiny_cross_encoder):
    reranker = CrossEncoderReranker(f"st:{tiny_cross_encoder}")
    scores = reranker.scores("蓬江区停车场", ["蓬江区接管停车场", "吉安市普惠贷款"])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)


def test_engine_uses_configured_reranker(seed_index_dir, tiny_cross_encoder):
    engine = QAEngine.open(index_dir=seed_index_dir, config=QAConfig(retrieval=RetrievalConfig(reranker=f"st:{tiny_cross_encoder}")))
    answer = engine.answer("蓬江区接管了多少个停车场")
    assert engine._reranker is not None and answer.passages
    for p in answer.passages:
        assert engine.index.documents[p.doc_id].document.text[p.start:p.end] == p.text


def test_missing_reranker_path_is_clear():
    with pytest.raises(EmbedderError, match="/no/such/reranker"):
        CrossEncoderReranker("st:/no/such/reranker")
