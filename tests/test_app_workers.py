"""Answering in worker processes (``app.py --answer-workers N``, ``webui.answer_pool``): the same answers as in
process, knowledge-base changes seen at the next question, a killed worker replaced with a plain message, and no
process left behind when the app stops. In process: the pool on a fake engine (a question killed mid-way, an
engine that cannot open) and the setting; end to end: ``python app.py --answer-workers 2`` on a copy of the seeds."""
from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from index.errors import PolicyQAError

ANSWERABLE = "蓬江区接管了多少个停车场"
SAME_ANSWER_QUESTIONS = [ANSWERABLE, "如何申请美国签证？", "江门市2023年推进哪十项重点改革？", "哪些任务由市发改委牵头？", "",
                         "！！！", "问" * 5000]
NEW_DOC = "云岭县2025年新建智慧图书馆十二座，由县文化和旅游局牵头，年底前全部开放。\n图书馆实行全年免费开放。\n"
NEW_QUESTION = "云岭县2025年新建多少座智慧图书馆？"


# ---- a fake engine for the pool in process (imported by the worker by this module's name) ---------------------

class _Reply:
    def __init__(self, question: str) -> None:
        self.question = question

    def to_dict(self) -> dict:
        return {"question": self.question, "pid": os.getpid()}


class _FakeEngine:
    """``slow:<marker file>`` writes the marker, then takes 60 s; anything else is answered at once."""

    index = SimpleNamespace(folder=Path("gen-fake"))

    def warm_up(self) -> None:
        pass

    def refresh_folder(self) -> bool:
        return False

    def answer(self, question: str, options: object) -> _Reply:
        if question.startswith("slow:"):
            Path(question[5:]).write_text(str(os.getpid()), encoding="utf-8")
            time.sleep(60)
        return _Reply(question)


def fake_opener(index_dir=None, embedder=None, **kwargs) -> _FakeEngine:
    return _FakeEngine()


def failing_opener(index_dir=None, embedder=None, **kwargs) -> _FakeEngine:
    raise PolicyQAError("索引不存在：/nowhere。")


def _fake_provider(tmp_path: Path):
    engine = SimpleNamespace(index_dir=tmp_path, backend_url=None, refresh_folder=lambda: False,
                             knowledge_base=SimpleNamespace(document=lambda doc_id: None))
    return lambda: engine


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} not written within {timeout} s"
        time.sleep(0.05)


def test_a_worker_killed_mid_question_gives_a_plain_message_and_is_replaced(tmp_path):
    import gradio as gr
    import psutil

    from webui.answer_pool import WORKER_LOST, AnswerPool
    from webui.feedback import FeedbackLog
    from webui.handlers import Handlers

    pool = AnswerPool(1, _fake_provider(tmp_path), opener=fake_opener)
    handlers = Handlers(_fake_provider(tmp_path), FeedbackLog(tmp_path / "feedback.jsonl"), answer_pool=pool)
    try:
        [first] = pool.start()
        assert handlers.ask_api("你好")["pid"] == first
        marker = tmp_path / "answering"
        outcome: dict = {}

        def ask() -> None:
            try:
                outcome["reply"] = handlers.ask_api(f"slow:{marker}")
            except gr.Error as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=ask)
        thread.start()
        _wait_for(marker)
        assert int(marker.read_text(encoding="utf-8")) == first
        os.kill(first, signal.SIGKILL)
        thread.join(30)
        assert not thread.is_alive()
        assert "reply" not in outcome
        assert outcome["error"].message == WORKER_LOST
        reply = handlers.ask_api("再问一次")  # the new worker answers
        assert reply["question"] == "再问一次" and reply["pid"] != first
        assert pool.restarts == 1
        second = reply["pid"]
        assert psutil.pid_exists(second)
    finally:
        pool.close()
    deadline = time.monotonic() + 10
    while psutil.pid_exists(second) and psutil.Process(second).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "close() left the worker running"
        time.sleep(0.1)


def test_an_engine_that_cannot_open_is_reported_in_words(tmp_path):
    from webui.answer_pool import AnswerPool

    pool = AnswerPool(1, _fake_provider(tmp_path), opener=failing_opener)
    try:
        with pytest.raises(PolicyQAError, match="无法打开索引：索引不存在：/nowhere。"):
            pool.start(timeout=120)
        with pytest.raises(PolicyQAError, match="无法打开索引"):  # every question says so; the pool stays up
            pool.answer("蓬江区接管了多少个停车场", None)
        assert pool.restarts == 0
    finally:
        pool.close()


def stuck_opener(index_dir=None, embedder=None, **kwargs) -> _FakeEngine:
    (Path(index_dir) / "stuck.pid").write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(600)
    return _FakeEngine()


