"""Commands and app processes on the OceanBase backend (``--backend`` / ``POLICYQA_BACKEND``):
``python -m eval --backend`` measures the database's collection as it is; two ``python app.py``
processes on one seekdb, keeping no index folder, answer a document added or deleted through the
other one at their next question."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.app_process import free_port, stop_process
from index.config import REPO_ROOT
from index.export import export_index
from tests.app_server import wait_until_ready
from tests.conftest import oceanbase_url
from tests.test_oceanbase_generations import NEW_QUESTION, NEW_TEXT, QUESTION, _pointer


def test_eval_backend_answers_from_the_database(oceanbase_seed_url, tmp_path, monkeypatch, capsys):
    from eval.__main__ import main

    monkeypatch.delenv("POLICYQA_BACKEND", raising=False)
    out = tmp_path / "report"
    assert main(["--backend", oceanbase_seed_url, "--limit", "6", "--no-progress", "--out", str(out),
                 "--json", str(tmp_path / "result.json")]) == 0
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    config = result["config"]
    assert config["backend"] == oceanbase_seed_url and config["index_dir"] is None  # no password in it to mask here
    assert config["generation"] >= 1 and config["n_questions"] == 6
    assert (out / "report.md").is_file() and "recall@5" in capsys.readouterr().out


def test_eval_backend_and_index_dir_are_exclusive(tmp_path):
    from eval.__main__ import main

    with pytest.raises(SystemExit):
        main(["--backend", "oceanbase://root@127.0.0.1:1/x", "--index-dir", str(tmp_path)])


def test_app_settings_take_the_backend_and_refuse_it_with_an_index_dir():
    from webui.settings import parse_args

    settings = parse_args([], environ={"POLICYQA_BACKEND": "oceanbase://u:pw@127.0.0.1:2881/db"})
    assert settings.backend == "oceanbase://u:pw@127.0.0.1:2881/db" and settings.index_dir is None
    assert parse_args(["--backend", "oceanbase://u@h:1/d"], environ={}).backend == "oceanbase://u@h:1/d"
    with pytest.raises(SystemExit):
        parse_args(["--index-dir", "var/x"], environ={"POLICYQA_BACKEND": "oceanbase://u@h:1/d"})
    with pytest.raises(SystemExit):
        parse_args(["--backend", "mysql://u@h:1/d"], environ={})


def _start_app(url: str, work: Path, name: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log_path = work / f"{name}.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", "POLICYQA_BACKEND": url}
    for key in ("POLICYQA_USERNAME", "POLICYQA_PASSWORD", "POLICYQA_INDEX_DIR"):
        env.pop(key, None)
    with open(log_path, "w", encoding="utf-8") as log_file:
        process = subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py"), "--host", "127.0.0.1", "--port",
                                    str(port), "--feedback", str(work / f"{name}.jsonl")], cwd=work, env=env,
                                   stdout=log_file, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}/", log_path


def _from_new_document(answer: dict) -> bool:
    """Whether any passage of the reply (or its answer's text) comes from the uploaded document."""
    text = (answer.get("answer") or {}).get("text", "") if not answer.get("no_answer") else ""
    return "1234" in text or any(p.get("doc_id") == "青松湖公园.txt" for p in answer.get("passages", []))


@pytest.mark.slow
def test_two_app_processes_on_one_database_answer_each_others_documents(oceanbase_server, seed_index_dir, tmp_path):
    from gradio_client import Client, handle_file

    url = oceanbase_url(oceanbase_server, "pq_two_apps")
    export_index(seed_index_dir, url, replace=True)
    generation = _pointer(url)
    work = tmp_path / "work"
    work.mkdir()
    apps = [_start_app(url, work, name) for name in ("first", "second")]
    try:
        for process, address, log_path in apps:
            wait_until_ready(process, address, log_path)
        first, second = (Client(address, verbose=False) for _, address, _ in apps)
        assert not _from_new_document(second.predict(NEW_QUESTION, api_name="/ask"))
        upload = tmp_path / "青松湖公园.txt"
        upload.write_text(NEW_TEXT, encoding="utf-8")
        report = first.predict([handle_file(str(upload))], api_name="/add_documents")
        assert report["added"] == ["青松湖公园.txt"] and _pointer(url) == generation + 1
        answer = second.predict(NEW_QUESTION, api_name="/ask")
        assert not answer["no_answer"] and "1234" in answer["answer"]["text"] and _from_new_document(answer)
        assert "青松湖公园.txt" in {d["doc_id"] for d in second.predict(api_name="/documents")}
        second.predict("青松湖公园.txt", api_name="/delete_document")
        assert not _from_new_document(first.predict(NEW_QUESTION, api_name="/ask"))
        assert "22" in first.predict(QUESTION, api_name="/ask")["answer"]["text"]
    finally:
        for process, _, _ in apps:
            stop_process(process)
    assert not any(p.name.startswith(("gen-", "index")) for p in work.rglob("*")), list(work.rglob("*"))
    logs = "".join(log_path.read_text() for _, _, log_path in apps)
    assert "switched to generation" in logs and "Traceback" not in logs
