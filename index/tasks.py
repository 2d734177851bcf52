"""Task records (任务清单) read from a document's structure at build time.

A task is found in three shapes, and only in these:

* **Project with labelled parts**: a numbered heading line ("1 深化便利华侨华人投资制度改革")
  followed at once by a label line ("目标", "措施", "牵头单位：…", "完成时限：…"). The lines
  under 目标 are the goal, each line under 措施 one measure (its bullet "●" left out).
* **Item closed by a unit note**: a paragraph holding "(牵头单位:市发改委)" /
  "（牵头单位：…；责任单位：…）" (full- or half-width brackets and colons), or followed by a
  line that is only such a note. Its title is the lead clause after any enumerator
  ("(一)实施营商环境优化提升行动。" → 实施营商环境优化提升行动), its measures the sentences after it.
* **Enumerated item of a task list**: inside a section whose own numbered heading names a task
  list ("三、重点任务", "二、2023年工作计划"), a paragraph that opens with an enumerator
  ("(二)", "一是", "1.") and goes on after its title.

Everything else (news, work summaries, progress reports) yields no tasks. Every field is a
``Span`` of the original text: ``text[span.start:span.end] == span.text``. ``place`` is the
document's place and ``year`` the deadline's year, else the first year named by the task's
section headings, else the document's year (metadata, not spans).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from index.cleaning import Line
from index.headings import SEPARATOR, Heading, SectionTracker, detect_heading, is_whole_line_heading

# Stored with the index (manifest "tasks.version"): a newer version makes the next build
# re-extract every document's tasks (no re-embedding).
TASKS_VERSION = 1

MAX_TITLE_CHARS = 50
_BULLETS = "●•·▪◆■"
_ENUMERATOR = re.compile(
    r"[ \t\u3000" + _BULLETS + r"]*(?:[(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]"
    r"|[一二三四五六七八九十]{1,3}是|[(（]\d{1,2}[)）]|\d{1,2}\s*[、.．](?!\d)|\d{1,2}[ \t\u3000]+)[ \t\u3000]*")
_BULLET_START = re.compile(r"[ \t\u3000]*[" + _BULLETS + r"][ \t\u3000]*")
_TASK_LIST_HEADING = re.compile(r"(?:重点|主要|工作|攻坚|改革)任务|任务清单|任务分解|工作计划|工作安排|工作要点|重点工作|重点改革项目")
_GOAL = "目标|主要目标|工作目标|改革目标|任务目标|预期目标|目标任务"
_MEASURE = "措施|主要措施|工作措施|具体措施|改革措施|工作举措|主要举措|重点举措|主要任务|工作任务|任务"
_LEAD = "牵头单位|牵头部门|主责单位|牵头责任单位"
_RESPONSIBLE = "责任单位|责任部门|配合单位|参与单位|协同单位"
_DEADLINE_LABEL = "完成时限|完成时间|时间节点|时限要求|完成期限"
_LABEL = re.compile(rf"[ \t\u3000]*(?P<label>{_LEAD}|{_RESPONSIBLE}|{_DEADLINE_LABEL}|{_GOAL}|{_MEASURE})[ \t\u3000]*"
                    r"(?:(?P<colon>[:：])[ \t\u3000]*)?")
_NOTE_OPEN = re.compile(rf"[(（][ \t\u3000]*(?P<label>{_LEAD}|{_RESPONSIBLE})[ \t\u3000]*[:：]")
_PART_LABEL = re.compile(rf"[ \t\u3000]*(?P<label>{_LEAD}|{_RESPONSIBLE})[ \t\u3000]*[:：][ \t\u3000]*")
_TITLE_END = "。！？；;!?：:"
_LEADING_PUNCT = "．.、，,:：;； \t\u3000"
_SENTENCE = re.compile(r"[^。！？!?；;]+(?:[。！？!?；;]+[”’」』）)]*)?")
_CONTENT = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_YEAR = r"(?:19|20)\d{2}\s*年\s*"
_MONTH = r"\d{1,2}\s*月\s*"
_DEADLINE = re.compile(
    rf"(?:到|至|于|在)?{_YEAR}(?:{_MONTH})?(?:底|末)?\s*(?:前|以前)"  # 2023年底前, 2023年6月底前, 2024年前
    rf"|(?:到|至){_YEAR}(?:{_MONTH})?(?:底|末)?"                      # 至2023年底, 到2025年
    rf"|(?<![\d年]){_MONTH}(?:底|末)?\s*(?:前|以前)"                   # 6月底前
    r"|(?<!近)(?:今|本)?年(?:底|末)前|(?<![近往])(?:今|本)?年内|(?:上|下)半年")  # 年底前, 年内
_HEADING_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass
class Span:
    """A piece of a document: ``document.text[start:end] == text``."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Span | None:
        return None if data is None else cls(data["text"], data["start"], data["end"])


