"""The task list through the running app: ``python app.py`` on a copy of the seed index, driven with
``gradio_client`` (the ``/tasks`` endpoint and a task-list question to ``/ask``)."""
from __future__ import annotations

import shutil

import pytest

from eval.app_process import spawn_app, stop_process
from index.config import DEFAULT_SEEDS_DIR
from tests.test_app_api import START_TIMEOUT, _wait_ready

LED_BY_NDRC = ["实施营商环境优化提升行动", "深入推进开发区管理改革"]


@pytest.fixture(scope="module")
def client(seed_index_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("app-tasks")
    shutil.copytree(seed_index_dir, work / "index", ignore=shutil.ignore_patterns(".build.lock"))
    with open(work / "app.log", "w", encoding="utf-8") as log_file:
        process, url, _ = spawn_app(work / "index", work / "feedback.jsonl", log_file)
        try:
            yield _wait_ready(url, process, work / "app.log", START_TIMEOUT)
        finally:
            stop_process(process, timeout=20)


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
