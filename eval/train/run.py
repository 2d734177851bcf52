"""One training run: gather every collection's candidates (cached), measure out-of-fold and
leave-one-collection-out, fit the final model and write it with its fingerprints and figures."""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.train.data import (
    CACHE_DIR,
    DEV_ROOT,
    Collection,
    QuestionData,
    code_fingerprint,
    collection_fingerprint,
    cut_corpus,
    cut_corpus_path,
    fingerprint_files,
    gather_collection,
    index_identity,
    load_gathered,
    save_gathered,
)
from eval.train.doubt import doubtful_no_answers, doubtful_pairs
from eval.train.fit import (
    MADE_VARIANTS,
    FitSettings,
    Predictions,
    cross_validate,
    fit_final,
    leave_one_collection_out,
)
from eval.train.measure import by_collection, by_type, choose_threshold, reliability
from qa.answer_model import MODEL_FORMAT, RANKER_FEATURES, VERIFIER_FEATURES, check_model_data
from qa.features import FEATURES, feature_fingerprint

log = logging.getLogger(__name__)


@dataclass
class TrainingResult:
    model: dict[str, Any]
    oof: Predictions
    loco: Predictions | None
    threshold: float


def gather_all(collections: Sequence[Collection], dev_root: Path = DEV_ROOT, cache_dir: Path | None = CACHE_DIR,
               show_progress: bool = True, index_dirs: dict[str, Path] | None = None) -> tuple[list[QuestionData], dict]:
    """Every collection's questions with their candidates; a collection whose fingerprint and index
    build are unchanged comes from the cache."""
    from qa.engine import QAEngine, index_dir_for

    questions: list[QuestionData] = []
    info: dict[str, Any] = {}
    engines: dict[Path, Any] = {}
    for collection in collections:
        fingerprint = collection_fingerprint(collection)
        path = cache_dir / f"{collection.name}.npz" if cache_dir else None
        variant_folder = (cache_dir or CACHE_DIR) / "corpora" / collection.name  # a cut variant's corpus
        corpus = cut_corpus_path(collection, variant_folder) if collection.cut_share else Path(collection.corpus)
        index_dir = (index_dirs or {}).get(collection.name) or index_dir_for([corpus])
        built = index_identity(index_dir)
        gathered = load_gathered(path, fingerprint, built) if path else None
        if gathered is None:
            items = None
            if collection.cut_share:
                corpus, items = cut_corpus(collection, variant_folder)
                _start_from_base_index(collection, corpus, index_dirs)
            engine = engines.get(corpus)
            if engine is None:
                engine = engines[corpus] = QAEngine.open(index_dir=index_dir, sources=[corpus], load_model=False,
                                                         show_progress=show_progress)
            gathered, stats = gather_collection(collection, engine, dev_root, show_progress, items)
            log.info("%s: %d questions, %d candidates, %.0f s", collection.name, stats.questions, stats.candidates,
                     stats.seconds)
            built = index_identity(index_dir)
            if path:
                save_gathered(path, gathered, fingerprint, built)
        questions += gathered
        answerable = [q for q in gathered if q.answerable]
        info[collection.name] = {
            "fingerprint": fingerprint, "index": built, "gold_sha": fingerprint_files([Path(collection.gold)]),
            "questions": len(gathered), "answerable": len(answerable),
            "unanswerable": len(gathered) - len(answerable), "trained_on": sum(q.train for q in gathered),
            "train_splits": list(collection.train_splits),
            "candidates": int(sum(len(q.hit) for q in gathered)),
            "found_at_read": round(sum(q.hit.any() for q in answerable) / max(1, len(answerable)), 4),
            "doubtful_no_answer": sorted(doubtful_no_answers(gathered, collection, dev_root)),
        }
    return questions, info


def _start_from_base_index(collection: Collection, corpus: Path, index_dirs: dict[str, Path] | None) -> None:
    """A cut variant's index starts as a copy of its base corpus's, so that the build embeds only
    the documents that lost sentences (the rest keep their vectors)."""
    import shutil

    from qa.engine import index_dir_for

    target = (index_dirs or {}).get(collection.name) or index_dir_for([corpus])
    base = index_dir_for([Path(collection.corpus)])
    if not target.exists() and base.is_dir():
        shutil.copytree(base, target)


