"""``python -m eval.train.compare``: measure a change to the answer model the way a change is decided on.

A change is kept when it raises the held-out figures on more than one LightGBM seed: one seed to the
next moves the mean by up to 0.03, and a change that raises the out-of-fold mean often lowers the
leave-one-collection-out one (docs/ANSWER_MODEL.md). For each seed this fits the ranker and verifier
out-of-fold and leave-one-collection-out on the cached candidates (``var/train/``; stale caches are
gathered again), chooses the no-answer threshold on each set of predictions, and prints answer_hit@1,
no-answer F1 and the mean length of the answers shown per collection and the **objective**: their sum, averaged over the collections with
unanswerable questions as they come (not the variants made for training). The leave-one-collection-out
predictions are also read at the out-of-fold threshold (``AT_OOF_THRESHOLD``), as a shipped model meets a
new collection.

Feature columns can be masked (held at 0 in both models: a column that never varies is never split
on), so a new feature is measured against the same caches without it; fitting settings can be
changed from the command line. Nothing is written but the optional ``--json`` file."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from eval.train.data import CACHE_DIR, DEV_ROOT, QuestionData, default_collections
from eval.train.fit import MADE_VARIANTS, FitSettings, Predictions, cross_validate, leave_one_collection_out
from eval.train.measure import by_collection, choose_threshold
from index.errors import PolicyQAError

log = logging.getLogger("eval.train.compare")

# Leave-one-collection-out predictions read at the threshold chosen out-of-fold, as a retrained model
# meets a collection it never saw. ``leave_one_collection_out`` chooses its own threshold on the held-out
# predictions, which no shipped model can do: a figure for comparing rankings, optimistic as a forecast.
AT_OOF_THRESHOLD = "leave_one_collection_out_at_oof_threshold"


@dataclass
class Run:
    """One seed's figures under one way of holding questions out."""

    seed: int
    held_out: str                     # "out_of_fold" or "leave_one_collection_out"
    threshold: float
    objective: float
    figures: dict[str, dict[str, Any]]


def objective_collections(questions: Sequence[QuestionData]) -> list[str]:
    """The collections the objective averages over: those with unanswerable questions, as they come."""
    names = dict.fromkeys(q.collection for q in questions if not q.answerable)
    return [n for n in names if not n.endswith(MADE_VARIANTS)]


def unknown_features(names: Sequence[str], verifier: bool = False) -> list[str]:
    """The names that are not features of the candidates (or, ``verifier``, of the verifier's input)."""
    from qa.answer_model import VERIFIER_FEATURES
    from qa.features import FEATURES

    known = VERIFIER_FEATURES if verifier else FEATURES
    return [n for n in names if n not in known]


def masked(questions: Sequence[QuestionData], names: Sequence[str]) -> list[QuestionData]:
    """Copies of ``questions`` with the named feature columns held at 0."""
    from qa.features import FEATURES

    unknown = unknown_features(names)
    if unknown:
        raise ValueError(f"unknown feature(s): {', '.join(unknown)}")
    columns = [FEATURES.index(n) for n in names]
    out = []
    for q in questions:
        features = q.features.copy()
        features[:, columns] = 0.0
        out.append(replace(q, features=features))
    return out


def seeded(settings: FitSettings, seed: int) -> FitSettings:
    return replace(settings, ranker_params={**settings.ranker_params, "seed": seed},
                   verifier_params={**settings.verifier_params, "seed": seed})


def compare(questions: Sequence[QuestionData], seeds: Sequence[int], settings: FitSettings | None = None,
            folds: int = 5, loco: bool = True, progress: Callable[[str], None] = log.info) -> list[Run]:
    """Out-of-fold (and leave-one-collection-out) figures of ``settings`` for each seed."""
    settings = settings or FitSettings()
    sets = objective_collections(questions)
    if not sets:
        raise ValueError("no collection has unanswerable questions: the threshold cannot be chosen")
    runs: list[Run] = []
    for seed in seeds:
        fitting = seeded(settings, seed)
        out_of_fold = cross_validate(questions, folds, progress, fitting)
        shipped_threshold, _ = choose_threshold(out_of_fold, sets)
        runs.append(scored(seed, "out_of_fold", out_of_fold, shipped_threshold, sets))
        progress(run_line(runs[-1], sets))
        if loco and len({q.family for q in questions}) > 1:
            held_out = leave_one_collection_out(questions, progress, fitting)
            own_threshold, _ = choose_threshold(held_out, sets)
            runs.append(scored(seed, "leave_one_collection_out", held_out, own_threshold, sets))
            progress(run_line(runs[-1], sets))
            runs.append(scored(seed, AT_OOF_THRESHOLD, held_out, shipped_threshold, sets))
            progress(run_line(runs[-1], sets))
    return runs


