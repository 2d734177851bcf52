"""Answering on the real seed index: right document and sentence, exact citations,
honest no-answers, defined results for bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qa.config import MAX_QUESTION_CHARS, QAOptions
from tests.conftest import seed_text

ANSWERABLE = [
    # (kind, question, expected doc, a string the answer must contain)
    ("number", "蓬江区接管了多少个停车场", "001_9341cea50ca2ce3b.txt", "22个"),
    ("number", "吉安市普惠小微贷款余额年均增长目标是多少？", "003_9586d88650e279e6.txt", "18%"),
    ("fact", "江海区把哪个产业列为头号工程？", "002_6b47ef97f8ef13ec.txt", "安全应急产业"),
    ("number", "江海 超亿元项目 2022", "002_6b47ef97f8ef13ec.txt", "43个"),
    ("number", "2022年全市完成水利建设投资多少？", "002_6b47ef97f8ef13ec.txt", "41.59亿元"),
]


def citation_slices(engine, citation) -> bool:
    return engine.index.documents[citation.doc_id].document.text[citation.start:citation.end] == citation.quote


@pytest.mark.parametrize("kind,question,doc,expected", ANSWERABLE)
def test_answers_come_from_the_right_sentence(seed_engine, kind, question, doc, expected):
    answer = seed_engine.answer(question)
    assert not answer.no_answer, answer.message
    assert expected in answer.text
    assert answer.citations[0].doc_id == doc
    assert citation_slices(seed_engine, answer.citations[0])
    assert seed_text(doc)[answer.citations[0].start:answer.citations[0].end] == answer.text
    assert len(answer.text) <= 80


def test_passages_slice_the_original_and_are_ranked(seed_engine):
    answer = seed_engine.answer("揭榜挂帅由哪个部门推进？", QAOptions(top_k=5))
    assert 1 <= len(answer.passages) <= 5
    if not answer.no_answer:  # the passage holding the answer comes first
        first = answer.passages[0]
        assert first.doc_id == answer.citations[0].doc_id and first.start <= answer.citations[0].start < first.end
    for passage in answer.passages:
        assert seed_text(passage.doc_id)[passage.start:passage.end] == passage.text
        for h in passage.highlights:
            assert passage.start <= h.start < h.end <= passage.end


def test_traditional_question_finds_simplified_text(seed_engine):
    answer = seed_engine.answer("市科技局如何推進科技項目「揭榜掛帥」？")
    assert answer.passages and answer.passages[0].doc_id == "002_6b47ef97f8ef13ec.txt"
    assert any("繁体" in n for n in answer.notes)


# The ten projects as 000_81cb9ed457ee8d18.txt lists them (its fourth line, and its headings 1-10).
JIANGMEN_TEN_PROJECTS = (
    "深化便利华侨华人投资制度改革", "建立健全江门大型产业集聚区体制机制", "深化营商环境综合改革", "深化国资国企改革",
    "深化新型农村集体经济专项改革", "建设广东省(台山)农村综合改革试验区",
    "构建“智慧网格+综治中心+粤平安平台”全覆盖立体式智能化工作体系", "深化数字政府改革建设",
    "创建国家知识产权强市建设试点城市", "实施重大科技计划项目“揭榜挂帅”制",
)


def test_list_question_returns_the_enumeration(seed_engine):
    answer = seed_engine.answer("江门市2023年十项重点改革项目包括哪些？")
    assert not answer.no_answer, answer.message
    assert answer.citations[0].doc_id == "000_81cb9ed457ee8d18.txt"
    missing = [item for item in JIANGMEN_TEN_PROJECTS if item not in answer.text]
    assert not missing, (missing, answer.text)


@pytest.mark.parametrize("question", [
    "上海市2024年的GDP是多少？",
    "深圳市南山区2023年新增了多少家上市公司？",
])
def test_questions_the_documents_do_not_cover_get_no_answer(seed_engine, question):
    answer = seed_engine.answer(question)
    assert answer.no_answer and answer.reason in ("low_confidence", "not_covered")
    assert answer.message and answer.passages  # nearest passages still listed as 可能相关
    assert not any(p.highlights for p in answer.passages)  # nothing is shown as if it answered


@pytest.mark.parametrize("question, place", [
    ("广州市普惠小微贷款余额年均增长目标是多少？", "广州市"),  # 吉安市's 18% is no answer for 广州
    ("珠海市接管了多少个停车场？", "珠海市"),                  # nor 蓬江区's 22 for 珠海
    ("深圳市新增了多少个停车泊位？", "深圳市"),                # nor 蓬江区's 989 for 深圳
])
def test_another_places_figure_is_a_no_answer_that_names_the_place(seed_engine, question, place):
    answer = seed_engine.answer(question)
    assert answer.no_answer and answer.reason == "not_covered", (answer.text, answer.probability)
    assert place in answer.message and "最接近" in answer.message
    assert answer.to_dict()["answer"] is None


@pytest.mark.xfail(strict=True, reason="known limitation of the answer model trained on the dev data "
                   "(docs/ANSWER_MODEL.md): a near miss that names the asked entity but not the fact asked "
                   "still scores above the threshold; remove this mark when it passes")
def test_a_fee_question_is_not_answered_with_a_count(seed_engine):
    answer = seed_engine.answer("蓬江区停车场收费标准是多少？")
    assert answer.no_answer or "22个" not in answer.text


def test_the_first_example_is_answered_with_the_ten_projects(seed_engine):
    """The count the question gives ("哪十项") matches the ten projects of the task list."""
    answer = seed_engine.answer("江门市2023年推进哪十项重点改革？")
    assert not answer.no_answer
    assert answer.text.startswith("共 10 项") and len(answer.citations) == 10
    assert "深化便利华侨华人投资制度改革" in answer.text and "实施重大科技计划项目" in answer.text
    assert "开局之年" not in answer.text
    text = seed_text("000_81cb9ed457ee8d18.txt")
    for citation in answer.citations:
        assert citation.doc_id == "000_81cb9ed457ee8d18.txt"
        assert text[citation.start:citation.end] == citation.quote


def test_a_question_about_two_places_is_answered_from_each_places_document(seed_engine):
    """"各" asks for each place's figure: each part is answered from its own passages, with its own
    citation and probability (the two figures are in two documents)."""
    answer = seed_engine.answer("2022年蓬江区和江海区各引进了多少个超亿元项目？")
    assert not answer.no_answer and [p.question for p in answer.parts] == [
        "2022年蓬江区引进了多少个超亿元项目？", "2022年江海区引进了多少个超亿元项目？"]
    assert "41个" in answer.parts[0].text and "43个" in answer.parts[1].text
    assert answer.text == answer.parts[0].text + "\n" + answer.parts[1].text
    assert [c.doc_id for c in answer.citations] == ["001_9341cea50ca2ce3b.txt", "002_6b47ef97f8ef13ec.txt"]
    for citation in answer.citations:
        assert seed_text(citation.doc_id)[citation.start:citation.end] == citation.quote
    assert answer.probability == min(p.probability for p in answer.parts)
    highlighted = {(p.doc_id, h.start) for p in answer.passages for h in p.highlights}
    assert {(c.doc_id, c.start) for c in answer.citations} <= highlighted
    data = answer.to_dict()
    assert [part["citations"][0]["doc_id"] for part in data["parts"]] == [c.doc_id for c in answer.citations]


def test_two_places_the_documents_lack_are_both_named_in_the_no_answer(seed_engine):
    answer = seed_engine.answer("深圳和珠海各接管了多少个停车场？")
    assert answer.no_answer and answer.reason == "not_covered" and answer.to_dict()["answer"] is None
    assert "深圳市" in answer.message and "珠海市" in answer.message
    assert all(p.no_answer for p in answer.parts) and len(answer.parts) == 2


def test_a_count_the_task_list_does_not_match_goes_to_the_answer_model(seed_engine):
    answer = seed_engine.answer("江门市2023年推进哪九项重点改革？")
    assert not answer.text.startswith("共 ")


@pytest.mark.parametrize("question,reason", [
    ("", "empty"), ("   \n\t ", "empty"), ("！！！？？。", "no_content"), ("😀😀🎉", "no_content"),
    ("\u200b\u200d\ufeff", "empty"),
])
def test_bad_questions_have_defined_results(seed_engine, question, reason):
    answer = seed_engine.answer(question)
    assert answer.no_answer and answer.reason == reason and answer.message
    json.dumps(answer.to_dict(), ensure_ascii=False)


def test_over_long_question_is_cut_with_a_note(seed_engine):
    answer = seed_engine.answer("蓬江区停车场" * 20_000)
    assert len(answer.question) == MAX_QUESTION_CHARS
    assert any("过长" in note for note in answer.notes)


def test_invalid_options_are_refused_clearly(seed_engine):
    with pytest.raises(ValueError, match="top_k"):
        seed_engine.answer("蓬江区", QAOptions(top_k=0))


def test_filters_restrict_documents(seed_engine):
    answer = seed_engine.answer("专精特新小巨人企业", QAOptions(doc_ids=["004_5e54178d8f9b0a9b.txt"]))
    assert answer.passages and {p.doc_id for p in answer.passages} == {"004_5e54178d8f9b0a9b.txt"}
    answer = seed_engine.answer("改革", QAOptions(places=["吉安市"]))
    assert {p.doc_id for p in answer.passages} == {"003_9586d88650e279e6.txt"}


def test_place_named_in_question_prefers_its_document(seed_engine):
    answer = seed_engine.answer("金湾区专精特新小巨人企业有多少家？")
    assert answer.passages[0].doc_id == "004_5e54178d8f9b0a9b.txt"
    answer = seed_engine.answer("蓬江区专精特新小巨人企业新增多少家？")
    assert answer.passages[0].doc_id == "001_9341cea50ca2ce3b.txt"


def test_json_contract(seed_engine):
    data = seed_engine.answer("蓬江区接管了多少个停车场").to_dict()
    assert set(data) >= {"question", "no_answer", "message", "answer", "passages"}
    assert set(data["answer"]) == {"text", "score", "citations"}
    assert set(data["answer"]["citations"][0]) >= {"doc_id", "title", "section", "start", "end", "quote"}
    assert set(data["passages"][0]) >= {"doc_id", "title", "section", "start", "end", "text", "score"}


@pytest.mark.slow
def test_cli_ask_json(seed_index_dir):
    run = subprocess.run([sys.executable, "-m", "qa", "ask", "蓬江区接管了多少个停车场", "--json",
                          "--index-dir", str(seed_index_dir)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert "22个" in data["answer"]["text"]
    human = subprocess.run([sys.executable, "-m", "qa", "ask", "蓬江区接管了多少个停车场",
                            "--index-dir", str(seed_index_dir)], capture_output=True, text=True, timeout=120)
    assert "【" in human.stdout and "[1]" in human.stdout


def test_cli_refuses_an_index_folder_that_holds_no_index(tmp_path):
    folder = tmp_path / "mistyped-index"
    done = subprocess.run([sys.executable, "-m", "qa", "ask", "蓬江区接管了多少个停车场", "--index-dir", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "索引不存在" in done.stderr and "python -m index build" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (folder / "CURRENT").exists()  # nothing was built in the wrong place
