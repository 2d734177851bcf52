"""Load test of the web app with locust: start ``python app.py`` on a free port, let N users ask
Q questions in total through Gradio's REST API (``/gradio_api/call/ask``, see
``eval/load/locustfile.py``), then print p50/p95 latency and the error count and write a JSON.

    python -m eval.load [--users 8] [--questions 1000] [--index-dir DIR] [--json eval_out/loadtest.json]
    python -m eval.load --url http://127.0.0.1:7860   # against an app that is already running

(``python -m eval.loadtest``, the old name, runs the same command.)

A benchmark, not a test: its figures depend on the machine (they are recorded with its CPU
count and load average).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.app_process import free_port, stop_process
from eval.metrics import mean, percentile
from index.config import REPO_ROOT

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DEFAULT_JSON = REPO_ROOT / "eval_out" / "loadtest.json"


@dataclass
class LoadSettings:
    users: int = 8
    spawn_rate: float = 8.0
    questions: int = 1000
    top_k: int = 5
    url: str = ""                   # empty: start app.py on a free port
    port: int = 0                   # 0: any free port
    index_dir: Path | None = None   # passed to app.py (None: its default)
    json: Path = DEFAULT_JSON
    startup_timeout: float = 600.0  # the app may first build its index
    run_timeout: float = 1800.0


@dataclass
class LoadResult:
    users: int
    questions: int
    completed: int
    errors: int
    p50_ms: float | None            # None: no question completed
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    wall_s: float
    questions_per_s: float
    url: str
    startup_s: float | None = None
    error_samples: list[str] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{self.completed}/{self.questions} 个问题，{self.users} 个并发用户，用时 {self.wall_s:.1f} 秒"
                f"（{self.questions_per_s:.1f} 问/秒）\n"
                f"延迟 p50 {_ms(self.p50_ms)}，p95 {_ms(self.p95_ms)}，p99 {_ms(self.p99_ms)}，"
                f"最大 {_ms(self.max_ms)}；错误 {self.errors} 个")


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summarise(records: list[dict[str, Any]], settings: LoadSettings, url: str, wall_s: float,
              startup_s: float | None = None) -> LoadResult:
    """Figures over the per-question records the locustfile writes (``ms``, ``ok``, ``error``)."""
    latencies = [float(r["ms"]) for r in records]
    errors = [r for r in records if not r.get("ok")]
    return LoadResult(
        users=settings.users, questions=settings.questions, completed=len(records), errors=len(errors),
        p50_ms=_round(percentile(latencies, 50)), p95_ms=_round(percentile(latencies, 95)),
        p99_ms=_round(percentile(latencies, 99)), mean_ms=_round(mean(latencies)),
        max_ms=_round(max(latencies, default=None)), wall_s=round(wall_s, 2),
        questions_per_s=round(len(records) / wall_s, 2) if wall_s > 0 else 0.0, url=url,
        startup_s=None if startup_s is None else round(startup_s, 1),
        error_samples=sorted({str(r.get("error", ""))[:200] for r in errors})[:10],
        machine={"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        settings={k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()},
    )


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/gradio_api/info", timeout=5) as response:
            return response.status == 200 and "/ask" in json.loads(response.read()).get("named_endpoints", {})
    except (OSError, ValueError):
        return False


def start_app(settings: LoadSettings, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = settings.port or free_port()
    command = [sys.executable, str(REPO_ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)]
    if settings.index_dir:
        command += ["--index-dir", str(settings.index_dir)]
    handle = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=handle, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    handle.close()
    return process, f"http://127.0.0.1:{port}"


def wait_until_ready(url: str, process: subprocess.Popen | None, timeout: float, log_path: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:] if log_path else ""
            raise SystemExit(f"app.py 启动失败（退出码 {process.returncode}）：\n{tail}")
        if _ready(url):
            return
        time.sleep(1.0)
    raise SystemExit(f"app.py 在 {timeout:.0f} 秒内没有就绪：{url}")


def run_locust(settings: LoadSettings, url: str, workdir: Path) -> tuple[list[dict[str, Any]], float]:
    raw = workdir / "records.json"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(settings.users),
               "-r", str(settings.spawn_rate), "--host", url, "--only-summary", "-t", f"{int(settings.run_timeout)}s",
               "--csv", str(workdir / "locust")]
    env = {**os.environ, "LOADTEST_QUESTIONS": str(settings.questions), "LOADTEST_TOP_K": str(settings.top_k),
           "LOADTEST_RAW": str(raw)}
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=settings.run_timeout + 120)
    wall = time.perf_counter() - started
    output = "\n".join(line for line in (completed.stdout + completed.stderr).splitlines()
                       if "MonkeyPatchWarning" not in line and "monkey.patch_all" not in line)
    print(output[-6000:], flush=True)
    if not raw.exists():
        raise SystemExit(f"locust 没有写出结果（退出码 {completed.returncode}）：\n{completed.stderr[-3000:]}")
    return json.loads(raw.read_text(encoding="utf-8")), wall


def run(settings: LoadSettings) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp:
        workdir = Path(tmp)
        process, startup = None, None
        url = settings.url.rstrip("/")
        log_path = workdir / "app.log"
        try:
            if not url:
                started = time.perf_counter()
                process, url = start_app(settings, log_path)
                print(f"启动 app.py：{url}（日志 {log_path}）", flush=True)
                wait_until_ready(url, process, settings.startup_timeout, log_path)
                startup = time.perf_counter() - started
            elif not _ready(url):
                raise SystemExit(f"{url} 上没有可用的 ask 接口")
            records, wall = run_locust(settings, url, workdir)
        finally:
            if process is not None:
                stop_process(process, timeout=30)
    result = summarise(records, settings, url, wall, startup)
    settings.json.parent.mkdir(parents=True, exist_ok=True)
    settings.json.write_text(json.dumps(asdict(result), ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    defaults = LoadSettings()
    parser = argparse.ArgumentParser(prog="python -m eval.load", description="政策问答：Web 接口压力测试（locust）")
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--spawn-rate", type=float, default=None, help="每秒启动的用户数（默认等于 --users）")
    parser.add_argument("--questions", type=int, default=defaults.questions, help="所有用户合计提问数")
    parser.add_argument("--top-k", type=int, default=defaults.top_k)
    parser.add_argument("--url", default="", help="已在运行的应用地址（不填则启动 app.py）")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=defaults.json)
    parser.add_argument("--startup-timeout", type=float, default=defaults.startup_timeout)
    parser.add_argument("--run-timeout", type=float, default=defaults.run_timeout)
    args = parser.parse_args(argv)
    if args.users < 1 or args.questions < 1:
        parser.error(f"--users 与 --questions 必须大于 0，当前为 {args.users} 与 {args.questions}")
    settings = LoadSettings(users=args.users, spawn_rate=args.spawn_rate or float(args.users), questions=args.questions,
                            top_k=args.top_k, url=args.url, port=args.port, index_dir=args.index_dir, json=args.json,
                            startup_timeout=args.startup_timeout, run_timeout=args.run_timeout)
    result = run(settings)
    print(result.summary())
    print(f"结果已写入：{settings.json}")
    return 1 if result.completed < settings.questions else 0


if __name__ == "__main__":
    sys.exit(main())
