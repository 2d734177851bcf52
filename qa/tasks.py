"""The task list (任务清单) stored in the index (``index.tasks``): filtering it, and answering a
question that asks for tasks with the matching rows, their citations and a count.

A question is a **task-list question** only when it asks for a list (哪些, 哪几, 有什么, 清单, 列出 …)
and names tasks in one of three ways:

* a lead unit: "哪些任务由市发改委牵头？", "市发改委牵头的改革有哪些", "牵头单位是市商务局的任务有哪些";
* a deadline: "2023年底前要完成哪些改革？", "年内要完成哪些任务" (任务, 改革, 项目, 工作 or 计划 named);
* the word 任务 or 工作计划 with a place, a year or a topic:
  "蓬江区2023年有哪些工作计划？", "关于营商环境的任务有哪些".

A question that asks for a **counted list** of tasks ("江门市2023年推进哪十项重点改革？": a count, and
任务, 改革, 项目, 工作, 计划, 举措 or 措施) is answered from the task list when exactly one document holds
that many tasks of the question's places and years and itself names the count ("十项"): the count the
question gives is checked against the document's own list, so a near miss (nine rows, or two documents
of ten) goes to the answer model.

Anything else goes on to the answer model as before; so does a task-list question that no row matches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from index.metadata import short_place
from index.normalize import normalize_text
from index.store import LoadedIndex
from index.tasks import Task
from qa.config import QAOptions
from qa.question import Question
from qa.records import Answer, Citation, Highlight, Passage

_LIST_ASK = re.compile(r"哪些|哪几|有什么|清单|列出|列举|一览")
_UNIT = r"(?P<unit>[^，,。？?！!、由的]{2,20}?)"
_LEAD_ASKS = (re.compile(rf"由{_UNIT}(?:牵头|负责|主责)"),
              re.compile(rf"(?:^|[，,]){_UNIT}(?:牵头|负责)的"),
              re.compile(rf"牵头(?:单位|部门)(?:是|为){_UNIT}(?:的|[，,？?]|$)"))
_NOT_A_UNIT = re.compile(r"哪|什么|谁|几")
_ANY_TASK = re.compile(r"任务|改革|项目|工作|计划|举措|措施")
_TASK_WORD = re.compile(r"任务|工作计划")
# "2023年底前", "2023年6月底前", "6月底前", "年底前", "年内"; the year and month, when written
_DUE_ASK = re.compile(r"(?:(?P<year>(?:19|20)\d{2})\s*年\s*)?(?:(?P<month>\d{1,2})\s*月\s*)?(?:底|末)?\s*(?:前|以前|之前)"
                      r"|(?P<within>年内|年底|年末|上半年)")
_TOPIC_ASKS = (re.compile(r"关于(?P<topic>[^的，,？?]{2,12})的"), re.compile(r"(?P<topic>[^，,？?的]{2,12}?)(?:方面|领域|相关)的"))
_DUE_TEXT = re.compile(r"(?:(?P<year>(?:19|20)\d{2})\s*年)?\s*(?:(?P<month>\d{1,2})\s*月)?")
_DUE_FILTER = re.compile(r"\s*(?P<year>(?:19|20)\d{2})\s*年?\s*(?:[-/.]?\s*(?P<month>\d{1,2})\s*月?)?\s*(?:底|末)?\s*(?:前|以前)?\s*")


@dataclass
class TaskFilter:
    """Which tasks to list; an empty field does not filter."""

    doc_ids: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    lead_unit: str = ""                  # a lead unit names it ("发改委" finds 市发改委)
    years: list[int] = field(default_factory=list)
    due_by: tuple[int, int] | None = None  # (year, month): the deadline falls on or before its end
    has_deadline: bool = False
    topic: str = ""                      # a word of its title, goal, measures or notes

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.places or self.lead_unit or self.years or self.due_by
                    or self.has_deadline or self.topic)


def parse_deadline(value: str) -> tuple[tuple[int, int] | None, bool]:
    """A deadline filter as the API and the UI take it: "" (any), "有期限" (any stated deadline),
    "2023" / "2023年底" (by the end of 2023), "2023-06" / "2023年6月" (by the end of June 2023)."""
    value = (value or "").strip()
    if not value:
        return None, False
    if value in ("有期限", "any"):
        return None, True
    match = _DUE_FILTER.fullmatch(normalize_text(value))
    if match is None or not 1 <= int(match.group("month") or 12) <= 12:
        raise ValueError(f"deadline must be empty, 有期限, a year (2023, 2023年底) or a month (2023-06, 2023年6月). "
                         f"Currently, the deadline is {value!r}")
    return (int(match.group("year")), int(match.group("month") or 12)), True


def due_month(task: Task) -> tuple[int, int] | None:
    """The (year, month) a task's deadline falls in: "至2023年底" → (2023, 12), "6月底前" → (year, 6),
    "年内" → (year, 12), "2024年前" → (2023, 12), "上半年" → (year, 6); None without a deadline."""
    if task.deadline is None:
        return None
    text = normalize_text(task.deadline.text)
    match = _DUE_TEXT.search(text)
    year = int(match.group("year")) if match and match.group("year") else task.year
    if year is None:
        return None
    if match and match.group("month"):
        return year, int(match.group("month"))
    if "上半年" in text:
        return year, 6
    if match and match.group("year") and "底" not in text and "末" not in text and "前" in text:
        return year - 1, 12  # "2024年前": before 2024
    return year, 12


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", normalize_text(text))


def matches(task: Task, wanted: TaskFilter, index: LoadedIndex) -> bool:
    if wanted.doc_ids and task.doc_id not in wanted.doc_ids:
        return False
    if wanted.places and short_place(_norm(task.place)) not in {short_place(_norm(p)) for p in wanted.places}:
        return False
    if wanted.lead_unit and not any(_norm(wanted.lead_unit) in _norm(u.text) for u in task.lead_units):
        return False
    if wanted.years and task.year not in wanted.years:
        return False
    due = due_month(task)
    if (wanted.has_deadline or wanted.due_by) and due is None:
        return False
    if wanted.due_by and due is not None and due > wanted.due_by:
        return False
    if wanted.topic:
        text = index.documents[task.doc_id].document.text[task.start:task.end]
        if _norm(wanted.topic) not in _norm(text):
            return False
    return True


def select_tasks(index: LoadedIndex, wanted: TaskFilter) -> list[Task]:
    """The tasks of ``index`` that pass ``wanted``, in document and task order."""
    return [task for task in index.tasks if task.doc_id in index.documents and matches(task, wanted, index)]


def task_row(index: LoadedIndex, task: Task) -> dict[str, Any]:
    """A task as the API gives it: every field with its text and document offsets, plus the document's title."""
    stored = index.documents[task.doc_id]
    return {"doc_title": stored.document.title, **task.to_dict()}