def _without_doubtful_figures(pred: Predictions, threshold: float, info: dict[str, Any]) -> dict[str, Any]:
    """The out-of-fold figures of each collection with doubtful no-answer labels, those questions
    left out: how much of its no-answer error is the labels' (eval/train/doubt.py)."""
    doubtful = doubtful_pairs(info)
    names = [name for name, row in info.items() if row["doubtful_no_answer"] and not name.endswith(MADE_VARIANTS)]
    if not names:
        return {}
    keep = np.array([(q.collection, q.qid) not in doubtful for q in pred.questions])
    figures = by_collection(pred, threshold, select=keep)
    return {name: figures[name] for name in names if name in figures}


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        return round(float(value), 4)
    return value


def train(collections: Sequence[Collection], dev_root: Path = DEV_ROOT, cache_dir: Path | None = CACHE_DIR,
          folds: int = 5, loco: bool = True, show_progress: bool = True,
          progress: Callable[[str], None] = log.info, index_dirs: dict[str, Path] | None = None,
          settings: FitSettings | None = None) -> TrainingResult:
    settings = settings or FitSettings()
    started = time.perf_counter()
    questions, info = gather_all(collections, dev_root, cache_dir, show_progress, index_dirs)
    progress(f"{len(questions)} questions, {sum(q.train for q in questions)} to train on")
    oof = cross_validate(questions, folds, progress, settings)
    with_unanswerable = [c for c in dict.fromkeys(q.collection for q in questions)
                         if any(not q.answerable for q in questions if q.collection == c)
                         and not c.endswith(MADE_VARIANTS)]
    threshold, curve = choose_threshold(oof, with_unanswerable or list(dict.fromkeys(q.collection for q in questions)))
    progress(f"no-answer threshold {threshold:.2f} (out-of-fold, on {', '.join(with_unanswerable)})")
    loco_pred = (leave_one_collection_out(questions, progress, settings)
                 if loco and len({q.family for q in questions}) > 1 else None)
    final = fit_final(questions, oof, progress, settings)
    import lightgbm

    trainable = np.array([q.train for q in questions])
    model: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "version": time.strftime("%Y-%m-%d"),
        "features": list(FEATURES),
        "ranker_features": list(RANKER_FEATURES),
        "verifier_features": list(VERIFIER_FEATURES),
        "feature_fingerprint": feature_fingerprint(),
        "reading_code": code_fingerprint(),
        "threshold": threshold,
        "verifier_ignores": list(settings.verifier_ignores),
        "calibration": {"x": final.calibration[0], "y": final.calibration[1]},
        "training": {
            "collections": info,
            "lightgbm": lightgbm.__version__,
            "fit": settings.to_dict(),
            "folds": folds,
            "seconds": round(time.perf_counter() - started, 1),
        },
        "figures": {
            "note": ("out_of_fold: folds by document (a collection family's document and all its questions "
                     "in one fold); leave_one_collection_out: the family's questions scored by models fitted on "
                     "the other families. The seeds' test split is never trained on."),
            "out_of_fold": _rounded(by_collection(oof, threshold)),
            "leave_one_collection_out": _rounded(by_collection(loco_pred, threshold)) if loco_pred else None,
            "out_of_fold_without_doubtful": _rounded(_without_doubtful_figures(oof, threshold, info)),
            "seeds_by_type": _rounded(by_type(oof, threshold, "seeds")) if any(q.collection == "seeds" for q in questions) else None,
            "reliability_out_of_fold": reliability(oof.probability[trainable],
                                                    np.array([c.right for c in oof.choices], dtype=float)[trainable]),
            "threshold_curve": curve[::5],
        },
        "ranker": final.ranker.model_strings(),
        "verifier": final.verifier.model_to_string(),
    }
    check_model_data(model, "training run")
    return TrainingResult(model, oof, loco_pred, threshold)


def write_model(model: dict[str, Any], path: Path) -> None:
    """Write atomically: a half-written model file is never loaded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
