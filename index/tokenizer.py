"""The one tokenizer used by BM25 at index time and at query time, and by the answer scorer.

Text is first folded to one script (see ``normalize``), then cut by jieba in search mode
with a user dictionary of policy terms, and stripped of stopwords and punctuation.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

from index.normalize import normalize_text

_DATA = Path(__file__).resolve().parent / "data"
USER_DICT = _DATA / "user_dict.txt"
STOPWORDS_FILE = _DATA / "stopwords.txt"
_WORD_RE = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines() if w.strip())


@lru_cache(maxsize=1)
def _jieba():
    """A private jieba instance with the policy user dictionary (loaded once per process)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USER_DICT))
    return tokenizer


def tokenizer_fingerprint() -> str:
    """Identifies tokenizer + dictionaries; stored in the manifest and checked on load."""
    digest = hashlib.sha256()
    for path in (USER_DICT, STOPWORDS_FILE):
        digest.update(path.read_bytes())
    return "jieba-search+" + digest.hexdigest()[:16]


def cut_words(normalized: str) -> list[str]:
    """jieba search-mode words of already-normalised text, stopwords and punctuation removed."""
    with _lock:  # jieba's lazy structures are not thread-safe on first use
        words = list(_jieba().cut_for_search(normalized, HMM=True))
    stop = stopwords()
    return [w for w in (w.strip() for w in words) if w and w not in stop and _WORD_RE.search(w)]


@lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_jieba())


def pos_cut(normalized: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs of already-normalised text (jieba's tag set: nr person,
    ns place, nt organisation, m numeral, t time …), with the same user dictionary."""
    with _lock:
        return [(pair.word, pair.flag) for pair in _pos_tokenizer().cut(normalized)]


def tokenize(text: str) -> list[str]:
    """Normalise then cut: the token list BM25 indexes and queries with."""
    return cut_words(normalize_text(text))
