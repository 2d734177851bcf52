"""Performance and scale benchmark (``python -m eval.bench``, see docs/BENCH.md).

- ``run``: the settings and the orchestration, one fresh process per job;
- ``worker``: the jobs themselves (``python -m eval.bench.worker build|query|baseline|faiss``);
- ``corpus``: the seeds ×N, deterministic distinct copies;
- ``baseline``: the naive pipeline compared against; ``cache``: the measuring (optionally caching) embedder;
- ``faiss_sweep``: flat against HNSW; ``app``: ``app.py`` under load through its API;
- ``report``: extrapolation and plots; ``markdown``: ``bench.md``.
"""