def scored(seed: int, held_out: str, predictions: Predictions, threshold: float, sets: Sequence[str]) -> Run:
    """The figures of ``predictions`` declined below ``threshold``, and their objective over ``sets``."""
    figures = by_collection(predictions, threshold)
    objective = float(np.mean([(figures[c]["answer_hit@1"] or 0.0) + (figures[c]["no_answer_f1"] or 0.0)
                               for c in sets]))
    return Run(seed, held_out, threshold, objective, figures)


def run_line(run: Run, sets: Sequence[str]) -> str:
    parts = [f"{run.held_out} seed {run.seed}: threshold {run.threshold:.2f}, objective {run.objective:.3f}"]
    for name, f in run.figures.items():
        if name.endswith(MADE_VARIANTS):
            continue
        na = f" NA-F1 {f['no_answer_f1']:.3f}" if name in sets and f.get("no_answer_f1") is not None else ""
        hit, chars = f["answer_hit@1"], f.get("answer_chars_mean")
        # the length of the answers shown: a change that picks longer spans holds the answer more often
        length = f" chars {chars:.0f}" if chars is not None else ""
        parts.append(f"{name} hit@1 {hit:.3f}{na}{length}" if hit is not None else f"{name}{na}")
    return " | ".join(parts)


def summary(runs: Sequence[Run]) -> list[str]:
    """One line per way of holding out: each seed's objective and their mean."""
    lines = []
    for way in dict.fromkeys(r.held_out for r in runs):
        values = [r.objective for r in runs if r.held_out == way]
        lines.append(f"{way}: {' / '.join(f'{v:.3f}' for v in values)} (mean {np.mean(values):.3f})")
    return lines


def collection_means(runs: Sequence[Run], baseline: Sequence[Run] = ()) -> list[str]:
    """Per way of holding out and per collection as it comes (made variants left out): answer_hit@1 and
    no-answer F1, each the mean over the seeds; with ``baseline`` (runs of an earlier ``--json``), its
    mean, an arrow, this run's mean and the difference. One seed moves these by about as much as a
    change does, so the means, not one seed's line, are what to read."""
    def mean(of: Sequence[Run], way: str, name: str, metric: str) -> float | None:
        values = [r.figures[name][metric] for r in of if r.held_out == way and name in r.figures
                  and r.figures[name].get(metric) is not None]
        return float(np.mean(values)) if values else None

    lines = []
    for way in dict.fromkeys(r.held_out for r in runs):
        names = dict.fromkeys(n for r in runs if r.held_out == way for n in r.figures if not n.endswith(MADE_VARIANTS))
        lines.append(f"{way}, mean over seeds" + (" (baseline → this)" if baseline else "") + ":")
        for name in names:
            cells = []
            for metric, label in (("answer_hit@1", "hit@1"), ("no_answer_f1", "NA-F1")):
                now = mean(runs, way, name, metric)
                if now is None:
                    continue
                before = mean(baseline, way, name, metric) if baseline else None
                cells.append(f"{label} {before:.3f} → {now:.3f} ({now - before:+.3f})" if before is not None
                             else f"{label} {now:.3f}")
            lines.append(f"  {name}: " + ", ".join(cells))
    return lines


