"""What kind of answer a question asks for (a person, an organisation, a time, a number, a
place), and whether a sentence holds one that the question does not already name.

A question is a statement with its answer replaced by a question word ("谁", "哪一年", "多少",
"哪里"); the sentence that answers it holds the question's words *and* something of the asked
type that the question lacks. That is a property of the language, not of a collection."""
from __future__ import annotations

import re
from functools import cache, lru_cache

from index.tokenizer import pos_cut

PERSON, ORG, TIME, NUMBER, PLACE, COLOUR, PHONE = "person", "organisation", "time", "number", "place", "colour", "phone"
TAGGED_KINDS = (PERSON, PLACE)  # found by jieba's part-of-speech tagger; the others by patterns

_QUESTION_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (TIME, re.compile(r"(?<![任如])何时|什么时候|什么时间|哪一?年|哪一?天|哪一?日|几月|几号|几日|何年|何日|哪个(朝代|世纪|年代|时期|月份?)|"
                      r"哪一(朝代|世纪|年代|时期)|什么(朝代|年代|时期|日子)|多少年|几年|多久|多长时间|年份|日期")),
    (ORG, re.compile(r"牵头|责任单位|负责单位|主管|主办|供稿|哪个(部门|单位|机构|组织)|什么(部门|单位|机构|组织)|哪些(部门|单位|机构)|哪家")),
    (PERSON, re.compile(r"谁|哪位|(?<![任如])何人|什么人|哪个人|哪一位|哪些人")),
    (PLACE, re.compile(r"哪里|哪儿|(?<![任如])何处|(?<![任如])何地|什么地方|哪个(国家|城市|省份?|地区|地方|州|县|市|区|岛|城)|"
                       r"哪一?(国|省|市|城市|国家|州|县|地区)|在哪|位于")),
    (PHONE, re.compile(r"(电话|热线|号码|专线)(号码)?(是|为)?(多少|什么)|(哪个|什么|哪些)(电话|热线|号码)|如何(打)?电话")),
    (NUMBER, re.compile(r"多少|几(?!乎)|多大|多长|多高|多重|多远|多深|多宽|多快|多厚|第几|比例|占比|百分之|增长率|金额|数额")),
    (COLOUR, re.compile(r"(什么|何种|哪种|哪些|哪.{1,2}种)颜色|什么色|何色|颜色(是|为|呈)")),
)

# What a number question measures decides the unit its answer carries: a weight is in 公斤,
# a height in 米. A number in another unit (a year, a count) answers another question.
_UNITS = (
    (re.compile(r"体重|重量|多重"), r"公斤|千克|克|吨|斤|磅|kg"),
    (re.compile(r"多长|长度|全长|身长|体长|多高|高度|身高|海拔|多远|距离|多深|深度|多宽|宽度|直径|半径|多厚|厚度"),
     r"米|公里|千米|厘米|公分|毫米|英尺|英里|公尺|呎|吋|英寸|km|cm|mm|m(?![a-z])"),
    (re.compile(r"面积|占地"), r"平方|公顷|亩|㎡"),
    (re.compile(r"人口|多少人|几人|人数"), r"人|户"),
    (re.compile(r"多少钱|价格|金额|费用|票价|售价|造价|收入|资金|投资|成本|市值|收费|费率|租金|补贴标准|奖励标准|罚款"),
     r"元|美元|欧元|英镑|日元|港元|港币|镑"),
    (re.compile(r"温度|气温"), r"度|℃|°"),
)
_NUMERAL = r"(?:[0-9０-９]+(?:[.,．][0-9０-９]+)*|[〇零一二两三四五六七八九十百千万亿]{1,8})\s*[万亿千百多余几]*\s*"
_PHONE = re.compile(r"(?<![0-9])(?:[0-9]{3,4}[-－—]?)?[0-9]{5,8}(?![0-9])")
_COLOUR = re.compile(r"(?:[红橙黄绿青蓝紫黑白灰棕褐金银粉赤]|咖啡|橄榄)[\u4e00-\u9fff]{0,2}?色")

_DATE = re.compile(r"[0-9０-９]{1,4}\s*(年|月|日|世纪|年代)|[〇零一二三四五六七八九十百]{1,4}(年|月|日|世纪|年代)|"
                   r"[春夏秋冬]季|[上中下]旬|(公元|西元)前?")
_NUMBER = re.compile(r"[0-9０-９]+(?:[.,．][0-9０-９]+)*\s*[%％]?|[〇零一二两三四五六七八九十百千万亿]{1,8}(?=[个项家条次年月日天人所座名批类元亩米倍种位只部件辆台届年岁%])|"
                     r"[半双]")


