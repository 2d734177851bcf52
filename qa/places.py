"""Place names: China's administrative divisions (the gazetteer that the ``cpca`` package ships,
2020 codes) and the places of the collection's documents, found in a question or a passage with
one Aho-Corasick automaton (``pyahocorasick``).

A question about 深圳 asked of documents about 江门 is one they cannot answer, so the reader has
to know that 深圳 is a place even when no document names it. Every division is matched by its
full name ("南山区"); provinces and prefecture-level cities also by their short name ("深圳",
"广东"), which officials use; a county's short name ("南山") is too often part of other words
("终南山", "长安杯") and counts only when the collection's own documents use it."""
from __future__ import annotations

import csv
import importlib.util
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from index.metadata import NOT_PLACES, PROVINCES, short_place

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, str]:
    """Surface form → full name of every province, city and county (empty when cpca is missing)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        log.warning("cpca is not installed: places outside the collection are not recognised (pip install cpca)")
        return {}
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    forms: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, name = row["adcode"], row["name"].strip()
            if not name:
                continue
            forms.setdefault(name, name)
            if code[4:] == "0" * 8:  # a province or a prefecture-level city: its short name too
                short = short_place(name)
                if len(short) >= 2 and short not in NOT_PLACES:
                    forms.setdefault(short, name)
    for province in PROVINCES:
        forms.setdefault(province, province)
    return forms


class Places:
    """The places a collection knows (its documents' metadata) and the gazetteer, in one matcher."""

    def __init__(self, documents: dict[str, Any] | None = None) -> None:
        self.doc_places: dict[str, set[str]] = {}
        forms: dict[str, set[str]] = {}
        for form, name in gazetteer().items():
            forms.setdefault(form, set()).add(name)
        for doc_id, stored in (documents or {}).items():
            places = {p for p in stored.meta.get("places", []) if p}
            self.doc_places[doc_id] = places
            for place in places:
                for form in {place, short_place(place)}:
                    if len(form) >= 2 and form not in NOT_PLACES:
                        forms.setdefault(form, set()).add(place)
        self.forms = forms
        self._automaton = _automaton(forms)

    def spans(self, text_norm: str) -> list[tuple[int, int, str]]:
        """Where ``text_norm`` names a place: (start, end, the form found), longest match first,
        matches not overlapping."""
        if self._automaton is None:
            return []
        found = [(end - len(form) + 1, end + 1, form) for end, form in self._automaton.iter(text_norm)]
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        kept: list[tuple[int, int, str]] = []
        reach = -1
        for start, end, form in found:
            if start >= reach:
                kept.append((start, end, form))
                reach = end
        return kept

    def in_question(self, question_norm: str) -> set[str]:
        """The places (canonical names) a question names."""
        names: set[str] = set()
        for _, _, form in self.spans(question_norm):
            names |= self.forms[form]
        return names


def _automaton(forms: dict[str, set[str]]):
    try:
        import ahocorasick
    except ImportError:  # pragma: no cover - listed in requirements
        log.warning("pyahocorasick is not installed: place names are not recognised")
        return None
    automaton = ahocorasick.Automaton()
    for form in forms:
        automaton.add_word(form, form)
    if len(automaton):
        automaton.make_automaton()
        return automaton
    return None


@lru_cache(maxsize=1)
def gazetteer_places() -> Places:
    """The gazetteer alone, for questions read without a collection."""
    return Places()
