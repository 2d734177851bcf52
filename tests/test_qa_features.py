"""Each answer feature on a small text this test writes: what it reads and what it returns."""
from __future__ import annotations

import numpy as np
import pytest

from qa import features as F
from qa.evidence import CandidateBatch
from qa.features import FEATURE_LABELS, FEATURES, feature_fingerprint, feature_matrix
from qa.question import prepare_question
from tests.reading_helpers import candidate_at, read_text


def one(feature, q, candidate) -> float:
    """A candidate feature's value for one candidate."""
    return float(feature(CandidateBatch.of(q, [candidate]))[0])

PARKING = ("蓬江区接收管理停车场22个，新增停车泊位989个。\n"
           "停车场收费标准按照市发展改革局核定的价格执行，首小时5元。")


def test_the_feature_list_is_unique_labelled_and_fingerprinted():
    assert len(FEATURES) == len(set(FEATURES))
    assert not [f for f in FEATURES if f not in FEATURE_LABELS]
    assert feature_fingerprint() != feature_fingerprint(FEATURES[:-1])
    assert feature_fingerprint() != feature_fingerprint((FEATURES[1], FEATURES[0], *FEATURES[2:]))


def test_question_features_name_what_is_asked():
    q, _, _ = read_text("蓬江区接管了多少个停车场？", PARKING)
    assert F._asks("number")(q) == 1.0 and F._asks("person")(q) == 0.0
    assert F.q_places(q) == 1.0 and F.q_years(q) == 0.0
    q, _, _ = read_text("江门市2023年十项重点改革项目包括哪些？", PARKING)
    assert F.q_list(q) == 1.0 and F.q_years(q) == 1.0
    q, _, _ = read_text("为什么要暂停招聘？", PARKING)
    assert F.q_cause(q) == 1.0 and F.q_explain(q) == 1.0
    q, _, _ = read_text("什么是乡里制？", PARKING)
    assert F.q_define(q) == 1.0


def test_coverage_weighs_rare_words_and_the_topic_counts_little():
    idf = {"蓬江区": 3.0, "接管": 2.0, "停车场": 2.0, "多少": 0.2}
    q, p, b = read_text("蓬江区接管了多少个停车场？", PARKING, idf=idf)
    count = candidate_at(b, q, p, "蓬江区接收管理停车场22个，新增停车泊位989个。")
    fees = candidate_at(b, q, p, "停车场收费标准按照市发展改革局核定的价格执行，首小时5元。")
    assert one(F.c_coverage, q, count) > one(F.c_coverage, q, fees) > 0
    topical = "大果西番莲（学名：Passiflora）是西番莲属的植物。它分布于热带美洲。其果实长约三十厘米，果肉可以生吃。"
    q, p, b = read_text("大果西番莲的果实有多长？", topical, title="大果西番莲")
    fruit = candidate_at(b, q, p, "其果实长约三十厘米，果肉可以生吃。")
    assert one(F.c_focus_coverage, q, fruit) > one(F.c_coverage, q, fruit)  # 大果西番莲 is the title, not the answer's words
    assert one(F.c_context_coverage, q, fruit) >= one(F.c_focus_coverage, q, fruit)


def test_a_near_miss_that_repeats_the_question_adds_little_new():
    idf = {"外海": 3.0, "大桥": 2.0, "全长": 4.0, "公里": 1.0, "多少": 0.2}
    text = "外海大桥是连接江海区和新会区的大桥。外海大桥距离市区约3公里。"
    q, p, b = read_text("外海大桥全长多少公里？", text, idf=idf)
    near = candidate_at(b, q, p, "外海大桥距离市区约3公里。")
    assert one(F.c_missing, q, near) == 1.0  # the rarest word, 全长, is not there
    assert F.p_missing(q, p, None) == 1.0 and F.p_doc_missing(q, p, None) == 1.0
    assert one(F.c_novelty, q, near) < one(F.c_novelty, q, candidate_at(b, q, p, "外海大桥是连接江海区和新会区的大桥。"))


