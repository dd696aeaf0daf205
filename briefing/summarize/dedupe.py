"""Near-duplicate sentences: two sentences "say the same thing" when they share most of their content words.

Used by selection (skip a sentence that repeats a chosen one), by the history (leave out what an earlier
briefing said) and by corroboration (`corroborate`: which other outlets state an item's fact); what earlier
days' articles said is `novelty`'s concern. Duplicate tracking is local to each call.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..text.vectors import term_matrix, tokenize

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Added to the smaller set's size so that two short sentences sharing a few words are not "the same".
SMALL_SET_SMOOTHING = 1.0
DEFAULT_THRESHOLD = 0.5  # the same default as Options.duplicate_threshold
# Cells (new x old pairs) of one block of `find_repeats`; only the pairs sharing a word are materialised.
_BLOCK_PAIRS = 4_000_000


def content_sets(
    texts: Sequence[str], vocabulary: dict[str, int] | None = None, languages: Sequence[str | None] | None = None
) -> tuple["sparse.csr_matrix", dict[str, int]]:
    """0/1 content-word rows for `texts`, plus the vocabulary used (new terms are added to it).

    `languages` gives each text's BCP 47 tag (default: English).
    """
    vocab: dict[str, int] = {} if vocabulary is None else vocabulary
    if languages is None:
        token_lists = [tokenize(text) for text in texts]
    else:
        token_lists = [tokenize(text, language) for text, language in zip(texts, languages)]
    matrix, _ = term_matrix(token_lists, vocab, grow=True)
    matrix.data[:] = 1
    return matrix, vocab


def overlap_matrix(a: "sparse.csr_matrix", b: "sparse.csr_matrix") -> "np.ndarray":
    """Pairwise similarity in 0.0-1.0 between the rows of `a` and of `b` (same columns).

    |A ∩ B| / (min(|A|, |B|) + 1): near 1.0 when one sentence's content words are all in the other
    (a paraphrase that adds or drops a clause), low when they only share the story's topic words.
    """
    import numpy as np

    width = max(a.shape[1], b.shape[1])
    a = widen(a, width)
    b = widen(b, width)
    shared = (a @ b.T).toarray()
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    smaller = np.minimum.outer(size_a, size_b)
    return np.asarray(shared / (smaller + SMALL_SET_SMOOTHING))


def widen(matrix: "sparse.csr_matrix", width: int) -> "sparse.csr_matrix":
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


def find_repeats(
    new: Sequence[str], old: Sequence[str], threshold: float = DEFAULT_THRESHOLD, language: str | None = None
) -> list[int | None]:
    """For each text in `new`, the index of the first text in `old` that it repeats, or None.

    Args:
        new: candidate sentences.
        old: sentences already published or chosen.
        threshold: similarity (0.0-1.0) from which two sentences count as the same.
        language: the BCP 47 tag both sides are tokenised as (None: English).
    Returns:
        A list as long as `new`: the best-matching (then earliest) text of `old` at or above `threshold`.
    """
    if not new or not old:
        return [None] * len(new)
    new_rows, vocab = content_sets(new, languages=[language] * len(new))
    old_rows, _ = content_sets(old, vocab, languages=[language] * len(old))
    if threshold <= 0:  # every pair qualifies, even with nothing shared: the dense answer is all there is
        scores = overlap_matrix(new_rows, old_rows)
        return [int(j) for j in scores.argmax(axis=1)]
    return _best_matches(new_rows, old_rows, threshold)


def _best_matches(a: "sparse.csr_matrix", b: "sparse.csr_matrix", threshold: float) -> list[int | None]:
    """Per row of `a`, the column of its best overlap with the rows of `b` when >= threshold.

    Only pairs sharing a word are looked at (the sparse product), in row blocks, so a long history never
    becomes a dense len(a) x len(b) matrix. Ties go to the earliest row of `b`, as argmax would.
    """
    import numpy as np

    width = max(a.shape[1], b.shape[1])
    a, b = widen(a, width), widen(b, width)
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    transposed = b.T.tocsr()
    found: list[int | None] = [None] * a.shape[0]
    step = max(1, _BLOCK_PAIRS // max(b.shape[0], 1))
    for start in range(0, a.shape[0], step):
        shared = (a[start : start + step] @ transposed).tocoo()
        rows, cols = shared.row.astype(np.int64) + start, shared.col.astype(np.int64)
        value = shared.data / (np.minimum(size_a[rows], size_b[cols]) + SMALL_SET_SMOOTHING)
        hit = value >= threshold
        rows, cols, value = rows[hit], cols[hit], value[hit]
        # Best value first, then the earliest column; the first entry of each row wins.
        order = np.lexsort((cols, -value, rows))
        rows, cols = rows[order], cols[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        for i, j in zip(rows[first].tolist(), cols[first].tolist()):
            found[i] = j
    return found


def filter_repeats(
    texts: Sequence[str], published: Sequence[str], threshold: float, language: str | None = None
) -> list[bool]:
    """Which of `texts` are new, i.e. do not repeat an already published text.

    Args:
        texts: candidate sentences for today's briefing.
        published: texts from `History.published_texts`.
        threshold: similarity (0.0-1.0) from which two sentences count as the same
            (normally `Options.duplicate_threshold`).
        language: the language of `texts` (published texts are read as the same language).
    Returns:
        One bool per text: True = new, False = a repeat.

    >>> filter_repeats(["Rates rose again."], [], 0.5)
    [True]
    """
    return [match is None for match in find_repeats(texts, published, threshold, language)]

