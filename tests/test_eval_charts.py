"""eval/charts.py and the default output folder of ``python -m eval``: the legend covers no point, the labels
are Chinese (and English) with a CJK font and English without one, and a run without --out still writes its
report and charts, to eval_out/<collection>, and says where."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from eval import charts
from eval.config import EvalSettings
from eval.runner import BenchmarkResult


def _result() -> BenchmarkResult:
    # figures like the ncp_policy run's: every curve ends near the top right, at k=10
    recall = {"bm25": (0.74, 0.88, 0.92, 0.96), "dense": (0.70, 0.84, 0.88, 0.94), "hybrid": (0.78, 0.91, 0.94, 0.97)}
    metrics = {m: {f"recall@{k}": v for k, v in zip((1, 3, 5, 10), values)} for m, values in recall.items()}
    by_type = {m: {"fact": {"n": 3, "answer_hit@1": 0.67}, "number": {"n": 2, "answer_hit@1": 1.0},
                   "unanswerable": {"n": 2, "no_answer_recall": 0.5}} for m in recall}
    return BenchmarkResult(methods=list(recall), top_k=10, metrics=metrics, by_type=by_type)


def _drawn(monkeypatch, draw, path: Path):
    """The figure a chart function draws (caught as it is closed)."""
    plt = charts.pyplot()
    figures = []
    monkeypatch.setattr(plt, "close", lambda fig=None: figures.append(fig))
    draw(_result(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return figures[-1]


def test_the_recall_legend_covers_no_point(monkeypatch, tmp_path):
    fig = _drawn(monkeypatch, charts.recall_chart, tmp_path / "recall_at_k.png")
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    # outside the plotting area, so no point, marker or line of any run can be under it
    assert not legend.overlaps(ax.get_window_extent()), "the legend sits on the plot"
    for line in ax.get_lines():
        for x, y in zip(line.get_xdata(), line.get_ydata()):
            px, py = ax.transData.transform((x, y))
            assert not legend.contains(px, py), f"the legend covers {line.get_label()} at k={x}"


@pytest.mark.skipif(charts.cjk_font() is None, reason="no CJK font installed (apt-get install fonts-noto-cjk)")
def test_labels_are_chinese_with_a_cjk_font_and_every_glyph_is_drawn(monkeypatch, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recall = _drawn(monkeypatch, charts.recall_chart, tmp_path / "recall_at_k.png")
        hits = _drawn(monkeypatch, charts.hit_by_type_chart, tmp_path / "hit_by_type.png")
    assert "召回率" in recall.axes[0].get_title() and "recall@k" in recall.axes[0].get_title()
    assert "命中率" in hits.axes[0].get_title()
    assert not [w for w in caught if "missing from font" in str(w.message)], "a Chinese character without a glyph"


def test_labels_are_english_without_a_cjk_font(monkeypatch, tmp_path):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)  # what a machine without fonts-noto-cjk gets
    fig = _drawn(monkeypatch, charts.recall_chart, tmp_path / "recall_at_k.png")
    title = fig.axes[0].get_title()
    assert title.startswith("Retrieval recall@k") and not any("\u4e00" <= ch <= "\u9fff" for ch in title)


def test_the_default_output_folder_is_named_after_the_collection(tmp_path):
    assert EvalSettings().out_dir() == Path("eval_out/seeds")
    ncp = tmp_path / "ncp_policy"
    assert EvalSettings(corpora=[ncp / "corpus.jsonl"]).out_dir() == Path("eval_out/ncp_policy")
    assert EvalSettings(corpora=[Path("seeds"), ncp]).out_dir() == Path("eval_out/seeds+ncp_policy")
    assert EvalSettings(out=tmp_path / "x").out_dir() == tmp_path / "x"
