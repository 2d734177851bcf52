"""One script for matching: traditional and variant characters folded onto simplified ones.

The mapping is strictly one character to one character, so a normalised string has the
same length as its original and every offset found in it is an offset into the original.
Citations therefore always quote the original text while BM25, the sentence scorer and
the question all match in simplified script.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

# Variants that OpenCC's traditional->simplified table does not fold (simplified-side
# variants and common old forms seen in official text).
_EXTRA_VARIANTS = {
    "馀": "余", "於": "于", "後": "后", "裏": "里", "衆": "众", "爲": "为", "纔": "才",
    "着": "着", "麽": "么", "甚": "甚", "夠": "够", "沒": "没", "啓": "启", "敎": "教",
    "么": "么",  # OpenCC folds the simplified 么 to 幺, which would break 什么/怎么 in question patterns
    "綫": "线", "峯": "峰", "羣": "群", "牀": "床", "歎": "叹", "姪": "侄", "緖": "绪",
    "彙": "汇", "剷": "铲", "祕": "秘", "〇": "〇", "：": ":", "，": ",",
}


def _read_single_char_table(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 2:
            continue
        source, targets = parts[0], parts[1].split(" ")
        if len(source) == 1 and targets and len(targets[0]) == 1:
            table[source] = targets[0]
    return table


@lru_cache(maxsize=1)
def _char_table() -> dict[str, str]:
    """Traditional/variant -> simplified, one character each."""
    table: dict[str, str] = {}
    try:
        import opencc  # opencc-python-reimplemented ships its dictionaries as text

        folder = Path(opencc.__file__).resolve().parent / "dictionary"
        ts = _read_single_char_table(folder / "TSCharacters.txt")
        for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
            if (folder / name).exists():
                for variant, standard in _read_single_char_table(folder / name).items():
                    table[variant] = ts.get(standard, standard)
        table.update(ts)
    except ImportError:  # pragma: no cover - listed in requirements
        pass
    for source, target in _EXTRA_VARIANTS.items():
        if len(source) == 1 and len(target) == 1:
            table[source] = target
    return table


@lru_cache(maxsize=65536)
def normalize_char(ch: str) -> str:
    """Fold one character: full-width to half-width, upper to lower, traditional to simplified."""
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    folded = _char_table().get(folded, folded)
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


def normalize_text(text: str) -> str:
    """Length-preserving normalisation used for every match (index, query, sentences)."""
    return "".join(normalize_char(ch) for ch in text)


def table_fingerprint() -> str:
    """A short hash of the folding table, recorded in the manifest."""
    import hashlib

    items = sorted(_char_table().items())
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()[:16]
