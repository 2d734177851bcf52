"""The page in a real browser: headless Chromium (Debian's /usr/bin/chromium, never a downloaded one) asks a
question, waits for the highlighted answer and its citation, checks escaping and feedback, and takes
screenshots of the answer, the document view, the no-answer and the knowledge base (into ``docs/`` when
POLICYQA_UPDATE_SCREENSHOT=1, else a temporary folder)."""
from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index.config import REPO_ROOT
from tests.app_server import running_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "screenshot.png"
QUESTION = "蓬江区接管了多少个停车场？"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                     "(apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def app_url(seed_index_dir, tmp_path_factory):
    """``python app.py`` on a copy of the seed index; yields (url, feedback file)."""
    with running_app(seed_index_dir, tmp_path_factory.mktemp("app-browser")) as app:
        yield app.url, app.feedback


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN", device_scale_factor=1)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url[0].rstrip("/"))
    page = context.new_page()
    page.dialogs = []  # any alert() would be an XSS
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(app_url[0])
    page.wait_for_selector("#pqa-question textarea", timeout=60_000)
    yield page
    context.close()


@contextmanager
def _portal(body: bytes) -> Iterator[str]:
    """Another origin (another port on the loopback address) serving one HTML page; yields its URL.

    Loopback, not a public address: browsers ask before a public page may reach a private address
    (Local Network Access), which is not what the tests are about."""
    class Portal(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            page, status = (body, 200) if self.path == "/" else (b"", 404)
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _screenshot(page, name: str, tmp_path: Path, full_page: bool = False) -> None:
    """Into docs/ when POLICYQA_UPDATE_SCREENSHOT=1, else into the test's temporary folder."""
    folder = DOCS_SCREENSHOT.parent if os.environ.get("POLICYQA_UPDATE_SCREENSHOT") == "1" else tmp_path
    page.screenshot(path=str(folder / name), full_page=full_page)
    assert (folder / name).stat().st_size > 10_000


def _ask(page, question: str, replies: int) -> None:
    page.fill("#pqa-question textarea", question)
    page.click("#pqa-ask")
    page.wait_for_function(f"document.querySelectorAll('#pqa-chat .pqa-reply').length >= {replies}",
                           timeout=60_000)


def test_question_gets_highlighted_answer_with_citation_and_screenshot(page, tmp_path):
    page.wait_for_function("document.querySelector('#pqa-kb-status').innerText.includes('份文件')",
                           timeout=60_000)
    _ask(page, QUESTION, 1)
    answer = page.locator("#pqa-chat mark.pqa-answer-text").last
    answer.wait_for(timeout=30_000)
    assert "22" in answer.inner_text()
    citation = page.locator("#pqa-chat ol.pqa-cites li").first
    assert "《" in citation.inner_text() and "蓬江区" in citation.inner_text()
    # sources panel: the cited passage, its answer sentence highlighted in context
    cited = page.locator("#pqa-sources .pqa-src-cited").first
    cited.wait_for(timeout=10_000)
    assert "22" in cited.locator("mark.pqa-hl").first.inner_text()
    # ranks and the answer's confidence, not raw retrieval scores
    sources = page.locator("#pqa-sources").inner_text()
    assert "相关度" not in sources and "答案置信度" in sources
    assert page.locator("#pqa-sources .pqa-rank").first.inner_text() == "1"
    # the answer with its citation, copyable
    cite_text = page.locator("#pqa-cite textarea").input_value()
    assert cite_text.startswith("“") and "22" in cite_text and "》 › " in cite_text and cite_text.endswith("字）")
    page.wait_for_timeout(500)  # let the transition settle before the picture
    _screenshot(page, DOCS_SCREENSHOT.name, tmp_path, full_page=True)


def test_a_citation_opens_the_whole_document_at_the_highlighted_span(page, tmp_path):
    citation = page.locator("#pqa-chat ol.pqa-cites li").first.inner_text()
    assert " › " in citation and ".txt" not in citation  # title › section and a short position, no file name
    page.locator("#pqa-sources .pqa-src-cited button.pqa-open").first.click()
    cited = page.locator("#pqa-doc #pqa-cited")
    cited.wait_for(timeout=10_000)
    assert "22" in cited.inner_text() and "pqa-hl" in (cited.get_attribute("class") or "")
    view = page.locator("#pqa-doc")
    assert "《江门市蓬江区" in view.locator(".pqa-doc-head").inner_text()
    assert "引用位置" in view.inner_text() and "共 " in view.inner_text()
    text = view.locator("#pqa-doc-text")
    assert len(text.inner_text()) > 2000, "the whole document, not the passage"
    page.wait_for_timeout(600)  # the scroll runs just after the view is shown
    box, frame = cited.bounding_box(), text.bounding_box()
    assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"], \
        "the cited span is scrolled into view"
    _screenshot(page, "screenshot-document.png", tmp_path)
    page.click("#pqa-back")
    page.locator("#pqa-question textarea").wait_for(state="visible", timeout=10_000)


def test_markup_in_a_question_is_shown_as_text(page):
    question = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    _ask(page, question, 2)
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.locator("#pqa-chat img[src=x]").count() == 0
    assert question in page.locator("#pqa-chat").inner_text()


def test_conversation_exports_to_word_and_markdown(page, tmp_path):
    from docx import Document

    page.wait_for_function("!document.querySelector('#pqa-export-docx').disabled", timeout=10_000)
    with page.expect_download(timeout=20_000) as info:
        page.click("#pqa-export-docx")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".docx"
    lines = [p.text for p in Document(str(path)).paragraphs]
    assert f"第1问：{QUESTION}" in lines
    quote = next(line for line in lines if line.startswith("“") and "22" in line)
    assert "”（《" in quote and " › " in quote and quote.endswith("字）")  # the citation right after the quote
    assert "来源文件" in lines
    with page.expect_download(timeout=20_000) as info:
        page.click("#pqa-export-md")
    md = Path(info.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# 政策问答") and "## 第2问：" in md and "22" in md


def test_feedback_on_a_reply_is_written_to_the_log(page, app_url):
    feedback = app_url[1]
    page.locator("#pqa-chat .pqa-reply").first.click()  # target the first answer
    page.wait_for_function("document.querySelector('#pqa-sources').innerText.includes('第1问')", timeout=10_000)
    page.get_by_label("说明（可选）").fill("答案正确，出处清楚")
    page.click("#pqa-fb-right")
    page.locator(".pqa-feedback-done").wait_for(timeout=10_000)
    # one verdict per reply, and the page shows which
    page.wait_for_function("document.querySelector('#pqa-fb-wrong').disabled", timeout=10_000)
    assert page.locator("#pqa-fb-right").is_disabled()
    assert "primary" in (page.locator("#pqa-fb-right").get_attribute("class") or "")
    records = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1
    assert records[-1]["verdict"] == "right"
    assert records[-1]["question"] == QUESTION
    assert records[-1]["comment"] == "答案正确，出处清楚"
    assert records[-1]["citations"] and "22" in records[-1]["answer"]


def test_a_verdict_can_be_undone_and_chosen_again(page, app_url):
    """撤销 withdraws the verdict just given (the log records the retraction, the gold reader drops the verdict),
    and ✓ / ✗ can be chosen again."""
    from eval.feedback import convert_lines

    feedback = app_url[1]
    undo = page.locator("#pqa-fb-undo")
    undo.wait_for(state="visible", timeout=10_000)
    undo.click()
    page.locator(".pqa-feedback-undone").wait_for(timeout=10_000)
    page.wait_for_function("!document.querySelector('#pqa-fb-wrong').disabled", timeout=10_000)
    assert not page.locator("#pqa-fb-right").is_disabled()
    assert "primary" not in (page.locator("#pqa-fb-right").get_attribute("class") or "")
    undo.wait_for(state="hidden", timeout=10_000)
    lines = feedback.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2 and records[1]["retracts"] == records[0]["id"]
    assert convert_lines(lines).candidates == [], "a withdrawn verdict is no gold candidate"
    page.click("#pqa-fb-wrong")
    page.locator(".pqa-feedback-done").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#pqa-fb-right').disabled", timeout=10_000)
    assert "primary" in (page.locator("#pqa-fb-wrong").get_attribute("class") or "")
    lines = feedback.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line).get("verdict") for line in lines] == ["right", None, "wrong"]
    assert [c["feedback"]["verdict"] for c in convert_lines(lines).candidates] == ["wrong"]


