"""A local seekdb server (OceanBase's single-node edition), whose server binary ships inside the
``pylibseekdb`` wheel: started in a given folder on a free port, waited for until it accepts a
login, and stopped by its process id. Used by the tests (``tests/oceanbase_server.py``) and the
benchmarks (``eval.bench --backend oceanbase``, ``eval.bench.vector_scale``).

seekdb listens on every interface; callers only ever connect to 127.0.0.1 (``HOST``)::

    server = start_seekdb(Path("/tmp/seekdb"))
    try:
        url = server.url("policyqa")          # oceanbase://root@127.0.0.1:PORT/policyqa
    finally:
        stop_seekdb(server)
"""
from __future__ import annotations

import contextlib
import importlib.util
import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# issue 18's measured settings: about 0.7-0.9 GB resident on 2 cores
PARAMETERS = {"memory_limit": "2G", "datafile_size": "1G", "log_disk_size": "2G", "cpu_count": "2"}


class SeekdbError(RuntimeError):
    """seekdb is not installed, exited, or did not answer in time (the message carries its log's tail)."""


@dataclass
class SeekdbServer:
    process: subprocess.Popen[bytes]
    port: int
    base_dir: Path
    start_seconds: float

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def url(self, database: str) -> str:
        return f"oceanbase://root@{HOST}:{self.port}/{database}"

    def log_tail(self, chars: int = 3000) -> str:
        text = ""
        for path in sorted(self.base_dir.rglob("*.log"))[-3:]:
            with contextlib.suppress(OSError):
                text += f"--- {path.name}\n" + path.read_text(errors="replace")[-chars:]
        return text


def seekdb_binary() -> Path:
    spec = importlib.util.find_spec("pylibseekdb")
    if spec is None or not spec.submodule_search_locations and not spec.origin:
        raise SeekdbError("pylibseekdb is not installed (pip install -r requirements.txt)")
    folders = list(spec.submodule_search_locations or []) or [str(Path(spec.origin or "").parent)]
    for folder in folders:
        for candidate in (Path(folder) / "seekdb", *Path(folder).rglob("seekdb")):
            if candidate.is_file():
                return candidate
    raise SeekdbError(f"no seekdb binary in the pylibseekdb package ({folders})")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _ready(port: int) -> bool:
    import pymysql

    try:
        pymysql.connect(host=HOST, port=port, user="root", password="", connect_timeout=2).close()
        return True
    except pymysql.err.MySQLError:
        return False


def start_seekdb(base_dir: Path, timeout: float = 180.0, parameters: Mapping[str, str] | None = None) -> SeekdbServer:
    """Start seekdb in ``base_dir`` and wait until it accepts a login; on failure it is stopped and
    the error carries the tail of its log. ``parameters`` override ``PARAMETERS`` one by one
    (e.g. a larger ``memory_limit`` for a million vectors)."""
    base_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [str(seekdb_binary()), "--nodaemon", "--port", str(port), "--base-dir", str(base_dir)]
    for name, value in {**PARAMETERS, **(parameters or {})}.items():
        command += ["--parameter", f"{name}={value}"]
    started = time.monotonic()
    with open(base_dir / "stdout.log", "wb") as output:
        process = subprocess.Popen(command, cwd=base_dir, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = SeekdbServer(process, port, base_dir, 0.0)
    try:
        while not _ready(port):
            if process.poll() is not None:
                raise SeekdbError(f"seekdb exited with {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() - started > timeout:
                raise SeekdbError(f"seekdb did not accept connections within {timeout:.0f} s:\n{server.log_tail()}")
            time.sleep(0.5)
    except BaseException:
        stop_seekdb(server, remove=False)
        raise
    server.start_seconds = time.monotonic() - started
    log.info("seekdb up on %s:%d (pid %d) in %.1f s", HOST, port, server.pid, server.start_seconds)
    return server


def stop_seekdb(server: SeekdbServer, remove: bool = True, timeout: float = 30.0) -> None:
    """SIGTERM to the server's process id, SIGKILL if it is still there after ``timeout``; then its folder goes."""
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(10)
    if remove:
        shutil.rmtree(server.base_dir, ignore_errors=True)


def resident_mb(pid: int) -> float:
    """The process's resident memory (VmRSS), in MB; 0 when it cannot be read."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
