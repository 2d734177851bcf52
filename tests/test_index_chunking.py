"""Cleaning, headings and chunking on the real seeds."""
from __future__ import annotations

import pytest

from index.chunking import chunk_document, embedding_text
from index.cleaning import clean_lines, split_lines
from index.config import IndexConfig
from index.headings import detect_heading
from tests.conftest import SEED_FILES, seed_text


@pytest.mark.parametrize("name", SEED_FILES)
def test_every_chunk_slices_the_original_text(name):
    text = seed_text(name)
    lines, _ = clean_lines(name, text)
    chunks = chunk_document(name, text, lines, IndexConfig())
    assert chunks
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert len(chunk.text) <= IndexConfig().chunk_size


def test_repeated_article_and_boilerplate_are_dropped():
    name = "004_5e54178d8f9b0a9b.txt"
    text = seed_text(name)
    lines, dropped = clean_lines(name, text)
    reasons = {d.text.strip(): d.reason for d in dropped}
    assert reasons.get("-我已经到底线啦-") == "boilerplate"
    assert reasons.get("暂时没有评论") == "boilerplate"
    duplicates = [d for d in dropped if d.reason == "duplicate"]
    assert len(duplicates) >= 25
    kept = "".join(text[line.start:line.end] for line in lines if line.kept)
    assert kept.count("深化改革,金湾区一直在路上。") == 1
    chunks = chunk_document(name, text, lines, IndexConfig())
    assert sum("提纲挈领锚定改革要点" in c.text for c in chunks) <= 1


def test_empty_attachment_line_is_dropped_but_headings_kept():
    name = "001_9341cea50ca2ce3b.txt"
    _, dropped = clean_lines(name, seed_text(name))
    assert [d.text.strip() for d in dropped] == ["相关附件:"]
    _, dropped0 = clean_lines("000", seed_text("000_81cb9ed457ee8d18.txt"))
    assert dropped0 == []  # the ten "目标"/"措施" labels are headings, not duplicates


@pytest.mark.parametrize("name,expected_section", [
    ("000_81cb9ed457ee8d18.txt", "9 创建国家知识产权强市建设试点城市 › 措施"),
    ("001_9341cea50ca2ce3b.txt", "一、2022年工作总结 › (二)经济发展稳中向好"),
    ("002_6b47ef97f8ef13ec.txt", "◆工作进展◆ › 市科技局积极推进科技项目“揭榜挂帅”"),
    ("003_9586d88650e279e6.txt", "三、重点任务 › (一)实施营商环境优化提升行动"),
    ("004_5e54178d8f9b0a9b.txt", "直击痛点难点堵点 精准点题破解发展瓶颈"),
])
def test_section_paths_follow_headings(name, expected_section):
    text = seed_text(name)
    lines, _ = clean_lines(name, text)
    sections = [c.section for c in chunk_document(name, text, lines, IndexConfig())]
    assert any(s.endswith(expected_section) for s in sections), sections


@pytest.mark.parametrize("line,level", [
    ("1 深化便利华侨华人投资制度改革", 5), ("一、指导思想", 3), ("(一)党对全面深化改革的领导持续加强。印发《…》", 4),
    ("◆工作进展◆", 1), ("【落实稳经济政策】", 1), ("目标", 6), ("措施", 6), ("江海区推动招商引资持续提质增效", 2),
])
def test_heading_kinds(line, level):
    heading = detect_heading(line)
    assert heading is not None and heading.level == level


def test_body_sentences_are_not_headings():
    assert detect_heading("2022年成功引进超亿元项目43个,其中专精特新项目15个。") is None
    assert detect_heading("(江海区政府供稿)") is None


def test_lines_without_newlines_split_at_chinese_spaces():
    text = "关于稳定商务发展有关措施的通知 各有关单位： 为深入贯彻落实部署，特制定如下措施： 一、全力保障供应 1.实施监测。"
    pieces = [text[line.start:line.end] for line in split_lines(text)]
    assert pieces[0] == "关于稳定商务发展有关措施的通知"
    assert "一、全力保障供应" in pieces
    english = "Hello world 你好"
    assert [english[line.start:line.end] for line in split_lines(english)] == [english]


def test_embedding_text_carries_title_and_section():
    text = seed_text("000_81cb9ed457ee8d18.txt")
    lines, _ = clean_lines("000", text)
    chunk = [c for c in chunk_document("000", text, lines, IndexConfig()) if c.section.endswith("措施")][0]
    header = embedding_text(chunk, "江门市2023年十项重点改革项目").split("\n")[0]
    assert header.startswith("江门市2023年十项重点改革项目") and "措施" in header


def test_short_sibling_sections_share_a_chunk_until_it_is_full():
    filler = "".join(f"第{n}项工作要压实责任，做好值班值守和信息报送。" for n in range(1, 25))
    text = ("一、人员管理\n（1）每日测温两次。\n（2）外来人员一律登记。\n（3）出现发热立即报告。\n"
            f"二、物资保障\n{filler}\n三、附则\n本通知自印发之日起施行。")
    lines, _ = clean_lines("notice", text)
    chunks = chunk_document("notice", text, lines, IndexConfig())
    holder = next(c for c in chunks if "（1）" in c.text)
    assert "（2）外来人员一律登记。" in holder.text and "（3）出现发热立即报告。" in holder.text
    assert holder.section == "一、人员管理"  # the items' common heading
    assert "二、物资保障" not in holder.text  # the next section does not fit beside them
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text and len(chunk.text) <= IndexConfig().chunk_size
