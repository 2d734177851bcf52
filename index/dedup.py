"""Near-duplicate documents (reposts of one notice under several ids), found with MinHash
over character shingles of the normalised text."""
from __future__ import annotations

import re

from index.normalize import normalize_text

SHINGLE = 5
NUM_PERM = 64


def _shingles(text: str) -> set[bytes]:
    norm = re.sub(r"[\W_]+", "", normalize_text(text))
    return {norm[i:i + SHINGLE].encode("utf-8") for i in range(max(1, len(norm) - SHINGLE + 1))}


def near_duplicate_groups(texts: dict[str, str], threshold: float) -> dict[str, list[str]]:
    """doc_id -> the other doc ids whose estimated Jaccard similarity passes ``threshold``."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes: dict[str, MinHash] = {}
    shingle_sets: dict[str, set[bytes]] = {}
    for doc_id, text in texts.items():
        shingles = _shingles(text)
        minhash = MinHash(num_perm=NUM_PERM, seed=7)
        minhash.update_batch(list(shingles))
        hashes[doc_id], shingle_sets[doc_id] = minhash, shingles
        lsh.insert(doc_id, minhash)
    groups: dict[str, list[str]] = {}
    for doc_id, minhash in hashes.items():
        others = []
        for other in lsh.query(minhash):
            if other == doc_id:
                continue
            a, b = shingle_sets[doc_id], shingle_sets[other]
            if len(a & b) / max(1, len(a | b)) >= threshold:  # confirm with the exact Jaccard
                others.append(other)
        if others:
            groups[doc_id] = sorted(others)
    return groups
