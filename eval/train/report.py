"""The training report: out-of-fold and leave-one-collection-out figures per collection, how the
probability moves when a collection is held out, the most confident mistakes, the seeds
by question type, and the reliability plot of the calibrated probability."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from eval.train.doubt import DOUBT_SHARE, doubtful_pairs
from eval.train.measure import Mistake, Shift

MISTAKES_SHOWN = 5     # per collection
SHOWN_CHARS = 90       # of each answer's text

COLUMNS = (("n", "n"), ("answer_hit@1", "hit@1"), ("top1_hit", "top-1 hit"), ("found@read", "found"),
           ("answer_chars_mean", "chars"), ("no_answer_precision", "NA-P"), ("no_answer_recall", "NA-R"),
           ("no_answer_f1", "NA-F1"), ("ece", "ECE"))


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if value > 2 else f"{value:.3f}"
    return str(value)


def table(rows: dict[str, dict[str, Any]]) -> str:
    head = "| collection | " + " | ".join(label for _, label in COLUMNS) + " |"
    rule = "|---" * (len(COLUMNS) + 1) + "|"
    lines = [head, rule]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(_cell(row.get(key)) for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def _quoted(text: str, limit: int) -> str:
    """Text for a Markdown table cell: one line, no column bars, cut at ``limit`` characters."""
    one_line = " ".join(text.split()).replace("|", "｜")
    return one_line if len(one_line) <= limit else one_line[:limit] + "…"


def mistakes_section(mistakes: dict[str, list[Mistake]], doubtful: set[tuple[str, str]]) -> list[str]:
    """The wrong answers each collection would show with the highest probability, as tables."""
    parts = ["## Most confident mistakes (out-of-fold)", "",
             f"Per collection, the {MISTAKES_SHOWN} wrong answers shown with the highest probability at the threshold: "
             "what an official would meet first. *Why* says where the model went wrong: the question has no answer in "
             "the collection (a label in doubt above is marked), the right passage but another span of it, another passage "
             "or document, or no candidate held the answer."]
    for name, rows in mistakes.items():
        parts += ["", f"### {name}", ""]
        if not rows:
            parts.append("No wrong answer at or above the threshold.")
            continue
        parts += ["| p | question | answer shown | why |", "|---|---|---|---|"]
        for m in rows:
            why = m.kind + (" (label in doubt)" if (m.collection, m.qid) in doubtful else "")
            parts.append(f"| {m.probability:.2f} | {_quoted(m.question, 60)} | {_quoted(m.shown, SHOWN_CHARS) or '–'} | {why} |")
    return parts


def shift_section(shifts: dict[str, Shift]) -> list[str]:
    """The probability of the same questions out-of-fold and held out by collection (at the threshold
    chosen out-of-fold): the gap between the two figures, read where it comes from."""
    def arrow(values: tuple[float, float] | None) -> str:
        return f"{values[0]:.3f} → {values[1]:.3f}" if values else "–"

    lines = ["## How the probability moves when a collection is held out", "",
             "The same questions, scored out-of-fold and by models fitted without their collection family; "
             "answered: the share at or above the threshold chosen out-of-fold, as a shipped model meets a new "
             "collection. Right: the rows whose chosen span is right both ways.", "",
             "| collection | unanswerable | their mean probability | answered | right | their mean probability |",
             "|---|---|---|---|---|---|"]
    for name, s in shifts.items():
        lines.append(f"| {name} | {s.unanswerable} | {arrow(s.unanswerable_mean)} | {arrow(s.unanswerable_answered)} "
                     f"| {s.right} | {arrow(s.right_mean)} |")
    return lines


def reliability_plot(path: Path, rows: list[dict[str, Any]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=110)
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="perfect calibration")
    xs = [r["mean_probability"] for r in rows if r["n"]]
    ys = [r["share_right"] for r in rows if r["n"]]
    sizes = [max(12, min(300, r["n"] / 4)) for r in rows if r["n"]]
    ax.plot(xs, ys, color="#1f6feb", linewidth=1.5)
    ax.scatter(xs, ys, s=sizes, color="#1f6feb", zorder=3, label="out-of-fold bins (size = questions)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability the answer is right")
    ax.set_ylabel("share of answers that were right")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(folder: Path, result) -> Path:
    from eval.train.fit import MADE_VARIANTS
    from eval.train.measure import confident_mistakes, expected_calibration_error, held_out_shift

    folder.mkdir(parents=True, exist_ok=True)
    figures = result.model["figures"]
    trainable = np.array([q.train for q in result.oof.questions])
    right = np.array([c.right for c in result.oof.choices], dtype=float)
    ece = expected_calibration_error(result.oof.probability[trainable], right[trainable])
    reliability_plot(folder / "reliability.png", figures["reliability_out_of_fold"],
                     f"answer model, out-of-fold (ECE {ece:.3f})")
    parts = [
        "# Answer model training report",
        "",
        f"Threshold {result.threshold:.2f} (chosen on out-of-fold predictions). {figures['note']}",
        "",
        "## Out-of-fold",
        "",
        table(figures["out_of_fold"]),
    ]
    if figures.get("leave_one_collection_out"):
        parts += ["", "## Leave one collection out", "", table(figures["leave_one_collection_out"])]
    as_they_come = [name for name in dict.fromkeys(q.collection for q in result.oof.questions)
                    if not name.endswith(MADE_VARIANTS)]
    if result.loco is not None:
        parts += ["", *shift_section(held_out_shift(result.oof, result.loco, result.threshold, as_they_come))]
    doubtful = {name: len(row["doubtful_no_answer"]) for name, row in result.model["training"]["collections"].items()
                if row.get("doubtful_no_answer")}
    if doubtful:
        parts += ["", "## No-answer labels the kept documents contradict", "",
                  f"Unanswerable questions whose original answer has at least {DOUBT_SHARE:.0%} of its character "
                  "4-grams in one kept document (a reposted notice; eval/train/doubt.py): "
                  + ", ".join(f"{name} {n}" for name, n in doubtful.items())
                  + ". They are trained on and scored like the others; the figures above count them. "
                  "Out-of-fold, those questions left out:"]
        if figures.get("out_of_fold_without_doubtful"):
            parts += ["", table(figures["out_of_fold_without_doubtful"])]
    parts += ["", *mistakes_section(confident_mistakes(result.oof, result.threshold, MISTAKES_SHOWN, as_they_come),
                                    doubtful_pairs(result.model["training"]["collections"]))]
    if figures.get("seeds_by_type"):
        parts += ["", "## Seeds by question type (out-of-fold)", "", table(figures["seeds_by_type"])]
    parts += ["", "## Calibration", "", f"Expected calibration error (10 bins, out-of-fold, trained-on questions): {ece:.3f}",
              "", "![reliability](reliability.png)", ""]
    path = folder / "report.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