def test_the_words_next_to_the_asking_word_mark_where_the_answer_stands():
    idf = {"外海": 3.0, "大桥": 2.0, "全长": 4.0, "公里": 1.0, "多少": 0.2}
    text = "外海大桥是连接江海区和新会区的大桥，全长3公里。外海大桥距离市区约3公里。全长公里数另行公布。"
    q, p, b = read_text("外海大桥全长多少公里？", text, idf=idf)
    assert q.slot == ("全长", "公里") and F.q_slot_anchors(q) == 2.0
    answer = candidate_at(b, q, p, "外海大桥是连接江海区和新会区的大桥，全长3公里。")
    near = candidate_at(b, q, p, "外海大桥距离市区约3公里。")
    empty = candidate_at(b, q, p, "全长公里数另行公布。")
    assert one(F.c_slot_anchors, q, answer) == 1.0 and one(F.c_slot_filled, q, answer) == 1.0
    assert one(F.c_slot_anchors, q, near) == 0.5 and one(F.c_slot_filled, q, near) == 0.0
    assert one(F.c_slot_anchors, q, empty) == 1.0 and one(F.c_slot_filled, q, empty) == 0.0  # nothing between them
    assert one(F.c_slot_new, q, answer) == 1.0  # "3": the clause "全长3公里" adds one letter


def test_one_word_next_to_the_asking_word_wants_new_words_on_the_asking_side():
    text = "贝尔发明了电话。电话的发明改变了通信。"
    q, p, b = read_text("谁发明了电话？", text, idf={"发明": 3.0, "电话": 2.0})
    assert q.slot == ("", "发明")
    assert one(F.c_slot_filled, q, candidate_at(b, q, p, "贝尔发明了电话。")) == 1.0
    assert one(F.c_slot_filled, q, candidate_at(b, q, p, "电话的发明改变了通信。")) == 0.0
    q, p, b = read_text("停车场收费标准是多少？", PARKING)
    assert q.slot[1] == "" and q.slot[0] in {"标准", "收费标准"}
    fees = candidate_at(b, q, p, "停车场收费标准按照市发展改革局核定的价格执行，首小时5元。")
    assert one(F.c_slot_filled, q, fees) == 1.0
    q, p, b = read_text("请介绍停车场收费", PARKING)
    assert q.slot == ("", "") and F.q_slot_anchors(q) == 0.0 and one(F.c_slot_anchors, q, fees) == 0.0


def test_answer_type_features_find_the_asked_entity_and_its_unit():
    q, p, b = read_text("蓬江区接管了多少个停车场？", PARKING)
    assert one(F.c_asked_entity, q, candidate_at(b, q, p, "蓬江区接收管理停车场22个，新增停车泊位989个。")) == 1.0
    weight = "它的体重约8公斤，身长60厘米。它生活在森林里。"
    q, p, b = read_text("这种动物的体重是多少？", weight)
    assert one(F.c_measured_unit, q, candidate_at(b, q, p, "它的体重约8公斤，身长60厘米。")) == 1.0
    assert one(F.c_measured_unit, q, candidate_at(b, q, p, "它生活在森林里。")) == 0.0
    assert one(F.c_has_figure, q, candidate_at(b, q, p, "它的体重约8公斤，身长60厘米。")) == 1.0


def test_place_year_and_national_features_check_what_the_question_names():
    jian = "吉安市普惠小微贷款余额年均增长18%以上。"
    meta = {"place": "吉安市", "places": ["吉安市"], "year": 2023}
    q, p, b = read_text("广州市普惠小微贷款余额年均增长目标是多少？", jian, meta=meta)
    assert q.question.places == {"广州市"}
    assert F.p_place_named(q, p, None) == 0.0 and F.p_place_in_doc(q, p, None) == 0.0
    assert F.p_doc_other_places(q, p, None) == 1.0 and F.p_national(q, p, None) == 0.0
    assert one(F.c_other_place, q, candidate_at(b, q, p, jian)) == 1.0  # 吉安市's figure, asked of 广州市
    q, p, b = read_text("吉安市普惠小微贷款余额年均增长目标是多少？", jian, meta=meta)
    assert F.p_place_named(q, p, None) == 1.0 and F.p_doc_other_places(q, p, None) == 0.0
    assert one(F.c_other_place, q, candidate_at(b, q, p, jian)) == 0.0
    q, p, _ = read_text("吉安市2021年普惠小微贷款余额增长多少？", jian, meta=meta)
    assert F.p_year_named(q, p, None) == 0.0 and F.p_doc_year_other(q, p, None) == 1.0
    national = "对参加疫情防控的医务人员取得的临时性工作补助和奖金，免征个人所得税。"
    q, p, b = read_text("辽宁省对医务人员的补助免征个人所得税吗？", national, title="财政部 税务总局关于疫情防控税收政策的公告",
                        meta={"national": True})
    assert F.p_national(q, p, None) == 1.0
    # a national notice holds in every province: it covers the place the question names
    assert F.p_place_in_doc(q, p, None) == 1.0 and F.p_place_named(q, p, None) == 1.0
    assert one(F.c_chunk_place, q, candidate_at(b, q, p, national)) == 1.0
    assert one(F.c_place_named, q, candidate_at(b, q, p, national)) == 0.0  # it does not name it
    q, p, b = read_text("辽宁省对医务人员的补助免征个人所得税吗？", national, title="某市税务局办税指南")
    assert F.p_place_in_doc(q, p, None) == 0.0 and one(F.c_chunk_place, q, candidate_at(b, q, p, national)) == 0.0


