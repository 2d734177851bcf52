"""No-answer labels that the kept documents contradict: found and reported, not hidden.

A no-answer question of a variant (the fixed ``*_na`` sets, the masks and cuts made here) is
labelled unanswerable because its gold documents were dropped or its answer sentences cut, and
the answer is not found *verbatim* in what is left. Reposted notices defeat that test: ncp_policy
holds the same notice under several ids with a phrase inserted ("…等方式，加强宣传、事先告知，
引导…"), so the "unanswerable" question is answered, word for word but for a few characters, by a
kept document, and an assistant that answers it is scored wrong.

``doubtful_no_answers`` finds them: a question whose original gold answer has at least
``DOUBT_SHARE`` of its character 4-grams in one kept document. Measured on the fixed sets: 13 of
ncp_policy_na's 113 no-answer questions, 3 of cmrc2018_trial_na's 284 and 3 of drcd_test_na's 305.
The training run lists them in the model file and reports the no-answer figures both with and
without them; it still trains on them: left out of training they did not help (mean hit@1 + NA-F1
over the seeds and the three *_na sets, out-of-fold / leave-one-collection-out: 1.517 / 1.389 ->
1.516 / 1.390 with the session-9 verifier, 1.522 / 1.430 -> 1.518 / 1.393 with today's)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from eval.gold import load_gold
from eval.metrics import match_key
from eval.train.data import Collection, QuestionData, corpus_texts, cut_variant, family_gold, masked_variant

DOUBT_SHARE = 0.7
GRAM = 4


def kept_texts(collection: Collection) -> dict[str, str]:
    """The documents a variant's questions are answered from: the corpus less its masked
    documents, with its cut sentences removed."""
    texts = corpus_texts(Path(collection.corpus))
    if collection.drop_share:
        kept, _ = masked_variant(load_gold(collection.gold), texts, collection.drop_share, collection.drop_seed)
        return {d: texts[d] for d in kept}
    if collection.cut_share:
        changed, _ = cut_variant(load_gold(collection.gold), texts, collection.cut_share, collection.cut_seed,
                                 collection.train_splits)
        return texts | changed
    return texts


def _grams(text: str) -> set[str]:
    return {text[i:i + GRAM] for i in range(max(0, len(text) - GRAM + 1))}


class GramIndex:
    """Which documents hold each character 4-gram (of their match keys)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._holders: dict[str, set[str]] = defaultdict(set)
        for doc, text in texts.items():
            for gram in _grams(match_key(text)):
                self._holders[gram].add(doc)

    def best_share(self, answer: str) -> float:
        """The largest share of ``answer``'s 4-grams that one document holds."""
        grams = _grams(match_key(answer))
        if not grams:
            return 0.0
        counts: dict[str, int] = defaultdict(int)
        for gram in grams:
            for doc in self._holders.get(gram, ()):
                counts[doc] += 1
        return max(counts.values(), default=0) / len(grams)


def doubtful_pairs(collections: dict[str, dict]) -> set[tuple[str, str]]:
    """(collection, question id) of every no-answer label in doubt, from the training record of each
    collection (the model file's ``training.collections``: ``doubtful_no_answer``)."""
    return {(name, qid) for name, row in collections.items() for qid in row.get("doubtful_no_answer", [])}


def doubtful_no_answers(questions: Iterable[QuestionData], collection: Collection, dev_root: Path) -> set[str]:
    """Ids of the no-answer questions whose original answer a kept document nearly holds."""
    unanswerable = [q for q in questions if not q.answerable and not q.collection.endswith("_moved")]
    if not unanswerable:
        return set()
    full_gold = family_gold(collection, dev_root)
    if not full_gold.is_file():
        return set()
    answers = {item.id: item.answers for item in load_gold(full_gold)}
    index = GramIndex(kept_texts(collection))
    return {q.qid for q in unanswerable
            if any(index.best_share(a) >= DOUBT_SHARE for a in answers.get((q.part_of or q.qid).split("~")[0], ()))}
