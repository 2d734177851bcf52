"""``python -m eval.bench``: build, question latency, memory, app start-up, a naive baseline and FAISS
flat vs HNSW over the seeds ×1, ×10 (×100 opt-in); writes ``bench.json``, ``bench.md`` and plots."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from eval.bench.run import BenchSettings, render_only, run


def parse_args(argv: Sequence[str] | None = None) -> BenchSettings:
    defaults = BenchSettings()
    parser = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=defaults.scales, help="copies of the seeds, comma-separated (×100 takes ~1 h on 2 cores)")
    parser.add_argument("--out", type=Path, default=defaults.out, help="output folder (default bench_out/)")
    parser.add_argument("--questions", type=int, default=defaults.questions, help="first N gold questions")
    parser.add_argument("--repeats", type=int, default=defaults.repeats, help="passes over the questions")
    parser.add_argument("--clients", type=int, default=defaults.clients, help="concurrent clients")
    parser.add_argument("--faiss-sizes", default=defaults.faiss_sizes, help="vector counts of the flat/HNSW sweep")
    parser.add_argument("--embed-cache", type=Path, help="reuse passage vectors of identical texts (file .npz)")
    parser.add_argument("--reuse", type=Path, help="previous bench.json whose scales are reported, not re-measured")
    parser.add_argument("--no-app", dest="app", action="store_false", help="skip the app.py start-up and API load test")
    parser.add_argument("--app-workers", default=defaults.app_workers,
                        help="the app part once per count of answer worker processes, comma-separated "
                             "(0: answering in the app process; 0,1,2 measures all three)")
    parser.add_argument("--no-faiss", dest="faiss", action="store_false", help="skip the flat/HNSW sweep")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the naive baseline (it embeds its own chunks: ×100 takes ~25 min more)")
    parser.add_argument("--backend", default=defaults.backend,
                        help="also time the questions on OceanBase: 'oceanbase' starts a local seekdb from the "
                             "pylibseekdb wheel for the run; oceanbase://user:pw@host:port/db uses that server "
                             "(one database per scale, db_x1, db_x10, …, replaced)")
    parser.add_argument("--seekdb-memory", default=defaults.seekdb_memory, help="memory_limit of the local seekdb")
    parser.add_argument("--keep-indexes", action="store_true", help="keep the generated corpora and indexes")
    parser.add_argument("--render", type=Path, help="re-render bench.md and plots from this bench.json into --out")
    return BenchSettings(**vars(parser.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio_client logs every request at INFO
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = parse_args(argv)
        if settings.render:
            result = render_only(settings)
        else:
            result = run(settings, "python -m eval.bench " + " ".join(argv))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    from eval.bench.markdown import backend_rows, summary_rows

    print(f"wrote {settings.out / 'bench.md'}")
    for row in summary_rows(result):
        print(" | ".join(str(c) for c in row))
    for row in backend_rows(result):
        print(" | ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
