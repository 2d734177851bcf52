"""A larger collection generated deterministically from the seed documents, for the benchmark.

Scale ``n`` gives the five seeds unchanged (same doc ids, so the gold questions still point at
them) plus ``n - 1`` copies of each. Every copy differs from its seed and from every other copy
in the ways that matter to the index:

* place names (江门市, 蓬江区, ...) -> invented two-character names, one mapping per copy;
* numbers -> scaled by a per-copy factor, years shifted back by 1..10;
* frequent policy words (推进, 完善, 改革, ...) -> a synonym, chosen per occurrence with an RNG
  seeded by the copy and the paragraph, so a paragraph a page prints twice stays identical
  and is still dropped as a repeat;
* paragraph order (all lines after the first) shuffled with a seeded RNG.

Nothing depends on Python's per-process ``hash``: the same scale writes the same bytes in every
run. The resulting Jaccard similarity of 5-character shingles is about 0.4-0.65 (the
near-duplicate detector collapses documents from 0.8 up); ``max_similarity`` measures it.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.config import DEFAULT_SEEDS_DIR
from index.dedup import SHINGLE, near_duplicate_groups
from index.normalize import normalize_text

# Places named in the five seeds (catalog + text), full names; short forms are derived.
PLACES = (
    "江门市", "蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市", "吉安市", "安福县",
    "金湾区", "珠海市", "广东省", "江西省", "广州市", "井冈山", "庐陵", "萍乡", "宜春", "赣州",
    "潮连", "沙坪", "荷塘", "银洲",
)
NAME_CHARS = "安宁和平兴华清远东西南北新永泰昌丰盛瑞嘉云山川海湖河阳城林桥石溪源泉峰岭浦洲沙田松柏桂兰梅竹秀明文武康乐长定"
SYNONYMS = (
    ("推进", "推动", "促进"), ("加快", "加速", "加紧"), ("深化", "深入"), ("完善", "健全", "优化"),
    ("提升", "提高", "增强"), ("建设", "建立", "打造"), ("开展", "实施", "组织"), ("重点", "主要", "关键"),
    ("全面", "全方位"), ("机制", "制度"), ("服务", "保障"), ("企业", "市场主体"), ("项目", "工程"),
    ("积极", "主动"), ("落实", "执行"), ("创新", "革新"), ("持续", "不断"), ("统筹", "协调"),
    ("探索", "尝试"), ("支持", "扶持"), ("平台", "载体"), ("领域", "方面"), ("措施", "举措", "办法"),
    ("改革", "变革"), ("工作", "事务"), ("加强", "强化"), ("实现", "达成"), ("体系", "系统"), ("管理", "治理"),
)
SYNONYM_RATE = 0.6
_SUFFIXES = ("省", "市", "区", "县")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SYNONYM_OF = {word: group for group in SYNONYMS for word in group}
_SYNONYM_RE = re.compile("|".join(re.escape(w) for w in sorted(_SYNONYM_OF, key=len, reverse=True)))


@dataclass
class BenchDocument:
    doc_id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    copy: int = 0            # 0: the seed itself
    seed_id: str = ""


def _rng(*parts: object) -> random.Random:
    key = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def _split_suffix(name: str) -> tuple[str, str]:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], suffix
    return name, ""


def place_mapping(copy: int) -> dict[str, str]:
    """Seed place (full and short form) -> this copy's invented place, injective within a copy."""
    rng = _rng("places", copy)
    taken = {_split_suffix(p)[0] for p in PLACES}
    mapping: dict[str, str] = {}
    for place in PLACES:
        base, suffix = _split_suffix(place)
        new = base
        while new in taken:
            new = rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS)
        taken.add(new)
        mapping[place] = new + suffix
        if suffix:
            mapping[base] = new
    return mapping


