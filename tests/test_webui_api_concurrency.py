"""The /ask API under concurrent clients, in process with a stand-in engine: questions are answered side by side
(not held four at a time in Gradio's queue), and Gradio's per-event monitoring summary is rebuilt only now and
then."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from eval.app_process import free_port
from webui.blocks import ASK_API_CONCURRENCY, build_demo

CLIENTS = 8


class _BarrierEngine:
    """Answers only once ``CLIENTS`` questions are being answered at the same time."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(CLIENTS, timeout=30)
        self.knowledge_base = SimpleNamespace(document=lambda d: None)

    def answer(self, question, options):
        self.barrier.wait()  # raises BrokenBarrierError if fewer questions ever run at once
        return SimpleNamespace(to_dict=lambda: {"question": question, "no_answer": True, "passages": []})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    engine = _BarrierEngine()
    demo = build_demo(lambda: engine, feedback_path=tmp_path_factory.mktemp("api") / "feedback.jsonl")
    demo.queue(default_concurrency_limit=4, max_size=256)  # as app.py does, with its default --concurrency
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                show_error=False, ssr_mode=False)
    try:
        yield demo, engine
    finally:
        demo.close()


def test_eight_api_clients_are_answered_side_by_side(served):
    from gradio_client import Client

    demo, engine = served
    assert ASK_API_CONCURRENCY >= CLIENTS
    clients = [Client(demo.local_url, verbose=False) for _ in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        replies = list(pool.map(lambda c: c[1].predict(f"问题{c[0]}", 5, api_name="/ask"), enumerate(clients)))
    assert sorted(r["question"] for r in replies) == [f"问题{i}" for i in range(CLIENTS)]
    assert not engine.barrier.broken


def test_gradio_monitoring_summary_is_not_rebuilt_after_every_event(served):
    demo, _ = served
    assert demo._queue.ANAYLTICS_CACHE_FREQUENCY >= 100 and demo._queue.ANALYTICS_MAX_EVENTS <= 2000