def test_a_long_question_is_cut_for_display_and_a_no_answer_has_no_answer_highlight(page):
    _ask(page, "问" * 5000, 3)
    bubble = page.locator("#pqa-chat .message-row").nth(-2)  # the user's question
    assert bubble.bounding_box()["height"] < 250 and "共 5000 字" in bubble.inner_text()
    head = page.locator("#pqa-sources .pqa-sources-head").inner_text()
    assert len(head) < 80
    _ask(page, "如何申请美国签证？", 4)
    page.wait_for_function("document.querySelector('#pqa-sources').innerText.includes('第4问')", timeout=10_000)
    assert page.locator("#pqa-chat .pqa-reply").last.locator(".pqa-none-label").count() == 1
    assert page.locator("#pqa-sources .pqa-src").count() >= 1
    assert page.locator("#pqa-sources mark").count() == 0  # the answer's yellow means an answer


def test_the_no_answer_view_in_a_fresh_page(browser, app_url, tmp_path):
    """A question the documents do not answer, alone in a new page: 未找到, the nearest passages as 可能相关."""
    context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(app_url[0])
        page.wait_for_selector("#pqa-question textarea", timeout=60_000)
        _ask(page, "如何申请美国签证？", 1)
        page.wait_for_function("document.querySelector('#pqa-sources').innerText.includes('第1问')", timeout=10_000)
        reply = page.locator("#pqa-chat .pqa-reply").last
        assert reply.locator(".pqa-none-label").inner_text() == "未找到" and "可能相关" in reply.inner_text()
        assert "最接近的段落" in page.locator("#pqa-sources").inner_text()
        page.wait_for_timeout(500)
        _screenshot(page, "screenshot-no-answer.png", tmp_path, full_page=True)
    finally:
        context.close()