@dataclass
class Task:
    """One task of a document's task list, each field with its offsets."""

    doc_id: str
    number: int                  # 1, 2, … in document order
    start: int                   # the whole task: its heading or paragraph to its last line
    end: int
    title: Span
    section: str = ""            # the headings above it ("三、重点任务 › (二)实施改革试点提升示范行动")
    goal: Span | None = None
    measures: list[Span] = field(default_factory=list)
    lead_units: list[Span] = field(default_factory=list)
    responsible_units: list[Span] = field(default_factory=list)
    deadline: Span | None = None
    year: int | None = None
    place: str = ""

    def spans(self) -> list[Span]:
        """Every field span, in no particular order."""
        fields = [self.title, self.goal, self.deadline, *self.measures, *self.lead_units, *self.responsible_units]
        return [span for span in fields if span is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "number": self.number, "start": self.start, "end": self.end,
            "title": self.title.to_dict(), "section": self.section,
            "goal": self.goal.to_dict() if self.goal else None,
            "measures": [m.to_dict() for m in self.measures],
            "lead_units": [u.to_dict() for u in self.lead_units],
            "responsible_units": [u.to_dict() for u in self.responsible_units],
            "deadline": self.deadline.to_dict() if self.deadline else None,
            "year": self.year, "place": self.place,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        title = Span.from_dict(data["title"])
        assert title is not None
        return cls(data["doc_id"], data["number"], data["start"], data["end"], title, data.get("section", ""),
                   Span.from_dict(data.get("goal")), [Span(**m) for m in data.get("measures", [])],
                   [Span(**u) for u in data.get("lead_units", [])],
                   [Span(**u) for u in data.get("responsible_units", [])],
                   Span.from_dict(data.get("deadline")), data.get("year"), data.get("place", ""))


@dataclass
class _Draft:
    start: int
    end: int
    title: Span
    section: str
    section_year: int | None
    goal: Span | None = None
    measures: list[Span] = field(default_factory=list)
    lead: list[Span] = field(default_factory=list)
    responsible: list[Span] = field(default_factory=list)
    deadline: Span | None = None


def _span(text: str, start: int, end: int) -> Span | None:
    """``text[start:end]`` without surrounding whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(text[start:end], start, end) if start < end else None


def _close(text: str, open_at: int, limit: int) -> int:
    """The index of the bracket closing the one at ``open_at`` (nesting counted); -1 when none."""
    depth = 0
    for i in range(open_at, limit):
        if text[i] in "(（":
            depth += 1
        elif text[i] in ")）":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_units(text: str, start: int, end: int) -> list[Span]:
    """Units separated by 、，, (not inside brackets: "各县(市、区)" stays one unit)."""
    units: list[Span] = []
    depth, piece = 0, start
    for i in range(start, end + 1):
        ch = text[i] if i < end else "、"
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "、，,":
            span = _span(text, piece, i)
            if span is not None and _CONTENT.search(span.text):
                units.append(span)
            piece = i + 1
    return units


def _note_parts(text: str, start: int, end: int) -> list[tuple[str, Span]]:
    """("lead" | "responsible", unit) for each unit of a note body "牵头单位:X、Y；责任单位:Z"."""
    parts: list[tuple[str, Span]] = []
    kind = "lead"
    piece = start
    for i in range(start, end + 1):
        if i < end and text[i] not in ";；":
            continue
        match = _PART_LABEL.match(text, piece, i)
        if match:
            kind = "lead" if re.fullmatch(_LEAD, match.group("label")) else "responsible"
            piece = match.end()
        parts += [(kind, unit) for unit in _split_units(text, piece, i)]
        piece = i + 1
    return parts


def _notes(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close + 1) of each "(牵头单位:…)" note in ``text[start:end]``."""
    notes: list[tuple[int, int]] = []
    for match in _NOTE_OPEN.finditer(text, start, end):
        if notes and match.start() < notes[-1][1]:
            continue
        close = _close(text, match.start(), end)
        if close > 0:
            notes.append((match.start(), close + 1))
    return notes


def _add_units(draft: _Draft, text: str, start: int, end: int) -> None:
    """The units of a note body ``text[start:end]`` ("牵头单位:X、Y；责任单位:Z") into the task."""
    for kind, unit in _note_parts(text, start, end):
        (draft.lead if kind == "lead" else draft.responsible).append(unit)


def _sentences(text: str, start: int, end: int, skip: list[tuple[int, int]]) -> list[Span]:
    """The sentences of ``text[start:end]`` outside the ``skip`` spans (the unit notes)."""
    spans: list[Span] = []
    pieces, position = [], start
    for a, b in skip:
        if a >= position:
            pieces.append((position, a))
            position = b
    pieces.append((position, end))
    for a, b in pieces:
        for match in _SENTENCE.finditer(text, a, b):
            span = _span(text, match.start(), match.end())
            if span is not None and _CONTENT.search(span.text):
                spans.append(span)
    return spans


def _item_title(text: str, start: int, end: int) -> tuple[Span | None, int]:
    """The lead clause of a paragraph after its enumerator, and where its body goes on."""
    enumerator = _ENUMERATOR.match(text, start, end)
    begin = enumerator.end() if enumerator else start
    while begin < end and text[begin] in _LEADING_PUNCT:  # "．升级…": a scraped page lost the number
        begin += 1
    stop = next((i for i in range(begin, end) if text[i] in _TITLE_END), end)
    if stop - begin > MAX_TITLE_CHARS:
        comma = next((i for i in range(begin + 4, begin + MAX_TITLE_CHARS) if text[i] in "，,"), -1)
        if comma > 0:
            stop = comma
    return _span(text, begin, stop), min(end, stop + 1)


def _paragraph_task(text: str, line: Line, section: str, section_year: int | None) -> _Draft | None:
    """A paragraph as one task: title, then its sentences (without notes) as measures."""
    notes = _notes(text, line.start, line.end)
    title_end = notes[0][0] if notes else line.end
    title, body = _item_title(text, line.start, title_end)
    if title is None:
        return None
    draft = _Draft(line.start, line.end, title, section, section_year)
    draft.measures = _sentences(text, body, line.end, notes) if body < line.end else []
    for a, b in notes:
        _add_units(draft, text, a + 1, b - 1)
    return draft


def _label(text: str, line: Line) -> tuple[str, int] | None:
    """(kind, where the label's content starts) for a label line ("目标", "措施", "牵头单位：…")."""
    match = _LABEL.match(text, line.start, line.end)
    if match is None:
        return None
    rest = _span(text, match.end(), line.end)
    if rest is not None and not match.group("colon"):
        return None  # "目标要求…" is body text
    label = match.group("label")
    for kind, names in (("lead", _LEAD), ("responsible", _RESPONSIBLE), ("deadline", _DEADLINE_LABEL),
                        ("goal", _GOAL), ("measure", _MEASURE)):
        if re.fullmatch(names, label):
            return kind, match.end()
    return None  # pragma: no cover - the pattern only matches these names


def _enumerator_style(line_text: str) -> str:
    stripped = line_text.lstrip(" \t\u3000")
    for style, pattern in (("paren_cn", r"[(（][一二三四五六七八九十]"), ("cn", r"[一二三四五六七八九十]"),
                           ("paren_arabic", r"[(（]\d"), ("arabic", r"\d")):
        if re.match(pattern, stripped):
            return style
    return ""


def _ends_project(raw: str, level: int, style: str) -> bool:
    if _BULLET_START.match(raw):
        return False
    heading = detect_heading(raw)
    if heading is None or heading.level == 6:
        return False
    if heading.level <= 2:
        return True
    return heading.level < level or _enumerator_style(raw) == style


def _add_field(draft: _Draft, kind: str, text: str, start: int, end: int) -> None:
    if kind in ("lead", "responsible"):
        (draft.lead if kind == "lead" else draft.responsible).extend(_split_units(text, start, end))
        return
    if kind == "measure":
        bullet = _BULLET_START.match(text, start, end)
        span = _span(text, bullet.end() if bullet else start, end)
        if span is not None:
            draft.measures.append(span)
        return
    span = _span(text, start, end)
    if span is None:
        return
    if kind == "deadline":
        draft.deadline = span
    elif draft.goal is None:
        draft.goal = span
    else:  # a goal of several lines: one span from its first line to its last
        draft.goal = Span(text[draft.goal.start:span.end], draft.goal.start, span.end)


def _project(text: str, lines: list[Line], i: int, section: str, section_year: int | None) -> tuple[_Draft, int] | None:
    """A numbered heading followed by labelled parts, and the index of the first line after it."""
    line = lines[i]
    raw = text[line.start:line.end]
    heading = detect_heading(raw)
    if heading is None or heading.level not in (3, 4, 5) or not is_whole_line_heading(raw):
        return None
    if i + 1 >= len(lines) or _label(text, lines[i + 1]) is None:
        return None
    enumerator = _ENUMERATOR.match(text, line.start, line.end)
    title = _span(text, enumerator.end() if enumerator else line.start, line.end)
    if title is None:
        return None
    draft = _Draft(line.start, line.end, title, section, section_year)
    style = _enumerator_style(raw)
    kind = ""
    j = i + 1
    while j < len(lines):
        current = lines[j]
        label = _label(text, current)
        if label is None and _ends_project(text[current.start:current.end], heading.level, style):
            break
        if label is not None:
            kind, content = label
            if content < current.end:
                _add_field(draft, kind, text, content, current.end)
        elif kind:
            _add_field(draft, kind, text, current.start, current.end)
        draft.end = current.end
        j += 1
    return draft, j


def _standalone_note(text: str, line: Line) -> tuple[int, int] | None:
    """The body (start, end) of a line that is only a unit note: "(牵头单位:…)" or "牵头单位：…"."""
    span = _span(text, line.start, line.end)
    if span is None:
        return None
    notes = _notes(text, span.start, span.end)
    if notes and notes[0] == (span.start, span.end):
        return span.start + 1, span.end - 1
    label = _label(text, line)
    if label is not None and label[0] in ("lead", "responsible") and label[1] < line.end:
        return span.start, span.end
    return None


def _in_task_list(tracker: SectionTracker) -> bool:
    return any(h.level >= 3 and _TASK_LIST_HEADING.search(h.text) for h in tracker.headings)


def _context(tracker: SectionTracker, heading: Heading | None) -> tuple[str, int | None]:
    """The section path above a line (for a heading line: its ancestors, not its siblings) and
    the first year those headings name."""
    above = [h for h in tracker.headings if heading is None or h.level < heading.level]
    years = [int(m.group(1)) for h in above for m in [_HEADING_YEAR.search(h.text)] if m]
    return SEPARATOR.join(h.text for h in above), (years[0] if years else None)


def extract_tasks(doc_id: str, text: str, lines: list[Line], meta: dict[str, Any] | None = None) -> list[Task]:
    """The tasks of one document, from its kept lines (``index.cleaning.clean_lines``)."""
    meta = meta or {}
    kept = [line for line in lines if line.kept]
    tracker = SectionTracker()
    drafts: list[_Draft] = []
    line_task: dict[int, _Draft] = {}                  # line index -> the task that line is
    context: list[tuple[str, int | None]] = []          # line index -> (section path, its year) above it
    i = 0
    while i < len(kept):
        line = kept[i]
        raw = text[line.start:line.end]
        heading = detect_heading(raw)
        context.append(_context(tracker, heading))
        project = _project(text, kept, i, *context[i])
        if project is not None:
            drafts.append(project[0])
            assert heading is not None  # a project opens at a heading
            tracker.push(heading)
            tracker.body()
            context += [context[i]] * (project[1] - i - 1)
            i = project[1]
            continue
        note = _standalone_note(text, line)
        if note is not None and i > 0:
            previous = line_task.get(i - 1)
            if previous is None:  # "1. 推进…改革" then a line "牵头单位：…": that item is a task
                previous = _paragraph_task(text, kept[i - 1], *context[i - 1])
                if previous is not None:
                    drafts.append(previous)
            if previous is not None:
                _add_units(previous, text, *note)
                previous.end = line.end
                line_task[i] = previous
            tracker.body()
            i += 1
            continue
        enumerated = _ENUMERATOR.match(text, line.start, line.end) is not None
        if _notes(text, line.start, line.end) or (enumerated and _in_task_list(tracker)):
            draft = _paragraph_task(text, line, *context[i])
            if draft is not None and (draft.measures or draft.lead or draft.responsible):
                drafts.append(draft)
                line_task[i] = draft
        if heading is not None:
            tracker.push(heading)
            if not is_whole_line_heading(raw):
                tracker.body()
        else:
            tracker.body()
        i += 1
    drafts.sort(key=lambda d: d.start)
    return [_finish(doc_id, text, number, draft, meta) for number, draft in enumerate(drafts, 1)]


def _finish(doc_id: str, text: str, number: int, draft: _Draft, meta: dict[str, Any]) -> Task:
    deadline = draft.deadline
    if deadline is None:
        match = _DEADLINE.search(text, draft.start, draft.end)
        if match:
            deadline = Span(match.group(0), match.start(), match.end())
    year = None
    if deadline is not None:
        found = re.search(r"(?:19|20)\d{2}", deadline.text)
        year = int(found.group(0)) if found else None
    if year is None:
        year = draft.section_year if draft.section_year is not None else meta.get("year")
    return Task(doc_id, number, draft.start, draft.end, draft.title, draft.section, draft.goal, draft.measures,
                draft.lead, draft.responsible, deadline, year, str(meta.get("place") or ""))
