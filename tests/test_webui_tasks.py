"""The 任务清单 tab's handlers in process (webui.tasks_tab): the /tasks filters, the table, the source span
of a row, and the .xlsx and .csv exports opened again."""
from __future__ import annotations

import csv

import gradio as gr
import pytest

from tests.conftest import seed_text
from webui.tasks_tab import EXPORT_HEADERS, TABLE_HEADERS, TasksTab, deadline_choices, export_row, source_html

JIAN = "003_9586d88650e279e6.txt"
LED_BY_NDRC = ["实施营商环境优化提升行动", "深入推进开发区管理改革"]


@pytest.fixture(scope="module")
def tab(seed_engine) -> TasksTab:
    return TasksTab(lambda: seed_engine)


def test_the_api_lists_and_filters_tasks_with_their_offsets(tab: TasksTab) -> None:
    everything = tab.tasks_api()
    assert everything["count"] == len(everything["tasks"]) == 27
    for row in everything["tasks"]:
        text = seed_text(row["doc_id"])
        for span in [row["title"], *row["measures"], *row["lead_units"], *row["responsible_units"]]:
            assert text[span["start"]:span["end"]] == span["text"]
        assert text[row["start"]:row["end"]].find(row["title"]["text"]) >= 0
    led = tab.tasks_api(lead_unit="市发改委")
    assert [r["title"]["text"] for r in led["tasks"]] == LED_BY_NDRC and led["count"] == 2
    assert {r["doc_title"] for r in led["tasks"]} == {"吉安市重点改革突破攻坚战实施方案"}
    assert tab.tasks_api(places=["蓬江区"], years=[2023])["count"] == 3
    assert tab.tasks_api(doc_ids=[JIAN], topic="宅基地")["count"] == 1
    assert [r["deadline"]["text"] for r in tab.tasks_api(deadline="2023年底")["tasks"]] == ["至2023年底", "年内"]
    assert tab.tasks_api(deadline="2022")["count"] == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"deadline": "明年"}, "期限必须为空"),
    ({"doc_ids": ["没有这份.txt"]}, "知识库中没有文档"),
    ({"years": ["二〇二三"]}, "年份必须是整数"),
])
def test_bad_filters_are_refused_with_a_message(tab: TasksTab, kwargs: dict, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        tab.tasks_api(**kwargs)


def test_the_table_and_its_filter_choices(tab: TasksTab, seed_engine) -> None:
    docs, places, units, deadlines = tab.choices()
    assert [d for _, d in docs["choices"]] == ["000_81cb9ed457ee8d18.txt", "001_9341cea50ca2ce3b.txt", JIAN]
    assert places["choices"] == ["吉安市", "江门市", "蓬江区"]
    assert "市发改委" in units["choices"] and len(units["choices"]) == 11  # 12 notes, 市发改委 twice
    assert deadlines["choices"] == deadline_choices(seed_engine.index.tasks) == ["有期限", "2023年底前"]
    table, count, rows, _, _, source = tab.show([], [], "发改委", None)
    assert table["headers"] == TABLE_HEADERS and "共 2 项任务" in count
    assert [r[2] for r in table["value"]] == LED_BY_NDRC
    assert table["value"][0][3] == "市发改委" and table["value"][0][-1] == "7 条"
    assert [r["title"]["text"] for r in rows] == LED_BY_NDRC and "点击表格中的一行" in source
    assert len(tab.show([JIAN], ["吉安市"], None, "有期限")[2]) == 0


def test_a_row_opens_its_source_span(tab: TasksTab) -> None:
    row = tab.tasks_api(lead_unit="市发改委")["tasks"][1]
    html = source_html(row, seed_text(JIAN))
    assert "《吉安市重点改革突破攻坚战实施方案》 › 三、重点任务 › (三)实施重点领域改革攻坚行动" in html
    assert f"第{row['start']}–{row['end']}字" in html
    assert '<mark class="pqa-hl">深入推进开发区管理改革</mark>' in html
    assert '<mark class="pqa-hl">市发改委</mark>' in html


def test_exports_hold_every_filtered_row(tab: TasksTab) -> None:
    from openpyxl import load_workbook

    _, _, rows, xlsx, csv_file, _ = tab.show([], [], None, None)
    assert xlsx["interactive"] and csv_file["interactive"]
    assert xlsx["value"].endswith("任务清单.xlsx") and csv_file["value"].endswith("任务清单.csv")
    sheet = load_workbook(xlsx["value"]).active
    table = [[cell if cell is not None else "" for cell in line] for line in sheet.iter_rows(values_only=True)]
    assert sheet.title == "任务清单" and table[0] == EXPORT_HEADERS and len(table) == 28
    assert table[1:] == [export_row(r) for r in rows]
    with open(csv_file["value"], encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == EXPORT_HEADERS and len(lines) == 28
    assert lines[1:] == [[str(v) for v in export_row(r)] for r in rows]
    first = dict(zip(EXPORT_HEADERS, lines[1]))
    assert first["任务"] == "深化便利华侨华人投资制度改革" and first["措施"].count("\n") == 2
    text = seed_text(first["文档 ID"])
    assert text[int(first["起"]):int(first["止"])].startswith("1 深化便利华侨华人投资制度改革")
    empty = tab.show([], [], "没有这个单位", None)
    assert empty[2] == [] and not empty[3]["interactive"] and not empty[4]["interactive"]
