"""PNG charts of a benchmark result (matplotlib, Agg backend, English labels: no CJK font needed)."""
from __future__ import annotations

import logging
from pathlib import Path

from eval.metrics import RECALL_KS
from eval.runner import BenchmarkResult

log = logging.getLogger(__name__)


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (charts here and in eval.bench.report)."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - listed in requirements
        raise ImportError("matplotlib is not available - install matplotlib to write charts and plots") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def recall_chart(result: BenchmarkResult, path: Path) -> Path:
    """recall@1/3/5/10 curves, one line per method."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for method in result.methods:
        ks = [k for k in RECALL_KS if result.metrics[method].get(f"recall@{k}") is not None]
        ax.plot(ks, [result.metrics[method][f"recall@{k}"] for k in ks], marker="o", label=method)
    ax.set_xticks(list(RECALL_KS))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k (passages)")
    ax.set_ylabel("recall@k")
    ax.set_title("Retrieval recall@k (answerable questions)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _hit_or_na_recall(summary: dict, qtype: str) -> float | None:
    """answer_hit@1; for unanswerable questions (no answer to hit) the no-answer recall."""
    return summary.get("no_answer_recall") if qtype == "unanswerable" else summary.get("answer_hit@1")


def hit_by_type_chart(result: BenchmarkResult, path: Path) -> Path:
    """answer_hit@1 per question type, grouped bars per method; the unanswerable bar is the
    no-answer recall (share of unanswerable questions correctly declined)."""
    plt = pyplot()
    first = result.by_type[result.methods[0]]
    types = [t for t in dict.fromkeys(t for m in result.methods for t in result.by_type[m])
             if any(_hit_or_na_recall(result.by_type[m].get(t, {}), t) is not None for m in result.methods)]
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(types) + 2), 4))
    width = 0.8 / max(1, len(result.methods))
    for i, method in enumerate(result.methods):
        values = [_hit_or_na_recall(result.by_type[method].get(t, {}), t) or 0.0 for t in types]
        positions = [x + (i - (len(result.methods) - 1) / 2) * width for x in range(len(types))]
        ax.bar(positions, values, width=width, label=method)
    labels = [f"{t}\n(n={first.get(t, {}).get('n', 0)})" + ("\nNA recall" if t == "unanswerable" else "")
              for t in types]
    ax.set_xticks(range(len(types)))
    ax.set_xticklabels(labels)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("answer_hit@1")
    ax.set_title("Answer hit@1 by question type (unanswerable: no-answer recall)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_charts(out_dir: Path, result: BenchmarkResult) -> list[str]:
    """Write both charts into ``out_dir``; returns their file names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for name, draw in (("recall_at_k.png", recall_chart), ("hit_by_type.png", hit_by_type_chart)):
        draw(result, out_dir / name)
        log.info("wrote %s", out_dir / name)
        names.append(name)
    return names