def test_a_worker_that_never_opens_is_reported_and_stopped(tmp_path):
    import psutil

    from webui.answer_pool import AnswerPool

    pool = AnswerPool(1, _fake_provider(tmp_path), opener=stuck_opener)
    try:
        with pytest.raises(PolicyQAError, match="1 个回答进程中只有 0 个在 2 秒内打开了索引"):
            pool.start(timeout=2)
        _wait_for(tmp_path / "stuck.pid")
        worker = psutil.Process(int((tmp_path / "stuck.pid").read_text(encoding="utf-8")))
    finally:
        started = time.monotonic()
        pool.close(timeout=1)
    assert time.monotonic() - started < 15
    gone, alive = psutil.wait_procs([worker], timeout=10)
    assert not alive, "close() left a stuck worker running"


def test_answer_workers_setting():
    from webui.settings import parse_args

    assert parse_args([], {}).answer_workers == 0
    assert parse_args([], {"POLICYQA_ANSWER_WORKERS": "2"}).answer_workers == 2
    assert parse_args(["--answer-workers", "3"], {"POLICYQA_ANSWER_WORKERS": "2"}).answer_workers == 3
    for bad in ("-1", "33", "two"):
        with pytest.raises(SystemExit):
            parse_args(["--answer-workers", bad], {})


def test_answer_workers_help_is_chinese(capsys):
    from webui.settings import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--help"], {})
    out = "".join(capsys.readouterr().out.split())  # argparse wraps the help to the terminal's width
    assert "--answer-workersANSWER_WORKERS" in out and "POLICYQA_ANSWER_WORKERS" in out and "进程中回答问题" in out


# ---- end to end: python app.py --answer-workers 2 ------------------------------------------------------------

WORKER_READY = re.compile(r"answer worker pid=(\d+) ready")


@pytest.fixture(scope="module")
def worker_app(seed_index_dir, tmp_path_factory):
    from tests.app_server import running_app

    with running_app(seed_index_dir, tmp_path_factory.mktemp("app-workers"), args=["--answer-workers", "2"]) as app:
        yield app


def _client(app):
    import ssl

    from gradio_client import Client

    return Client(app.url, verbose=False, ssl_verify=ssl.create_default_context())


def _worker_pids(app) -> list[int]:
    return [int(p) for p in WORKER_READY.findall(app.log())]


@pytest.mark.slow
def test_workers_give_the_same_answers_as_the_engine_in_process(worker_app, seed_engine):
    from qa.config import QAOptions

    pids = _worker_pids(worker_app)
    assert len(pids) == 2 and pids[0] != worker_app.pid
    client = _client(worker_app)
    for question in SAME_ANSWER_QUESTIONS:
        expected = json.loads(json.dumps(seed_engine.answer(question, QAOptions(top_k=5)).to_dict()))
        assert client.predict(question, 5, api_name="/ask") == expected, question
    reply = client.predict(ANSWERABLE, 5, api_name="/ask")
    assert "22" in reply["answer"]["text"]
    with pytest.raises(Exception, match="top_k 必须是 1 到 50"):  # refused in the app process, as before
        client.predict(ANSWERABLE, 0, api_name="/ask")


@pytest.mark.slow
def test_workers_answer_from_a_document_uploaded_through_the_app(worker_app, tmp_path):
    from gradio_client import handle_file

    client = _client(worker_app)
    before = client.predict(NEW_QUESTION, 5, api_name="/ask")
    assert before["no_answer"] or "十二座" not in before["answer"]["text"]
    path = tmp_path / "云岭县图书馆.txt"
    path.write_text(NEW_DOC, encoding="utf-8")
    report = client.predict([handle_file(str(path))], api_name="/add_documents")
    assert report["added"] == ["云岭县图书馆.txt"]
    for _ in range(4):  # whichever worker takes it
        reply = client.predict(NEW_QUESTION, 5, api_name="/ask")
        assert reply["no_answer"] is False and "十二座" in reply["answer"]["text"]
        assert reply["answer"]["citations"][0]["doc_id"] == "云岭县图书馆.txt"
    assert re.search(r"INFO qa\.engine\[\d+\]: switched to generation", worker_app.log())


