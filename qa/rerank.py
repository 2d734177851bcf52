"""Optional cross-encoder reranking of retrieved passages (off by default)."""
from __future__ import annotations

import os
from pathlib import Path

from index.errors import EmbedderError


class CrossEncoderReranker:
    """``st:/path/to/cross-encoder`` loaded offline with sentence-transformers."""

    def __init__(self, spec: str) -> None:
        location = spec[3:] if spec.startswith("st:") else spec
        path = Path(location).expanduser()
        if not path.exists():
            raise EmbedderError(f"重排序模型路径不存在：{path}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(path), device="cpu")
        except Exception as exc:
            raise EmbedderError(f"无法加载重排序模型 {path}：{exc.__class__.__name__}: {exc}") from exc
        self.spec = spec

    def scores(self, question: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        return [float(s) for s in self._model.predict([(question, p) for p in passages], show_progress_bar=False)]
