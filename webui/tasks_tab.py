"""The 任务清单 tab and the ``/tasks`` API: every task of the knowledge base (``index.tasks``, filtered by
``qa.tasks``) as a row, filterable by document, place, lead unit and deadline; a click on a row shows its
source span with the title, units and deadline marked; the filtered rows export as .xlsx and .csv."""
from __future__ import annotations

import csv
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from qa.tasks import TaskFilter, due_month, parse_deadline, select_tasks, task_row
from webui.render import esc, highlighted_passage

log = logging.getLogger(__name__)

TABLE_HEADERS = ["文档", "序号", "任务", "牵头单位", "责任单位", "期限", "年份", "地区", "措施"]
COLUMN_WIDTHS: list[str | int] = ["20%", "5%", "27%", "13%", "11%", "8%", "5%", "6%", "5%"]
EXPORT_HEADERS = ["文档", "文档 ID", "序号", "章节", "任务", "目标", "措施", "牵头单位", "责任单位", "期限", "年份", "地区",
                  "起", "止"]
EXPORT_NAME = "任务清单"
ANY_DEADLINE = "有期限"
KEEP_SECONDS = 3600  # exported files are served from Gradio's cache; our copies go after an hour
EMPTY_SOURCE = '<div class="pqa-hint">点击表格中的一行，这里显示该任务的原文（任务、牵头单位和期限已标出）。</div>'
DEADLINE_HELP = "期限必须为空、“有期限”、年份（2023、2023年底）或月份（2023-06、2023年6月）"


def _texts(spans: list[dict[str, Any]] | None) -> str:
    return "、".join(s["text"] for s in spans or [])


def table_row(row: dict[str, Any]) -> list[Any]:
    """A task row (``qa.tasks.task_row``) as the tab's table shows it."""
    deadline = row.get("deadline") or {}
    return [row["doc_title"] or row["doc_id"], row["number"], row["title"]["text"], _texts(row["lead_units"]),
            _texts(row["responsible_units"]), deadline.get("text", ""), row.get("year") or "", row.get("place", ""),
            f"{len(row['measures'])} 条"]


def export_row(row: dict[str, Any]) -> list[Any]:
    """A task row as the .xlsx and .csv files hold it: every field's text, measures one a line, and the
    task's offsets in its document (``text[起:止]`` is the task)."""
    goal, deadline = row.get("goal") or {}, row.get("deadline") or {}
    return [row["doc_title"], row["doc_id"], row["number"], row["section"], row["title"]["text"], goal.get("text", ""),
            "\n".join(m["text"] for m in row["measures"]), _texts(row["lead_units"]), _texts(row["responsible_units"]),
            deadline.get("text", ""), row.get("year") or "", row.get("place", ""), row["start"], row["end"]]


def write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text as it is."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_HEADERS)
        writer.writerows(export_row(r) for r in rows)
    return path


