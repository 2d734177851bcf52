"""DenseIndex.similarity: the score of any stored chunk, not only of the nearest k (hybrid
retrieval gives BM25's candidates their true dense score with it)."""
from __future__ import annotations

import numpy as np
import pytest

from index.dense import DenseIndex


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_similarity_equals_the_search_score_and_reaches_beyond_the_top_k(kind):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex.build(vectors, kind)
    query = vectors[5] + 0.1 * vectors[9]
    query /= np.linalg.norm(query)
    ids, scores = index.search(query, 3)
    assert np.allclose(index.similarity(query, ids), scores, atol=1e-5)
    far = np.array([i for i in range(300) if i not in set(ids.tolist())][:20])
    assert np.allclose(index.similarity(query, far), vectors[far] @ query, atol=1e-5)
    assert index.similarity(query, np.zeros(0, dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_similarity_works_on_a_memory_mapped_index(kind, tmp_path):
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    DenseIndex.build(vectors, kind).save(tmp_path / "dense.faiss")
    mapped = DenseIndex.load(tmp_path / "dense.faiss", kind, mmap=True)
    ids = np.array([0, 17, 199])
    assert np.allclose(mapped.similarity(vectors[5], ids), vectors[ids] @ vectors[5], atol=1e-5)
