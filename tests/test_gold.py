"""Validate the gold question-answer set (eval/gold.jsonl) and the seed catalog (seeds/catalog.json)."""
import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "eval" / "gold.jsonl"
CATALOG = SEEDS / "catalog.json"

TYPES = {"fact", "paraphrase", "number", "who", "list", "multi", "unanswerable"}
ANSWERABLE_TYPES = TYPES - {"unanswerable"}
SPLITS = {"dev", "test"}
REQUIRED = {"id", "question", "answers", "type", "split"}


def seed_files():
    return sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.fixture(scope="module")
def texts():
    return {name: (SEEDS / name).read_text(encoding="utf-8") for name in seed_files()}


@pytest.fixture(scope="module")
def gold():
    rows = []
    with GOLD.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            assert line.strip(), f"blank line {lineno}"
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:  # pragma: no cover - failure path
                pytest.fail(f"line {lineno} does not parse: {e}")
    return rows


def doc_list(row):
    if row.get("docs") is not None:
        return list(row["docs"])
    if row.get("doc") is not None:
        return [row["doc"]]
    return []


def test_five_seeds_present():
    assert len(seed_files()) == 5


def test_size(gold):
    assert len(gold) >= 150


def test_fields_types_splits(gold):
    for row in gold:
        missing = REQUIRED - row.keys()
        assert not missing, f"{row.get('id')}: missing {missing}"
        assert "doc" in row or "docs" in row, f"{row['id']}: no doc/docs"
        assert row["type"] in TYPES, f"{row['id']}: bad type {row['type']}"
        assert row["split"] in SPLITS, f"{row['id']}: bad split {row['split']}"
        assert isinstance(row["question"], str) and row["question"].strip()
        assert isinstance(row["answers"], list)
        assert all(isinstance(a, str) and a for a in row["answers"]), row["id"]


def test_ids_unique(gold):
    ids = [row["id"] for row in gold]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup, f"duplicate ids: {dup}"


def test_questions_unique(gold):
    qs = [row["question"] for row in gold]
    dup = [q for q, c in Counter(qs).items() if c > 1]
    assert not dup, f"duplicate questions: {dup}"


def test_docs_exist(gold, texts):
    for row in gold:
        for d in doc_list(row):
            assert d in texts, f"{row['id']}: unknown doc {d}"


def test_answers_are_substrings(gold, texts):
    for row in gold:
        docs = doc_list(row)
        for ans in row["answers"]:
            assert any(ans in texts[d] for d in docs), f"{row['id']}: {ans!r} not found in {docs}"


def test_multi_rows(gold, texts):
    for row in gold:
        if row["type"] != "multi":
            continue
        docs = row.get("docs")
        assert isinstance(docs, list) and len(docs) >= 2, f"{row['id']}: multi needs docs list"
        for d in docs:
            assert any(a in texts[d] for a in row["answers"]), f"{row['id']}: no answer in {d}"


def test_unanswerable_iff_empty(gold):
    for row in gold:
        if row["type"] == "unanswerable":
            assert row["answers"] == [], row["id"]
            assert row.get("doc") is None and not row.get("docs"), row["id"]
        else:
            assert row["answers"], f"{row['id']}: answerable row without answers"
            assert doc_list(row), f"{row['id']}: answerable row without doc"


def test_every_seed_covered(gold):
    covered = {d for row in gold for d in doc_list(row)}
    assert set(seed_files()) <= covered, set(seed_files()) - covered


def test_every_type_in_both_splits(gold):
    seen = {(row["type"], row["split"]) for row in gold}
    for t in TYPES:
        for s in SPLITS:
            assert (t, s) in seen, f"type {t} missing from split {s}"


def test_unanswerable_share(gold):
    share = sum(row["type"] == "unanswerable" for row in gold) / len(gold)
    assert 0.08 <= share <= 0.15, share


def test_minimum_per_answerable_type(gold):
    c = Counter(row["type"] for row in gold)
    for t in ANSWERABLE_TYPES:
        assert c[t] >= 12, f"{t}: only {c[t]}"


def test_catalog(texts):
    cat = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert isinstance(cat, dict)
    for name in seed_files():
        assert name in cat, f"catalog lacks {name}"
        entry = cat[name]
        for key in ("title", "place", "kind"):
            assert isinstance(entry.get(key), str) and entry[key].strip(), f"{name}: empty {key}"
        assert isinstance(entry.get("year"), int) and not isinstance(entry["year"], bool), name
        assert isinstance(entry.get("places", []), list)
        assert isinstance(entry.get("issuer", ""), str)
