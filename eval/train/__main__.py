"""``python -m eval.train``: train the answer model on the development data and write it, with
its out-of-fold and leave-one-collection-out figures, to qa/models/answer_model.json."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from eval.train.data import CACHE_DIR, DEV_ROOT, default_collections
from index.errors import PolicyQAError
from qa.config import DEFAULT_ANSWER_MODEL

log = logging.getLogger("eval.train")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.train", description=__doc__)
    parser.add_argument("--dev-root", type=Path, default=DEV_ROOT,
                        help=f"folder of the development collections (default: {DEV_ROOT})")
    parser.add_argument("--collections", help="comma-separated subset of the collections (default: all of them)")
    parser.add_argument("--out", type=Path, default=DEFAULT_ANSWER_MODEL, help="model file to write")
    parser.add_argument("--report", type=Path, default=Path("eval_out") / "train",
                        help="folder for report.md and reliability.png (default: eval_out/train)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (by document; default 5)")
    parser.add_argument("--no-loco", action="store_true", help="skip the leave-one-collection-out figures")
    parser.add_argument("--no-cache", action="store_true", help="gather every collection again")
    parser.add_argument("--no-progress", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from eval.train.report import write_report
    from eval.train.run import train, write_model

    collections = default_collections(args.dev_root)
    if args.collections:
        wanted = [c.strip() for c in args.collections.split(",") if c.strip()]
        unknown = sorted(set(wanted) - {c.name for c in collections})
        if unknown:
            print(f"error: unknown collection(s) {', '.join(unknown)}; known: {', '.join(c.name for c in collections)}",
                  file=sys.stderr)
            return 2
        collections = [c for c in collections if c.name in wanted]
    missing = [str(c.corpus) for c in collections if not Path(c.corpus).exists()]
    if missing:
        print(f"error: collection files not found: {', '.join(missing)} (--dev-root?)", file=sys.stderr)
        return 2
    if args.folds < 2:
        print("error: --folds must be at least 2", file=sys.stderr)
        return 2
    try:
        result = train(collections, args.dev_root, None if args.no_cache else CACHE_DIR, args.folds,
                       not args.no_loco, not args.no_progress)
    except (PolicyQAError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_model(result.model, args.out)
    report = write_report(args.report, result)
    print(f"Model: {args.out}\nReport: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