def read_runs(path: Path) -> list[Run]:
    """The runs an earlier ``--json`` wrote; ValueError with what is wrong when the file is not one."""
    try:
        return [Run(**r) for r in json.loads(path.read_text(encoding="utf-8"))]
    except OSError as exc:
        raise ValueError(f"cannot read --baseline {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        raise ValueError(f"--baseline {path} is not a file written by --json") from exc


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _params(text: str | None) -> dict[str, Any]:
    """``"num_leaves=63,min_data_in_leaf=20"`` → ``{"num_leaves": 63, "min_data_in_leaf": 20}``."""
    out: dict[str, Any] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise ValueError(f"expected name=value, got {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = _value(value.strip())
    return out


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.train.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="17,3,5", help="LightGBM seeds (default 17,3,5)")
    parser.add_argument("--mask", default="", help="comma-separated feature names held at 0")
    parser.add_argument("--ranker", help="ranker LightGBM parameters, e.g. num_leaves=63,min_data_in_leaf=20")
    parser.add_argument("--verifier", help="verifier LightGBM parameters")
    parser.add_argument("--ranker-rounds", type=int)
    parser.add_argument("--verifier-rounds", type=int)
    parser.add_argument("--max-negatives", type=int, help="wrong candidates per question the ranker trains on")
    parser.add_argument("--near-miss-weight", type=float,
                        help="weight of the near misses made from answerable questions in the verifier (0: none)")
    parser.add_argument("--answerable-credit", type=float,
                        help="the verifier's label for a wrong choice on an answerable question (0: wrong)")
    parser.add_argument("--verifier-ignores", default="",
                        help="comma-separated features the verifier must not read, beside those it already ignores")
    parser.add_argument("--ranker-ignores", default="",
                        help="comma-separated features the ranker must not read (the verifier still reads them)")
    parser.add_argument("--ranker-bag", type=int, help="ranker fits averaged, differing in their seed (1: one fit)")
    parser.add_argument("--dev-root", type=Path, default=DEV_ROOT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-loco", action="store_true", help="out-of-fold figures only")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    parser.add_argument("--baseline", type=Path,
                        help="an earlier --json file: print each collection's means beside its own")
    parser.add_argument("--no-progress", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from eval.train.run import gather_all

    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        print(f"error: --seeds takes whole numbers separated by commas, got {args.seeds!r}", file=sys.stderr)
        return 2
    try:
        base = FitSettings()
        settings = replace(base, ranker_params={**base.ranker_params, **_params(args.ranker)},
                           verifier_params={**base.verifier_params, **_params(args.verifier)},
                           ranker_rounds=args.ranker_rounds or base.ranker_rounds,
                           verifier_rounds=args.verifier_rounds or base.verifier_rounds,
                           max_negatives=args.max_negatives or base.max_negatives,
                           near_miss_weight=(base.near_miss_weight if args.near_miss_weight is None
                                             else args.near_miss_weight),
                           answerable_credit=(base.answerable_credit if args.answerable_credit is None
                                              else args.answerable_credit),
                           ranker_bag=args.ranker_bag or base.ranker_bag,
                           ranker_ignores=tuple(dict.fromkeys([*base.ranker_ignores, *_names(args.ranker_ignores)])),
                           verifier_ignores=tuple(dict.fromkeys([*base.verifier_ignores, *_names(args.verifier_ignores)])))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    mask = _names(args.mask)
    collections = default_collections(args.dev_root)
    missing = [str(c.corpus) for c in collections if not Path(c.corpus).exists()]
    unknown = unknown_features(mask)
    problems = [f"unknown feature(s) for --mask: {', '.join(unknown)}"] if unknown else []
    unread = unknown_features(settings.verifier_ignores, verifier=True)
    problems += [f"unknown feature(s) for --verifier-ignores: {', '.join(unread)}"] if unread else []
    blind = unknown_features(settings.ranker_ignores)
    problems += [f"unknown feature(s) for --ranker-ignores: {', '.join(blind)}"] if blind else []
    problems += [f"collection files not found: {', '.join(missing)} (--dev-root?)"] if missing else []
    problems += ["--seeds is empty"] if not seeds else []
    problems += ["--folds must be at least 2"] if args.folds < 2 else []
    problems += ["--max-negatives must be at least 1"] if args.max_negatives is not None and args.max_negatives < 1 else []
    problems += ["--near-miss-weight must not be negative"] if (args.near_miss_weight or 0) < 0 else []
    problems += ["--ranker-bag must be at least 1"] if args.ranker_bag is not None and args.ranker_bag < 1 else []
    problems += ["--answerable-credit must be between 0 and 1"] if not 0 <= (args.answerable_credit or 0) <= 1 else []
    baseline: list[Run] = []
    if args.baseline is not None:
        try:
            baseline = read_runs(args.baseline)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        return 2
    try:
        questions, _ = gather_all(collections, args.dev_root, CACHE_DIR, not args.no_progress)
        if mask:
            questions = masked(questions, mask)
        runs = compare(questions, seeds, settings, args.folds, not args.no_loco,
                       progress=log.info if not args.no_progress else lambda m: None)
    except (PolicyQAError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.no_progress:  # otherwise each run's line was logged as it came
        sets = objective_collections(questions)
        print("\n".join(run_line(run, sets) for run in runs))
    print("\n".join(collection_means(runs, baseline)))
    print("\n".join(summary(runs)))
    if baseline:
        print("baseline: " + "; ".join(summary(baseline)))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
