"""Reading a question: what kind of answer it asks for, what it names, and the answer types a
sentence holds; sentence splitting; national notices."""
from __future__ import annotations

import pytest

from qa.answer_types import COLOUR, NUMBER, PERSON, PHONE, PLACE, TIME, answer_type, entity_spans, has_new_entity
from qa.question import prepare_question, question_places
from qa.sentences import split_sentences


@pytest.mark.parametrize("question, kind", [
    ("耶律乞奴被谁所杀？", PERSON),
    ("计算神经科学一词首次出现是在什么时候？", TIME),
    ("蒙泰罗在2005年美国大奖赛上获得第几名？", NUMBER),
    ("蓬江区接管了多少个停车场", NUMBER),
    ("琴娜·杜普洛生活在什么地方？", PLACE),
    ("乡里制的特点是什么？", ""),
])
def test_answer_type_of_a_question(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize("question, sentence, holds", [
    ("尤金袋鼠的体重大约是多少？", "尤金袋鼠很细小，约只有8公斤重，适合饲养。", True),
    ("尤金袋鼠的体重大约是多少？", "尤金袋鼠最初是于1628年船难的生还者在西澳发现的。", False),  # a year is no weight
    ("纽西兰鸡毛松有多高？", "树高可达55米，胸径可达1.5米。", True),
    ("纽西兰鸡毛松有多高？", "本种共有2个变种。", False),
    ("淮海中路街道的人口密度是多少？", "人口密度为每平方公里69670人。", True),
    ("蓬江区接管了多少个停车场", "蓬江区共接管停车场24个。", True),          # no measured unit: any number
    ("蓝线裸顶鲷的身体是什么颜色的？", "本鱼体呈银灰色，有若干不规则污斑。", True),
    ("蓝线裸顶鲷的身体是什么颜色的？", "本鱼为辐鳍鱼纲鲈形目龙占鱼科的其中一个种。", False),
    ("西藏自治区纳税服务热线是什么？", "（一）咨询电话 西藏自治区纳税服务热线：12366", True),
    ("泰州市爱心服务热线是多少？", "泰州市应对疫情工作领导小组办公室 2020年2月9日", False),  # a date is no phone number
    ("应该拨打什么电话？", "咨询电话：010-85222835。", True),
])
def test_a_number_carries_the_unit_of_what_is_measured_and_a_colour_is_a_colour(question, sentence, holds):
    kind = answer_type(question)
    assert kind in (NUMBER, COLOUR, PHONE)
    assert has_new_entity(sentence, kind, question) is holds


@pytest.mark.parametrize("question, term", [
    ("什么是“乡里制”？", "乡里制"),
    ("冠夫姓是什么？", "冠夫姓"),
    ("何谓内台航路", "内台航路"),
    ("乡里制的特点是什么？", ""),      # asks for a property, not a definition
    ("蓬江区接管了多少个停车场", ""),
])
def test_what_is_questions_name_the_term_to_define(question, term):
    assert prepare_question(question).defines == term
    assert not prepare_question(question).defines_end


def test_what_does_it_mean_questions_define_the_end_of_their_subject():
    prepared = prepare_question("天津市在推动企业复工复产中突出保民生是指什么？")
    assert prepared.defines_end and prepared.defines.endswith("保民生")
    assert prepare_question("“一轴”指的是什么？").defines == "一轴"


def test_a_new_entity_is_one_the_question_does_not_name():
    question = "占旭刚宣布退役后，什么时候再次复出？"
    assert has_new_entity("不久，占旭刚复出参加2003年举重世锦赛。", TIME, question)
    assert not has_new_entity("占旭刚曾宣布退役，就任浙江省体育局重竞技中心主任。", TIME, question)
    # a year the question already names is no answer to "when"
    assert not has_new_entity("2003年举重世锦赛在温哥华举行。", TIME, "2003年举重世锦赛什么时候举行？")
    assert has_new_entity("全区共有停车场22个。", NUMBER, "蓬江区有多少个停车场？")
    assert not has_new_entity("全区共有停车场22个。", "", "停车场是什么？")


def test_question_places_include_places_the_collection_does_not_know():
    assert "上海市" in question_places("上海市2024年的GDP是多少？")
    assert {"深圳市", "南山区"} <= question_places("深圳市南山区2023年新增了多少家上市公司？")
    assert question_places("停车场一共有多少个？") == set()


def test_entity_spans_are_offsets_of_what_the_question_lacks():
    text = "不久，占旭刚复出参加2003年举重世锦赛。"
    spans = entity_spans(text, TIME, "占旭刚什么时候再次复出？")
    assert [text[a:b] for a, b in spans] == ["2003年"]
    person = "后梁末帝乾化二年敦煌迎来新的统治者曹议金。"
    assert "曹议金" in [person[a:b] for a, b in entity_spans(person, PERSON, "谁是新的统治者？")]


def test_a_question_names_its_places_years_bodies_titles_and_figures():
    q = prepare_question("《江门市2023年重点改革项目任务分解表》中市发改委牵头的22个项目在蓬江区吗？")
    assert q.years == [2023] and "蓬江区" in q.places
    assert "江门市2023年重点改革项目任务分解表" in q.quoted
    assert any(b.endswith("发改委") for b in q.bodies) and q.figures == ["22"]
    assert q.words and all(w.strip() for w in q.words)


@pytest.mark.parametrize("question, cause, explain, wants_list", [
    ("为什么称猴面包树为笨蛋水果？", True, True, False),
    ("蓝线裸顶鲷的外形是怎样的？", False, True, False),
    ("北京海关实行了哪“四个延长”？", False, False, True),
    ("什么时候恢复工作？", False, False, False),
])
def test_question_kinds(question, cause, explain, wants_list):
    prepared = prepare_question(question)
    assert (prepared.wants_cause, prepared.wants_explanation, prepared.wants_list) == (cause, explain, wants_list)
    assert "么" in prepared.normalized or "么" not in question  # 什么/怎么 keep their script


@pytest.mark.parametrize("question, kind", [
    ("上海市如何处理科研攻关与临床救治的关系？", ""),   # 如何处理 holds 何处 but asks no place
    ("任何时候都可以办理吗？", ""),                      # 任何时 is not 何时
    ("北京12345热线共受理咨询多少件？", NUMBER),         # a count, not a phone number
    ("该项目在何处施工？", PLACE),
    ("工程何时完工？", TIME),
])
def test_question_words_inside_other_words_ask_for_no_type(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize("question, measures", [
    ("东营市对雇佣全日制大学生的企业有何补贴政策？", True),
    ("建筑工地如何加强现场管理？", False),
    ("为什么要暂停招聘？", False),
    ("蓬江区接管了多少个停车场", False),
])
def test_what_measures_questions_are_told_apart(question, measures):
    assert prepare_question(question).wants_measures is measures


def test_a_title_in_book_marks_is_not_cut_into_sentences_or_clauses():
    from qa.sentences import split_clauses

    text = "她在《CDTV×Sacas！》节目中第一次于公开场合演唱。随后发行单曲。"
    assert [text[s.start:s.end] for s in split_sentences(text)] == [
        "她在《CDTV×Sacas！》节目中第一次于公开场合演唱。", "随后发行单曲。"]
    clause_text = "国务院印发《关于做好农民工、学生返程工作的通知》，要求各地落实。"
    assert [clause_text[s.start:s.end] for s in split_clauses(clause_text)] == [
        "国务院印发《关于做好农民工、学生返程工作的通知》，", "要求各地落实。"]


def test_a_wire_dateline_ends_the_headline_sentence():
    text = "湖北将再建一所应急后备医院 新华社武汉2月12日电（记者 邹伟 徐海波）作为疫情最严重的县，浠水县正在紧急征用县妇幼保健院新院区。"
    assert [text[s.start:s.end] for s in split_sentences(text)] == [
        "湖北将再建一所应急后备医院 新华社武汉2月12日电（记者 邹伟 徐海波）",
        "作为疫情最严重的县，浠水县正在紧急征用县妇幼保健院新院区。"]


def test_a_national_notice_is_recognised_by_its_issuer_or_its_addressees():
    from index.metadata import is_national

    assert is_national("为支持疫情防控……", "国家税务总局关于疫情防控税收政策的公告")
    assert is_national("各省、自治区、直辖市人民政府：为降低企业用电成本……", "关于阶段性降低企业用电成本的通知")
    assert not is_national("各县市区：为做好疫情防控……", "某市税务局疫情防控期间办税指南汇编")
    assert not is_national("", "河南省财政厅关于支持企业复工的通知")
    # signed by central bodies at the end ("&ensp;" left by the scraper between the names)
    assert is_national("……三、本公告自2020年1月1日起施行。 财政部&ensp;税务总局 2020年2月6日", "关于个人所得税政策的公告")
    assert not is_national("……本通知自印发之日起施行。 某市财政局 2020年2月6日", "关于个人所得税政策的通知")


def test_a_document_records_whether_it_is_national_when_it_is_indexed():
    from index.metadata import derive_metadata

    assert derive_metadata("a", "各省、自治区、直辖市人民政府：为降低企业用电成本……", "关于阶段性降低企业用电成本的通知")["national"]
    assert not derive_metadata("b", "各县市区：为做好疫情防控……", "某市税务局办税指南")["national"]


@pytest.mark.parametrize("question, parts", [
    ("2022年蓬江区和江海区各引进了多少个超亿元项目?", ["2022年蓬江区引进了多少个超亿元项目?", "2022年江海区引进了多少个超亿元项目?"]),
    ("江门全市和蓬江区的碧道建设里程分别是多少?", ["江门全市的碧道建设里程是多少?", "蓬江区的碧道建设里程是多少?"]),
    ("江门市、蓬江区和金湾区都包括哪项国企方面的改革?",
     ["江门市包括哪项国企方面的改革?", "蓬江区包括哪项国企方面的改革?", "金湾区包括哪项国企方面的改革?"]),
    ("蓬江区申报“揭榜挂帅”项目的企业有几家?2022年全市完成立项的科研项目有几个?",
     ["蓬江区申报“揭榜挂帅”项目的企业有几家?", "2022年全市完成立项的科研项目有几个?"]),
    ("江门和吉安的人均可支配收入分别是多少?", ["江门的人均可支配收入是多少?", "吉安的人均可支配收入是多少?"]),
    ("江门和吉安的都市圈建设都有什么安排?", ["江门的都市圈建设有什么安排?", "吉安的都市圈建设有什么安排?"]),
    # one question: a second question about the first one's subject, places compared, not places and each
    ("蓬江区2022年注销了多少家“僵尸”企业?压减率多少?", []),
    ("江门和吉安的改革有什么不同?", []),
    ("蓬江区和市科技局的材料里都提到了哪家研究院?", []),
    ("江门市2023年推进哪十项重点改革？", []),
])
def test_a_question_that_asks_two_things_is_read_as_its_parts(question, parts):
    prepared = prepare_question(question)
    assert [p.text for p in prepared.parts] == parts
    assert all(not p.parts for p in prepared.parts)  # a part is not split again
    if parts and "各" in question:
        assert [sorted(p.places) for p in prepared.parts] == [["蓬江区"], ["江海区"]]


def test_the_traditional_asking_word_reads_as_the_simplified_one():
    """甚麼 folds to 甚么 character by character; the question must still ask 什么 (a time here),
    and the asking word must not be taken for a content word, while the quoted text keeps 甚麼."""
    traditional = prepare_question("蒙古甚麼時候加入聯合國？")
    simplified = prepare_question("蒙古什么时候加入联合国？")
    assert traditional.answer_type == simplified.answer_type == TIME
    assert traditional.words == simplified.words
    assert "甚麼" in traditional.text and "甚" not in traditional.normalized
    assert prepare_question("他甚至没有来过吗？").normalized.startswith("他甚至")