def test_definition_and_question_and_answer_features():
    text = "乡里制，是中国古代的基层行政制度。它始于周代。"
    q, p, b = read_text("什么是乡里制？", text)
    assert one(F.c_defines, q, candidate_at(b, q, p, "乡里制，是中国古代的基层行政制度。")) == 1.0
    assert one(F.c_defines, q, candidate_at(b, q, p, "它始于周代。")) == 0.0
    notice = "Q2：闭馆期间还能借阅文献吗？\n答：可以通过线上平台预约借阅。"
    q, p, b = read_text("闭馆期间能借书吗？", notice)
    reply = candidate_at(b, q, p, "答：可以通过线上平台预约借阅。")
    assert one(F.c_after_asked, q, reply) == 1.0 and one(F.c_asked_coverage, q, reply) > 0
    assert one(F.c_is_question, q, candidate_at(b, q, p, "Q2：闭馆期间还能借阅文献吗？")) == 1.0


def test_structure_features_of_notes_lists_headings_and_links():
    text = ("一、加强工地现场管理\n对留守人员落实体温监测，配备防护用品。（责任单位：市住房和城乡建设局）\n"
            "主要措施包括：\n1. 实名制管理；\n2. 每日消毒两次。\n这场革命结束了专制。此外，次年举行了选举。")
    q, p, b = read_text("工地现场管理由哪个单位负责？", text)
    heading = candidate_at(b, q, p, "一、加强工地现场管理")
    assert one(F.c_heading, q, heading) == 1.0 and one(F.c_paragraph_start, q, heading) == 1.0
    note = candidate_at(b, q, p, "（责任单位：市住房和城乡建设局）")
    assert one(F.c_note_only, q, note) == 1.0 and one(F.c_responsibility, q, note) == 1.0 and one(F.c_org_note_fit, q, note) == 1.0
    lead = candidate_at(b, q, p, "主要措施包括：\n1. 实名制管理；\n2. 每日消毒两次。", "enumeration")
    assert one(F.c_colon_lead, q, lead) == 1.0 and one(F.c_enumeration, q, lead) >= 2
    assert one(F._shape("enumeration"), q, lead) == 1.0 and one(F._shape("sentence"), q, lead) == 0.0
    back = candidate_at(b, q, p, "这场革命结束了专制。")
    assert one(F.c_refers_back, q, back) == 1.0 and one(F.c_next_continues, q, back) == 1.0
    assert one(F.c_gives_cause, q, candidate_at(b, q, p, "对留守人员落实体温监测，配备防护用品。")) == 0.0


def test_retrieval_features_rank_a_passage_against_the_others():
    q, p, b = read_text("蓬江区接管了多少个停车场？", PARKING)
    other = b.passage(q, 1, type(p.hit)(0, 0.5, 0.5, 0.6))
    read = F.ReadList.of([p, other])
    assert F.p_fused(q, p, read) == 1.0 and F.p_fused(q, other, read) == 0.5
    assert F.p_bm25_rank(q, other, read) == 1.0 and F.p_dense_gap(q, other, read) == pytest.approx(0.2)
    assert F.p_doc_passages(q, p, read) == 2.0


def test_the_feature_matrix_has_a_row_per_candidate_and_relative_columns():
    q, p, b = read_text("蓬江区接管了多少个停车场？", PARKING)
    candidates = [candidate_at(b, q, p, "蓬江区接收管理停车场22个，新增停车泊位989个。"),
                  candidate_at(b, q, p, "停车场收费标准按照市发展改革局核定的价格执行，首小时5元。")]
    matrix = feature_matrix(q, [p], candidates)
    assert matrix.shape == (2, len(FEATURES)) and np.isfinite(matrix).all()
    relative = matrix[:, FEATURES.index("c_coverage_vs_best")]
    assert relative.max() == 0.0 and relative.min() < 0.0
    assert feature_matrix(q, [p], []).shape == (0, len(FEATURES))


