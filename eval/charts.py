"""PNG charts of a benchmark result (matplotlib, Agg backend). Labels are in Chinese and English when a CJK
font is installed (Debian: ``apt-get install fonts-noto-cjk``), in English otherwise; legends sit outside the
plot, so they cover no point."""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eval.metrics import RECALL_KS
from eval.runner import BenchmarkResult

log = logging.getLogger(__name__)

# fonts that hold the Chinese characters of the labels, best first (fonts-noto-cjk installs the Noto ones)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK KR",
             "Noto Serif CJK SC", "Noto Serif CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Noto Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")
# each label as (Chinese and English, English only)
LABELS = {
    "recall_title": ("检索召回率 recall@k（可回答的问题）", "Retrieval recall@k (answerable questions)"),
    "recall_x": ("k（段落数 passages）", "k (passages)"),
    "recall_y": ("召回率 recall@k", "recall@k"),
    "hit_title": ("各类问题的答案命中率 answer hit@1（无答案题：正确拒答率）",
                  "Answer hit@1 by question type (unanswerable: no-answer recall)"),
    "hit_y": ("答案命中率 answer_hit@1", "answer_hit@1"),
    "na_recall": ("正确拒答率\nNA recall", "NA recall"),
    "method": ("检索方式 method", "method"),
}


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (charts here and in eval.bench.report)."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - listed in requirements
        raise ImportError("matplotlib is not available - install matplotlib to write charts and plots") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy-zenhei", "wqy-microhei", "notosanssc")


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font with Chinese characters, or None. matplotlib keeps the font list it made
    when it first ran, so a font installed since (fonts-noto-cjk on a CI machine) is looked for and added."""
    from matplotlib import font_manager

    def known() -> str | None:
        installed = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    if known() is None:
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name.lower() for key in CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file: look on
                    log.debug("cannot read font %s", path)
    return known()


@contextmanager
def _labels():
    """``label(key)``: the label in Chinese and English when a CJK font is installed (used for the text while
    the context is open), else in English."""
    plt = pyplot()
    font = cjk_font()
    if font is None:
        log.info("no CJK font installed (apt-get install fonts-noto-cjk): chart labels in English only")
    settings = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(settings):
        yield lambda key: LABELS[key][0 if font else 1]


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=120, bbox_inches="tight")
    pyplot().close(fig)
    return path


def recall_figure(result: BenchmarkResult, label: Any = lambda key: LABELS[key][1]) -> Any:
    """recall@1/3/5/10 curves, one line per method; the legend to the right of the plot."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for method in result.methods:
        ks = [k for k in RECALL_KS if result.metrics[method].get(f"recall@{k}") is not None]
        ax.plot(ks, [result.metrics[method][f"recall@{k}"] for k in ks], marker="o", label=method)
    ax.set_xticks(list(RECALL_KS))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(label("recall_x"))
    ax.set_ylabel(label("recall_y"))
    ax.set_title(label("recall_title"))
    ax.grid(True, alpha=0.3)
    ax.legend(title=label("method"), loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def recall_chart(result: BenchmarkResult, path: Path) -> Path:
    with _labels() as label:
        return _save(recall_figure(result, label), path)


def _hit_or_na_recall(summary: dict, qtype: str) -> float | None:
    """answer_hit@1; for unanswerable questions (no answer to hit) the no-answer recall."""
    return summary.get("no_answer_recall") if qtype == "unanswerable" else summary.get("answer_hit@1")


def hit_by_type_chart(result: BenchmarkResult, path: Path) -> Path:
    """answer_hit@1 per question type, grouped bars per method; the unanswerable bar is the
    no-answer recall (share of unanswerable questions correctly declined)."""
    with _labels() as label:
        return _save(hit_by_type_figure(result, label), path)


def hit_by_type_figure(result: BenchmarkResult, label: Any = lambda key: LABELS[key][1]) -> Any:
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
    labels = [f"{t}\n(n={first.get(t, {}).get('n', 0)})" + ("\n" + label("na_recall") if t == "unanswerable" else "")
              for t in types]
    ax.set_xticks(range(len(types)))
    ax.set_xticklabels(labels)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(label("hit_y"))
    ax.set_title(label("hit_title"))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title=label("method"), loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def write_charts(out_dir: Path, result: BenchmarkResult) -> list[str]:
    """Write both charts into ``out_dir``; returns their file names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for name, draw in (("recall_at_k.png", recall_chart), ("hit_by_type.png", hit_by_type_chart)):
        draw(result, out_dir / name)
        log.info("wrote %s", out_dir / name)
        names.append(name)
    return names
