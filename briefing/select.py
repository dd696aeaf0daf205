"""Choose sentences under the length budget, skip near-duplicates, credit every outlet that said it.

Greedy in score order (ties: earlier document, earlier sentence); a candidate that repeats an already
chosen sentence is skipped, and when it comes from another document its source is added to the chosen
item (corroboration). The result is put back in reading order.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .dedupe import content_sets, overlap_matrix
from .models import Document, Item, Sentence, SourceRef
from .options import Options
from .vectors import count_words

if TYPE_CHECKING:
    import numpy as np

# A sentence ends with terminal punctuation, possibly followed by closing quotes or brackets;
# lines without it are headlines, captions or datelines, not briefing material.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$|[\"”’»][.!?]$")
# MMR-style redundancy: a candidate's score is discounted by its overlap with what is already chosen.
REDUNDANCY_PENALTY = 0.7
# Only this many best-scored eligible sentences compete in selection (a briefing holds far fewer).
CANDIDATE_POOL = 400


def eligible(sentence: Sentence, options: Options) -> bool:
    """Whether a sentence may appear in a briefing: a whole sentence of reasonable length."""
    words = count_words(sentence.text)
    return options.min_words <= words <= options.max_words and bool(_SENTENCE_END.search(sentence.text))


def select_items(
    sentences: Sequence[Sentence],
    scores: "np.ndarray",
    documents: Mapping[str, Document],
    options: Options,
    allowed: Sequence[bool] | None = None,
    budget_words: int | None = None,
    budget_sentences: int | None = None,
    overflow: bool = False,
) -> list[Item]:
    """Pick the briefing's items from scored sentences.

    Args:
        sentences: all candidate sentences (any documents).
        scores: one score per sentence (higher is better).
        documents: Document by id, for citations.
        options: budget (`words`/`sentences`), `min_words`, `max_words`, `duplicate_threshold`.
        allowed: optional mask; False leaves a sentence out (e.g. already published yesterday).
        budget_words / budget_sentences: override the options' budget (used to share it among stories).
        overflow: let the last sentence run past the word budget (evaluation truncates summaries to the
            budget, as it does for every baseline); briefings never overflow.
    Returns:
        Items in reading order, each citing one or more sources.
    """
    import numpy as np

    if not sentences:
        return []
    if budget_words is None and budget_sentences is None:
        budget_sentences = options.sentences
        budget_words = None if budget_sentences else options.words
    rows, _ = content_sets([s.text for s in sentences])
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], sentences[i].doc_position, sentences[i].index))
    pool = [i for i in order if (allowed is None or allowed[i]) and eligible(sentences[i], options)][:CANDIDATE_POOL]
    chosen: list[int] = []
    if pool:
        chosen = _greedy(pool, rows[pool], np.asarray([scores[i] for i in pool], dtype=float),
                         [count_words(sentences[i].text) for i in pool], options, budget_words, budget_sentences, overflow)
    if not chosen:
        return []
    credited = _corroborations(sentences, rows, chosen, options.duplicate_threshold)
    peak = float(np.max(scores)) or 1.0
    items = []
    for i in sorted(chosen, key=lambda i: (sentences[i].doc_position, sentences[i].index)):
        refs = [_ref(sentences[i], documents)] + [_ref(sentences[j], documents) for j in credited.get(i, [])]
        items.append(Item(text=sentences[i].text, score=float(scores[i]) / peak, sources=tuple(refs)))
    return items


def _greedy(
    pool: list[int],
    rows,  # type: ignore[no-untyped-def]
    values: "np.ndarray",
    lengths: list[int],
    options: Options,
    budget_words: int | None,
    budget_sentences: int | None,
    overflow: bool,
) -> list[int]:
    """Maximal marginal relevance: best score minus redundancy with what is chosen, until the budget is spent.

    A candidate whose overlap with a chosen sentence reaches `options.duplicate_threshold` is a
    near-duplicate and is never chosen (Carbonell & Goldstein, SIGIR 1998, for the MMR trade-off).
    """
    import numpy as np

    values = values / (values.max() or 1.0)
    redundancy = np.zeros(len(pool))
    alive = np.ones(len(pool), dtype=bool)
    chosen: list[int] = []
    words_left = budget_words if budget_words is not None else 10**9
    while alive.any() and words_left >= options.min_words:
        if budget_sentences is not None and len(chosen) >= budget_sentences:
            break
        k = int(np.argmax(np.where(alive, values - REDUNDANCY_PENALTY * redundancy, -np.inf)))
        alive[k] = False
        if redundancy[k] >= options.duplicate_threshold or (lengths[k] > words_left and not overflow):
            continue
        chosen.append(pool[k])
        words_left -= lengths[k]
        redundancy = np.maximum(redundancy, overlap_matrix(rows, rows[k]).ravel())
    return chosen


def _corroborations(sentences: Sequence[Sentence], rows, chosen: list[int], threshold: float) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    """For each chosen sentence, the best-matching repeat of it in each other document."""
    overlaps = overlap_matrix(rows, rows[chosen])
    best_item = overlaps.argmax(axis=1)
    found: dict[int, dict[str, tuple[float, int]]] = {}
    chosen_set = set(chosen)
    for j, sentence in enumerate(sentences):
        if j in chosen_set:
            continue
        k = int(best_item[j])
        value = float(overlaps[j, k])
        if value < threshold:
            continue
        item = chosen[k]
        if sentence.document == sentences[item].document:
            continue
        per_doc = found.setdefault(item, {})
        if sentence.document not in per_doc or value > per_doc[sentence.document][0]:
            per_doc[sentence.document] = (value, j)
    return {
        item: [j for _, j in sorted(per_doc.values(), key=lambda vj: (sentences[vj[1]].doc_position, vj[1]))]
        for item, per_doc in found.items()
    }


def _ref(sentence: Sentence, documents: Mapping[str, Document]) -> SourceRef:
    """Citation for one sentence."""
    doc = documents.get(sentence.document)
    return SourceRef(
        document=sentence.document,
        sentence=sentence.index,
        title=doc.title if doc else None,
        url=doc.url if doc else None,
        source=doc.source if doc else None,
    )
