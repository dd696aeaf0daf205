"""Candidate pairs of documents for story grouping on big days, in memory that follows the pairs, not n².

Up to EXACT_PAIRS_LIMIT documents, every pair at or above the threshold is found exactly, block by block of
the similarity product. Beyond, each document keeps its CANDIDATE_TERMS strongest terms that fewer than
CANDIDATE_DF documents share; the product of those short rows gives a lower bound of every cosine, and each
document keeps its NEIGHBOURS best pairs: pairs and memory are at most n * NEIGHBOURS, whatever the documents
share. `components` then cuts the pairs into connected components, splitting an oversized one at stricter
thresholds, so the average linkage of `stories.py` runs on bounded dense matrices.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Cells of one block of the document similarity product (rows x documents): bounds its memory.
PAIR_BLOCK_CELLS = 4_000_000
# Beyond this many documents, story pairs come from the sparse nearest-neighbour search.
EXACT_PAIRS_LIMIT = 5000
CANDIDATE_TERMS = 16
CANDIDATE_DF = 1000
NEIGHBOURS = 20
# A component bigger than the linkage takes is split at thresholds this much stricter, step by step.
THRESHOLD_STEP = 0.05


def similar_pairs(vectors: "sparse.csr_matrix", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs i < j with cosine >= threshold, as (i, j, cosine) arrays.

    Computed in row blocks and thresholded block by block, so memory follows the number of similar
    pairs, never n². Above EXACT_PAIRS_LIMIT rows, see `neighbour_pairs`.
    """
    import numpy as np

    n = vectors.shape[0]
    if n > EXACT_PAIRS_LIMIT:
        return neighbour_pairs(vectors, threshold)
    transposed = vectors.T.tocsr()
    block = max(1, PAIR_BLOCK_CELLS // max(n, 1))
    rows, cols, vals = [], [], []
    for start in range(0, n, block):
        product = (vectors[start : start + block] @ transposed).tocoo()
        keep = (product.data >= threshold) & (product.row + start < product.col)
        rows.append(product.row[keep].astype(np.int64) + start)
        cols.append(product.col[keep].astype(np.int64))
        vals.append(product.data[keep])
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def neighbour_pairs(vectors: "sparse.csr_matrix", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs i < j whose cosine is at least `threshold` on their strongest rare terms (a lower bound of the
    cosine), at most NEIGHBOURS per row: O(n * NEIGHBOURS) pairs and memory."""
    import numpy as np

    short = strongest_terms(vectors)
    n = short.shape[0]
    transposed = short.T.tocsr()
    block = max(1, PAIR_BLOCK_CELLS // max(n, 1))
    rows, cols, vals = [], [], []
    for start in range(0, n, block):
        product = (short[start : start + block] @ transposed).tocoo()
        r, c, v = product.row.astype(np.int64) + start, product.col.astype(np.int64), product.data
        keep = (v >= threshold) & (r != c)
        r, c, v = r[keep], c[keep], v[keep]
        order = np.lexsort((c, -v, r))  # per row: strongest first, then the earliest
        r, c, v = r[order], c[order], v[order]
        first = np.searchsorted(r, r, side="left")
        best = np.arange(len(r)) - first < NEIGHBOURS
        r, c, v = r[best], c[best], v[best]
        rows.append(np.minimum(r, c))
        cols.append(np.maximum(r, c))
        vals.append(v)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    unique = np.unique(r * n + c, return_index=True)[1]  # a pair both rows kept counts once
    return r[unique], c[unique], v[unique]


def strongest_terms(vectors: "sparse.csr_matrix") -> "sparse.csr_matrix":
    """Each row's CANDIDATE_TERMS largest weights among terms fewer than CANDIDATE_DF rows share (others 0)."""
    import numpy as np
    from scipy import sparse

    df = np.bincount(vectors.indices, minlength=vectors.shape[1])
    rows = np.repeat(np.arange(vectors.shape[0]), np.diff(vectors.indptr))
    data = np.where(df[vectors.indices] < CANDIDATE_DF, vectors.data, 0.0)
    order = np.lexsort((-data, rows))
    rank_in_row = np.empty(len(order), dtype=np.int64)
    rank_in_row[order] = np.arange(len(order)) - np.repeat(vectors.indptr[:-1], np.diff(vectors.indptr))
    data = np.where(rank_in_row < CANDIDATE_TERMS, data, 0.0).astype(vectors.dtype)
    short = sparse.csr_matrix((data, vectors.indices.copy(), vectors.indptr.copy()), shape=vectors.shape)
    short.eliminate_zeros()
    return short


def components(
    n: int, edges: tuple["np.ndarray", "np.ndarray", "np.ndarray"], members: list[int], threshold: float, max_size: int
) -> list[list[int]]:
    """Connected components among `members` of the pairs at or above `threshold`, those of more than
    `max_size` members split at stricter thresholds."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    rows, cols, vals = edges
    inside = np.zeros(n, dtype=bool)
    inside[members] = True
    keep = inside[rows] & inside[cols] & (vals >= threshold)
    graph = sparse.coo_matrix((np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], cols[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    member_array = np.asarray(members, dtype=np.int64)
    member_labels = labels[member_array]
    order = np.argsort(member_labels, kind="stable")
    splits = np.flatnonzero(np.diff(member_labels[order])) + 1
    groups: list[list[int]] = []
    for part in np.split(member_array[order], splits):
        group = sorted(int(i) for i in part)
        if len(group) > max_size and threshold + THRESHOLD_STEP < 1.0:
            groups.extend(components(n, edges, group, threshold + THRESHOLD_STEP, max_size))
        else:
            groups.append(group)
    return groups
