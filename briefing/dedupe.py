"""Near-duplicate sentences: two sentences "say the same thing" when they share most of their content words.

Used by selection (skip a sentence that repeats a chosen one, credit its source instead), by the history
(leave out what an earlier briefing said) and by tests. Duplicate tracking is local to each call.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .vectors import binary_rows, tokenize

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Added to the smaller set's size so that two short sentences sharing a few words are not "the same".
_SMALL_SET_SMOOTHING = 1.0
DEFAULT_THRESHOLD = 0.6


def content_sets(texts: Sequence[str], vocabulary: dict[str, int] | None = None) -> tuple["sparse.csr_matrix", dict[str, int]]:
    """0/1 content-word rows for `texts`, plus the vocabulary used (new terms are added to it)."""
    vocab: dict[str, int] = {} if vocabulary is None else vocabulary
    token_lists = [tokenize(text) for text in texts]
    for tokens in token_lists:
        for token in tokens:
            vocab.setdefault(token, len(vocab))
    return binary_rows(token_lists, vocab), vocab


def overlap_matrix(a: "sparse.csr_matrix", b: "sparse.csr_matrix") -> "np.ndarray":
    """Pairwise similarity in 0.0-1.0 between the rows of `a` and of `b` (same columns).

    |A ∩ B| / (min(|A|, |B|) + 1): near 1.0 when one sentence's content words are all in the other
    (a paraphrase that adds or drops a clause), low when they only share the story's topic words.
    """
    import numpy as np

    width = max(a.shape[1], b.shape[1])
    a = _widen(a, width)
    b = _widen(b, width)
    shared = (a @ b.T).toarray()
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    smaller = np.minimum.outer(size_a, size_b)
    return shared / (smaller + _SMALL_SET_SMOOTHING)


def _widen(matrix: "sparse.csr_matrix", width: int) -> "sparse.csr_matrix":
    """Pad a CSR matrix with empty columns up to `width` (vocabularies grow between calls)."""
    if matrix.shape[1] == width:
        return matrix
    matrix = matrix.copy()
    matrix.resize((matrix.shape[0], width))
    return matrix


def similarity(a: str, b: str) -> float:
    """How much two sentences say the same thing, 0.0-1.0 (see `overlap_matrix`).

    >>> similarity("Police said 200,000 people were at the stadium.", "More than 200,000 people were at the stadium, police said.") > 0.6
    True
    """
    rows, _ = content_sets([a, b])
    return float(overlap_matrix(rows[0], rows[1])[0, 0])


def find_repeats(new: Sequence[str], old: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> list[int | None]:
    """For each text in `new`, the index of the first text in `old` that it repeats, or None.

    Args:
        new: candidate sentences.
        old: sentences already published or chosen.
        threshold: similarity (0.0-1.0) from which two sentences count as the same.
    Returns:
        A list as long as `new`.
    """
    if not new or not old:
        return [None] * len(new)
    new_rows, vocab = content_sets(new)
    old_rows, _ = content_sets(old, vocab)
    scores = overlap_matrix(new_rows, old_rows)
    best = scores.argmax(axis=1)
    return [int(j) if scores[i, j] >= threshold else None for i, j in enumerate(best)]
