"""Read source files into ``Document`` records: text files in any common Chinese encoding,
.docx, .pdf, .html, and ``corpus.jsonl`` collections. Bad files are reported, never fatal."""
from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from index.cleaning import BREADCRUMB_RE
from index.errors import DocumentError
from index.records import Document, SkippedFile

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".text", ""}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf", ".html", ".htm"}
MAX_DOCX_UNCOMPRESSED = 100 * 1024 * 1024
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_bytes(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode text bytes: UTF-8 (with or without BOM), then GB18030, then charset detection.

    Returns ``(text, encoding)``; raises ``DocumentError`` for binary or undecodable data.
    """
    if not data.strip():
        raise DocumentError(f"文件为空：{name}")
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"文件含有 NUL 字节，看起来是二进制文件而非文本：{name}")
    candidates: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.append("utf-8-sig")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.append("utf-16")
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _check_text(text, name), encoding
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except ImportError:  # pragma: no cover
        best = None
    if best is None:
        raise DocumentError(f"无法识别文件编码（不是 UTF-8 或 GBK/GB18030 文本）：{name}")
    return _check_text(str(best), name), best.encoding


def _check_text(text: str, name: str) -> str:
    if not text.strip():
        raise DocumentError(f"文件没有文字内容：{name}")
    controls = len(_CONTROL_RE.findall(text))
    if controls > max(8, len(text) // 100):
        raise DocumentError(f"文件包含大量控制字符，看起来是二进制或已损坏：{name}")
    if "\x00" in text:
        raise DocumentError(f"文件含有 NUL 字符：{name}")
    return text


def _read_docx(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_DOCX_UNCOMPRESSED:
                raise DocumentError(f"docx 解压后过大（{total // 1024 // 1024} MB），已拒绝：{path.name}")
    except zipfile.BadZipFile as exc:
        raise DocumentError(f"无法读取 docx 文件（不是有效的 Word 文档）：{path.name}") from exc
    try:
        import docx
    except ImportError as exc:  # pragma: no cover
        raise DocumentError("读取 .docx 需要 python-docx：pip install python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for damaged files
        raise DocumentError(f"无法读取 docx 文件：{path.name}（{exc.__class__.__name__}）") from exc
    return "\n".join(p.text for p in document.paragraphs)


def _read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover
        raise DocumentError("读取 .pdf 需要 pypdf：pip install pypdf") from exc
    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:
        raise DocumentError(f"无法读取 PDF 文件：{path.name}（{exc.__class__.__name__}）") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(f"PDF 没有文字层（可能是扫描件，需要先做文字识别）：{path.name}")
    return text


# class or id tokens of the elements that hold a page's breadcrumb
_CRUMB_TOKENS = {"breadcrumb", "breadcrumbs", "crumb", "crumbs", "position", "location", "dqwz", "mbx", "curpos",
                 "weizhi", "current-position", "currentposition"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "nav", "footer"}
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "ul", "ol",
               "table", "header", "main", "aside", "blockquote", "pre", "dd", "dt"}
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
              "wbr"}
_TITLE_SITE_SUFFIX = re.compile(r"\s*[_|｜]\s*|\s+[-–—]\s+")


class _HtmlText:
    """The text of a page, block elements as lines; left out: scripts and styles, the <head> (its <title> is
    kept apart), <nav>, <footer> and breadcrumb elements (class or id "breadcrumb", "position", …)."""

    def __init__(self, raw: str) -> None:
        from html.parser import HTMLParser

        self.parts: list[str] = []
        self.title_parts: list[str] = []
        skipping: list[str] = []  # tags of the open elements whose text is left out, outermost first
        in_title = False
        outer = self

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):  # noqa: D401 - HTMLParser API
                nonlocal in_title
                if tag == "title":
                    in_title = True
                if tag == "body" and skipping[:1] == ["head"]:
                    skipping.clear()  # a <head> left open
                names = " ".join(value or "" for key, value in attrs if key in ("class", "id")).lower().split()
                if skipping and tag == skipping[-1]:
                    skipping.append(tag)  # the same tag nested in a skipped one: count it to find its end
                elif not skipping and tag not in _VOID_TAGS and (tag in _SKIP_TAGS or _CRUMB_TOKENS & set(names)):
                    skipping.append(tag)
                if tag in _BLOCK_TAGS:
                    outer.parts.append("\n")

            def handle_endtag(self, tag):
                nonlocal in_title
                if tag == "title":
                    in_title = False
                if skipping and tag == skipping[-1]:
                    skipping.pop()
                if tag in _BLOCK_TAGS:
                    outer.parts.append("\n")

            def handle_data(self, data):
                if in_title:
                    outer.title_parts.append(data)
                elif not skipping:
                    outer.parts.append(data)

        parser = Parser(convert_charrefs=True)
        parser.feed(raw)
        parser.close()

    @property
    def title(self) -> str:
        """The page's <title> without the site's name after it ("方案_某某县人民政府" -> "方案")."""
        title = re.sub(r"\s+", " ", "".join(self.title_parts)).strip()
        first = _TITLE_SITE_SUFFIX.split(title, maxsplit=1)[0].strip()
        return first if len(first) >= 4 else title

    def lines(self) -> list[str]:
        lines = [re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in "".join(self.parts).splitlines()]
        return [line for line in lines if line and not BREADCRUMB_RE.match(line)]


HEADLINE_LINES = 30  # a page's headline is among its first lines; what comes before it is the site's chrome


def _read_html(path: Path) -> str:
    """A page's text: its headline once (the <title> when the body does not repeat it), then the body, without
    the site's header, menus and breadcrumb above the headline."""
    raw, _ = decode_bytes(path.read_bytes(), path.name)
    page = _HtmlText(raw)
    lines, title = page.lines(), page.title

    def same(line: str) -> bool:
        return bool(title) and re.sub(r"\s+", "", line) == re.sub(r"\s+", "", title)

    at = next((i for i, line in enumerate(lines[:HEADLINE_LINES]) if same(line)), None)
    if at is not None:
        lines = lines[at:]
    elif title and not any(title in line for line in lines):
        lines = [title, *lines]
    return "\n".join(lines)


def read_document_file(path: Path, doc_id: str | None = None, max_bytes: int | None = None) -> Document:
    """Read one file into a Document; raises ``DocumentError`` with a clear message."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"不支持的文件类型 {suffix}：{path.name}（支持 .txt .md .docx .pdf .html）")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"无法读取文件：{path}（{exc.strerror}）") from exc
    if max_bytes is not None and size > max_bytes:
        raise DocumentError(f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {max_bytes / 1024 / 1024:.0f} MB）：{path.name}")
    encoding = "utf-8"
    try:
        if suffix == ".docx":
            text, encoding = _read_docx(path), "docx"
        elif suffix == ".pdf":
            text, encoding = _read_pdf(path), "pdf"
        elif suffix in (".html", ".htm"):
            text, encoding = _read_html(path), "html"
        else:
            text, encoding = decode_bytes(path.read_bytes(), path.name)
    except OSError as exc:
        raise DocumentError(f"无法读取文件：{path.name}（{exc.strerror}）") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError(f"文件没有文字内容：{path.name}")
    if encoding not in ("utf-8", "utf-8-sig", "docx", "pdf", "html"):
        log.info("%s: decoded as %s", path.name, encoding)
    return Document(doc_id=doc_id or path.name, text=text, source=str(path), encoding=encoding)


def read_corpus_jsonl(path: Path) -> tuple[list[Document], list[SkippedFile]]:
    """``{"doc_id", "title", "text"}`` per line; malformed lines are skipped and reported."""
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                record = json.loads(line)
                doc_id, text = str(record["doc_id"]), record["text"]
            except (json.JSONDecodeError, KeyError, TypeError):
                skipped.append(SkippedFile(where, "不是有效的 JSON 记录（需要 doc_id 与 text 字段）"))
                continue
            if not isinstance(text, str) or not text.strip() or "\x00" in text:
                skipped.append(SkippedFile(where, f"文档 {doc_id} 的正文为空或无效"))
                continue
            if doc_id in seen:
                skipped.append(SkippedFile(where, f"文档编号重复：{doc_id}"))
                continue
            seen.add(doc_id)
            title = str(record.get("title") or "")
            documents.append(Document(doc_id=doc_id, text=text, title=title, source=str(path)))
    return documents, skipped


def iter_source_files(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.name != "catalog.json":
            yield path


def load_sources(sources: Iterable[Path], max_bytes: int | None = None) -> tuple[list[Document], list[SkippedFile]]:
    """Read folders, single files and corpus.jsonl files; doc ids must be unique across them."""
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for source in sources:
        source = Path(source)
        if source.is_dir():
            for path in iter_source_files(source):
                doc_id = path.relative_to(source).as_posix()
                if path.suffix.lower() == ".jsonl":
                    docs, bad = read_corpus_jsonl(path)
                    documents += docs
                    skipped += bad
                    continue
                try:
                    documents.append(read_document_file(path, doc_id=doc_id, max_bytes=max_bytes))
                except DocumentError as exc:
                    skipped.append(SkippedFile(str(path), str(exc)))
        elif source.suffix.lower() == ".jsonl" and source.is_file():
            docs, bad = read_corpus_jsonl(source)
            documents += docs
            skipped += bad
        elif source.is_file():
            try:
                documents.append(read_document_file(source, max_bytes=max_bytes))
            except DocumentError as exc:
                skipped.append(SkippedFile(str(source), str(exc)))
        else:
            skipped.append(SkippedFile(str(source), "路径不存在"))
    unique: dict[str, Document] = {}
    for document in documents:
        if document.doc_id in unique:
            skipped.append(SkippedFile(document.source, f"文档编号重复：{document.doc_id}"))
            continue
        unique[document.doc_id] = document
    return list(unique.values()), skipped