def write_xlsx(rows: list[dict[str, Any]], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = EXPORT_NAME
    sheet.append(EXPORT_HEADERS)
    for row in rows:
        sheet.append(export_row(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = wrap
    for column, width in zip("ABCDEFGHIJKLMN", (28, 14, 6, 24, 30, 40, 60, 18, 18, 12, 6, 8, 7, 7)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def deadline_choices(tasks: list[Any]) -> list[str]:
    """有期限, then "2023年底前" / "2023年6月底前" for each month a deadline falls in."""
    months = sorted({due for due in (due_month(t) for t in tasks) if due is not None})
    return [ANY_DEADLINE] + [f"{y}年底前" if m == 12 else f"{y}年{m}月底前" for y, m in months]


class TasksTab:
    """The tab's and the API's handlers over the shared engine (``engine_provider()``)."""

    def __init__(self, engine_provider: Callable[[], Any]) -> None:
        self.engine = engine_provider
        self._export_dir: Path | None = None

    def _filter(self, doc_ids: Any, places: Any, lead_unit: Any, years: Any, deadline: Any, topic: Any) -> TaskFilter:
        try:
            due_by, has_deadline = parse_deadline(str(deadline or ""))
        except ValueError:
            raise gr.Error(f"{DEADLINE_HELP}，当前值为 {deadline!r}", title="出错了", print_exception=False) from None
        try:
            year_list = [int(y) for y in years or []]
        except (TypeError, ValueError):
            raise gr.Error(f"年份必须是整数，当前值为 {years!r}", title="出错了", print_exception=False) from None
        return TaskFilter(doc_ids=[str(d) for d in doc_ids or []], places=[str(p) for p in places or []],
                          lead_unit=str(lead_unit or "").strip(), years=year_list, due_by=due_by,
                          has_deadline=has_deadline, topic=str(topic or "").strip())

    def rows(self, wanted: TaskFilter) -> list[dict[str, Any]]:
        index = self.engine().index
        unknown = [d for d in wanted.doc_ids if d not in index.documents]
        if unknown:
            raise gr.Error("知识库中没有文档：" + "、".join(unknown) + "（可用 /documents 查看已有文档的 doc_id）",
                           title="出错了", print_exception=False)
        return [task_row(index, task) for task in select_tasks(index, wanted)]

    def tasks_api(self, doc_ids: list[str] | None = None, places: list[str] | None = None, lead_unit: str = "",
                  years: list[int] | None = None, deadline: str = "", topic: str = "") -> dict:
        """The task list of the policy documents, filtered.

        deadline: "" (any), "有期限", "2023" / "2023年底" (due by the end of 2023) or "2023-06" / "2023年6月".
        Returns {"count", "tasks": [{"doc_id", "doc_title", "number", "title", "section", "goal", "measures",
        "lead_units", "responsible_units", "deadline", "year", "place", "start", "end"}]}, each text field as
        {"text", "start", "end"} (offsets into the original document).
        """
        rows = self.rows(self._filter(doc_ids, places, lead_unit, years, deadline, topic))
        return {"count": len(rows), "tasks": rows}

    # ---- the tab ---------------------------------------------------------------------------------------

    def choices(self) -> tuple:
        """The four filters' choices from the tasks in the index (on page load and when the tab opens)."""
        index = self.engine().index
        tasks = index.tasks
        docs = list(dict.fromkeys(t.doc_id for t in tasks))
        doc_choices = [(index.documents[d].document.title or d, d) for d in docs if d in index.documents]
        places = sorted({t.place for t in tasks if t.place})
        units = sorted({u.text for t in tasks for u in t.lead_units})
        return (gr.update(choices=doc_choices), gr.update(choices=places), gr.update(choices=units),
                gr.update(choices=deadline_choices(tasks)))

    def show(self, doc_ids: list[str], places: list[str], lead_unit: str | None, deadline: str | None) -> tuple:
        """Table, count, the rows behind it, both export files and the cleared source panel, for the filters."""
        rows = self.rows(self._filter(doc_ids, places, lead_unit, [], deadline, ""))
        xlsx, csv_file = self._export(rows)
        count = f'<div class="pqa-hint">共 {len(rows)} 项任务</div>'
        return (gr.update(value=[table_row(r) for r in rows], headers=TABLE_HEADERS), count, rows,
                gr.update(value=xlsx, interactive=xlsx is not None), gr.update(value=csv_file, interactive=csv_file is not None),
                EMPTY_SOURCE)

    def refresh(self, doc_ids: list[str], places: list[str], lead_unit: str | None, deadline: str | None) -> tuple:
        try:
            return (*self.choices(), *self.show(doc_ids, places, lead_unit, deadline))
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - the tab says so; the rest of the app goes on
            log.exception("task list unavailable")
            raise gr.Error(f"任务清单暂时无法显示：{exc}", title="出错了", print_exception=False) from None

    def _export(self, rows: list[dict[str, Any]]) -> tuple[str | None, str | None]:
        if not rows:
            return None, None
        if self._export_dir is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="policyqa-tasks-"))
        for old in self._export_dir.iterdir():
            if old.stat().st_mtime < time.time() - KEEP_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(dir=self._export_dir))
        try:
            return (str(write_xlsx(rows, folder / f"{EXPORT_NAME}.xlsx")),
                    str(write_csv(rows, folder / f"{EXPORT_NAME}.csv")))
        except Exception:  # noqa: BLE001 - export is a convenience: the table still shows
            log.exception("task export failed")
            return None, None

    def source(self, rows: list[dict[str, Any]], evt: gr.SelectData) -> str:
        """The clicked row's task in its document: the paragraph, its title, units and deadline marked."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not rows or not isinstance(index, int) or not 0 <= index < len(rows):
            return EMPTY_SOURCE
        return source_html(rows[index], self.engine().index.documents[rows[index]["doc_id"]].document.text)


def source_html(row: dict[str, Any], text: str) -> str:
    """A task's source span with its citation (《标题》 › 章节，第start–end字) and its fields marked."""
    marked = [row["title"], *row["lead_units"], *row["responsible_units"], *([row["deadline"]] if row["deadline"] else [])]
    passage = {"text": text[row["start"]:row["end"]], "start": row["start"], "highlights": marked}
    where = f"《{row['doc_title'] or row['doc_id']}》" + (f" › {row['section']}" if row["section"] else "")
    return (f'<div class="pqa-task-source"><div class="pqa-title">{esc(where)}，第{row["start"]}–{row["end"]}字</div>'
            f'<div class="pqa-label">原文</div><div class="pqa-passage">{highlighted_passage(passage)}</div></div>')


def build_tasks_tab(demo: gr.Blocks, engine_provider: Callable[[], Any]) -> TasksTab:
    """The 任务清单 tab (inside ``gr.Tabs``) with its events, and the ``/tasks`` API endpoint."""
    t = TasksTab(engine_provider)
    with gr.Tab("任务清单", id="tasks") as tab:
        with gr.Row():
            f_docs = gr.Dropdown(label="文档", multiselect=True, choices=[], scale=3)
            f_places = gr.Dropdown(label="地区", multiselect=True, choices=[], scale=1)
            f_lead = gr.Dropdown(label="牵头单位（可输入，如“发改委”）", choices=[], value=None, allow_custom_value=True,
                                 scale=2)
            f_deadline = gr.Dropdown(label="期限", choices=[], value=None, scale=1)
        with gr.Row():
            count = gr.HTML("")
            xlsx = gr.DownloadButton("导出 Excel", size="sm", variant="secondary", scale=0, min_width=120,
                                     interactive=False, elem_id="pqa-tasks-xlsx")
            csv_button = gr.DownloadButton("导出 CSV", size="sm", variant="secondary", scale=0, min_width=120,
                                           interactive=False, elem_id="pqa-tasks-csv")
        table = gr.Dataframe(headers=TABLE_HEADERS, value=[], interactive=False, wrap=True, elem_id="pqa-tasks",
                             label="任务（点击一行查看原文）", column_widths=COLUMN_WIDTHS)
        source = gr.HTML(EMPTY_SOURCE, elem_id="pqa-task-source")
        rows = gr.State([])  # the rows behind the table, for a click on one
        gr.api(t.tasks_api, api_name="tasks")  # inside the tab: gr.Tabs holds only tabs
    filters = [f_docs, f_places, f_lead, f_deadline]
    shown = [table, count, rows, xlsx, csv_button, source]
    for trigger in (demo.load, tab.select):
        trigger(t.refresh, filters, [*filters, *shown], api_visibility="private")
    gr.on([f.change for f in filters], t.show, filters, shown, api_visibility="private")
    table.select(t.source, [rows], source, api_visibility="private", queue=False)
    return t
