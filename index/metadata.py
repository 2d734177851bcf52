"""Document metadata: from ``catalog.json`` when present, else derived from the text itself
(headline, issuing body, places, date), and the matching of a question against it."""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from index.normalize import normalize_text

log = logging.getLogger(__name__)

PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
_BODY_RE = re.compile(
    r"((?:中共)?[\u4e00-\u9fff]{2,14}?(?:人民政府办公厅|人民政府办公室|人民政府|委员会|办公厅|办公室|部|厅|局|委|办|院|署|总局|中心))"
)
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*年(?:\s*(\d{1,2})\s*月)?(?:\s*(\d{1,2})\s*日)?")


def load_catalog(folder: Path) -> dict[str, dict[str, Any]]:
    """``catalog.json`` beside the documents, keyed by doc id; missing or broken -> empty."""
    path = Path(folder) / "catalog.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("ignoring unreadable catalog %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def headline(text: str, max_chars: int = 60) -> str:
    """The first logical line when it reads like a title, else its opening words."""
    from index.cleaning import split_lines

    for line in split_lines(text)[:3]:
        candidate = text[line.start:line.end].strip()
        if 4 <= len(candidate) <= max_chars and candidate[-1] not in "。；;，,":
            return candidate
        break
    first = text.strip().splitlines()[0] if text.strip() else ""
    cut = re.split(r"[。！？；\n]", first)[0]
    return cut[:max_chars].strip()


PLACE_SUFFIXES = ("省", "市", "区", "县", "州", "旗", "盟", "镇", "乡", "街道", "自治区", "自治州", "自治县")
NOT_PLACES = {"城市", "中国", "全国", "国家", "地方", "当地", "本地", "各地", "全省", "全市", "全区", "海外", "境外", "国外"}


def find_places(text: str, limit: int = 8) -> list[str]:
    """Place names (jieba's ``ns`` tag, plus province names), most frequent first."""
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(logging.WARNING)
    norm = normalize_text(text)
    counts: dict[str, int] = {}
    for province in PROVINCES:
        if province in norm:
            counts[province] = norm.count(province)
    pairs = list(posseg.cut(norm))
    for i, pair in enumerate(pairs):
        word = pair.word.strip()
        if pair.flag == "ns" and len(word) >= 2 and word not in NOT_PLACES:
            following = pairs[i + 1].word if i + 1 < len(pairs) else ""
            if following in PLACE_SUFFIXES and not word.endswith(PLACE_SUFFIXES):
                word += following  # jieba cuts an unknown county "云岭县" as 云岭 + 县: the name is 云岭县
            counts[word] = counts.get(word, 0) + 1
    # a short name ("江海") counts toward its full name ("江海区") when both occur
    for name in list(counts):
        for other in list(counts):
            if other != name and other.startswith(name) and short_place(other) == name:
                counts[other] += counts.pop(name)
                break
    return [name for name, _ in sorted(counts.items(), key=lambda kv: -kv[1])][:limit]


def find_bodies(text: str, limit: int = 5) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in _BODY_RE.finditer(normalize_text(text))))[:limit]


def _issuer(head: str) -> str:
    """An issuing body that opens the headline ("农业农村部开展…" -> 农业农村部), else ""."""
    match = _BODY_RE.match(normalize_text(head))
    return head[: match.end()] if match and match.end() <= 20 else ""


# A notice of the central government applies in every province: it answers a question that
# names one ("辽宁省中小微企业社保缴费有哪些优惠") though the province is not in it.
_NATIONAL_ADDRESS = re.compile(r"各省、自治区、直辖市|各省（区、市）|各省\(区、市\)|全国各地")
_NATIONAL_ISSUER = re.compile(r"^(?:关于)?(?:中共中央|国务院|全国|国家|中央|财政部|商务部|教育部|科技部|工业和信息化部|工信部|公安部|民政部|司法部"
                              r"|人力资源社会保障部|人力资源和社会保障部|人社部|自然资源部|生态环境部|住房和城乡建设部|住房城乡建设部|交通运输部"
                              r"|水利部|农业农村部|文化和旅游部|卫生健康委|应急管理部|海关总署|税务总局|市场监管总局|银保监会|证监会"
                              r"|中国人民银行|人民银行|最高人民法院|最高人民检察院)")


def is_national(text: str, title: str = "") -> bool:
    """Whether a document is a national one: issued by a central body or addressed to every province."""
    head = normalize_text(title or headline(text))
    # the signature at the end: "财政部 税务总局 2020年2月6日" (scraped pages leave "&ensp;" between names)
    signature = re.split(r"\s+|&[a-z]+;", normalize_text(text[-80:]))
    return bool(_NATIONAL_ISSUER.match(head) or _NATIONAL_ADDRESS.search(normalize_text(text[:800]))
                or any(len(part) <= 12 and _NATIONAL_ISSUER.match(part) for part in signature))


# "到2025年", "力争2025年底前", "(2021—2025年)": a year the document aims at, not the year it was written
_TARGET_BEFORE = re.compile(r"(?<!截)(?:到|至|力争|争取|预计|计划|目标|—|–|－|-|~|～)\s*$")
_TARGET_AFTER = re.compile(r"^\s*(?:底|末|年底|年末)?\s*(?:前|以前|之前)")


def find_year(text: str) -> int | None:
    """The first year the text is dated in or speaks of as now; a target year ("到2025年") is not one."""
    for match in _DATE_RE.finditer(text):
        if _TARGET_BEFORE.search(text[max(0, match.start() - 4):match.start()]):
            continue
        if _TARGET_AFTER.match(text[match.end():match.end() + 6]):
            continue
        return int(match.group(1))
    return None


def derive_metadata(doc_id: str, text: str, title: str = "") -> dict[str, Any]:
    """Title, places, issuing bodies and year read from the document's opening text."""
    head = title or headline(text) or doc_id
    opening = text[:400]
    places = find_places(head + " " + opening)
    return {
        "title": head,
        "place": places[0] if places else "",
        "places": places[:8],
        "issuer": _issuer(head),
        "year": find_year(head + " " + opening),
        "kind": "",
        "national": is_national(text, head),
    }


def merge_metadata(doc_id: str, text: str, title: str, catalog_entry: dict[str, Any] | None) -> dict[str, Any]:
    """Catalog fields win; derived fields fill the gaps."""
    meta = derive_metadata(doc_id, text, title)
    for key, value in (catalog_entry or {}).items():
        if value not in (None, "", []):
            meta[key] = value
    if meta.get("place") and meta["place"] not in meta.get("places", []):
        meta["places"] = [meta["place"], *meta.get("places", [])]
    return meta


def short_place(name: str) -> str:
    """蓬江区 -> 蓬江, 江门市 -> 江门 (keeps names that would become a single character)."""
    for suffix in ("自治区", "自治州", "省", "市", "区", "县", "州", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name
