"""Locust users that ask the web app questions through Gradio's REST API (``api_name="ask"``):
``POST /gradio_api/call/ask`` returns an event id, ``GET /gradio_api/call/ask/<id>`` streams
the result (server-sent events) until ``event: complete`` or ``event: error``.

Run by ``python -m eval.load`` (which starts the app), or by hand against a running app::

    locust -f eval/load/locustfile.py --headless -u 8 -r 8 --host http://127.0.0.1:7860

Environment: ``LOADTEST_QUESTIONS`` (total questions, all users together; the run stops after
them, default 1000), ``LOADTEST_TOP_K`` (default 5), ``LOADTEST_RAW`` (write one JSON record
per question there at the end: latency, ok, error).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

GOLD = Path(__file__).resolve().parents[1] / "gold.jsonl"  # eval/gold.jsonl
TOTAL = int(os.environ.get("LOADTEST_QUESTIONS", "1000"))
TOP_K = int(os.environ.get("LOADTEST_TOP_K", "5"))
RAW = os.environ.get("LOADTEST_RAW", "")
# A few hostile inputs among the real questions: they must be answered (no_answer), not fail.
ODD = ["", "？？？", "😀😀", "<script>alert(1)</script>", "'; DROP TABLE documents; --", "江门市" * 300]


def _questions() -> list[str]:
    questions = []
    if GOLD.exists():
        for line in GOLD.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions or ["江门市2023年一共重点推进几项改革项目？"]


QUESTIONS = _questions()
_issued = itertools.count()
_records: list[dict] = []
_defaults: list | None = None  # values of the ask endpoint's parameters after (question, top_k)


def _extra_defaults(client) -> list:
    """The REST API wants every parameter: fill those after top_k with their defaults (from /gradio_api/info)."""
    global _defaults
    if _defaults is None:
        response = client.get("/gradio_api/info", name="GET /gradio_api/info")
        response.raise_for_status()
        endpoint = response.json()["named_endpoints"]["/ask"]
        _defaults = [p.get("parameter_default") for p in endpoint["parameters"][2:]]
    return _defaults


def _parse_events(body: str) -> tuple[str, Any]:
    """The last ``event:`` and its ``data:`` of a Gradio SSE stream."""
    event, data = "", None
    for block in body.split("\n\n"):
        lines = block.strip().splitlines()
        name = next((row[6:].strip() for row in lines if row.startswith("event:")), "")
        payload = "\n".join(row[5:].strip() for row in lines if row.startswith("data:"))
        if name in ("complete", "error"):
            event = name
            try:
                data = json.loads(payload) if payload else None
            except json.JSONDecodeError:
                data = payload
    return event, data


class AskUser(HttpUser):
    wait_time = constant(0)

    @task
    def ask(self) -> None:
        number = next(_issued)
        if number >= TOTAL:
            raise StopUser()
        question = ODD[number // 10 % len(ODD)] if number % 50 == 7 else random.Random(number).choice(QUESTIONS)
        started = time.perf_counter()
        error = ""
        try:
            payload = [question, TOP_K, *_extra_defaults(self.client)]
            with self.client.post("/gradio_api/call/ask", json={"data": payload},
                                  name="POST /gradio_api/call/ask", catch_response=True) as response:
                event_id = response.json().get("event_id") if response.ok else None
                if not event_id:
                    error = f"POST {response.status_code}: {response.text[:200]}"
                    response.failure(error)
            if event_id:
                with self.client.get(f"/gradio_api/call/ask/{event_id}", name="GET /gradio_api/call/ask/<id>",
                                     catch_response=True) as response:
                    event, data = _parse_events(response.text) if response.ok else ("", None)
                    if event != "complete":
                        error = f"GET {response.status_code} {event or 'no result'}: {str(data)[:200]}"
                        response.failure(error)
                    elif not (isinstance(data, list) and data and isinstance(data[0], dict)
                              and "no_answer" in data[0]):
                        error = f"malformed result: {str(data)[:200]}"
                        response.failure(error)
        except Exception as exc:  # noqa: BLE001 - counted as an error, the run goes on
            error = f"{exc.__class__.__name__}: {exc}"
        seconds = time.perf_counter() - started
        # One end-to-end row per question beside the two HTTP rows.
        events.request.fire(request_type="ASK", name="question (POST + result stream)", response_time=seconds * 1000,
                            response_length=0, exception=RuntimeError(error) if error else None,
                            context={}, url="/gradio_api/call/ask")
        _records.append({"n": number, "ms": round(seconds * 1000, 2), "ok": not error, "error": error,
                         "question_chars": len(question)})
        if len(_records) >= TOTAL and self.environment.runner is not None:
            gevent.spawn_later(0.1, self.environment.runner.quit)


@events.quitting.add_listener
def _write_raw(environment, **_kwargs) -> None:
    if RAW:
        Path(RAW).write_text(json.dumps(_records, ensure_ascii=False), encoding="utf-8")
