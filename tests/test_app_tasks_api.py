"""The task list through the running app: ``python app.py`` on a copy of the seed index, driven with
``gradio_client`` (the ``/tasks`` endpoint and a task-list question to ``/ask``) and in Debian's headless
Chromium (the 任务清单 tab: filter, open a row's source, export .xlsx and .csv)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from index.config import DEFAULT_SEEDS_DIR
from tests.app_server import running_app

LED_BY_NDRC = ["实施营商环境优化提升行动", "深入推进开发区管理改革"]
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def app(seed_index_dir, tmp_path_factory):
    """(gradio_client.Client, url) of ``python app.py`` on a private copy of the seed index."""
    with running_app(seed_index_dir, tmp_path_factory.mktemp("app-tasks")) as running:
        yield running.client(), running.url


@pytest.fixture(scope="module")
def client(app):
    return app[0]


@pytest.mark.slow
def test_tasks_endpoint_lists_and_filters(client):
    everything = client.predict(api_name="/tasks")
    assert everything["count"] == 27 and len(everything["tasks"]) == 27
    for row in everything["tasks"]:
        text = (DEFAULT_SEEDS_DIR / row["doc_id"]).read_text(encoding="utf-8")
        for span in [row["title"], *row["measures"], *row["lead_units"]]:
            assert text[span["start"]:span["end"]] == span["text"]
    led = client.predict(lead_unit="市发改委", api_name="/tasks")
    assert [r["title"]["text"] for r in led["tasks"]] == LED_BY_NDRC
    assert client.predict(places=["蓬江区"], years=[2023], api_name="/tasks")["count"] == 3
    due = client.predict(deadline="2023年底", api_name="/tasks")
    assert [r["deadline"]["text"] for r in due["tasks"]] == ["至2023年底", "年内"]
    docs = client.predict(doc_ids=["003_9586d88650e279e6.txt"], topic="宅基地", api_name="/tasks")
    assert [r["title"]["text"] for r in docs["tasks"]] == ["深入推进农村宅基地改革"]


@pytest.mark.slow
def test_bad_task_filters_are_refused_with_a_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="期限必须为空"):
        client.predict(deadline="明年", api_name="/tasks")
    with pytest.raises(AppError, match="知识库中没有文档"):
        client.predict(doc_ids=["no-such-doc.txt"], api_name="/tasks")


@pytest.mark.slow
def test_a_task_list_question_through_ask(client):
    reply = client.predict("哪些任务由市发改委牵头？", 5, api_name="/ask")
    assert reply["no_answer"] is False
    assert reply["answer"]["text"].splitlines()[0] == "共 2 项："
    assert [c["quote"] for c in reply["answer"]["citations"]] == LED_BY_NDRC
    assert [r["title"]["text"] for r in reply["tasks"]] == LED_BY_NDRC
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert "/tasks" in endpoints


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_tab_filters_opens_a_source_and_exports(app, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    from tests.test_app_browser import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 960}, locale="zh-CN")
            page.goto(app[1])
            page.get_by_role("tab", name="任务清单").click()
            page.wait_for_function("document.body.innerText.includes('共 27 项任务')", timeout=60_000)
            lead = page.get_by_label("牵头单位（可输入，如“发改委”）")
            lead.click()
            lead.fill("市发改委")
            lead.press("Enter")
            page.wait_for_function("document.body.innerText.includes('共 2 项任务')", timeout=30_000)
            # the count and the table are separate components: on a busy machine the count can come first
            page.wait_for_function("(titles) => { const t = document.querySelector('#pqa-tasks');"
                                   " return t !== null && titles.every((s) => t.innerText.includes(s)); }",
                                   arg=LED_BY_NDRC, timeout=30_000)
            table = page.locator("#pqa-tasks")
            assert all(title in table.inner_text() for title in LED_BY_NDRC)
            table.get_by_text(LED_BY_NDRC[1]).first.click()
            source = page.locator("#pqa-task-source")
            source.locator("mark.pqa-hl").first.wait_for(timeout=20_000)
            assert [m.inner_text() for m in source.locator("mark.pqa-hl").all()] == [LED_BY_NDRC[1], "市发改委"]
            assert "《吉安市重点改革突破攻坚战实施方案》" in source.inner_text()
            with page.expect_download(timeout=20_000) as info:
                page.click("#pqa-tasks-xlsx")
            xlsx = tmp_path / info.value.suggested_filename
            info.value.save_as(xlsx)
            rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
            assert xlsx.suffix == ".xlsx" and [r[4] for r in rows[1:]] == LED_BY_NDRC
            with page.expect_download(timeout=20_000) as info:
                page.click("#pqa-tasks-csv")
            with open(info.value.path(), encoding="utf-8-sig", newline="") as handle:
                lines = list(csv.reader(handle))
            assert [line[4] for line in lines[1:]] == LED_BY_NDRC and lines[1][7] == "市发改委"
        finally:
            browser.close()
