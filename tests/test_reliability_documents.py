"""Bad source files: a folder mixing encodings, empty, binary and NUL-containing files still
builds (bad files skipped with name and reason); uploads refuse oversize files, zip bombs and
PDFs without text, and store any uploaded name as a plain doc id."""
from __future__ import annotations

import os
import random
import zipfile
from pathlib import Path

import pytest

from index.build import build_index
from index.config import IndexConfig
from index.loading import MAX_DOCX_UNCOMPRESSED
from index.store import load_index
from qa.engine import QAEngine

POLICY = ("关于{place}优化营商环境的通知\n一、总体要求\n{place}在2024年底前完成企业开办“一网通办”改革，"
          "企业开办时间压缩至{days}个工作日以内。\n二、工作措施\n由{place}市场监督管理局牵头，各区政府负责落实。\n")


def policy(place: str, days: int) -> str:
    return POLICY.format(place=place, days=days)


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    docs = root / "docs"
    docs.mkdir()
    rng = random.Random(7)
    texts = {"utf8.txt": policy("江门市", 3), "bom.txt": policy("佛山市", 2), "gbk.txt": policy("珠海市", 1)}
    (docs / "utf8.txt").write_bytes(texts["utf8.txt"].encode("utf-8"))
    (docs / "bom.txt").write_bytes(b"\xef\xbb\xbf" + texts["bom.txt"].encode("utf-8"))
    (docs / "gbk.txt").write_bytes(texts["gbk.txt"].encode("gbk"))
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_bytes(b"  \r\n\t \n")
    (docs / "garbage.txt").write_bytes(bytes(rng.randrange(256) for _ in range(8192)))
    (docs / "garbage_no_nul.txt").write_bytes(bytes(rng.randrange(1, 256) for _ in range(8192)))
    encoded = policy("中山市", 5).encode("utf-8")
    (docs / "nul.txt").write_bytes(encoded[:40] + b"\x00" + encoded[40:])
    report = build_index([docs], root / "index", IndexConfig())
    return docs, root / "index", texts, report


def test_good_files_are_indexed_with_their_exact_text(mixed_build):
    _, index_dir, texts, report = mixed_build
    assert report.documents == 3 and sorted(report.added) == sorted(texts)
    loaded = load_index(index_dir)
    for name, text in texts.items():
        assert loaded.documents[name].document.text == text  # BOM dropped, GBK decoded
    for chunk in loaded.chunks:
        assert loaded.documents[chunk.doc_id].document.text[chunk.start:chunk.end] == chunk.text


def test_each_bad_file_is_skipped_with_name_and_reason(mixed_build):
    _, _, _, report = mixed_build
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "blank.md", "garbage.txt", "garbage_no_nul.txt", "nul.txt"}
    assert "为空" in reasons["empty.txt"] and "为空" in reasons["blank.md"]
    assert "NUL" in reasons["garbage.txt"] and "NUL" in reasons["nul.txt"]
    assert "编码" in reasons["garbage_no_nul.txt"]
    for name, reason in reasons.items():
        assert name in reason  # each reason names its file
        assert "跳过：" in report.summary() and name in report.summary()


def test_gbk_and_bom_are_detected_and_reported(mixed_build):
    _, _, _, report = mixed_build
    assert report.encodings["gbk.txt"] == "gb18030"  # GB18030 is the superset of GBK
    assert report.encodings["bom.txt"] == "utf-8-sig"
    assert "utf8.txt" not in report.encodings
    assert "编码：gbk.txt 按 gb18030 读取" in report.summary()


def test_gbk_document_answers(mixed_build):
    _, index_dir, texts, _ = mixed_build
    engine = QAEngine.open(index_dir=index_dir)
    answer = engine.answer("珠海市企业开办时间压缩至几个工作日？")
    assert not answer.no_answer and answer.citations[0].doc_id == "gbk.txt"
    assert texts["gbk.txt"][answer.citations[0].start:answer.citations[0].end] == answer.text