@pytest.mark.slow
def test_workers_and_the_app_follow_a_document_written_by_another_engine(worker_app, tmp_path):
    from qa.engine import QAEngine

    client = _client(worker_app)
    path = tmp_path / "云岭县停车.txt"
    path.write_text("云岭县2025年新增公共停车泊位三千六百个。\n", encoding="utf-8")
    other = QAEngine.open(index_dir=worker_app.work / "index")
    assert other.knowledge_base.add_files([path])["added"] == ["云岭县停车.txt"]
    question = "云岭县2025年新增多少个公共停车泊位？"
    reply = client.predict(question, 5, api_name="/ask")
    assert reply["no_answer"] is False and "三千六百" in reply["answer"]["text"]
    # the app's own engine followed too: the new document can be filtered on and is listed
    reply = client.predict(question=question, top_k=5, doc_ids=["云岭县停车.txt"], api_name="/ask")
    assert {p["doc_id"] for p in reply["passages"]} == {"云岭县停车.txt"}
    assert "云岭县停车.txt" in {d["doc_id"] for d in client.predict(api_name="/documents")}
    other.knowledge_base.delete_document("云岭县停车.txt")
    for _ in range(3):
        reply = client.predict(question, 5, api_name="/ask")
        assert "云岭县停车.txt" not in {p["doc_id"] for p in reply["passages"]}


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_questions_keep_being_answered(worker_app):
    from webui.answer_pool import WORKER_LOST

    client = _client(worker_app)
    victim = _worker_pids(worker_app)[-1]
    errors: list[str] = []
    answered: list[bool] = []
    stop = threading.Event()

    def ask() -> None:
        own = _client(worker_app)
        while not stop.is_set():
            try:
                answered.append(own.predict(ANSWERABLE, 5, api_name="/ask")["no_answer"] is False)
            except Exception as exc:  # noqa: BLE001 - each one checked below
                errors.append(str(exc))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    os.kill(victim, signal.SIGKILL)
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(120)
    assert all(answered) and answered
    assert all(WORKER_LOST in e for e in errors), errors  # a plain message, never a traceback
    reply = client.predict(ANSWERABLE, 5, api_name="/ask")
    assert "22" in reply["answer"]["text"]
    log = worker_app.log()
    assert "an answer worker exited; starting 2 new worker(s)" in log
    assert "Traceback" not in log.split("an answer worker exited")[-1]
    new = _ready_after_restart(worker_app)
    assert len(new) == 2 and victim not in new


def _ready_after_restart(app, timeout: float = 60.0) -> list[int]:
    """The workers that logged ready since the last restart, once both have (or ``timeout`` passed): the second
    may still be opening its engine when the first has answered a question."""
    deadline = time.monotonic() + timeout
    while True:
        ready = [int(p) for p in WORKER_READY.findall(app.log().split("an answer worker exited")[-1])]
        if len(ready) >= 2 or time.monotonic() > deadline:
            return ready
        time.sleep(0.2)


@pytest.mark.slow
def test_stopping_the_app_stops_every_worker(worker_app):
    import psutil

    app = psutil.Process(worker_app.pid)
    children = app.children(recursive=True)
    workers = set(_worker_pids(worker_app)[-2:])
    assert workers <= {c.pid for c in children}
    app.terminate()  # SIGTERM, as a service manager stops it
    app.wait(60)
    gone, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, f"left running after the app stopped: {[p.pid for p in alive]}"
    assert "stopping the answer workers" in worker_app.log()


@pytest.mark.slow
def test_workers_on_the_database_backend_follow_its_generations(oceanbase_server, seed_index_dir, tmp_path,
                                                                 monkeypatch):
    """POLICYQA_ANSWER_WORKERS=1 with POLICYQA_BACKEND: the worker opens the database's generation, and answers from
    the one an upload through the app writes at its next question (the engine follows the pointer row)."""
    from gradio_client import handle_file

    from eval.app_process import stop_process
    from index.export import export_index
    from tests.app_server import wait_until_ready
    from tests.conftest import oceanbase_url
    from tests.test_oceanbase_apps import _from_new_document, _start_app
    from tests.test_oceanbase_generations import NEW_QUESTION, NEW_TEXT, QUESTION

    url = oceanbase_url(oceanbase_server, "pq_answer_workers")
    export_index(seed_index_dir, url, replace=True)
    monkeypatch.setenv("POLICYQA_ANSWER_WORKERS", "1")
    process, address, log_path = _start_app(url, tmp_path, "app")
    try:
        wait_until_ready(process, address, log_path)
        app = SimpleNamespace(url=address, log=lambda: log_path.read_text(encoding="utf-8"))
        assert len(_worker_pids(app)) == 1 and "database backend" in app.log()
        client = _client(app)
        assert "22" in client.predict(QUESTION, 5, api_name="/ask")["answer"]["text"]
        assert not _from_new_document(client.predict(NEW_QUESTION, 5, api_name="/ask"))
        upload = tmp_path / "青松湖公园.txt"
        upload.write_text(NEW_TEXT, encoding="utf-8")
        assert client.predict([handle_file(str(upload))], api_name="/add_documents")["added"] == ["青松湖公园.txt"]
        answer = client.predict(NEW_QUESTION, 5, api_name="/ask")
        assert not answer["no_answer"] and "1234" in answer["answer"]["text"]
        client.predict("青松湖公园.txt", api_name="/delete_document")
        assert not _from_new_document(client.predict(NEW_QUESTION, 5, api_name="/ask"))
    finally:
        stop_process(process)
    log = log_path.read_text(encoding="utf-8")
    assert re.search(r"qa\.engine\[\d+\]: switched to generation", log) and "Traceback" not in log
