"""Settings of a benchmark run; the flags of ``python -m eval`` map one-to-one onto these fields."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.config import check_top_k

METHODS = ("hybrid", "bm25", "dense")
DEFAULT_TOP_K = 10
DEFAULT_OUT_ROOT = Path("eval_out")  # report.md and charts without --out: eval_out/<collection>/


@dataclass
class EvalSettings:
    gold: Path | None = None              # None: eval/gold.jsonl, or qa.jsonl beside the first corpus
    corpora: list[Path] = field(default_factory=list)  # empty: the seeds folder
    index_dir: Path | None = None         # None: the engine's default for these sources
    backend: str | None = None            # oceanbase://…: the collection in that database, as it is (nothing built)
    split: str = "all"                    # dev | test | all
    methods: list[str] = field(default_factory=lambda: ["hybrid"])
    embedder: str | None = None           # None: the index's / engine's default
    top_k: int = DEFAULT_TOP_K
    limit: int | None = None              # first N questions of the split
    out: Path | None = None               # folder for report.md and charts (None: out_dir())
    json: Path | None = None              # machine-readable results
    show_progress: bool = True

    @property
    def collection(self) -> str:
        """The name of the collection run on: ``seeds``, a corpus folder's name, or several joined by "+"."""
        names = [(p.parent.name if p.suffix.lower() == ".jsonl" else p.name) or "corpus" for p in self.corpora]
        return "+".join(dict.fromkeys(names)) or "seeds"

    def out_dir(self) -> Path:
        """Where report.md and the charts go: ``--out``, else ``eval_out/<collection>`` (in the working folder)."""
        return self.out if self.out is not None else DEFAULT_OUT_ROOT / self.collection

    @property
    def compare(self) -> bool:
        """More than one method: metrics and by_type are keyed by method."""
        return len(self.methods) > 1

    def validate(self) -> None:
        check_top_k(self.top_k)
        if not self.methods:
            raise ValueError("methods must name at least one of " + ", ".join(METHODS))
        for method in self.methods:
            if method not in METHODS:
                raise ValueError(f"method must be one of {', '.join(METHODS)}. Currently, a method is {method!r}")
        if self.backend and self.index_dir is not None:
            raise ValueError("--backend and --index-dir are exclusive: the index is either in the database or in a folder")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods must not repeat. Currently, the methods are {self.methods}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold": str(self.gold) if self.gold else None,
            "corpora": [str(p) for p in self.corpora],
            "index_dir": str(self.index_dir) if self.index_dir else None,
            "backend": _masked(self.backend),
            "split": self.split,
            "methods": list(self.methods),
            "embedder": self.embedder,
            "top_k": self.top_k,
            "limit": self.limit,
        }


def _masked(backend: str | None) -> str | None:
    """The backend's address without its password (reports are shared)."""
    if not backend:
        return None
    from index.oceanbase import BackendURL

    return BackendURL.parse(backend).masked()


def parse_methods(text: str) -> list[str]:
    """``"bm25,dense,hybrid"`` -> ``["bm25", "dense", "hybrid"]`` (checked against METHODS)."""
    methods = [m.strip().lower() for m in text.split(",") if m.strip()]
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"--compare takes methods from {', '.join(METHODS)}; got {method!r}")
    if not methods:
        raise ValueError(f"--compare needs at least one of {', '.join(METHODS)}")
    return methods
