"""Task-list questions (qa.tasks): which questions are ones, the filters, and the answers on the seeds,
checked against rows read off the documents by hand."""
from __future__ import annotations

import pytest

from qa.config import QAOptions
from qa.question import prepare_question
from qa.tasks import TaskFilter, due_month, parse_deadline, select_tasks, task_filter_for
from tests.conftest import seed_text

JIANGMEN = "000_81cb9ed457ee8d18.txt"
PENGJIANG = "001_9341cea50ca2ce3b.txt"
JIAN = "003_9586d88650e279e6.txt"
# 003_…: the two notes that read "(牵头单位:市发改委)" close these two items, and no other note names it
LED_BY_NDRC = ["实施营商环境优化提升行动", "深入推进开发区管理改革"]


def filter_for(question: str) -> TaskFilter | None:
    return task_filter_for(prepare_question(question))


@pytest.mark.parametrize("question, expected", [
    ("哪些任务由市发改委牵头？", TaskFilter(lead_unit="市发改委")),
    ("市发改委牵头的改革有哪些", TaskFilter(lead_unit="市发改委")),
    ("牵头单位是市商务局的任务有哪些？", TaskFilter(lead_unit="市商务局")),
    ("哪些改革任务由安福武功山管委会负责？", TaskFilter(lead_unit="安福武功山管委会")),  # 安福 is the unit's, no place
    ("2023年底前要完成哪些改革？", TaskFilter(due_by=(2023, 12), has_deadline=True)),
    ("2024年6月底前要完成哪些任务", TaskFilter(due_by=(2024, 6), has_deadline=True)),
    ("年内要完成哪些任务", TaskFilter(has_deadline=True)),
    ("蓬江区2023年有哪些工作计划？", TaskFilter(places=["蓬江区"], years=[2023])),
    ("吉安市有哪些重点任务？", TaskFilter(places=["吉安市"])),
    ("关于营商环境的任务有哪些", TaskFilter(topic="营商环境")),
])
def test_task_list_questions(question: str, expected: TaskFilter) -> None:
    assert filter_for(question) == expected


@pytest.mark.parametrize("question", [
    "江门市2023年推进哪十项重点改革？",          # 改革 without a unit or a deadline: the answer model's question
    "优化营商环境由哪个单位牵头？",              # asks for the unit, not for a list
    "深入推进开发区管理改革的牵头单位是哪个？",
    "蓬江区委深改委2022年改革工作安排一共明确了多少项重点改革任务?",  # a figure the text states
    "江门市有哪些科技计划项目",
    "有哪些任务？",                               # no filter: too vague to list everything
    "蓬江区接管了多少个停车场",
])
def test_other_questions_are_not_task_list_questions(question: str) -> None:
    assert filter_for(question) is None


def test_deadline_filters() -> None:
    assert parse_deadline("") == (None, False)
    assert parse_deadline("有期限") == (None, True)
    assert parse_deadline("2023") == ((2023, 12), True)
    assert parse_deadline("2023年底") == ((2023, 12), True)
    assert parse_deadline("2023-06") == ((2023, 6), True)
    assert parse_deadline("2023年6月") == ((2023, 6), True)
    for bad in ("明年", "2023-13", "六月"):
        with pytest.raises(ValueError, match="deadline must be"):
            parse_deadline(bad)


def test_due_months_of_the_seed_deadlines(seed_engine) -> None:
    tasks = {t.title.text: t for t in seed_engine.index.tasks if t.deadline is not None}
    assert {title: (t.deadline.text, due_month(t)) for title, t in tasks.items()} == {
        "建设广东省(台山)农村综合改革试验区": ("至2023年底", (2023, 12)),
        "构建“智慧网格+综治中心+粤平安平台”全覆盖立体式智能化工作体系": ("年内", (2023, 12)),
    }


def test_filters_over_the_seed_index(seed_engine) -> None:
    index = seed_engine.index
    titles = lambda wanted: [t.title.text for t in select_tasks(index, wanted)]  # noqa: E731
    assert titles(TaskFilter(lead_unit="发改委")) == LED_BY_NDRC
    assert titles(TaskFilter(topic="宅基地")) == ["围绕重点领域抓改革", "深入推进农村宅基地改革"]
    assert len(titles(TaskFilter(places=["江门"]))) == 10 and len(titles(TaskFilter(places=["吉安市"]))) == 14
    assert len(titles(TaskFilter(doc_ids=[PENGJIANG], years=[2023]))) == 3
    assert titles(TaskFilter(years=[2022])) == []
    assert len(titles(TaskFilter())) == 27


def test_who_leads_answers_with_the_jian_tasks_and_nothing_else(seed_engine) -> None:
    reply = seed_engine.answer("哪些任务由市发改委牵头？")
    assert not reply.no_answer and reply.reason == ""
    assert reply.text == "共 2 项：\n1. 实施营商环境优化提升行动（牵头单位：市发改委）\n2. 深入推进开发区管理改革（牵头单位：市发改委）"
    text = seed_text(JIAN)
    assert [c.quote for c in reply.citations] == LED_BY_NDRC
    for citation in reply.citations:
        assert citation.doc_id == JIAN and text[citation.start:citation.end] == citation.quote
        assert citation.title == "吉安市重点改革突破攻坚战实施方案" and citation.place == "吉安市"
    assert [row["title"]["text"] for row in reply.tasks] == LED_BY_NDRC
    assert [[u["text"] for u in row["lead_units"]] for row in reply.tasks] == [["市发改委"], ["市发改委"]]
    for passage in reply.passages:  # each task's paragraph, its title and note highlighted
        assert text[passage.start:passage.end] == passage.text and passage.text.endswith("(牵头单位:市发改委)")
        assert [text[h.start:h.end] for h in passage.highlights][1] == "市发改委"
    data = reply.to_dict()
    assert data["answer"]["text"].startswith("共 2 项") and len(data["tasks"]) == 2


def test_deadline_and_plan_questions(seed_engine) -> None:
    due = seed_engine.answer("2023年底前要完成哪些改革？")
    assert due.text.splitlines() == ["共 2 项：", "1. 建设广东省(台山)农村综合改革试验区（期限：至2023年底）",
                                     "2. 构建“智慧网格+综治中心+粤平安平台”全覆盖立体式智能化工作体系（期限：年内）"]
    plan = seed_engine.answer("蓬江区2023年有哪些工作计划？")
    assert plan.text.splitlines() == ["共 3 项：", "1. 围绕上级部署抓改革", "2. 围绕高质量发展抓改革", "3. 围绕重点领域抓改革"]
    assert {c.doc_id for c in plan.citations} == {PENGJIANG}


def test_filters_of_the_page_apply_and_other_questions_go_on_as_before(seed_engine) -> None:
    # the 吉安 tasks are outside the chosen document: no row matches, so the answer model answers
    narrowed = seed_engine.answer("哪些任务由市发改委牵头？", QAOptions(doc_ids=[JIANGMEN]))
    assert narrowed.tasks == [] and not narrowed.text.startswith("共 ")
    ordinary = seed_engine.answer("蓬江区接管了多少个停车场")
    assert ordinary.tasks == [] and "22" in ordinary.text
    top = seed_engine.answer("吉安市有哪些重点任务？", QAOptions(top_k=3))
    assert top.text.startswith("共 14 项：") and len(top.citations) == 14 and len(top.passages) == 3
