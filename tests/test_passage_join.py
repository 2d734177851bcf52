"""Neighbouring chunks of one document that both rank high are shown as one passage
(qa.retrieval.HybridRetriever.join_neighbours), on a small corpus this test writes itself."""
from __future__ import annotations

import pytest

from qa.config import QAOptions, RetrievalConfig
from qa.retrieval import Hit, HybridRetriever, member_score, passage_bounds
from tests.conftest import engine_for_documents

MEASURES = [
    "对受疫情影响较大的中小企业，免收三个月房租，由各区县财政给予出租方适当补助",
    "对暂时困难的企业，缓缴养老保险、失业保险和工伤保险单位缴费部分，缓缴期限不超过六个月",
    "对新招用本地劳动力的企业，按每人一千元标准给予一次性吸纳就业补贴",
    "对疫情防控重点保障物资生产企业，新增贷款由市财政按贷款利率的百分之五十给予贴息",
    "对开展线上培训的企业，按实际培训人数给予每人五百元的职业技能培训补贴",
    "对参与疫情防控物资运输的物流企业，按运输里程给予每公里两元的运费补助",
    "对因疫情延期开工的建设项目，合同工期相应顺延，不计入违约责任",
    "对受疫情影响无法按期申报纳税的企业，依法办理延期申报，免予行政处罚",
    "对小微企业和个体工商户的水电气费用，实行欠费不停供，六个月内补缴免收滞纳金",
    "对外贸企业，开辟出口退税绿色通道，退税办理时间压缩到五个工作日以内",
    "对文化旅游企业，暂退百分之八十的旅行社质量保证金，期限两年",
    "对餐饮住宿企业，给予每家最高五万元的疫情期间经营补贴",
    "对困难企业的职工，由工会组织给予每人三百元的生活救助，并提供心理疏导服务",
    "对新设立的科技型中小企业，三年内按其缴纳税收地方留成部分的一半给予奖励",
    "对企业研发投入，按上年度研发费用的百分之十给予补助，最高不超过两百万元",
    "对入驻孵化器的初创企业，减免一年的场地租金和物业管理费用",
    "对参与政府采购的中小企业，预付款比例提高到合同金额的百分之三十以上",
    "对恢复生产的农业经营主体，按种植面积给予每亩一百元的生产补贴",
    "对受疫情影响的个体工商户，免收一年的市场管理费和摊位费",
    "对开展稳岗培训的企业，按培训课时给予每课时五十元的补贴",
]
LONG_NOTICE = ("为支持企业共渡难关，现就有关措施通知如下。"
               + "".join(f"{text}。" for text in MEASURES)
               + "以上措施自发布之日起施行，有效期至疫情结束后三个月。")

