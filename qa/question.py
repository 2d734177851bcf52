"""Read a question once, where it enters: strip invisible characters, cut over-long input to a
documented limit, fold traditional script, and name what it asks for (the kind of answer, the
places, years, bodies, numbers and titles it names). Every later stage reads this record and
never looks at the raw question again."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from index.metadata import NOT_PLACES, PROVINCES, short_place
from index.normalize import normalize_text
from index.tokenizer import cut_words, pos_cut
from qa.answer_types import ORG_NAME, answer_type
from qa.config import MAX_QUESTION_CHARS

# Zero-width and direction marks, bidi embeddings and isolates, soft hyphen, variation
# selectors, tag characters, C0/C1 controls (tab and newline are kept as spaces below).
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f"
                        r"\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTENT = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_NUMBER_Q = re.compile(r"多少|几[个项家条次年月天人所座名批类]|几|多大|多长|多高|比例|占比|金额|数量|规模|增长率|百分|何时|哪一?年|哪天|什么时候|什么时间|日期|时间|期限")
_LIST_Q = re.compile(r"哪些|哪几|包括|包含|有哪|分别是|分别为|几项|几个方面|哪方面|列举|清单"
                     r"|哪.{0,2}[两二三四五六七八九十]+[个项条大方面点类种]")  # 哪“四个延长”, 哪三项
# How/why/what-measures questions: the answer is an explanation, often a paragraph.
_EXPLAIN_Q = re.compile(r"如何|怎么|怎样|为什么|为何|原因|措施|举措|政策|要求|规定|内容|流程|程序|办法|方式|做法|具体|意义|作用|目的|特点|影响|情况"
                        r"|特征|外形|外貌|外观|形状|样子|模样|症状|用途")  # descriptions are paragraphs too
# What-measures questions about a policy: the answer is the item's whole paragraph.
_MEASURES_Q = re.compile(r"措施|举措|政策|要求|规定|内容|办法|流程|程序|做法|部署|安排|优惠|支持|扶持|帮助|服务")
_CAUSE_Q = re.compile(r"为什么|为何|原因|何故|缘何|为啥|怎么会|why", re.I)
# "什么是X？" / "X是什么？": the answer is the sentence that defines X ("X，是…", "X（…）指…").
_DEFINE_Q = (re.compile(r"^(?:请问)?(?:什么是|什么叫|何谓|何为)[“\x22「《]?(?P<term>[^，,。？?]{1,24}?)[”\x22」》]?[？?。]?$"),
             re.compile(r"^[“\x22「《]?(?P<term>[^，,。？?的]{1,24}?)[”\x22」》]?(?:是什么|是何物)[？?。]?$"))
# "…突出“保民生”是指什么？": the term is the end of a longer subject; its definition may sit mid-sentence.
_MEANS_Q = re.compile(r"(?P<term>[^，,。？?“”\x22「」《》]{2,}?)[”\x22」》]?(?:具体)?(?:是指什么|指的是什么|指什么|是什么意思|意思是什么)[？?。]?$")
_WHO_Q = re.compile(r"谁|哪个(部门|单位|机构)|哪家|什么(部门|单位|机构)|牵头|负责|主管|责任单位|由.{0,6}(负责|牵头)")
_YEAR_Q = re.compile(r"((?:19|20)\d{2})\s*年?")
_QUOTED = re.compile(r"《([^》]{2,40})》|“([^”]{2,30})”|「([^」]{2,30})」|\"([^\"]{2,30})\"")
_FIGURE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_PLACE_SUFFIXES = ("省", "市", "区", "县", "州", "盟", "旗", "镇", "乡")
# "哪十项改革", "哪四个延长", "包括哪三个方面", "有几项": how many items a list question asks for.
_COUNT = r"(([两二三四五六七八九十]{1,2}|[0-9]{1,2})\s*(?:个|项|条|大|方面|点|类|种|件|家|所|批|方))"
# "哪十项改革", or the count first and the asking after it: "十项重点改革项目具体是哪些"
_ASKED_COUNT = re.compile(rf"哪.{{0,2}}?{_COUNT}|(?<![0-9两二三四五六七八九十百千]){_COUNT}[^，。,;；？?]{{0,14}}?"
                          r"(?:是|有|包括|包含|为|指)(?:哪些|哪几|什么)")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


class KnownPlaces(Protocol):
    """The places of a collection and the gazetteer (``qa.places.Places``)."""

    def in_question(self, question_norm: str) -> set[str]: ...

    def spans(self, text_norm: str) -> list[tuple[int, int, str]]: ...


@dataclass
class Question:
    """A question as every stage reads it."""

    original: str
    text: str                    # cleaned, possibly cut
    normalized: str              # one script, same length as ``text``
    problem: str = ""            # "" | empty | no_content
    notes: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # jieba search-mode words, stopwords removed
    wants_number: bool = False
    wants_list: bool = False
    wants_who: bool = False
    wants_explanation: bool = False
    wants_cause: bool = False    # a why question: the answer is a reason
    wants_measures: bool = False  # what measures/requirements: a policy item's paragraph
    answer_type: str = ""        # person | organisation | time | number | place | colour | phone | ""
    defines: str = ""            # the term a what-is question asks to define ("什么是乡里制" → 乡里制)
    defines_end: bool = False    # ``defines`` ends a longer subject ("…突出保民生是指什么")
    places: set[str] = field(default_factory=set)   # places it names (known to the collection or not)
    years: list[int] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)  # organisations it names ("市发改委")
    quoted: list[str] = field(default_factory=list)  # titles and terms in quotation marks
    figures: list[str] = field(default_factory=list)  # numbers it names ("22", "2.5")
    item_count: int = 0          # how many items a list question asks for ("哪十项" → 10), 0 when it does not say
    count_phrase: str = ""       # … as the question writes it ("十项")
    # A question that asks two or more things at once ("蓬江区和江海区各引进了多少个超亿元项目？",
    # "…有几家？…有几个？"): each part read as a question of its own (``question_parts``); empty otherwise.
    parts: list[Question] = field(default_factory=list)


def prepare_question(question: object, places: KnownPlaces | None = None,
                     max_chars: int = MAX_QUESTION_CHARS, split: bool = True) -> Question:
    """Clean and analyse ``question`` (any object; None and non-strings are read as text); with
    ``split``, a question that asks two or more things gets its ``parts``."""
    raw = question if isinstance(question, str) else ("" if question is None else str(question))
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", raw))
    text = re.sub(r"\s+", " ", text).strip()
    notes: list[str] = []
    if len(text) > max_chars:
        notes.append(f"问题过长（{len(text)} 字），只使用前 {max_chars} 字。")
        text = text[:max_chars]
    # 甚麼 folds to 甚么 character by character (甚 alone is also 甚至's), so the asking word is put
    # right here, where only the question is read: every pattern below then knows it as 什么.
    normalized = normalize_text(text).replace("甚么", "什么")
    prepared = Question(raw, text, normalized, notes=notes)
    if not text:
        prepared.problem = "empty"
        return prepared
    if not _CONTENT.search(normalized):  # normalised: full-width letters and digits count
        prepared.problem = "no_content"
        return prepared
    if any(a != b and "\u4e00" <= a <= "\u9fff" for a, b in zip(text, normalized)):
        notes.append("已将繁体/异体字统一为简体进行检索。")
    _classify(prepared)
    prepared.words = cut_words(normalized)
    if places is None:
        from qa.places import gazetteer_places

        places = gazetteer_places()
    prepared.places = question_places(normalized) | places.in_question(normalized)
    prepared.years = question_years(normalized)
    prepared.bodies = list(dict.fromkeys(m.group(0) for m in ORG_NAME.finditer(normalized)))
    prepared.quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(normalized)]
    prepared.figures = [f for f in _FIGURE.findall(normalized) if str(f) not in {str(y) for y in prepared.years}]
    if count := _ASKED_COUNT.search(normalized):
        phrase, number = (1, 2) if count.group(1) else (3, 4)  # which of the two patterns matched
        prepared.item_count = chinese_number(count.group(number))
        prepared.count_phrase = count.group(phrase)
    if split:
        prepared.parts = [prepare_question(part, places, max_chars, split=False)
                          for part in question_parts(prepared.text, normalized, places)]
    return prepared


# What joins the places of a question that asks the same of each ("江门和吉安", "江门市、蓬江区和金湾区"),
# after a place's own qualifier ("江门全市和蓬江区").
_PLACE_JOIN = re.compile(r"(?:全市|全区|全县|市级|本级)?(?:和|与|及|以及|、|跟|同)")
_PLACE_QUALIFIER = re.compile(r"全市|全区|全县|市级|本级")
# The word that makes it a question about each of them: "分别", "各有", "都包括", "两地".
_EACH = re.compile(r"分别|各自|各(?![类级种地部界项个位族式样])|(?<![首京成古国])都(?![市会城])|(?<![人平户亩])均(?![衡匀等])"
                   r"|[两二三四五六七八九十]地")  # not the 都 of 都市/首都, nor the 均 of 人均/均衡
_QUESTION_END = re.compile(r"(?<=[？?])")
_MIN_PART_CHARS = 4


def question_parts(text: str, normalized: str, places: KnownPlaces) -> list[str]:
    """The questions a question asks at once, each as a question of its own; [] when it asks one.

    Two kinds: two questions in one line ("蓬江区申报…的企业有几家？2022年全市…有几个？"), and one
    question asked of two or more places ("江门和吉安在知识产权质押融资方面各有什么举措？" → "江门在…有什么
    举措？", "吉安在…有什么举措？"). Each part is answered on its own, from its own passages: one
    passage seldom holds both places' answers, and a span of one of them answers only half."""
    found = places.spans(normalized)
    asked = [piece for piece in _QUESTION_END.split(text) if len(_CONTENT.findall(piece)) >= _MIN_PART_CHARS]
    if len(asked) >= 2 and all(_names_its_subject(piece, places) for piece in asked):
        return [piece.strip() for piece in asked]
    for first in range(len(found)):
        run = [found[first]]
        for following in found[first + 1:]:
            if not _PLACE_JOIN.fullmatch(normalized[run[-1][1]:following[0]]):
                break
            run.append(following)
        if len(run) < 2:
            continue
        rest = text[run[-1][1]:]
        each = _EACH.search(rest)
        if each is None:
            return []
        rest = rest[:each.start()] + rest[each.end():]
        head = text[:run[0][0]]
        parts = []
        for k, (start, end, _) in enumerate(run):
            qualifier = _PLACE_QUALIFIER.match(text, end) if k < len(run) - 1 else None
            parts.append(head + text[start:qualifier.end() if qualifier else end] + rest)
        return parts
    return []


def _names_its_subject(piece: str, places: KnownPlaces) -> bool:
    """Whether one of two questions in a line names its own place or year: "…压减率多少？" after
    "蓬江区2022年…" is about the first one's subject and is not read alone."""
    norm = normalize_text(piece)
    return bool(places.spans(norm) or question_years(norm) or _PLACE_QUALIFIER.search(norm))


def chinese_number(text: str) -> int:
    """"十" → 10, "十二" → 12, "二十" → 20, "4" → 4 (0 when it is not a small number)."""
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _CHINESE_DIGITS.get(text, 0)
    if text.startswith("十"):
        return 10 + _CHINESE_DIGITS.get(text[1], 0)
    if text.endswith("十"):
        return 10 * _CHINESE_DIGITS.get(text[0], 0)
    return 0


def _classify(prepared: Question) -> None:
    """What kind of answer the question asks for."""
    normalized = prepared.normalized
    prepared.wants_number = bool(_NUMBER_Q.search(normalized))
    prepared.wants_list = bool(_LIST_Q.search(normalized))
    prepared.wants_who = bool(_WHO_Q.search(normalized))
    prepared.answer_type = answer_type(normalized)
    prepared.wants_explanation = bool(_EXPLAIN_Q.search(normalized)) and not prepared.answer_type
    prepared.wants_cause = bool(_CAUSE_Q.search(normalized))
    if means := _MEANS_Q.search(normalized):
        prepared.defines, prepared.defines_end = means.group("term").strip(), True
    else:
        prepared.defines = next((m.group("term").strip() for m in (p.match(normalized) for p in _DEFINE_Q) if m), "")
    prepared.wants_measures = prepared.wants_explanation and not prepared.wants_cause and bool(_MEASURES_Q.search(normalized))


def question_places(question_norm: str) -> set[str]:
    """Place names a question names, known to the collection or not (jieba ``ns`` words with
    an administrative suffix, and province names): "上海市…" asked of documents about other
    cities is a question they do not answer."""
    found = {p for p in PROVINCES if p in question_norm}
    for word, flag in pos_cut(question_norm):
        if flag == "ns" and len(word) >= 3 and word.endswith(_PLACE_SUFFIXES) and word not in NOT_PLACES:
            found.add(word)
    # a province found inside a longer name it heads ("吉林" in "吉林省") is that name
    return {p for p in found if not any(o != p and o.startswith(p) and short_place(o) == p for o in found)}


def question_years(question_norm: str) -> list[int]:
    return [int(y) for y in _YEAR_Q.findall(question_norm) if 1990 <= int(y) <= 2100]