def _substitute(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def _numbers(text: str, copy: int) -> str:
    factor = _rng("factor", copy).uniform(1.2, 2.5)
    shift = 1 + (copy - 1) % 10

    def replace(match: re.Match) -> str:
        raw = match.group(0)
        if "." in raw:
            return f"{float(raw) * factor:.{len(raw.split('.')[1])}f}"
        value = int(raw)
        if len(raw) == 4 and 1990 <= value <= 2100:
            return str(value - shift)
        return str(max(1, round(value * factor)))

    return _NUMBER.sub(replace, text)


def _synonyms(line: str, copy: int) -> str:
    rng = _rng("synonyms", copy, hashlib.sha1(line.encode("utf-8")).hexdigest())
    return _SYNONYM_RE.sub(lambda m: rng.choice(_SYNONYM_OF[m.group(0)]) if rng.random() < SYNONYM_RATE
                           else m.group(0), line)


def variant_text(text: str, copy: int) -> str:
    """The text of copy ``copy`` (>= 1) of a seed document."""
    mapping = place_mapping(copy)
    lines = [_synonyms(_numbers(_substitute(line, mapping), copy), copy) for line in text.split("\n")]
    head, rest = lines[:1], lines[1:]
    _rng("order", copy, hashlib.sha1(text.encode("utf-8")).hexdigest()).shuffle(rest)
    return "\n".join(head + rest)


def variant_meta(entry: dict[str, Any], copy: int) -> dict[str, Any]:
    mapping = place_mapping(copy)
    meta = dict(entry)
    for key in ("title", "place", "issuer"):
        if isinstance(meta.get(key), str):
            meta[key] = _numbers(_substitute(meta[key], mapping), copy)
    if isinstance(meta.get("places"), list):
        meta["places"] = [_substitute(p, mapping) for p in meta["places"]]
    if isinstance(meta.get("year"), int):
        meta["year"] -= 1 + (copy - 1) % 10
    return meta


def copy_id(seed_id: str, copy: int) -> str:
    return seed_id if copy == 0 else f"x{copy:03d}_{seed_id}"


def scaled_corpus(scale: int, seeds_dir: Path = DEFAULT_SEEDS_DIR) -> list[BenchDocument]:
    """The seeds (copy 0) and ``scale - 1`` distinct copies of each, in a stable order."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1. Currently, the scale is {scale}")
    seeds = sorted(Path(seeds_dir).glob("*.txt"))
    if not seeds:
        raise ValueError(f"no seed *.txt files in {seeds_dir}")
    catalog_path = Path(seeds_dir) / "catalog.json"
    catalog = json.loads(catalog_path.read_text(encoding="utf-8")) if catalog_path.exists() else {}
    documents: list[BenchDocument] = []
    for copy in range(scale):
        for path in seeds:
            text = path.read_text(encoding="utf-8")
            entry = catalog.get(path.name, {})
            if copy:
                text, entry = variant_text(text, copy), variant_meta(entry, copy)
            documents.append(BenchDocument(copy_id(path.name, copy), text, entry, copy, path.name))
    return documents


def write_corpus(documents: list[BenchDocument], folder: Path) -> Path:
    """One ``.txt`` per document plus ``catalog.json`` (what ``index build`` reads)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    for document in documents:
        (folder / document.doc_id).write_text(document.text, encoding="utf-8")
    catalog = {d.doc_id: d.meta for d in documents if d.meta}
    (folder / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def _shingles(text: str) -> set[str]:
    norm = re.sub(r"[\W_]+", "", normalize_text(text))
    return {norm[i:i + SHINGLE] for i in range(max(1, len(norm) - SHINGLE + 1))}


def max_similarity(documents: list[BenchDocument], max_pairs_per_seed: int = 2000) -> dict[str, Any]:
    """Exact shingle Jaccard between documents of the same seed (where collapse could happen):
    the maximum, and the near-duplicate groups the index's own detector finds (should be none)."""
    by_seed: dict[str, list[set[str]]] = {}
    for document in documents:
        by_seed.setdefault(document.seed_id, []).append(_shingles(document.text))
    highest, pairs = 0.0, 0
    for sets in by_seed.values():
        count = 0
        for i in range(len(sets)):
            for j in range(i + 1, len(sets)):
                if count >= max_pairs_per_seed:
                    break
                a, b = sets[i], sets[j]
                highest = max(highest, len(a & b) / max(1, len(a | b)))
                count += 1
        pairs += count
    groups = near_duplicate_groups({d.doc_id: d.text for d in documents}, 0.8)
    return {"max_jaccard": round(highest, 4), "pairs_checked": pairs, "near_duplicate_docs": len(groups)}