CORPUS = [
    {"doc_id": "measures", "title": "某市支持中小企业共渡难关的若干措施", "text": LONG_NOTICE},
    {"doc_id": "library", "title": "某市公共图书馆开放公告",
     "text": "疫情期间，市图书馆暂停开放，读者可通过数字图书馆借阅电子图书。恢复开放时间另行通知。"},
    {"doc_id": "amoeba", "title": "溶组织内阿米巴",
     "text": "溶组织内阿米巴是一种寄生于人体肠道的原虫。感染后症状包括暴发性痢疾、出血性腹泻、体重减轻、疲劳和腹痛。"
             "它还能穿过肠壁到达血液，进而侵犯肝、肺和脑等器官。治疗通常使用甲硝唑。"},
    {"doc_id": "traffic", "title": "某市交通管制通告",
     "text": "即日起，进入本市的车辆须在检查站接受体温检测，货运车辆凭通行证优先通行。"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_for_documents(tmp_path_factory.mktemp("join-corpus"), CORPUS)


def _retriever(engine, **settings) -> HybridRetriever:
    snap = engine.snapshot()
    return HybridRetriever(snap.index, RetrievalConfig(**settings), snap.embedder.embed_query)


def _chunks_of(engine, doc_id: str) -> list[int]:
    return sorted((c.chunk_id for c in engine.index.chunks if c.doc_id == doc_id),
                  key=lambda i: engine.index.chunks[i].start)


def test_the_long_notice_makes_several_chunks(engine):
    assert len(_chunks_of(engine, "measures")) >= 3


def test_neighbouring_chunks_in_the_first_ranks_become_one_passage(engine):
    first, second, third = _chunks_of(engine, "measures")[:3]
    other = _chunks_of(engine, "library")[0]
    retriever = _retriever(engine, join_ranks=10)
    hits = [Hit(first, 1.0), Hit(other, 0.9), Hit(second, 0.8)]
    joined = retriever.join_neighbours(hits)
    assert [h.chunk_id for h in joined] == [first, other]
    assert [h.chunk_id for h in joined[0].joined] == [second]
    chunks = engine.index.chunks
    assert passage_bounds(chunks, joined[0]) == (chunks[first].start, chunks[second].end)
    # a sentence keeps the score of its own chunk
    assert member_score(chunks, joined[0], chunks[first].start) == 1.0
    assert member_score(chunks, joined[0], chunks[second].end - 1) == 0.8
    # a chunk two places away is no neighbour; the third one is, of the joined passage
    assert [h.chunk_id for h in retriever.join_neighbours([Hit(first, 1.0), Hit(third, 0.9)])] == [first, third]
    assert len(retriever.join_neighbours([Hit(first, 1.0), Hit(second, 0.9), Hit(third, 0.8)])) == 1


def test_joining_respects_the_rank_window_and_the_length_limit(engine):
    first, second = _chunks_of(engine, "measures")[:2]
    others = [Hit(c.chunk_id, 0.5) for c in engine.index.chunks if c.doc_id != "measures"]
    narrow = _retriever(engine, join_ranks=2)
    hits = [Hit(first, 1.0), *others, Hit(second, 0.1)]
    assert len(narrow.join_neighbours(hits)) == len(hits)  # the neighbour ranks outside the window
    chunks = engine.index.chunks
    short = _retriever(engine, join_max_chars=chunks[second].end - chunks[first].start - 1)
    assert len(short.join_neighbours([Hit(first, 1.0), Hit(second, 0.9)])) == 2
    off = _retriever(engine, join_ranks=1)
    assert len(off.join_neighbours([Hit(first, 1.0), Hit(second, 0.9)])) == 2


def test_a_joined_passage_is_shown_and_cited_from_the_original_text(engine):
    answer = engine.answer("某市对中小企业的社会保险、贷款贴息和房租有哪些支持措施？", QAOptions(top_k=5))
    assert answer.passages
    for passage in answer.passages:
        stored = engine.index.documents[passage.doc_id].document.text
        assert stored[passage.start:passage.end] == passage.text
    single_chunks = {(c.start, c.end) for c in engine.index.chunks}
    notice = [p for p in answer.passages if p.doc_id == "measures"]
    assert len(notice) < len(_chunks_of(engine, "measures"))
    assert any((p.start, p.end) not in single_chunks for p in notice)  # one passage over two chunks
    text = engine.index.documents["measures"].document.text
    for citation in answer.citations:
        assert text[citation.start:citation.end] == citation.quote


def test_a_list_answer_without_an_enumeration_takes_the_sentence_that_goes_on(engine):
    answer = engine.answer("溶组织内阿米巴感染的症状有哪些？")
    assert not answer.no_answer
    assert "暴发性痢疾" in answer.text and "侵犯肝、肺和脑" in answer.text
    assert len(answer.text) <= engine.config.reading.list_sentence_chars * (1 + engine.config.reading.pair_overflow)


def test_a_question_written_in_the_document_is_answered_by_the_sentence_after_it(tmp_path):
    engine = engine_for_documents(tmp_path, [{
        "doc_id": "library-faq", "title": "密云区图书馆闭馆期间服务问答",
        "text": "Q1：图书馆什么时候闭馆？ 自1月25日起暂停对外开放。 "
                "Q2：闭馆期间还能借阅文献吗？ 读者不能到馆借阅，但可以通过微信公众号在线阅读数字文献。 "
                "Q3：借阅的图书到期怎么办？ 闭馆期间到期的图书不计滞纳金。"}])
    answer = engine.answer("闭馆期间还能借阅文献吗？")
    assert not answer.no_answer
    assert "读者不能到馆借阅" in answer.text  # the reply to Q2, not the question alone
    assert "暂停对外开放" not in answer.text and "滞纳金" not in answer.text


def test_a_place_in_the_joined_neighbour_does_not_vouch_for_the_answer(tmp_path):
    taishan = "台山市：2022年，全市完成水利建设投资41.59亿元，实现四年“四级跳”，再创历史新高。" + "".join(
        f"全市第{n}批新建和加固海堤{n + 3}公里，完成中小河流治理{n * 7}公里，改造农村供水管网{n * 40}公里。" for n in range(1, 8))
    kaiping = "开平市：2022年，全市新增城镇就业八千人，开展职业技能培训一万人次。" + "".join(
        f"全市第{n}批新建公办幼儿园{n + 2}所，新增学位{n * 300}个，改造提升乡镇卫生院{n}间。" for n in range(1, 8))
    engine = engine_for_documents(tmp_path, [{"doc_id": "districts", "title": "各县区2022年工作成效",
                                              "text": taishan + "\n" + kaiping}])
    assert len(engine.index.chunks) >= 2
    answered = engine.answer("台山市2022年完成水利建设投资多少亿元？")
    assert not answered.no_answer and "41.59亿元" in answered.text
    elsewhere = engine.answer("开平市2022年完成水利建设投资多少亿元？")
    assert elsewhere.no_answer or elsewhere.probability < answered.probability * 0.5
