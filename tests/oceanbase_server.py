"""A real OceanBase server for tests: seekdb from the ``pylibseekdb`` wheel, started in a temporary
folder on a free port and stopped by its process id. The code is ``index/seekdb.py`` (the benchmarks
use it too); this module keeps the names the tests' fixtures import."""
from __future__ import annotations

from index.seekdb import (
    HOST,
    PARAMETERS,
    SeekdbError,
    SeekdbServer,
    free_port,
    resident_mb,
    seekdb_binary,
    start_seekdb,
    stop_seekdb,
)

__all__ = ["HOST", "PARAMETERS", "SeekdbError", "SeekdbServer", "free_port", "resident_mb", "seekdb_binary",
           "start_seekdb", "stop_seekdb"]