def test_a_synonym_counts_for_a_word_of_the_question():
    text = "为便利华侨华人投资，江门市出台专项改革试点工作要点。"
    q, p, b = read_text("为了让侨胞投资更方便，江门出台了什么文件？", text)
    span = candidate_at(b, q, p, text)
    assert one(F.c_synonym_coverage, q, span) > one(F.c_coverage, q, span)
    assert F.p_synonym_coverage(q, p, None) > F.p_coverage(q, p, None)
    assert one(F.c_trigrams, q, span) == 0  # not one phrase in common
    q, p, b = read_text("江门市出台了什么专项改革文件？", text)
    assert one(F.c_trigrams, q, candidate_at(b, q, p, text)) > 0.3


def test_whose_figure_a_span_gives_is_the_last_place_and_year_named_before_it():
    text = "江海区把招商引资作为第一抓手。2022年成功引进超亿元项目43个。\n新会区推进工改工，盘活低效用地。"
    meta = {"places": ["江海区", "新会区"]}
    q, p, b = read_text("新会区2022年引进了多少个超亿元项目？", text, meta=meta)
    figure = candidate_at(b, q, p, "2022年成功引进超亿元项目43个。")
    assert one(F.c_subject_place, q, figure) == 0.0  # 江海区's figure
    assert one(F.c_subject_year, q, figure) == 1.0
    q, p, b = read_text("江海区2022年引进了多少个超亿元项目？", text, meta=meta)
    assert one(F.c_subject_place, q, candidate_at(b, q, p, "2022年成功引进超亿元项目43个。")) == 1.0
    q, p, b = read_text("江海区2021年引进了多少个超亿元项目？", text, meta=meta)
    assert one(F.c_subject_year, q, candidate_at(b, q, p, "2022年成功引进超亿元项目43个。")) == 0.0
    q, p, b = read_text("引进了多少个超亿元项目？", text, meta=meta)
    assert one(F.c_subject_place, q, candidate_at(b, q, p, "2022年成功引进超亿元项目43个。")) == 0.5


def test_an_unnamed_figure_belongs_to_the_place_the_document_is_about():
    text = "新建的5所学校投入使用，新增8300多个优质学位。\n携手恩平推进区域平衡发展。"
    q, p, b = read_text("恩平市2022年新增了多少个优质学位？", text, meta={"place": "蓬江区"})
    seats = candidate_at(b, q, p, "新建的5所学校投入使用，新增8300多个优质学位。")
    assert one(F.c_subject_place, q, seats) == 0.0  # 蓬江区's report: its figure, not 恩平市's
    q, p, b = read_text("蓬江区2022年新增了多少个优质学位？", text, meta={"place": "蓬江区"})
    assert one(F.c_subject_place, q, candidate_at(b, q, p, "新建的5所学校投入使用，新增8300多个优质学位。")) == 1.0
    q, p, b = read_text("恩平市2022年新增了多少个优质学位？", text, meta={"place": "", "national": True})
    assert one(F.c_subject_place, q, candidate_at(b, q, p, "新建的5所学校投入使用，新增8300多个优质学位。")) == 0.5


def test_a_figure_the_question_already_names_is_no_answer_to_how_much():
    text = "举办第三届江门市高价值专利培育布局大赛，培育一批创新项目。大赛奖金总额为50万元。"
    q, p, b = read_text("江门第三届高价值专利培育布局大赛的奖金总额是多少？", text)
    contest = candidate_at(b, q, p, "举办第三届江门市高价值专利培育布局大赛，培育一批创新项目。")
    prize = candidate_at(b, q, p, "大赛奖金总额为50万元。")
    assert one(F.c_has_figure, q, contest) == 1.0 and one(F._new_figure, q, contest) == 0.0  # 一批 is no figure either
    assert one(F._new_figure, q, prize) == 1.0
    assert one(F.c_type_fit, q, contest) == 0.0 and one(F.c_type_fit, q, prize) == 1.0


def test_a_question_about_a_change_wants_the_change_not_the_level():
    text = "兑现各级扶持资金2.55亿元，退税减税降费22.21亿元。退税减税降费金额比上年增长15%。"
    q, p, b = read_text("江海区2022年退税减税降费金额比上年增长了多少？", text)
    level = candidate_at(b, q, p, "兑现各级扶持资金2.55亿元，退税减税降费22.21亿元。")
    change = candidate_at(b, q, p, "退税减税降费金额比上年增长15%。")
    assert one(F._states_change, q, level) == 0.0 and one(F._states_change, q, change) == 1.0
    assert one(F.c_type_fit, q, level) == 0.0 and one(F.c_type_fit, q, change) == 1.0
    # a question about the level itself wants the level: the change check does not apply
    q, p, b = read_text("江海区2022年退税减税降费多少亿元？", text)
    level = candidate_at(b, q, p, "兑现各级扶持资金2.55亿元，退税减税降费22.21亿元。")
    change = candidate_at(b, q, p, "退税减税降费金额比上年增长15%。")
    assert one(F.c_type_fit, q, level) == 1.0 and one(F.c_type_fit, q, change) == 0.0