def task_filter_for(question: Question) -> TaskFilter | None:
    """The filter a task-list question asks for (see the module's docstring); None for any other question."""
    text = question.normalized
    if not _LIST_ASK.search(text):
        return None
    wanted = TaskFilter()
    for pattern in _LEAD_ASKS:
        match = pattern.search(text)
        if match and not _NOT_A_UNIT.search(match.group("unit")) and _ANY_TASK.search(text):
            wanted.lead_unit = match.group("unit").strip()
            break
    due = next((m for m in _DUE_ASK.finditer(text) if m.group("year") or m.group("month") or m.group("within")), None)
    if due and _ANY_TASK.search(text):
        year = int(due.group("year")) if due.group("year") else (question.years[0] if question.years else None)
        if year is not None:
            wanted.due_by = (year, int(due.group("month") or (6 if due.group("within") == "上半年" else 12)))
        wanted.has_deadline = True
    if not (wanted.lead_unit or wanted.has_deadline):
        if not _TASK_WORD.search(text):
            return None
        wanted.topic = next((m.group("topic") for m in (p.search(text) for p in _TOPIC_ASKS) if m), "")
    # places named inside the unit ("安福武功山管委会") are part of its name, not a filter
    wanted.places = sorted(p for p in question.places
                           if p not in wanted.lead_unit and short_place(p) not in wanted.lead_unit)
    if not wanted.has_deadline:
        wanted.years = list(question.years)
    if not (wanted.lead_unit or wanted.has_deadline or wanted.places or wanted.years or wanted.topic):
        return None
    return wanted


def counted_tasks(question: Question, index: LoadedIndex) -> list[Task]:
    """For a question that asks for N tasks ("哪十项重点改革"): the tasks of the one document that has
    exactly N of the question's places and years and names the count; [] when none or several do."""
    if question.item_count < 2 or not _ANY_TASK.search(question.normalized):
        return []
    wanted = TaskFilter(places=sorted(question.places), years=list(question.years))
    by_doc: dict[str, list[Task]] = {}
    for task in select_tasks(index, wanted):
        by_doc.setdefault(task.doc_id, []).append(task)
    fits = [tasks for doc_id, tasks in by_doc.items() if len(tasks) == question.item_count
            and question.count_phrase in _norm(index.documents[doc_id].document.text)]  # it says so itself
    return fits[0] if len(fits) == 1 else []


def row_text(task: Task) -> str:
    """One line of the answer: the task's title, then its lead units and deadline as the text gives them."""
    extras = []
    if task.lead_units:
        extras.append("牵头单位：" + "、".join(u.text for u in task.lead_units))
    if task.deadline is not None:
        extras.append("期限：" + task.deadline.text)
    return task.title.text + (f"（{'；'.join(extras)}）" if extras else "")


def answer_task_question(question: Question, index: LoadedIndex, options: QAOptions) -> Answer | None:
    """The reply to a task-list question: "共 N 项：" and one numbered line per matching task, each
    cited by its title's offsets, and each task's paragraph as a passage (title, units and deadline
    highlighted). None when the question is no task-list question or no task matches."""
    wanted = task_filter_for(question)
    within = TaskFilter(doc_ids=list(options.doc_ids), places=list(options.places), years=list(options.years))
    listed = select_tasks(index, wanted) if wanted is not None else counted_tasks(question, index)
    tasks = [task for task in listed if matches(task, within, index)]  # and the UI's filters
    if not tasks:
        return None
    lines = [f"共 {len(tasks)} 项："] + [f"{k}. {row_text(task)}" for k, task in enumerate(tasks, 1)]
    citations, passages = [], []
    for task in tasks:
        stored = index.documents[task.doc_id]
        place, year = stored.meta.get("place", ""), stored.meta.get("year")
        title = stored.document.title
        citations.append(Citation(task.doc_id, title, task.section, task.title.start, task.title.end,
                                  task.title.text, place, year))
        marked = [task.title, *task.lead_units, *([task.deadline] if task.deadline else [])]
        passages.append(Passage(task.doc_id, title, task.section, task.start, task.end,
                                stored.document.text[task.start:task.end], 1.0, -1, place, year,
                                [Highlight(s.start, s.end) for s in marked]))
    return Answer(question.text, False, "", text="\n".join(lines), score=1.0, citations=citations,
                  passages=passages[:options.top_k], notes=question.notes,
                  tasks=[task_row(index, task) for task in tasks])
