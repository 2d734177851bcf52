"""Training the answer model on a tiny corpus this test writes: the ranker learns to put the right
span first, the run writes a model file the engine loads and answers with, and the figures it
reports are out-of-fold."""
from __future__ import annotations

import json
import random
from dataclasses import replace

import numpy as np
import pytest

from eval.train.data import Collection, gather_collection, index_identity, load_gathered, save_gathered
from eval.train.fit import (
    FitSettings,
    choose,
    cross_validate,
    fit_ranker,
    fit_verifier,
    verifier_labels,
    without_answer,
)
from eval.train.run import train, write_model
from qa.answer_model import AnswerModel, ranker_input

DISTRICTS = ["东城区", "西城区", "南湖区", "北塘区", "青山区", "白云区", "金沙区", "银河区", "龙泉区", "凤凰区"]
SMALL = FitSettings(ranker_params={**FitSettings().ranker_params, "min_data_in_leaf": 5, "num_leaves": 7},
                    ranker_rounds=40,
                    verifier_params={**FitSettings().verifier_params, "min_data_in_leaf": 5, "num_leaves": 5},
                    verifier_rounds=40, ranker_bag=2)


def _corpus(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """One report per district; questions about each fact, and about districts with no report."""
    docs, questions = [], []
    for k, district in enumerate(DISTRICTS[:8]):
        parking, seats, schools = rng.randint(10, 90), rng.randint(100, 999), rng.randint(2, 9)
        text = (f"{district}2023年工作总结。\n一、城市管理。{district}推动区属企业开展智慧停车项目，目前接收管理停车场{parking}个。"
                f"新增公共停车泊位{seats}个，缓解了停车难问题。\n二、教育事业。全区新建公办学校{schools}所，新增学位三千个。"
                f"\n三、营商环境。{district}推行“交地即开工”，项目审批时间压缩一半。")
        docs.append({"doc_id": f"d{k}", "title": f"{district}2023年工作总结", "text": text})
        for n, (question, answer) in enumerate([(f"{district}接管了多少个停车场？", f"{parking}个"),
                                                 (f"{district}新增了多少个停车泊位？", f"{seats}个"),
                                                 (f"{district}新建了几所公办学校？", f"{schools}所"),
                                                 (f"{district}推行了什么开工模式？", "交地即开工")]):
            questions.append({"id": f"q{k}-{n}", "question": question, "answers": [answer], "doc": f"d{k}",
                              "type": "fact", "split": "dev"})
    for k, district in enumerate(DISTRICTS[8:]):
        questions.append({"id": f"u{k}", "question": f"{district}接管了多少个停车场？", "answers": [], "doc": None,
                          "type": "unanswerable", "split": "dev"})
    return docs, questions


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-dev")
    folder = root / "tiny"
    folder.mkdir()
    docs, questions = _corpus(random.Random(5))
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), encoding="utf-8")
    (folder / "qa.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions), encoding="utf-8")
    collection = Collection("tiny", "tiny", folder / "corpus.jsonl", folder / "qa.jsonl")
    return root, collection


@pytest.fixture(scope="module")
def gathered(tiny):
    from qa.engine import QAEngine

    root, collection = tiny
    engine = QAEngine.open(index_dir=root / "index", sources=[collection.corpus], load_model=False)
    questions, stats = gather_collection(collection, engine, root, show_progress=False)
    return questions, stats, engine


def test_every_question_is_gathered_with_labelled_candidates(gathered):
    questions, stats, _ = gathered
    assert stats.questions == 34 and stats.answerable == 32
    assert stats.found == stats.answerable  # the right span is always among the candidates
    for q in questions:
        assert len(q.features) == len(q.hit) == len(q.docs) and q.features.dtype == np.float32
        assert not q.hit.any() if not q.answerable else q.hit.any()
        assert (q.grade > 0).sum() == q.hit.sum()


def test_gathered_questions_round_trip_through_the_cache(gathered, tmp_path):
    questions, _, _ = gathered
    path = tmp_path / "tiny.npz"
    save_gathered(path, questions, "abc", index="build-1")
    assert load_gathered(path, "other") is None  # stale
    assert load_gathered(path, "abc", index="build-2") is None  # gathered on another build of the index
    loaded = load_gathered(path, "abc", index="build-1")
    assert [q.qid for q in loaded] == [q.qid for q in questions]
    assert all(np.array_equal(a.features, b.features) and np.array_equal(a.hit, b.hit) for a, b in zip(loaded, questions))
    # each candidate's text comes back with it, the answer's figure among the right ones
    assert [a.texts for a in loaded] == [q.texts for q in questions]
    for q in loaded:
        assert len(q.texts) == len(q.hit) and all(q.texts)
    q = next(q for q in loaded if q.qid == "q2-0")
    assert all("停车场" in t for t in np.array(q.texts)[q.hit])


def test_two_builds_of_a_corpus_have_one_identity_and_an_edit_changes_it(tiny, gathered, tmp_path):
    from index.build import build_index
    from index.config import IndexConfig

    _, collection = tiny
    _, _, engine = gathered
    build_index([collection.corpus], tmp_path / "again", IndexConfig(), show_progress=False)
    assert index_identity(tmp_path / "again") == index_identity(engine.index_dir) is not None
    lines = collection.corpus.read_text(encoding="utf-8").splitlines()
    edited = tmp_path / "edited.jsonl"
    record = json.loads(lines[0])
    edited.write_text("\n".join([json.dumps(record | {"text": record["text"] + "新增一句。"}, ensure_ascii=False)]
                                + lines[1:]), encoding="utf-8")
    build_index([edited], tmp_path / "edited", IndexConfig(), show_progress=False)
    assert index_identity(tmp_path / "edited") != index_identity(engine.index_dir)
    assert index_identity(tmp_path / "none") is None


def test_the_ranker_learns_to_put_the_right_span_first(gathered):
    questions, _, _ = gathered
    answerable = [q for q in questions if q.answerable]
    train_on = [q for q in answerable if not q.qid.startswith("q7")]
    held_out = [q for q in answerable if q.qid.startswith("q7")]  # a district it never saw
    ranker = fit_ranker(train_on, SMALL)
    right = [choose(q, np.asarray(ranker.predict(ranker_input(q.features)))).right for q in held_out]
    assert sum(right) >= 3, right
    first_in_text = [bool(q.hit[0]) for q in held_out]  # what an untrained reader would take
    assert sum(right) > sum(first_in_text)


def test_a_ranker_told_to_ignore_features_never_reads_them(gathered):
    from dataclasses import replace

    from qa.answer_model import RANKER_FEATURES

    questions, _, _ = gathered
    answerable = [q for q in questions if q.answerable]
    columns = {"c_coverage", "c_coverage_vs_best", "c_bigrams", "c_bigrams_vs_best"}  # each with its _vs_best

    def read(bag) -> set[str]:
        return {name for booster in bag.boosters
                for name, gain in zip(RANKER_FEATURES, booster.feature_importance("gain")) if gain > 0}

    assert read(fit_ranker(answerable, SMALL)) & columns  # read when allowed
    assert not read(fit_ranker(answerable, replace(SMALL, ranker_ignores=("c_coverage", "c_bigrams")))) & columns


def test_a_training_run_writes_a_model_the_engine_answers_with(tiny, gathered, tmp_path):
    root, collection = tiny
    _, _, engine = gathered
    result = train([collection], root, cache_dir=tmp_path / "cache", folds=2, loco=False, show_progress=False,
                   progress=lambda m: None, index_dirs={"tiny": root / "index"}, settings=SMALL)
    figures = result.model["figures"]["out_of_fold"]["tiny"]
    assert figures["n"] == 34 and figures["found@read"] == 1.0 and 0.0 <= figures["ece"] <= 1.0
    # the districts without a report answer nothing: no no-answer label is in doubt
    assert result.model["training"]["collections"]["tiny"]["doubtful_no_answer"] == []
    from eval.train.report import write_report

    report = write_report(tmp_path / "report", result).read_text(encoding="utf-8")
    assert "| tiny | 34 |" in report and (tmp_path / "report" / "reliability.png").stat().st_size > 0
    assert "## Most confident mistakes (out-of-fold)" in report and "### tiny" in report
    assert "## How the probability moves when a collection is held out" not in report  # no held-out run
    held = write_report(tmp_path / "held", replace(result, loco=result.oof)).read_text(encoding="utf-8")
    assert "## How the probability moves when a collection is held out" in held and "\n| tiny | 2 | " in held
    path = tmp_path / "answer_model.json"
    write_model(result.model, path)
    model = AnswerModel.load(path)
    assert model.threshold == result.threshold
    assert len(result.model["ranker"]) == SMALL.ranker_bag == len(model.ranker.boosters)  # the bag, fit by fit
    from qa.engine import QAEngine

    answering = QAEngine(engine.index_dir, engine.snapshot().index, engine.config, engine.index_config, model)
    reply = answering.answer("南湖区接管了多少个停车场？")
    assert reply.passages and reply.probability is not None
    if not reply.no_answer:
        assert reply.citations[0].doc_id == "d2"


def test_training_variants_are_unanswerable_by_construction():
    from eval.gold import GoldItem
    from eval.train.data import masked_variant, moved_questions

    items = [GoldItem("a", "蓬江区2022年接管了多少个停车场？", ("22个",), ("d1",), "number", "dev"),
             GoldItem("b", "江海区新增了多少个充电桩？", ("30个",), ("d2",), "number", "dev")]
    texts = {"d1": "蓬江区2022年接管停车场22个。", "d2": "江海区2023年新增充电桩30个。", "d3": "其他内容。"}
    moved = moved_questions(items, {"蓬江区": {"蓬江区"}, "江海区": {"江海区"}}, texts,
                            {"d1": ["蓬江区", "江海区"], "d2": ["江海区"]})
    questions = {m.question for m in moved}
    assert all(not m.answers and m.type == "unanswerable" and m.extra["source"] in ("a", "b") for m in moved)
    assert any("蓬江区" not in q and "接管了多少个停车场" in q for q in questions)        # another place
    assert "江海区2022年接管了多少个停车场？" in questions                                # a place of its own document
    assert any("2022" not in q and "蓬江区" in q for q in questions)                    # another year
    kept, unanswerable = masked_variant(items, texts, 0.5, 3)
    assert len(kept) == 2 and len(unanswerable) == 1 and not unanswerable[0].answers


def test_moved_questions_do_not_depend_on_the_order_of_the_known_place_forms():
    """Two forms of one length in a question: the first in the question is moved, whatever order
    the forms come in (that order follows string hashing, so it changed from one run to the next)."""
    from eval.gold import GoldItem
    from eval.train.data import moved_questions

    items = [GoldItem("a", "城堡内的十个昌昌的用途是什么？", ("藏书",), ("d1",), "fact", "dev")]
    texts = {"d1": "昌昌城堡内的十个昌昌用于藏书。"}
    forms = {"昌昌": {"昌昌市"}, "城堡": {"城堡市"}}
    runs = [[m.question for m in moved_questions(items, dict(order), texts)]
            for order in (forms.items(), reversed(forms.items()))]
    assert runs[0] == runs[1] and len(runs[0]) == 1
    assert runs[0][0].endswith("内的十个昌昌的用途是什么？") and not runs[0][0].startswith("城堡")


def test_cut_variants_lose_the_answer_sentence_and_keep_the_rest():
    from eval.gold import GoldItem
    from eval.train.data import cut_variant

    texts = {"d1": "外海大桥位于江门市。外海大桥全长3公里，主跨300米。大桥于2008年通车。",
             "d2": "蓬江区接管停车场22个。" + "这是一段没有句号的很长的说明，" * 30 + "共有充电桩40个，其余内容",
             "d3": "其他地方也有22个。"}
    items = [GoldItem("a", "外海大桥全长多少公里？", ("3公里",), ("d1",), "number", "dev"),
             GoldItem("b", "蓬江区共有多少充电桩？", ("40个",), ("d2",), "number", "dev"),
             GoldItem("c", "蓬江区接管了多少个停车场？", ("22个",), ("d2",), "number", "dev"),  # also in d3: never cut
             GoldItem("d", "大桥哪年通车？", ("2008年",), ("d1",), "time", "test")]            # not a training split
    changed, unanswerable = cut_variant(items, texts, 1.0, 5)
    assert {u.extra["source"] for u in unanswerable} == {"a", "b"}
    assert all(not u.answers and u.type == "unanswerable" and u.split == "dev" for u in unanswerable)
    assert changed["d1"] == "外海大桥位于江门市。大桥于2008年通车。"     # the sentence goes, its neighbours stay
    assert "40个" not in changed["d2"] and "蓬江区接管停车场22个。" in changed["d2"]
    assert len(texts["d2"]) - len(changed["d2"]) < 30                    # a run-on text loses a clause, not all of it
    assert "d3" not in changed


def test_a_two_part_question_is_gathered_as_its_parts_each_right_only_about_its_own_place(tiny, gathered):
    """"东城区和西城区各…": one row per part, each right only with its own district's figure; the
    question's figures count it once: a hit when an answered part holds a gold answer."""
    from eval.gold import GoldItem
    from eval.train.fit import Choice, Predictions
    from eval.train.measure import summarize

    root, collection = tiny
    _, _, engine = gathered
    gold = {q["doc"]: q["answers"][0] for q in (json.loads(line) for line in
            collection.gold.read_text(encoding="utf-8").splitlines()) if q["id"] in ("q0-0", "q1-0")}
    item = GoldItem("m1", "东城区和西城区各接管了多少个停车场？", (gold["d0"], gold["d1"]), ("d0", "d1"), "multi", "dev")
    parts, stats = gather_collection(collection, engine, root, show_progress=False, items=[item])
    assert [q.qid for q in parts] == ["m1#1", "m1#2"] and all(q.part_of == "m1" for q in parts)
    assert parts[0].question == "东城区接管了多少个停车场？" and stats.found == stats.answerable == 1
    for part, doc in zip(parts, ("d0", "d1")):
        assert part.hit.any() and {part.docs[k] for k in np.flatnonzero(part.hit)} == {doc}
    first = [Choice(int(np.flatnonzero(q.hit)[0]), None, True, True, 20) for q in parts]
    one_answered = Predictions(parts, first, np.zeros(2), np.array([0.9, 0.1]))
    figures = summarize(one_answered, 0.5)
    assert figures["n"] == 1 and figures["answer_hit@1"] == 1.0 and figures["answer_chars_mean"] == 20
    assert summarize(Predictions(parts, first, np.zeros(2), np.array([0.2, 0.1])), 0.5)["answer_hit@1"] == 0.0


def test_a_parts_span_is_right_only_from_a_document_about_its_place_or_a_passage_naming_it():
    """The part about 蓬江区 is not answered by 金湾区's figure, though 金湾区's report is a gold
    document of the question too; a city bulletin's passage that names 江海区 answers the 江海区 part."""
    from types import SimpleNamespace

    from eval.train.data import _about_places

    def candidate(place: str, context: str):
        return SimpleNamespace(passage=SimpleNamespace(meta={"place": place}, own_context=context))

    assert _about_places(candidate("蓬江区", "一、科技创新"), {"蓬江区"})
    assert not _about_places(candidate("金湾区", "金湾区共有8家企业通过审核"), {"蓬江区"})
    assert _about_places(candidate("江门市", "江海区2022年成功引进超亿元项目43个"), {"江海区"})
    assert _about_places(candidate("", "蓬江新增企业3家"), {"蓬江区"})  # the short name counts


def test_compare_measures_a_masked_feature_against_the_same_candidates(gathered):
    from eval.train.compare import collection_means, compare, masked, objective_collections, run_line, summary
    from qa.features import FEATURES

    questions, _, _ = gathered
    assert objective_collections(questions) == ["tiny"]
    runs = compare(questions, [17, 3], SMALL, folds=2, progress=lambda m: None)
    assert [(r.seed, r.held_out) for r in runs] == [(17, "out_of_fold"), (3, "out_of_fold")]  # one family: no LOCO
    assert all(0.0 <= r.objective <= 2.0 and r.figures["tiny"]["n"] == 34 for r in runs)
    blind = compare(masked(questions, list(FEATURES)), [17], SMALL, folds=2, progress=lambda m: None)
    # with every feature held at 0 the ranker cannot tell the right span from the rest
    assert blind[0].objective < runs[0].objective
    assert blind[0].figures["tiny"]["answer_hit@1"] < runs[0].figures["tiny"]["answer_hit@1"]
    assert questions[0].features.any()  # masking copies; the gathered rows are untouched
    assert summary(runs)[0].startswith("out_of_fold: ") and "(mean " in summary(runs)[0]
    # the answers' length is printed beside hit@1: a change that picks longer spans shows itself
    chars = runs[0].figures["tiny"]["answer_chars_mean"]
    assert f"chars {chars:.0f}" in run_line(runs[0], ["tiny"])
    # each collection's mean over the seeds, beside a baseline's
    hit = np.mean([r.figures["tiny"]["answer_hit@1"] for r in runs])
    assert collection_means(runs)[1].startswith(f"  tiny: hit@1 {hit:.3f}, NA-F1 ")
    against = collection_means(blind, runs)[1]
    assert against.startswith(f"  tiny: hit@1 {hit:.3f} → {blind[0].figures['tiny']['answer_hit@1']:.3f} (-")
    with pytest.raises(ValueError, match="no_such_feature"):
        masked(questions, ["no_such_feature"])


def test_compare_reads_the_held_out_collections_at_the_out_of_fold_threshold_too(gathered):
    """A shipped model declines at the threshold chosen out-of-fold; the held-out-by-collection figure
    that chooses its own threshold on the held-out predictions is a ceiling of that one, not a forecast."""
    from eval.train.compare import AT_OOF_THRESHOLD, compare, summary

    questions, _, _ = gathered
    # the same collection told as two families, so that each is held out in turn
    twins = [replace(q, family="tiny" if k % 2 else "twin") for k, q in enumerate(questions)]
    runs = compare(twins, [17], SMALL, folds=2, progress=lambda m: None)
    by_way = {r.held_out: r for r in runs}
    assert list(by_way) == ["out_of_fold", "leave_one_collection_out", AT_OOF_THRESHOLD]
    shipped, own = by_way[AT_OOF_THRESHOLD], by_way["leave_one_collection_out"]
    assert shipped.threshold == by_way["out_of_fold"].threshold
    assert shipped.figures["tiny"]["n"] == own.figures["tiny"]["n"] == 34
    # the held-out predictions' own best threshold can only do as well or better on them
    assert shipped.objective <= own.objective + 1e-9
    if shipped.threshold == own.threshold:
        assert shipped.figures == own.figures
    assert [line.split(":")[0] for line in summary(runs)] == ["out_of_fold", "leave_one_collection_out",
                                                              AT_OOF_THRESHOLD]


def test_compare_refuses_bad_arguments_with_a_message(tmp_path, capsys):
    from eval.train.compare import main

    assert main(["--seeds", "a,b", "--no-progress"]) == 2
    assert "--seeds" in capsys.readouterr().err
    assert main(["--dev-root", str(tmp_path / "nowhere"), "--no-progress"]) == 2
    assert "collection files not found" in capsys.readouterr().err
    assert main(["--ranker", "num_leaves", "--no-progress"]) == 2
    assert "expected name=value" in capsys.readouterr().err
    assert main(["--mask", "c_coverage,no_such_feature", "--no-progress"]) == 2  # refused before any gathering
    assert "no_such_feature" in capsys.readouterr().err
    assert main(["--max-negatives", "0", "--no-progress"]) == 2
    assert "--max-negatives" in capsys.readouterr().err
    assert main(["--near-miss-weight", "-1", "--no-progress"]) == 2
    assert "--near-miss-weight" in capsys.readouterr().err
    assert main(["--answerable-credit", "1.5", "--no-progress"]) == 2
    assert "--answerable-credit" in capsys.readouterr().err
    assert main(["--ranker-bag", "0", "--no-progress"]) == 2
    assert "--ranker-bag" in capsys.readouterr().err
    assert main(["--verifier-ignores", "v_gap_second,v_no_such", "--no-progress"]) == 2
    assert "v_no_such" in capsys.readouterr().err
    assert main(["--ranker-ignores", "c_coverage,c_no_such", "--no-progress"]) == 2
    assert "c_no_such" in capsys.readouterr().err
    assert main(["--baseline", str(tmp_path / "none.json"), "--no-progress"]) == 2
    assert "cannot read --baseline" in capsys.readouterr().err
    (tmp_path / "other.json").write_text('{"not": "runs"}', encoding="utf-8")
    assert main(["--baseline", str(tmp_path / "other.json"), "--no-progress"]) == 2
    assert "not a file written by --json" in capsys.readouterr().err


def test_a_near_miss_is_the_rankers_choice_once_the_answer_is_taken_away(gathered):
    from qa.features import FEATURES, against_best

    questions, _, _ = gathered
    ranker = fit_ranker([q for q in questions if q.answerable], SMALL)
    made = 0
    for q in questions:
        miss = without_answer(ranker, q)
        if not q.answerable:
            assert miss is None
            continue
        assert miss is not None and miss.row is not None
        assert not q.contains[miss.best] and not miss.right  # a span without the answer, so a wrong one
        made += 1
        # the span is judged against the candidates left, not against the answer taken away
        kept = against_best(q.features[~q.contains.astype(bool)].copy())
        column = FEATURES.index("c_coverage_vs_best")
        assert kept[:, column].max() == 0.0
        coverage = q.features[~q.contains.astype(bool), FEATURES.index("c_coverage")]
        assert miss.row[column] == pytest.approx(q.features[miss.best, FEATURES.index("c_coverage")] - coverage.max())
    assert made == sum(q.answerable for q in questions)


def test_a_wrong_choice_on_an_answerable_question_is_taught_with_partial_credit(gathered):
    questions, _, _ = gathered
    right = np.array([1.0, 0.0, 0.0])
    asked = [replace(questions[0], answerable=a) for a in (True, True, False)]
    assert verifier_labels(right, asked, 0.5).tolist() == [1.0, 0.5, 0.0]
    assert verifier_labels(right, asked, 0.0).tolist() == [1.0, 0.0, 0.0]
    x = np.random.default_rng(0).normal(size=(60, 3))
    soft = fit_verifier(x, np.tile([1.0, 0.5, 0.0], 20), settings=SMALL)
    hard = fit_verifier(x, np.tile([1.0, 0.0, 0.0], 20), settings=SMALL)
    assert soft.params["objective"] == "cross_entropy" and hard.params["objective"] == "binary"
    # the probability stays that of a right answer: it is calibrated on right and wrong, not on the soft label
    pred = cross_validate(questions, 2, lambda m: None, replace(SMALL, answerable_credit=0.5))
    right = np.array([c.right for c in pred.choices], dtype=float)
    assert ((pred.probability >= 0) & (pred.probability <= 1)).all()
    assert abs(pred.probability.mean() - right.mean()) < 0.1


def test_near_misses_teach_the_verifier_only_when_weighted(gathered):
    questions, _, _ = gathered
    plain = cross_validate(questions, 2, lambda m: None, SMALL)
    assert not any(plain.near_misses)  # weight 0: none made, the model as before
    weighted = cross_validate(questions, 2, lambda m: None, replace(SMALL, near_miss_weight=1.0))
    assert sum(m is not None for m in weighted.near_misses) == sum(q.answerable for q in questions)
    # the ranker's choices are the same; only the verifier saw more wrong answers, so it trusts less
    assert [c.best for c in plain.choices] == [c.best for c in weighted.choices]
    assert weighted.raw.mean() < plain.raw.mean()


def test_the_ranker_is_a_bag_of_fits_whose_scores_are_averaged(gathered, tmp_path):
    import json

    questions, _, _ = gathered
    answerable = [q for q in questions if q.answerable]
    bag = fit_ranker(answerable, replace(SMALL, ranker_bag=3))
    assert len(bag.boosters) == 3
    rows = ranker_input(answerable[0].features)
    each = [b.predict(rows) for b in bag.boosters]
    assert not np.allclose(each[0], each[1])  # seeded apart, so the fits differ
    assert np.allclose(bag.predict(rows), np.mean(each, axis=0))
    assert len(fit_ranker(answerable, replace(SMALL, ranker_bag=1)).boosters) == 1
    # the engine's model averages the same fits, and a file with one ranker string still loads
    from qa.config import DEFAULT_ANSWER_MODEL

    shipped = json.loads(DEFAULT_ANSWER_MODEL.read_text(encoding="utf-8"))
    path = tmp_path / "bag.json"
    path.write_text(json.dumps(dict(shipped, ranker=bag.model_strings())), encoding="utf-8")
    assert np.allclose(AnswerModel.load(path).rank(answerable[0].features), bag.predict(rows))
    path.write_text(json.dumps(dict(shipped, ranker=bag.model_strings()[0])), encoding="utf-8")
    assert np.allclose(AnswerModel.load(path).rank(answerable[0].features), each[0])


def test_the_report_quotes_the_wrong_answers_shown_with_the_highest_probability(gathered):
    from eval.train.fit import Choice, Predictions
    from eval.train.measure import confident_mistakes, mistake_kind
    from eval.train.report import mistakes_section

    questions, _, _ = gathered
    choices, probability = [], []
    for k, q in enumerate(questions):  # every question answered with its first wrong candidate, if any
        wrong = np.flatnonzero(~q.hit)
        best = int(wrong[0]) if len(wrong) else int(np.argmax(q.hit))
        choices.append(Choice(best, None, bool(q.hit[best]), bool(q.contains[best]), int(q.chars[best])))
        probability.append(0.2 + 0.7 * k / len(questions))
    pred = Predictions(list(questions), choices, np.array(probability), np.array(probability))
    shown = confident_mistakes(pred, 0.5, per_collection=3)["tiny"]
    assert len(shown) == 3 and [m.probability for m in shown] == sorted((m.probability for m in shown), reverse=True)
    expected = max((p for p, c in zip(probability, choices) if not c.right), default=None)
    assert shown[0].probability == expected and all(m.probability >= 0.5 for m in shown)
    for m in shown:
        q = next(q for q in questions if q.qid == m.qid)
        best = choices[questions.index(q)].best
        assert m.shown == q.texts[best] and m.kind == mistake_kind(q, best)
        assert m.kind == "unanswerable" if not q.answerable else m.kind != "unanswerable"
    assert confident_mistakes(pred, 0.99)["tiny"] == []  # nothing at or above the threshold
    table = "\n".join(mistakes_section({"tiny": shown}, {("tiny", shown[0].qid)}))
    assert shown[0].question in table and "(label in doubt)" in table and table.count("\n| 0.") == 3


def test_the_report_shows_how_the_probability_moves_when_a_collection_is_held_out(gathered):
    """Out-of-fold and held-out predictions of the same questions: the unanswerable ones' mean probability
    and share answered at the threshold, and the mean probability of the rows right both ways."""
    from eval.train.fit import Choice, Predictions
    from eval.train.measure import held_out_shift
    from eval.train.report import shift_section

    questions, _, _ = gathered
    def predictions(probability: list[float], right_first: bool) -> Predictions:
        choices = []
        for q in questions:
            pick = np.flatnonzero(q.hit if right_first else ~q.hit)
            best = int(pick[0]) if len(pick) else 0
            choices.append(Choice(best, None, bool(q.hit[best]), bool(q.contains[best]), int(q.chars[best])))
        return Predictions(list(questions), choices, np.array(probability), np.array(probability))

    n = len(questions)
    oof = predictions([0.1 + 0.8 * k / n for k in range(n)], right_first=True)
    held = predictions([min(1.0, 0.3 + 0.8 * k / n) for k in range(n)], right_first=True)
    shift = held_out_shift(oof, held, 0.5)["tiny"]
    unanswerable = np.array([not q.answerable for q in questions])
    right = np.array([c.right for c in oof.choices])
    assert shift.unanswerable == unanswerable.sum() == 2 and shift.right == right.sum() > 0
    assert shift.unanswerable_mean == pytest.approx((oof.probability[unanswerable].mean(), held.probability[unanswerable].mean()))
    assert shift.unanswerable_answered == pytest.approx(((oof.probability[unanswerable] >= 0.5).mean(),
                                                         (held.probability[unanswerable] >= 0.5).mean()))
    assert shift.right_mean[1] > shift.right_mean[0]  # every held-out probability is higher here
    # a row right out-of-fold but wrong held out is not counted among the right ones
    assert held_out_shift(oof, predictions(list(held.probability), right_first=False), 0.5)["tiny"].right == 0
    table = "\n".join(shift_section({"tiny": shift}))
    assert f"| tiny | 2 | {shift.unanswerable_mean[0]:.3f} → {shift.unanswerable_mean[1]:.3f} |" in table
    with pytest.raises(ValueError):
        held_out_shift(oof, Predictions(list(reversed(questions)), held.choices, held.raw, held.probability), 0.5)