def test_a_figure_in_the_unit_the_question_names():
    text = "普惠小微贷款余额年均增长18%以上。全市普惠小微贷款余额达到1200亿元。"
    q, p, b = read_text("吉安市普惠小微贷款余额是多少亿元？", text)
    assert F.q_asks_unit(q) == 1.0
    assert one(F.c_asked_unit, q, candidate_at(b, q, p, "普惠小微贷款余额年均增长18%以上。")) == 0.0
    assert one(F.c_asked_unit, q, candidate_at(b, q, p, "全市普惠小微贷款余额达到1200亿元。")) == 1.0
    q, p, b = read_text("普惠小微贷款余额增长了吗？", text)
    assert F.q_asks_unit(q) == 0.0 and one(F.c_asked_unit, q, candidate_at(b, q, p, "全市普惠小微贷款余额达到1200亿元。")) == 0.0


def test_a_list_question_that_says_how_many_prefers_a_span_with_that_many_items():
    text = ("2023年是开局之年，也是夯实基础、乘势而上、加快发展的关键之年。"
            "江门市今年推进十项重点改革，分别是甲改革、乙改革、丙改革、丁改革、戊改革、己改革、庚改革、辛改革、壬改革、癸改革。")
    q, p, b = read_text("江门市2023年推进哪十项重点改革？", text)
    assert q.question.item_count == 10 and q.question.count_phrase == "十项"
    filler = candidate_at(b, q, p, "2023年是开局之年，也是夯实基础、乘势而上、加快发展的关键之年。")
    listing = candidate_at(b, q, p, text[text.index("江门市今年"):])
    assert one(F.c_item_count, q, listing) == 1.0 and one(F.c_item_count, q, filler) == 0.0
    assert one(F.c_count_phrase, q, listing) == 1.0 and one(F.c_count_phrase, q, filler) == 0.0
    q, p, b = read_text("江门市推进哪些改革？", text)
    assert one(F.c_item_count, q, candidate_at(b, q, p, text[text.index("江门市今年"):])) == 0.5


def test_type_fit_needs_every_part_of_what_is_asked():
    q, p, b = read_text("蓬江区停车场收费标准是多少？", PARKING)
    assert one(F.c_type_fit, q, candidate_at(b, q, p, "蓬江区接收管理停车场22个，新增停车泊位989个。")) == 0.0
    fee = "停车场首小时收费5元，之后每小时2元。"
    q, p, b = read_text("蓬江区停车场收费标准是多少？", fee)
    assert one(F.c_type_fit, q, candidate_at(b, q, p, fee)) == 1.0
    q, p, b = read_text("蓬江区接管了多少个停车场？", PARKING)
    assert one(F.c_type_fit, q, candidate_at(b, q, p, "蓬江区接收管理停车场22个，新增停车泊位989个。")) == 1.0
    q, p, b = read_text("蓬江区为什么要建设智慧停车？", PARKING)
    assert one(F.c_type_fit, q, candidate_at(b, q, p, "蓬江区接收管理停车场22个，新增停车泊位989个。")) == 0.5
    labs = "校区有国家重点实验室和省级实验室。"
    q, p, b = read_text("校区的高水平实验室有哪几座？", labs)  # a list, not a count
    assert one(F.c_type_fit, q, candidate_at(b, q, p, labs)) == 0.5
    fish = "这种鱼体长约20公分。"
    q, p, b = read_text("这种鱼的体长是多少？", fish)
    assert one(F.c_type_fit, q, candidate_at(b, q, p, fish)) == 1.0


def test_a_count_the_question_names_before_asking_which():
    for text, count, phrase in [("江门今年的十项重点改革项目具体是哪些?", 10, "十项"),
                                ("提出的三方面要求分别是什么？", 3, "三方面"),
                                ("2023年的12项任务有哪些？", 12, "12项")]:
        q = prepare_question(text)
        assert (q.item_count, q.count_phrase) == (count, phrase), text
    assert prepare_question("共有多少项任务？").item_count == 0
    assert prepare_question("320项任务有哪些？").item_count == 0
