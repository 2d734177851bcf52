"""The reader end to end on a small corpus this test writes itself: the learned model picks the
answering span (topic named only in the title, an answer that refers back, a responsibility note,
an item's measures), folds copies of a passage, and keeps a national notice for a province."""
from __future__ import annotations

import numpy as np
import pytest

from qa.config import QAOptions, RetrievalConfig
from qa.question import prepare_question
from qa.retrieval import HybridRetriever
from tests.conftest import engine_for_documents

SHARED_NOTICE = ("对参加疫情防控的医务人员和防疫工作者取得的临时性工作补助和奖金，免征个人所得税；"
                 "对单位发放的预防新冠肺炎的医药防护用品等实物，免征个人所得税。")

CORPUS = [
    {"doc_id": "passiflora", "title": "大果西番莲",
     "text": "大果西番莲（学名：Passiflora quadrangularis）是西番莲属的植物中果实最大的一种。"
             "它分布于热带美洲的低地森林，是一种多年生攀缘植物，拥有心形的叶子。"
             "其果实长约三十厘米，果肉可以生吃，也可以做成果汁。"},
    {"doc_id": "revolution", "title": "德国统一",
     "text": "1989年，民主德国发生了一场非暴力的革命。这场革命结束了统一社会党的专制，次年举行了自由选举。"
             "随后两德通过国际协商签订了最终解决德国问题的条约。"},
    {"doc_id": "tasks", "title": "某市2023年重点改革任务",
     "text": "深入推进供水管网改造。完成老旧供水管网改造一百二十公里，推动城乡供水一体化，建立管网漏损监测平台，"
             "实现重点区域漏损率下降到百分之九以内，同步完善应急供水预案和水质公开制度，按季度向社会公布进展。（牵头单位：市水务局）\n"
             "深入推进公共图书馆总分馆制度建设。建成区县分馆十二个、村级服务点两百个，推行通借通还，"
             "开展全民阅读活动不少于五十场，并建立读者满意度调查和年度评估制度，评估结果向社会公开。（牵头单位：市文化广电旅游局）"},
    {"doc_id": "sites", "title": "某市建筑工地疫情防控工作通知",
     "text": "一、加强工地现场管理。对留守值班人员落实体温监测，配备防护用品，每日消毒两次。\n"
             "二、加强复工后人员管理。复工项目实行实名制，严控外来人员。\n"
             "（责任单位：市住房和城乡建设局、市卫生健康委、各区县人民政府、市应急管理局）"},
    {"doc_id": "tax-national", "title": "国家税务总局关于疫情防控税收政策的公告",
     "text": "国家税务总局发布疫情防控税收政策公告。\n" + SHARED_NOTICE + "\n本公告自2020年1月1日起施行。"},
    {"doc_id": "tax-compilation", "title": "某市税务局疫情防控期间办税指南汇编",
     "text": "某市税务局整理了疫情防控期间的办税指南，方便纳税人查阅。\n" + SHARED_NOTICE
             + "\n纳税人可通过电子税务局办理申报，无需到办税服务厅。"},
]


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory):
    return engine_for_documents(tmp_path_factory.mktemp("small-corpus"), CORPUS)


def test_the_answering_sentence_may_name_its_topic_only_in_the_title(small_engine):
    answer = small_engine.answer("大果西番莲分布在什么地区？")
    assert not answer.no_answer
    assert "热带美洲" in answer.text
    citation = answer.citations[0]
    assert citation.doc_id == "passiflora"
    source = next(d for d in CORPUS if d["doc_id"] == "passiflora")["text"]
    assert source[citation.start:citation.end] == citation.quote == answer.text


def test_an_answer_that_refers_back_brings_its_antecedent(small_engine):
    answer = small_engine.answer("统一社会党的专制在哪一年结束？")
    assert not answer.no_answer
    assert "1989年" in answer.text and "这场革命结束了统一社会党的专制" in answer.text


def test_a_passage_published_in_two_documents_is_shown_once(small_engine):
    answer = small_engine.answer("单位发放的医药防护用品要交个人所得税吗？")
    holders = [p for p in answer.passages if "医药防护用品" in p.text]
    assert len(holders) == 1, [p.doc_id for p in answer.passages]
    shown = holders[0]
    assert {shown.doc_id, *shown.also_published_as} == {"tax-national", "tax-compilation"}


def test_who_leads_an_item_is_answered_by_its_responsibility_note(small_engine):
    answer = small_engine.answer("公共图书馆总分馆制度建设由哪个部门牵头？")
    assert not answer.no_answer
    assert "市文化广电旅游局" in answer.text and "市水务局" not in answer.text
    source = next(d for d in CORPUS if d["doc_id"] == "tasks")["text"]
    assert answer.citations and all(source[c.start:c.end] == c.quote for c in answer.citations)


def test_a_how_question_gets_the_measures_after_the_heading(small_engine):
    answer = small_engine.answer("建筑工地如何加强现场管理？")
    assert not answer.no_answer
    assert "体温监测" in answer.text and "复工" not in answer.text


def test_a_what_measures_question_gets_the_item_paragraph(small_engine):
    answer = small_engine.answer("某市对图书馆总分馆制度建设有哪些措施？")
    assert not answer.no_answer
    assert "建成区县分馆十二个" in answer.text


def test_a_national_notice_answers_a_question_that_names_a_province(small_engine):
    answer = small_engine.answer("江苏省对医务人员取得的临时性工作补助和奖金免征个人所得税吗？")
    assert not answer.no_answer and answer.citations[0].doc_id == "tax-national"


def test_every_answer_explains_itself_and_its_probability_is_a_probability(small_engine):
    answer = small_engine.answer("大果西番莲分布在什么地区？")
    assert 0.0 <= answer.probability <= 1.0 and answer.confidence in ("高", "中", "低")
    names = [e["feature"] for e in answer.explanation]
    assert names and len(names) == len(set(names))
    contributions = [abs(e["contribution"]) for e in answer.explanation]
    assert contributions == sorted(contributions, reverse=True)
    payload = answer.to_dict()
    assert payload["probability"] == round(answer.probability, 4) and payload["explanation"]


def test_bm25_candidates_outside_the_dense_list_get_their_true_dense_score(small_engine, monkeypatch):
    snap = small_engine.snapshot()
    dense = snap.index.dense
    nearest_only = dense.search
    monkeypatch.setattr(dense, "search", lambda query, k: tuple(a[:1] for a in nearest_only(query, k)))
    question = prepare_question("疫情防控期间某市的人员管理、消毒和办税有哪些规定？")
    embed = snap.embedder.embed_query
    hits = HybridRetriever(snap.index, RetrievalConfig(), embed).retrieve(question, QAOptions(), 10)
    assert len(hits) > 1  # one from the (cut) dense list, the rest from BM25
    true = dense.similarity(embed(question.normalized), [h.chunk_id for h in hits])
    assert np.allclose([h.dense for h in hits], true, atol=1e-4)
    floor = HybridRetriever(snap.index, RetrievalConfig(exact_dense=False), embed)
    assert len({round(h.dense, 6) for h in floor.retrieve(question, QAOptions(), 10)}) == 1
