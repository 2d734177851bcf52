"""The search interface (index/backend.py) over the embedded index: exactly FAISS's and bm25s's
answers; and BM25 from stored statistics (index/bm25.py) against bm25s."""
from __future__ import annotations

import numpy as np
import pytest

from index.backend import EmbeddedBackend, backend_of
from index.bm25 import Bm25Stats
from index.sparse import SparseIndex
from index.tokenizer import tokenize

QUESTIONS = ["蓬江区接管了多少个停车场", "吉安市普惠小微贷款余额年均增长目标是多少？", "江门市2023年推进哪十项重点改革？"]


def test_a_folder_index_searches_through_the_embedded_backend(seed_loaded):
    backend = backend_of(seed_loaded)
    assert isinstance(backend, EmbeddedBackend) and backend.size == len(seed_loaded.chunks)


def test_dense_top_k_is_faiss_search(seed_loaded, seed_embed):
    backend = EmbeddedBackend(seed_loaded)
    vector = seed_embed(QUESTIONS[0])
    ids, scores = backend.dense_top_k(vector, 10)
    want_ids, want_scores = seed_loaded.dense.search(vector, 10)
    assert ids.tolist() == want_ids.tolist() and scores.tobytes() == want_scores.tobytes()
    assert backend.dense_scores(vector, ids).tolist() == pytest.approx(scores.tolist(), abs=1e-5)


def test_dense_top_k_with_a_filter_keeps_the_allowed_documents_in_order(seed_loaded, seed_embed):
    backend = EmbeddedBackend(seed_loaded)
    vector = seed_embed(QUESTIONS[1])
    doc = seed_loaded.chunks[0].doc_id
    ids, scores = backend.dense_top_k(vector, backend.size, frozenset({doc}))
    all_ids, _ = seed_loaded.dense.search(vector, backend.size)
    assert ids.tolist() == [i for i in all_ids.tolist() if seed_loaded.chunks[i].doc_id == doc]
    assert list(scores) == sorted(scores, reverse=True)
    assert backend.dense_top_k(vector, 3, frozenset({doc}))[0].tolist() == ids[:3].tolist()
    assert len(backend.dense_top_k(vector, 10, frozenset())[0]) == 0


def test_lexical_top_k_is_the_bm25s_ranking(seed_loaded):
    backend = EmbeddedBackend(seed_loaded)
    tokens = tokenize(QUESTIONS[2])
    full = seed_loaded.sparse.scores(tokens)
    ids, scores = backend.lexical_top_k(tokens, 20)
    top = np.argsort(-full)[:20]
    assert ids.tolist() == [i for i in top.tolist() if full[i] > 0] and (scores > 0).all()
    assert backend.lexical_scores(tokens, ids).tobytes() == full[ids].tobytes()
    doc = seed_loaded.chunks[int(ids[0])].doc_id
    filtered, _ = backend.lexical_top_k(tokens, 20, frozenset({doc}))
    assert filtered.size and all(seed_loaded.chunks[i].doc_id == doc for i in filtered)
    assert backend.lexical_top_k(["一个索引里没有的词xyz"], 20)[0].size == 0


def test_fetch_gives_the_stored_chunks_and_documents(seed_loaded):
    backend = EmbeddedBackend(seed_loaded)
    assert backend.fetch_chunks([3, 1]) == [seed_loaded.chunks[3], seed_loaded.chunks[1]]
    doc = seed_loaded.chunks[1].doc_id
    assert backend.fetch_document(doc) is seed_loaded.documents[doc]
    assert backend.fetch_document("no-such-document") is None


def test_bm25_from_statistics_matches_bm25s():
    texts = ["深化营商环境改革，优化政务服务", "蓬江区接管停车场22个，推进智慧停车", "政务服务一网通办，营商环境持续优化",
             "停车场 停车场 停车 收费", "小微企业贷款余额增长"]
    lists = [tokenize(t) for t in texts]
    sparse, stats = SparseIndex.build(lists), Bm25Stats.from_token_lists(lists)
    assert stats.idf() == sparse.idf() and stats.unknown_idf() == sparse.unknown_idf() and stats.size == sparse.size
    for question in ["停车场有多少个", "营商环境 政务服务 优化", "没有的词"]:
        query = tokenize(question)
        want = sparse.scores(query)
        got = [stats.score(query, words) for words in lists]
        assert got == pytest.approx(want.tolist(), rel=1e-5, abs=1e-6)
    assert stats.score([], lists[0]) == 0.0 and Bm25Stats.from_token_lists([]).score(["a"], ["a"]) == 0.0