def test_an_english_browser_gets_the_chinese_page_and_idle_clicks_are_notices(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(app_url[0])
        page.wait_for_selector("#pqa-question textarea", timeout=60_000)
        footer = page.locator("footer").inner_text()
        assert "通过 API 使用" in footer and "Use via API" not in footer and "Settings" not in footer
        # feedback before any question: nothing to click
        assert page.locator("#pqa-fb-right").is_disabled() and page.locator("#pqa-fb-wrong").is_disabled()
        page.get_by_role("tab", name="知识库").click()
        upload = page.locator("#pqa-upload").inner_text()
        assert "拖放" in upload and "Drop File" not in upload
        page.wait_for_function("document.querySelector('#pqa-kb-status').innerText.includes('份文件')",
                               timeout=60_000)
        page.locator("#pqa-docs [role=gridcell]").first.wait_for(timeout=10_000)
        table = page.locator("#pqa-docs").inner_text()
        page.get_by_text("删除文件").click()
        page.get_by_role("button", name="删除所选文件").click()
        toast = page.locator("[data-testid=toast-body]").first
        toast.wait_for(timeout=10_000)
        assert "请先在列表中" in toast.inner_text()
        title = page.locator(".toast-title").first
        assert title.evaluate("e => getComputedStyle(e, '::before').content") == '"提示"'
        page.wait_for_timeout(500)
        assert page.locator(".error").count() == 0, "no red error badge over the page"
        assert page.locator("#pqa-docs").inner_text() == table, "the document table stays as it was"
        assert page.locator("#pqa-delete-prompt").is_hidden(), "nothing to confirm"
    finally:
        context.close()


def test_the_documented_iframe_height_holds_the_page(browser, app_url):
    """docs/APP.md's iframe snippet, on another origin: the page fits without a scrollbar of its own."""
    doc = (REPO_ROOT / "docs" / "APP.md").read_text(encoding="utf-8")
    snippet = re.search(r"<iframe [^>]*></iframe>", doc, re.S)
    assert snippet, "docs/APP.md shows an iframe"
    host_page = ('<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">'
                 + snippet.group(0).replace("http://policyqa.example.internal:7860/", app_url[0])
                 + "</body></html>").encode()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        with _portal(host_page) as portal_url:
            page.goto(portal_url)
            frame = page.frame_locator("iframe")
            frame.locator("#pqa-question textarea").fill(QUESTION)
            frame.locator("#pqa-ask").click()
            frame.locator("mark.pqa-answer-text").wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            scroll, height = page.frames[1].evaluate("[document.documentElement.scrollHeight, window.innerHeight]")
    finally:
        context.close()
    assert scroll <= height, f"the page is {scroll} px tall, the documented iframe {height} px"


def test_upload_in_the_page_indexes_good_files_and_explains_refusals(page, tmp_path):
    empty = tmp_path / "空文件.txt"
    empty.write_bytes(b"")
    good = tmp_path / "测试市营商环境方案.txt"
    good.write_text("测试市2024年营商环境改革方案\n一、主要目标\n到2025年，测试市企业开办时间压缩至1个工作日以内。\n",
                    encoding="utf-8")
    page.get_by_role("tab", name="知识库").click()
    page.locator("#pqa-upload input[type=file]").set_input_files([str(empty), str(good)])
    page.get_by_role("button", name="加入知识库").click()
    report = page.locator(".pqa-report")
    report.wait_for(timeout=120_000)
    assert "已加入 1 份文件：《测试市2024年营商环境改革方案》" in report.inner_text()
    # what happened to this upload, in the header's words: no collection-wide counts, no indexing jargon
    assert "个段落" in report.inner_text() and "文本块" not in report.inner_text() and "去除重复" not in report.inner_text()
    refused = page.locator(".pqa-report li.pqa-bad").inner_text()
    assert "空文件.txt" in refused and "空" in refused.split("：", 1)[1]
    _wait_for_documents(page, 6)
    page.wait_for_timeout(500)
    _screenshot(page, "screenshot-knowledge-base.png", tmp_path, full_page=True)
    page.get_by_role("tab", name="问答").click()


def _wait_for_documents(page, count: int) -> None:
    page.wait_for_function(f"document.querySelector('#pqa-kb-status').innerText.includes('{count} 份文件')",
                           timeout=120_000)


def test_an_upload_under_an_existing_name_asks_and_a_deletion_is_confirmed(page, tmp_path):
    """Upload a changed file under the name of the one just added: the page asks (replace or keep both) and
    adds nothing until asked; then delete the second copy, cancelling once and confirming once."""
    changed = tmp_path / "second" / "测试市营商环境方案.txt"
    changed.parent.mkdir()
    changed.write_text("测试市2024年营商环境改革方案（修订）\n一、主要目标\n到2025年，测试市企业开办时间压缩至半个工作日。\n",
                       encoding="utf-8")
    page.get_by_role("tab", name="知识库").click()
    prompt = page.locator("#pqa-name-prompt")
    page.locator("#pqa-upload input[type=file]").set_input_files([str(changed)])
    page.get_by_role("button", name="加入知识库").click()
    prompt.wait_for(state="visible", timeout=30_000)
    assert "已有同名文件" in prompt.inner_text() and "测试市营商环境方案（2）.txt" in prompt.inner_text()
    page.wait_for_timeout(500)
    assert "6 份文件" in page.locator("#pqa-kb-status").inner_text(), "nothing added before the choice"
    page.click("#pqa-up-keep")
    _wait_for_documents(page, 7)
    prompt.wait_for(state="hidden", timeout=10_000)
    assert "测试市营商环境方案（2）.txt" in page.locator("#pqa-docs").inner_text()
    # the same name again, replaced this time: still seven documents
    changed.write_text("测试市2024年营商环境改革方案（第三稿）\n到2025年，企业开办全程网办。\n", encoding="utf-8")
    page.locator("#pqa-upload input[type=file]").set_input_files([str(changed)])
    page.get_by_role("button", name="加入知识库").click()
    prompt.wait_for(state="visible", timeout=30_000)
    page.click("#pqa-up-replace")
    prompt.wait_for(state="hidden", timeout=120_000)
    page.wait_for_function("document.querySelector('.pqa-report').innerText.includes('已替换 1 份同名文件')",
                           timeout=120_000)
    assert "第三稿" in page.locator("#pqa-docs").inner_text() and "7 份文件" in page.locator("#pqa-kb-status").inner_text()
    # delete the kept copy: a row click picks it, the button asks, 取消 keeps it, 确认删除 removes it
    page.locator("#pqa-docs [role=gridcell]", has_text="测试市营商环境方案（2）.txt").first.click()
    page.get_by_text("删除文件", exact=True).click()
    confirm = page.locator("#pqa-delete-prompt")
    page.get_by_role("button", name="删除所选文件").click()
    confirm.wait_for(state="visible", timeout=10_000)
    assert "确定删除《测试市2024年营商环境改革方案（修订）》" in confirm.inner_text()
    page.click("#pqa-del-no")
    confirm.wait_for(state="hidden", timeout=10_000)
    page.wait_for_timeout(500)
    assert "7 份文件" in page.locator("#pqa-kb-status").inner_text()
    page.get_by_role("button", name="删除所选文件").click()
    confirm.wait_for(state="visible", timeout=10_000)
    page.click("#pqa-del-yes")
    _wait_for_documents(page, 6)
    assert "已删除" in page.locator(".pqa-report").inner_text()
    assert "测试市营商环境方案（2）.txt" not in page.locator("#pqa-docs").inner_text()
    page.get_by_role("tab", name="问答").click()


def _copy(page, reply) -> str:
    """Click a reply's 复制答案与出处 and read the clipboard."""
    button = reply.locator("button.pqa-copy")
    button.click()
    page.wait_for_function("b => b.textContent === '已复制'", arg=button.element_handle(), timeout=10_000)
    return page.evaluate("navigator.clipboard.readText()")


def test_each_reply_copies_its_own_answer_and_citation_as_plain_text(page):
    """Every answered reply has a copy button; it copies that reply's answer with its citation (《标题》 › 章节) as
    plain text, not the bubble's HTML, and not the latest reply's."""
    page.get_by_role("tab", name="问答").click()
    replies = page.locator("#pqa-chat .pqa-reply")
    count = replies.count()
    _ask(page, "吉安市普惠小微贷款余额年均增长目标是多少？", count + 1)
    page.locator("#pqa-chat .pqa-reply").nth(count).locator("button.pqa-copy").wait_for(timeout=30_000)
    latest = page.locator("#pqa-cite textarea").input_value()  # the copy box holds the latest answer
    first = _copy(page, replies.first)
    assert first.startswith("“") and "22" in first and "》 › " in first and first.endswith("字）")
    assert "<" not in first and "查看原文" not in first and first != latest
    assert _copy(page, replies.nth(count)) == latest
    # without the clipboard API (plain http on a LAN address is no secure context) the text is still copied
    page.evaluate("async () => { await navigator.clipboard.writeText(''); "
                  "navigator.clipboard.writeText = () => Promise.reject(new Error('no secure context')); }")
    assert _copy(page, replies.first) == first
    assert page.locator("#pqa-chat .pqa-reply.pqa-none button.pqa-copy").count() == 0  # a no-answer: nothing


def test_app_embeds_as_a_web_component_loaded_from_its_own_server(browser, app_url):
    """A page on another origin loads the app with <script src=".../gradio.js"> and <gradio-app>: no CDN."""
    url = app_url[0]
    host_page = ('<!doctype html><html><head><meta charset="utf-8">'
                 f'<script type="module" src="{url}gradio.js"></script></head>'
                 f'<body><h1>门户网站</h1><gradio-app src="{url}"></gradio-app></body></html>').encode()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        with _portal(host_page) as portal_url:
            page.goto(portal_url)
            page.wait_for_selector("gradio-app #pqa-question textarea", timeout=60_000)
            page.fill("gradio-app #pqa-question textarea", QUESTION)
            page.click("gradio-app #pqa-ask")
            page.wait_for_selector("gradio-app mark.pqa-answer-text", timeout=60_000)
            assert "22" in page.inner_text("gradio-app mark.pqa-answer-text")
    finally:
        context.close()


def test_the_documented_api_address_opens_the_api_page(browser, app_url):
    """docs/APP.md names the address of the API description; it opens it, with the app's endpoints."""
    doc = (REPO_ROOT / "docs" / "APP.md").read_text(encoding="utf-8")
    address = re.search(r"`http://HOST:PORT/([^`]*)` \(the 通过 API 使用 link", doc)
    assert address, "docs/APP.md names the API page's address"
    context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(app_url[0] + address.group(1))
        page.locator(".api-name").first.wait_for(timeout=60_000)
        names = " ".join(page.locator(".api-name").all_inner_texts())
        assert "/ask" in names and "/add_documents" in names and "/tasks" in names
    finally:
        context.close()
