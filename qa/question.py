"""Check and prepare a question where it enters: strip invisible characters, cut over-long
input to a documented limit, fold traditional script, and name what kind of answer it wants."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from index.normalize import normalize_text
from qa.answer_types import answer_type
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


@dataclass
class PreparedQuestion:
    original: str
    text: str                    # cleaned, possibly cut
    normalized: str              # one script, same length as ``text``
    problem: str = ""            # "" | empty | no_content
    notes: list[str] = field(default_factory=list)
    wants_number: bool = False
    wants_list: bool = False
    wants_who: bool = False
    wants_explanation: bool = False
    wants_cause: bool = False    # a why question: the answer is a reason
    wants_measures: bool = False  # what measures/requirements: a policy item's paragraph
    answer_type: str = ""        # person | time | number | place | "" (see qa.answer_types)
    defines: str = ""            # the term a what-is question asks to define ("什么是乡里制" → 乡里制)
    defines_end: bool = False    # ``defines`` ends a longer subject: its last characters are the term ("…突出保民生是指什么")


def prepare_question(question: object, max_chars: int = MAX_QUESTION_CHARS) -> PreparedQuestion:
    raw = question if isinstance(question, str) else ("" if question is None else str(question))
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", raw))
    text = re.sub(r"\s+", " ", text).strip()
    notes: list[str] = []
    if len(text) > max_chars:
        notes.append(f"问题过长（{len(text)} 字），只使用前 {max_chars} 字。")
        text = text[:max_chars]
    normalized = normalize_text(text)
    prepared = PreparedQuestion(raw, text, normalized, notes=notes)
    if not text:
        prepared.problem = "empty"
    elif not _CONTENT.search(normalized):  # normalised: full-width letters and digits count
        prepared.problem = "no_content"
    if normalized != text.lower() and any(ord(c) > 0x2E80 for c in text):
        if sum(a != b for a, b in zip(normalized, text)) > 0 and re.search(r"[\u4e00-\u9fff]", text):
            changed = [a for a, b in zip(text, normalized) if a != b and "\u4e00" <= a <= "\u9fff"]
            if changed:
                notes.append("已将繁体/异体字统一为简体进行检索。")
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
    return prepared
