"""Task records (index.tasks): the seeds' task lists, written out by hand from the documents, every
field's offsets checked against the original text; notes in both bracket widths; deadlines; a news
text without tasks; tasks stored in the index, reused by incremental builds, and an old index."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.cleaning import clean_lines
from index.config import DEFAULT_SEEDS_DIR
from index.metadata import load_catalog
from index.tasks import Task, extract_tasks
from tests.conftest import seed_text

JIANGMEN = "000_81cb9ed457ee8d18.txt"
PENGJIANG = "001_9341cea50ca2ce3b.txt"
BRIEFING = "002_6b47ef97f8ef13ec.txt"
JIAN = "003_9586d88650e279e6.txt"
JINWAN = "004_5e54178d8f9b0a9b.txt"
NCP_CORPUS = DEFAULT_SEEDS_DIR.parent.parent / "shared" / "dev-collections" / "ncp_policy" / "corpus.jsonl"
NCP_NEWS = "015758c216923f89991ca61c67b29f70"  # 工业和信息化部组织开展负压救护车重点生产企业督导检查

# Read off 000_…: "N 标题", then 目标 (one paragraph) and 措施 (one "●" line each). No lead units in the text.
# (title, number of measures, deadline as written in the text or None)
JIANGMEN_PROJECTS = [
    ("深化便利华侨华人投资制度改革", 3, None),
    ("建立健全江门大型产业集聚区体制机制", 2, None),
    ("深化营商环境综合改革", 4, None),
    ("深化国资国企改革", 7, None),
    ("深化新型农村集体经济专项改革", 3, None),
    ("建设广东省(台山)农村综合改革试验区", 3, "至2023年底"),           # 目标: "至2023年底,实现麻黄鸡…"
    ("构建“智慧网格+综治中心+粤平安平台”全覆盖立体式智能化工作体系", 5, "年内"),  # "年内推出24个镇(街)…"
    ("深化数字政府改革建设", 5, None),
    ("创建国家知识产权强市建设试点城市", 8, None),
    ("实施重大科技计划项目“揭榜挂帅”制", 2, None),
]
# Read off 003_… "三、重点任务": the three 行动 "(一)…(三)…" and the items under them, each item closed by
# "(牵头单位:…)" (half-width brackets and colon in this file). (title, lead units, measures, section)
TASK_LIST = "三、重点任务"
PILOTS = "三、重点任务 › (二)实施改革试点提升示范行动"
KEY_AREAS = "三、重点任务 › (三)实施重点领域改革攻坚行动"
JIAN_TASKS = [
    ("实施营商环境优化提升行动", ["市发改委"], 7, TASK_LIST),
    ("实施改革试点提升示范行动", [], 1, TASK_LIST),
    ("推进鄱阳湖国家自主创新示范区建设", ["吉安高新区"], 5, PILOTS),
    ("推进全国普惠金融改革实验区建设", ["市政府金融办"], 6, PILOTS),
    ("推进全国无废城市建设", ["市生态环境局"], 6, PILOTS),
    ("推进国家跨境电商综合实验区建设", ["市商务局"], 5, PILOTS),
    ("实施重点领域改革攻坚行动", [], 1, TASK_LIST),
    ("深入推进开发区管理改革", ["市发改委"], 4, KEY_AREAS),
    ("深入推进投融资平台优化升级改革", ["市国资委"], 4, KEY_AREAS),
    ("深入推进行政执法改革", ["市司法局"], 4, KEY_AREAS),
    ("深入推进科技创新改革", ["市科技局"], 5, KEY_AREAS),
    ("深入推进安福武功山管理体制改革", ["安福武功山管委会"], 4, KEY_AREAS),  # "…营销模式;成功创建…" is two
    ("深入推进农村宅基地改革", ["市农业农村局"], 3, KEY_AREAS),
    ("深入推进基层社会治理改革", ["市委政法委"], 4, KEY_AREAS),
]
# 001_… "二、2023年工作计划": "一是…", "二是…", "三是…" paragraphs.
PENGJIANG_PLAN = ["围绕上级部署抓改革", "围绕高质量发展抓改革", "围绕重点领域抓改革"]


def seed_tasks(name: str) -> list[Task]:
    text = seed_text(name)
    lines, _ = clean_lines(name, text)
    return extract_tasks(name, text, lines, load_catalog(DEFAULT_SEEDS_DIR).get(name))


def tasks_of(text: str, meta: dict | None = None) -> list[Task]:
    lines, _ = clean_lines("t.txt", text)
    return extract_tasks("t.txt", text, lines, meta)


def assert_slices(text: str, task: Task) -> None:
    assert task.start < task.end
    for span in task.spans():
        assert text[span.start:span.end] == span.text, span
        assert task.start <= span.start < span.end <= task.end
        assert span.text == span.text.strip()


def test_jiangmen_ten_projects_with_goals_and_measures() -> None:
    text = seed_text(JIANGMEN)
    tasks = seed_tasks(JIANGMEN)
    assert [(t.title.text, len(t.measures), t.deadline.text if t.deadline else None) for t in tasks] == JIANGMEN_PROJECTS
    assert [t.number for t in tasks] == list(range(1, 11))
    for task in tasks:
        assert_slices(text, task)
        assert task.goal is not None and task.goal.text.endswith("。")
        assert task.lead_units == [] and task.responsible_units == []  # the text names none
        assert task.place == "江门市" and task.year == 2023
        assert not any(m.text.startswith("●") for m in task.measures)
    first = tasks[0]
    assert first.goal is not None and first.goal.text.startswith("推动华侨华人投资全流程便利化")
    assert first.measures[0].text == "编制印发《江门市便利华侨华人投资制度专项改革试点2023年工作要点》。"
    assert text[first.start:first.end].startswith("1 深化便利华侨华人投资制度改革\n目标\n")


def test_jian_tasks_with_their_lead_units() -> None:
    text = seed_text(JIAN)
    tasks = seed_tasks(JIAN)
    assert [([t.title.text, [u.text for u in t.lead_units], len(t.measures), t.section]) for t in tasks] == \
        [list(row) for row in JIAN_TASKS]
    for task in tasks:
        assert_slices(text, task)
        assert task.place == "吉安市" and task.year == 2023 and task.goal is None and task.deadline is None
    first = tasks[0]
    assert text[first.start:first.end].startswith("(一)实施营商环境优化提升行动。持续深化")
    assert text[first.end - len("(牵头单位:市发改委)"):first.end] == "(牵头单位:市发改委)"
    assert first.measures[-1].text.endswith("构建亲清政商关系的鲜明导向。")  # the note is no measure


def test_pengjiang_plan_items_and_documents_without_tasks() -> None:
    text = seed_text(PENGJIANG)
    tasks = seed_tasks(PENGJIANG)
    assert [t.title.text for t in tasks] == PENGJIANG_PLAN
    for task in tasks:
        assert_slices(text, task)
        assert task.section == "二、2023年工作计划" and task.year == 2023 and len(task.measures) == 4
    # the 2022 summary "(一)…(八)" above it is no task list; the briefing and the news report hold none
    assert seed_tasks(BRIEFING) == [] and seed_tasks(JINWAN) == []


def test_a_news_text_has_no_tasks() -> None:
    if not NCP_CORPUS.exists():
        pytest.skip("the ncp_policy development collection is not on this machine")
    with open(NCP_CORPUS, encoding="utf-8") as handle:
        record = next(json.loads(line) for line in handle if NCP_NEWS in line[:60])
    assert "督导检查" in record["text"]
    assert tasks_of(record["text"]) == []


def test_notes_in_both_widths_with_responsible_units() -> None:
    text = ("三、重点任务\n"
            "（一）推进数据共享。建设全市数据平台；打通部门系统。（牵头单位：市政数局、市发改委；责任单位：各县（市、区）政府）\n"
            "(二)优化审批流程。6月底前完成事项清单梳理。(牵头单位:市行政审批局)\n"
            "四、保障措施\n（一）加强领导。成立领导小组。\n")
    first, second = tasks_of(text, {"place": "某市", "year": 2024})
    assert first.title.text == "推进数据共享"
    assert [u.text for u in first.lead_units] == ["市政数局", "市发改委"]
    assert [u.text for u in first.responsible_units] == ["各县（市、区）政府"]  # brackets inside a unit
    assert [m.text for m in first.measures] == ["建设全市数据平台；", "打通部门系统。"]
    assert second.title.text == "优化审批流程" and [u.text for u in second.lead_units] == ["市行政审批局"]
    assert second.deadline is not None and second.deadline.text == "6月底前" and second.year == 2024
    for task in (first, second):
        assert_slices(text, task)
        assert task.section == "三、重点任务" and task.place == "某市"


def test_a_note_on_its_own_line_and_labelled_units() -> None:
    text = ("为推进改革，制定本方案。\n"
            "推进公共资源交易平台整合，2023年底前实现全流程电子化。\n"
            "(牵头单位:市发改委)\n"
            "1 深化预算管理制度改革\n"
            "牵头单位：市财政局\n"
            "责任单位：市税务局、市审计局\n"
            "完成时限：2024年6月底前\n"
            "措施\n"
            "●推行零基预算。\n")
    noted, project = tasks_of(text)
    assert noted.title.text == "推进公共资源交易平台整合，2023年底前实现全流程电子化"
    assert [u.text for u in noted.lead_units] == ["市发改委"]
    assert noted.deadline is not None and noted.deadline.text == "2023年底前" and noted.year == 2023
    assert project.title.text == "深化预算管理制度改革"
    assert [u.text for u in project.lead_units] == ["市财政局"]
    assert [u.text for u in project.responsible_units] == ["市税务局", "市审计局"]
    assert project.deadline is not None and project.deadline.text == "2024年6月底前" and project.year == 2024
    assert [m.text for m in project.measures] == ["推行零基预算。"]
    for task in (noted, project):
        assert_slices(text, task)


def test_summaries_and_plain_lists_are_no_tasks() -> None:
    summary = "一、2022年工作总结\n(一)改革持续深化。完成31家企业注销。\n(二)营商环境持续优化。实施377项改革。\n"
    assert tasks_of(summary) == []
    assert tasks_of("一、精准定位。一是紧盯头号工程。二是聚焦产业链。\n") == []  # no task-list heading
    assert tasks_of("三、重点任务\n（一）深化经济体制改革\n") == []              # a group heading with no body


def test_round_trip_through_a_dict() -> None:
    for task in seed_tasks(JIAN) + seed_tasks(JIANGMEN):
        assert Task.from_dict(json.loads(json.dumps(task.to_dict(), ensure_ascii=False))) == task


# ---- stored in the index --------------------------------------------------------------------------------------

def test_the_seed_index_stores_every_task(seed_index_dir: Path) -> None:
    from index.store import load_index, read_manifest

    loaded = load_index(seed_index_dir)
    per_doc: dict[str, int] = {}
    for task in loaded.tasks:
        per_doc[task.doc_id] = per_doc.get(task.doc_id, 0) + 1
        assert_slices(loaded.documents[task.doc_id].document.text, task)
    assert per_doc == {JIANGMEN: 10, PENGJIANG: 3, JIAN: 14}
    manifest = read_manifest(seed_index_dir)
    assert manifest["counts"]["tasks"] == 27 and manifest["tasks"]["version"] >= 1
    assert "tasks.jsonl" in manifest["files"]


def test_incremental_builds_keep_tasks_and_an_old_index_loads_without_them(seed_index_copy: Path) -> None:
    from index.build import build_index, refresh_metadata
    from index.config import IndexConfig
    from index.store import current_generation, load_index

    report = build_index([DEFAULT_SEEDS_DIR], seed_index_copy, IndexConfig())
    assert report.tasks == 27 and report.embedded_chunks == 0
    live = current_generation(seed_index_copy)
    assert live is not None
    # an index written before tasks were stored: no tasks.jsonl, no "tasks" in the manifest
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    del manifest["tasks"], manifest["counts"]["tasks"], manifest["files"]["tasks.jsonl"]
    (live / "tasks.jsonl").unlink()
    (live / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert load_index(seed_index_copy).tasks == []  # loads, with a warning that says how to rebuild
    assert refresh_metadata(seed_index_copy, IndexConfig()) is True  # what QAEngine.open does: no re-embedding
    refreshed = load_index(seed_index_copy)
    assert len(refreshed.tasks) == 27 and refreshed.folder != live
