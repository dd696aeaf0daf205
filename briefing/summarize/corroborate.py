"""Corroboration: which other outlets state an item's fact.

A sentence of another document corroborates an item when it is a statement (`is_statement`) whose content
words cover both sentences well enough (`corroboration_matrix`). Selection rewards what several outlets
report (`corroborated`, the share of other documents stating a candidate's fact) and every item cites the
best corroborating sentence of each other outlet (`corroborations`); a syndicated copy's outlets are
credited by `collapse.credit_copies`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Sentence
from ..options import Options
from ..text.standalone import SENTENCE_END, SENTENCE_START, is_furniture
from ..text.vectors import count_words
from .dedupe import DEFAULT_THRESHOLD, SMALL_SET_SMOOTHING, widen

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# A corroborating sentence shares at least this many content words with the item it supports ...
MIN_SHARED_WORDS = 3
# ... and they are at least this share of the longer sentence's content words (see corroboration_matrix).
MIN_LARGER_COVERAGE = 0.25


def corroboration_matrix(a: "sparse.csr_matrix", b: "sparse.csr_matrix", threshold: float = DEFAULT_THRESHOLD) -> "np.ndarray":
    """How well each row of `a` says the fact of each row of `b`, 0.0-1.0 (0.0: it does not).

    A pair counts only when
    - they share at least `MIN_SHARED_WORDS` content words (a name and a topic word are not a fact),
    - the shared words cover the smaller sentence: |A ∩ B| / (min(|A|, |B|) + 1) >= `threshold`
      (the `overlap_matrix` test for a near-duplicate), and
    - they also cover the larger one: |A ∩ B| / (max(|A|, |B|) + 1) >= `MIN_LARGER_COVERAGE` (a long
      sentence about something else that mentions the item's words in passing is not a corroboration).
    The value is then the `overlap_matrix` value of the pair.

    >>> from briefing.summarize.dedupe import content_sets
    >>> rows, _ = content_sets(["Police said 200,000 people were at the stadium on Sunday.",
    ...                         "More than 200,000 people were at the stadium, police said.", "Police rejected that."])
    >>> m = corroboration_matrix(rows[1:], rows[:1]); bool(m[0, 0] > 0), bool(m[1, 0] > 0)
    (True, False)
    """
    import numpy as np

    width = max(a.shape[1], b.shape[1])
    a, b = widen(a, width), widen(b, width)
    shared = (a @ b.T).toarray()
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    return _corroboration(shared, np.minimum.outer(size_a, size_b), np.maximum.outer(size_a, size_b), threshold)


def corroboration_pairs(
    a: "sparse.csr_matrix", b: "sparse.csr_matrix", threshold: float = DEFAULT_THRESHOLD
) -> "tuple[np.ndarray, np.ndarray, np.ndarray]":
    """The nonzero cells of `corroboration_matrix(a, b, threshold)` as (rows of a, rows of b, values).

    Only pairs sharing a word are looked at (the sparse product), so `a` may be every sentence of a big day.
    """
    import numpy as np

    width = max(a.shape[1], b.shape[1])
    a, b = widen(a, width), widen(b, width)
    shared = (a @ b.T).tocoo()
    keep = shared.data >= MIN_SHARED_WORDS
    i, j, count = shared.row[keep], shared.col[keep], shared.data[keep].astype(float)
    size_a = np.asarray(a.sum(axis=1)).ravel()[i]
    size_b = np.asarray(b.sum(axis=1)).ravel()[j]
    value = _corroboration(count, np.minimum(size_a, size_b), np.maximum(size_a, size_b), threshold)
    hit = value > 0
    return i[hit], j[hit], value[hit]


def _corroboration(shared: "np.ndarray", smaller: "np.ndarray", larger: "np.ndarray", threshold: float) -> "np.ndarray":
    """The corroboration test on shared word counts and the two sets' sizes (see `corroboration_matrix`)."""
    import numpy as np

    small_cover = shared / (smaller + SMALL_SET_SMOOTHING)
    large_cover = shared / (larger + SMALL_SET_SMOOTHING)
    ok = (shared >= MIN_SHARED_WORDS) & (small_cover >= threshold) & (large_cover >= MIN_LARGER_COVERAGE)
    return np.asarray(np.where(ok, small_cover, 0.0))


def corroborated(
    units: Sequence[Sentence], sentences: Sequence[Sentence], unit_rows: "sparse.csr_matrix",
    rows: "sparse.csr_matrix", options: Options,
) -> "np.ndarray":
    """For each candidate unit, the share of the other documents that state its fact, 0.0-1.0.

    A document corroborates a unit when one of its `sentences` is a statement that says the unit's fact
    (`corroboration_matrix`, the test the citations use). `rows` and `unit_rows` are the content
    words of `sentences` and `units` (same columns); only pairs sharing words are compared.

    >>> from briefing.summarize.dedupe import content_sets
    >>> texts = ["Police said 200,000 people were at the stadium on Sunday.",
    ...          "More than 200,000 people were at the stadium, police said.", "The mayor opened a new library."]
    >>> s = [Sentence(t, d, 0) for t, d in zip(texts, "abc")]
    >>> rows, _ = content_sets(texts)
    >>> corroborated(s, s, rows, rows, Options()).tolist()
    [0.5, 0.5, 0.0]
    """
    import numpy as np

    found = np.zeros(len(units))
    others = len({s.document for s in sentences}) - 1
    if not len(units) or others < 1:
        return found
    evidence, supported, _ = corroboration_pairs(rows, unit_rows, options.duplicate_threshold)
    statement = {j: is_statement(sentences[j], options) for j in set(evidence.tolist())}
    outlets: dict[int, set[str]] = {}
    for j, k in zip(evidence.tolist(), supported.tolist()):
        if statement[j] and sentences[j].document != units[k].document:
            outlets.setdefault(k, set()).add(sentences[j].document)
    for k, documents in outlets.items():
        found[k] = len(documents) / others
    return found


def corroborations(
    sentences: Sequence[Sentence], rows: "sparse.csr_matrix", items: Sequence[Sentence], item_rows: "sparse.csr_matrix",
    options: Options,
) -> dict[Sentence, list[Sentence]]:
    """For each chosen item, the sentence of each other document that best says the same fact.

    Only a statement can corroborate (`is_statement`). Whether it says the item's fact is
    `corroboration_matrix`: shared content words measured against both sentences, with a minimum
    count. `rows` are the content-word rows of `sentences`, `item_rows` those of `items` (same columns).
    """
    import numpy as np

    taken = {(s.document, s.index) for s in items}
    # Only sentences sharing enough words with some item can corroborate it: look at those alone.
    shared = (rows @ item_rows.T).tocsr()
    sharing: list[int] = (np.flatnonzero(shared.max(axis=1).toarray().ravel() >= MIN_SHARED_WORDS).tolist()
                          if shared.nnz else [])
    candidates = [j for j in sharing
                  if (sentences[j].document, sentences[j].index) not in taken and is_statement(sentences[j], options)]
    if not candidates:
        return {}
    support = corroboration_matrix(rows[candidates], item_rows, options.duplicate_threshold)
    best_item = support.argmax(axis=1)
    found: dict[int, dict[str, tuple[float, Sentence]]] = {}
    for row, j in enumerate(candidates):
        k = int(best_item[row])
        value = float(support[row, k])
        sentence = sentences[j]
        if value <= 0 or sentence.document == items[k].document:
            continue
        per_doc = found.setdefault(k, {})
        if sentence.document not in per_doc or value > per_doc[sentence.document][0]:
            per_doc[sentence.document] = (value, sentence)
    return {
        items[k]: [s for _, s in sorted(per_doc.values(), key=lambda vs: (vs[1].doc_position, vs[1].index))]
        for k, per_doc in found.items()
    }


def is_statement(sentence: Sentence, options: Options) -> bool:
    """Whether a sentence can be evidence for an item: a whole statement, not a question, fragment or furniture.

    Looser than `eligible` on length and quotation marks: a long sentence or one line of a quotation still
    says what it says.
    """
    text = sentence.text
    if count_words(text) < options.min_words or not SENTENCE_END.search(text) or not SENTENCE_START.match(text):
        return False
    return not text.rstrip("\"'”’»)] ").endswith("?") and not is_furniture(text)