ORG_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z]{1,14}?(委员会|管委会|办公室|政府|局|委|办|厅|部|院|会|中心|集团|公司|银行|协会|大学|学校|医院|法院|检察院|研究所|站|队)")


def answer_type(question_norm: str) -> str:
    """The asked type, or "" when the question asks for none of them (what, how, why, list)."""
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(question_norm):
            return kind
    return ""


def unit_pattern(question_norm: str) -> re.Pattern[str] | None:
    """A number with the unit of what the question measures ("体重" → 公斤, "多高" → 米), or None."""
    for asked, units in _UNITS:
        if asked.search(question_norm):
            return _unit_regex(units)
    return None


# Units and measure words a question may name after 多少/几 ("多少亿元", "几所", "多少万人次"): its answer
# is a figure in that unit. Longest first, so 亿元 is read before 元.
_MEASURE_WORDS = sorted("""个 家 人 项 所 座 名 条 次 件 场 批 台 辆 套 亩 公里 千米 米 吨 元 万元 亿元 美元 万人次 人次 万人
户 间 份 宗 平方米 平方公里 公顷 万 亿 倍 年 天 小时 分钟 岁 本 册 种 类 支 只 棵 株 处 栋 层 届 期 周 月 日 张 份 篇 部
个百分点 百分点 千瓦 兆瓦 万千瓦 度 千克 公斤 克 斤 升 立方米 万吨 亿吨""".split(), key=len, reverse=True)
_ASKED_UNIT = re.compile(r"(?:多少|几)\s*(" + "|".join(map(re.escape, _MEASURE_WORDS)) + ")")
# A 元 amount is the same question in 元, 万元 or 亿元; a count of 人 the same in 万人.
_UNIT_FAMILIES = {"元": r"元", "人": r"(?:万)?人", "吨": r"(?:万|亿)?吨"}


def asked_unit(question_norm: str) -> str:
    """The unit or measure word the question names after 多少/几 ("" when it names none)."""
    match = _ASKED_UNIT.search(question_norm)
    return match.group(1) if match else ""


@cache
def asked_unit_pattern(unit: str) -> re.Pattern[str]:
    """A figure in ``unit`` (any 元 amount for 元, 万元 or 亿元)."""
    tail = unit[-1] if unit[-1] in _UNIT_FAMILIES and unit not in ("万人次", "人次") else ""
    return re.compile(_NUMERAL + "(?:" + (_UNIT_FAMILIES[tail] if tail else re.escape(unit)) + ")")


@cache
def _unit_regex(units: str) -> re.Pattern[str]:
    return re.compile(_NUMERAL + f"(?:{units})")


def _entity_matches(text: str, kind: str, question_norm: str = "") -> list[tuple[int, int]]:
    """Spans of ``kind`` entities in ``text`` (normalised), in text order."""
    if kind == TIME:
        pattern: re.Pattern[str] | None = _DATE
    elif kind == NUMBER:
        pattern = unit_pattern(question_norm) or _NUMBER
    elif kind == COLOUR:
        pattern = _COLOUR
    elif kind == PHONE:
        pattern = _PHONE
    elif kind == ORG:
        pattern = ORG_NAME
    else:
        pattern = None
    if pattern is not None:
        return [m.span() for m in pattern.finditer(text)]
    return list(_tagged_spans(text, kind))


@lru_cache(maxsize=20_000)
def _tagged_spans(text: str, kind: str) -> tuple[tuple[int, int], ...]:
    """Persons or places by jieba's part-of-speech tags (slow, so a sentence is tagged once)."""
    flags = ("nr", "nrfg", "nrt") if kind == PERSON else ("ns", "nsf")
    spans, offset = [], 0
    for word, flag in pos_cut(text):
        if flag in flags and len(word) >= 2:
            spans.append((offset, offset + len(word)))
        offset += len(word)
    return tuple(spans)


def entity_spans(text_norm: str, kind: str, question_norm: str) -> list[tuple[int, int]]:
    """Spans of the ``kind`` entities in ``text_norm`` that the question does not already name:
    a sentence answers "who/when/how many" when it names what the question lacks."""
    if not kind:
        return []
    return [(a, b) for a, b in _entity_matches(text_norm, kind, question_norm) if text_norm[a:b] not in question_norm]


def has_new_entity(sentence_norm: str, kind: str, question_norm: str) -> bool:
    """Whether the sentence names a ``kind`` entity that the question does not contain."""
    return bool(entity_spans(sentence_norm, kind, question_norm))
