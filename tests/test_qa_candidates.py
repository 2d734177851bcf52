"""Answer candidates on texts this test writes: every shape an answer takes is among them, within
the length limits, with offsets that slice the original text."""
from __future__ import annotations

from qa.candidates import answer_limit, clause_windows, passage_candidates
from qa.config import ReadingConfig
from qa.question import prepare_question
from qa.sentences import split_sentences

CONFIG = ReadingConfig()


def candidates(question: str, text: str, config: ReadingConfig = CONFIG) -> dict[str, str]:
    """Candidate text → shape, after checking every candidate's offsets."""
    sentences = [s for s in split_sentences(text)]
    paragraphs = [text.count("\n", 0, s.start) for s in sentences]
    prepared = prepare_question(question)
    found = passage_candidates(text, sentences, paragraphs, 0, prepared, config)
    out = {}
    for c in found:
        assert 0 <= c.start < c.end <= len(text)
        assert sentences[c.first].start <= c.start and c.end <= sentences[c.last].end or c.note is not None
        span = text[c.start:c.end] + (" … " + text[c.note.start:c.note.end] if c.note else "")
        out[span] = c.shape
    return out


def test_every_sentence_and_a_sentence_with_its_antecedent_are_candidates():
    text = "1989年发生了一场革命。这场革命结束了一党专制。次年举行了自由选举。"
    found = candidates("一党专制在哪一年结束？", text)
    assert found["这场革命结束了一党专制。"] == "sentence"
    assert found["1989年发生了一场革命。这场革命结束了一党专制。"] == "pair"
    assert found["这场革命结束了一党专制。次年举行了自由选举。"] == "pair"


def test_a_pair_stays_in_its_paragraph_and_within_the_overflow():
    text = "推动智慧停车项目。\n目前接收管理停车场22个。"
    assert "推动智慧停车项目。\n目前接收管理停车场22个。" not in candidates("接管了多少个停车场？", text)
    long_next = "甲乙丙。" + "丁" * 200 + "。"
    assert not [s for s, shape in candidates("甲乙丙是什么？", long_next).items() if shape == "pair"]


def test_text_without_full_stops_is_read_in_clause_windows():
    judgment = ("本院认为，被告人张某某以非法占有为目的，采用秘密手段，多次窃取他人财物，数额较大，其行为已构成盗窃罪，"
                "公诉机关指控的罪名成立，被告人到案后如实供述自己的罪行，依法可以从轻处罚，被告人退赔被害人经济损失，"
                "取得谅解，可以酌情从轻处罚，辩护人提出的相关辩护意见，本院予以采纳，依照《中华人民共和国刑法》第二百六十四条之规定，"
                "判决被告人张某某犯盗窃罪，判处有期徒刑一年，并处罚金人民币五千元")
    assert "。" not in judgment and len(judgment) > 150
    found = candidates("张某某被判处什么刑罚？", judgment)
    windows = [s for s, shape in found.items() if shape == "window"]
    limit = answer_limit(prepare_question("张某某被判处什么刑罚？"), CONFIG)
    assert windows and all(len(w) <= limit for w in windows)
    assert any("判处有期徒刑一年" in w for w in windows)
    assert any(w.startswith("本院认为") for w in windows)


def test_clause_windows_start_at_every_clause():
    text = "甲方负责供水，乙方负责供电，丙方负责供气，丁方负责通信。"
    from qa.sentences import Span

    windows = clause_windows(text, Span(0, len(text)), 14)
    assert [text[w.start:w.end] for w in windows] == ["甲方负责供水，乙方负责供电，", "乙方负责供电，丙方负责供气，",
                                                       "丙方负责供气，丁方负责通信。", "丁方负责通信。"]


def test_a_sentence_a_little_over_the_limit_is_kept_whole():
    limit = CONFIG.short_chars
    sentence = "这个计划由休利特基金会、梅隆基金会和麻省理工学院共同主持，" * 2 + "之后更激励了国内外不少机构将教材转为开放教育资源。"
    assert limit < len(sentence) <= limit * (1 + CONFIG.sentence_slack)
    assert candidates("这个计划由谁主持？", sentence)[sentence] == "sentence"


def test_a_list_question_gets_the_enumeration_after_its_lead():
    text = "主要措施包括：\n1. 实名制管理；\n2. 每日消毒两次；\n3. 严控外来人员。\n其他事项另行通知。"
    found = candidates("工地有哪些防疫措施？", text)
    assert found["主要措施包括：\n1. 实名制管理；\n2. 每日消毒两次；\n3. 严控外来人员。"] == "enumeration"
    assert found["主要措施包括：\n1. 实名制管理；"] == "enumeration"  # where the list ends is the model's call
    one_sentence = "十项重点改革项目分别是" + "、".join(f"深化第{i}项改革" for i in range(1, 11)) + "。"
    assert len(one_sentence) > CONFIG.short_chars
    assert candidates("有哪十项重点改革项目？", one_sentence)[one_sentence] == "sentence"


def test_a_measures_question_gets_the_rest_of_the_item_paragraph():
    text = "一、加强工地现场管理。对留守人员落实体温监测。每日消毒两次。\n二、加强复工后人员管理。实行实名制。"
    found = candidates("建筑工地要采取哪些管理措施？", text)
    assert found["一、加强工地现场管理。对留守人员落实体温监测。每日消毒两次。"] in ("paragraph", "enumeration")
    assert not any("二、" in s and "一、" in s for s in found)  # never across paragraphs


def test_a_who_leads_question_gets_the_item_with_its_responsibility_note():
    item = ("深入推进公共图书馆总分馆制度建设。建成区县分馆十二个、村级服务点两百个，推行通借通还。"
            "（牵头单位：市文化广电旅游局）\n深入推进供水管网改造。（牵头单位：市水务局）")
    found = candidates("公共图书馆总分馆制度建设由哪个部门牵头？", item)
    noted = [s for s, shape in found.items() if shape == "note"]
    assert any(s.startswith("深入推进公共图书馆总分馆制度建设。") and "市文化广电旅游局" in s for s in noted)
    assert not any("市水务局" in s and "图书馆" in s for s in noted)


def test_a_note_after_the_passage_end_is_not_joined():
    """A passage that ends inside an item, before its note: no candidate reaches past the passage
    (its features are read from the passage's text alone)."""
    text = ("深入推进公共图书馆总分馆制度建设。建成区县分馆十二个。推行通借通还。"
            "（牵头单位：市文化广电旅游局）\n")
    sentences = split_sentences(text)[:2]       # the passage holds the first two sentences only
    found = passage_candidates(text, sentences, [0, 0], 0, prepare_question("总分馆制度建设由哪个部门牵头？"), CONFIG)
    assert found and all(c.end <= sentences[-1].end and c.note is None for c in found)


def test_limits_follow_the_kind_of_question():
    config = ReadingConfig()
    assert answer_limit(prepare_question("蓬江区接管了多少个停车场？"), config) == config.short_chars
    assert answer_limit(prepare_question("为什么要暂停招聘？"), config) == config.cause_chars
    assert answer_limit(prepare_question("东营市对雇佣大学生的企业有何补贴政策？"), config) == config.measures_chars
    assert answer_limit(prepare_question("有哪些重点改革项目？"), config) == config.list_sentence_chars
