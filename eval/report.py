"""Present a benchmark result: terminal tables, the JSON file and the Markdown report."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.metrics import METRIC_KEYS
from eval.records import QuestionRecord
from eval.runner import BenchmarkResult

TYPE_COLUMNS = ("n", "recall@1", "recall@5", "recall@10", "mrr@10", "answer_hit@1", "answer_f1",
                "no_answer_f1", "latency_ms_p50")
_SHORT = {"recall@1": "R@1", "recall@5": "R@5", "recall@10": "R@10", "mrr@10": "MRR@10",
          "answer_hit@1": "hit@1", "answer_f1": "F1", "no_answer_f1": "NA-F1", "latency_ms_p50": "p50 ms"}
PASSAGE_HEAD_CHARS = 80


def format_value(key: str, value: Any) -> str:
    """Counts as integers, latencies and lengths with one decimal, shares with three; None as '-'."""
    if value is None:
        return "-"
    if key == "n" or key.startswith("n_"):
        return str(int(value))
    if key.startswith("latency") or key == "answer_chars_mean":
        return f"{value:.1f}"
    return f"{value:.3f}"


def metric_rows(result: BenchmarkResult) -> tuple[list[str], list[list[str]]]:
    """Rows = metrics, columns = methods."""
    headers = ["metric", *result.methods]
    rows = [[key, *(format_value(key, result.metrics[m].get(key)) for m in result.methods)] for key in METRIC_KEYS]
    return headers, rows


def type_rows(result: BenchmarkResult, method: str) -> tuple[list[str], list[list[str]]]:
    """Rows = question types, columns = the main metrics of one method."""
    headers = ["type", *(_SHORT.get(k, k) for k in TYPE_COLUMNS)]
    rows = [[qtype, *(format_value(k, summary.get(k)) for k in TYPE_COLUMNS)]
            for qtype, summary in result.by_type[method].items()]
    return headers, rows


def hit_by_type_rows(result: BenchmarkResult) -> tuple[list[str], list[list[str]]]:
    """Rows = question types, columns = methods, cells = answer_hit@1."""
    types = list(dict.fromkeys(t for m in result.methods for t in result.by_type[m]))
    rows = [[t, *(format_value("answer_hit@1", result.by_type[m].get(t, {}).get("answer_hit@1"))
                  for m in result.methods)] for t in types]
    return ["type", *result.methods], rows


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain fixed-width table (first column left-aligned, the rest right-aligned)."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    aligns = ["---", *("---:" for _ in headers[1:])]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def terminal_report(result: BenchmarkResult) -> str:
    parts = ["Metrics", text_table(*metric_rows(result))]
    if len(result.methods) > 1:
        parts += ["", "answer_hit@1 by question type", text_table(*hit_by_type_rows(result))]
    for method in result.methods:
        parts += ["", f"By question type ({method})", text_table(*type_rows(result, method))]
    return "\n".join(parts)


def result_to_json(result: BenchmarkResult, config: dict[str, Any], compare: bool) -> dict[str, Any]:
    """``metrics``/``by_type`` flat for one method, keyed by method with ``compare``."""
    if compare:
        metrics_block: dict[str, Any] = result.metrics
        by_type: dict[str, Any] = result.by_type
    else:
        (method,) = result.methods
        metrics_block, by_type = result.metrics[method], result.by_type[method]
    return {
        "methods": list(result.methods),
        "metrics": _rounded(metrics_block),
        "by_type": _rounded(by_type),
        "per_question": [r.to_dict() for r in result.records],
        "config": config,
    }


def _rounded(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _rounded(v) for k, v in data.items()}
    if isinstance(data, float):
        return round(data, 4)
    return data


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def is_failure(record: QuestionRecord) -> bool:
    """An answerable question missed at answer_hit@1, or a mis-judged unanswerable one."""
    return not record.answer_hit if record.answerable else not record.no_answer


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


def failure_entry(record: QuestionRecord) -> str:
    """What an evaluator needs to see why a question failed."""
    gold = " / ".join(record.gold_answers) if record.answerable else "(unanswerable)"
    docs = ", ".join(record.gold_docs) or "-"
    if record.error:
        returned = f"error: {record.error}"
    elif record.no_answer:
        returned = f"no answer ({record.reason or 'no reason'})"
    else:
        returned = f"「{_one_line(record.answer_text, 200)}」"
    if record.passages:
        top = record.passages[0]
        top_line = f"`{top.doc_id}` {_one_line(top.text, PASSAGE_HEAD_CHARS)}"
    else:
        top_line = "(no passages)"
    rank = record.hit_rank if record.hit_rank is not None else "none"
    lines = [f"- **{record.id}** [{record.type}, {record.split}] {record.question}",
             f"  - gold: {gold} (doc: {docs})",
             f"  - returned: {returned}",
             f"  - top passage: {top_line}"]
    if record.answerable:
        lines.append(f"  - first passage with the answer: rank {rank}")
    return "\n".join(lines)


def markdown_report(result: BenchmarkResult, config: dict[str, Any], charts: list[str]) -> str:
    parts = ["# Benchmark report", "",
             f"Gold: `{config.get('gold')}` · split: {config.get('split')} · questions: "
             f"{config.get('n_questions')} · methods: {', '.join(result.methods)} · top_k: {result.top_k}", "",
             "## Metrics", "", markdown_table(*metric_rows(result)), ""]
    if len(result.methods) > 1:
        parts += ["## answer_hit@1 by question type", "", markdown_table(*hit_by_type_rows(result)), ""]
    for method in result.methods:
        parts += [f"## By question type ({method})", "", markdown_table(*type_rows(result, method)), ""]
    if charts:
        parts += ["## Charts", "", *(f"![{name}]({name})" for name in charts), ""]
    parts += ["## Configuration", "", "```json", json.dumps(config, ensure_ascii=False, indent=2), "```", ""]
    parts += ["## Failed questions", "",
              "Answerable questions whose answer does not contain a gold answer, and unanswerable "
              "questions that got an answer.", ""]
    for method in result.methods:
        failed = [r for r in result.records_of(method) if is_failure(r)]
        parts += [f"### {method}: {len(failed)} of {len(result.records_of(method))}", ""]
        parts += [failure_entry(r) for r in failed] or ["(none)"]
        parts.append("")
    return "\n".join(parts)


def write_markdown(out_dir: Path, result: BenchmarkResult, config: dict[str, Any], charts: list[str]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.md"
    path.write_text(markdown_report(result, config, charts), encoding="utf-8")
    return path