# ----- uploads ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def upload_engine(seed_index_dir, tmp_path_factory):
    import shutil

    target = tmp_path_factory.mktemp("uploads") / "index"
    shutil.copytree(seed_index_dir, target, ignore=shutil.ignore_patterns(".build.lock"))
    return QAEngine.open(index_dir=target)


def zip_bomb_docx(path: Path, member_bytes: int) -> Path:
    """A docx-shaped zip whose one member is ``member_bytes`` of zeros (a few hundred KB on disk)."""
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for offset in range(0, member_bytes, len(block)):
                member.write(block[: min(len(block), member_bytes - offset)])
    return path


def blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def test_refused_uploads_leave_the_index_untouched(upload_engine, tmp_path):
    engine = upload_engine
    generation, documents = engine.index.folder, set(engine.index.documents)
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:  # sparse: over the limit without writing 20 MB
        handle.truncate(engine.index_config.max_file_bytes + 1)
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", MAX_DOCX_UNCOMPRESSED + (1 << 20))
    assert bomb.stat().st_size < 2 * 1024 * 1024  # small on disk, > 100 MB unpacked
    pdf = blank_pdf(tmp_path / "scan.pdf")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ" + os.urandom(64))
    result = engine.knowledge_base.add_files([big, bomb, pdf, empty, broken, exe])
    reasons = {s["path"]: s["reason"] for s in result["skipped"]}
    assert set(reasons) == {"big.txt", "bomb.docx", "scan.pdf", "empty.txt", "broken.docx", "tool.exe"}
    assert "文件过大" in reasons["big.txt"]
    assert "解压后过大" in reasons["bomb.docx"]
    assert "没有文字层" in reasons["scan.pdf"]
    assert "为空" in reasons["empty.txt"]
    assert "docx" in reasons["broken.docx"]
    assert "不支持" in reasons["tool.exe"]
    assert result["added"] == [] and engine.index.folder == generation and set(engine.index.documents) == documents


def test_uploaded_names_become_plain_doc_ids(upload_engine, tmp_path):
    engine = upload_engine
    outside = tmp_path / "outside"
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    outside.mkdir()
    dotted = inner / ".." / ".." / "outside" / "traversal.txt"  # a path with ../ in it
    (outside / "traversal.txt").write_text(policy("台山市", 4), encoding="utf-8")
    absolute = (inner / "absolute.txt").resolve()
    absolute.write_text(policy("开平市", 6), encoding="utf-8")
    backslashes = inner / "..\\..\\windows\\evil.txt"  # a legal file name on Linux
    backslashes.write_text(policy("恩平市", 7), encoding="utf-8")
    hidden = inner / ".hidden.txt"
    hidden.write_text(policy("鹤山市", 8), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}

    result = engine.knowledge_base.add_files([dotted, str(absolute), backslashes, hidden])

    assert not result["skipped"], result["skipped"]
    new_ids = set(result["added"])
    assert new_ids == {"traversal.txt", "absolute.txt", "_.._windows_evil.txt", "hidden.txt"}
    for doc_id in engine.index.documents:
        assert "/" not in doc_id and "\\" not in doc_id and not doc_id.startswith(".")
        assert Path(doc_id).name == doc_id and not Path(doc_id).is_absolute()
    assert {p for p in tmp_path.rglob("*")} == before  # nothing written beside the uploads
    for path in engine.index_dir.rglob("*"):  # everything stored stays inside the index folder
        assert path.resolve().is_relative_to(engine.index_dir.resolve())
    answer = engine.answer("台山市企业开办时间压缩至几个工作日？")
    assert not answer.no_answer and answer.citations[0].doc_id == "traversal.txt"


def test_upload_of_a_real_docx_works(upload_engine, tmp_path):
    import docx

    document = docx.Document()
    for line in policy("新会区", 9).splitlines():
        document.add_paragraph(line)
    path = tmp_path / "新会区通知.docx"
    document.save(path)
    result = upload_engine.knowledge_base.add_files([path])
    assert result["added"] == ["新会区通知.docx"] and not result["skipped"]
    assert "新会区" in upload_engine.index.documents["新会区通知.docx"].document.text
