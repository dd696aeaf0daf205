"""Group documents into stories (events) so a briefing has sections, biggest story first.

Documents are joined when their tf-idf vectors (idf over the input) are similar enough; groups are the
connected components of that graph, and a component too big to be one event is split again at a higher
threshold. Memory is linear in the number of similar pairs (the product is thresholded block by block),
and stories bound the cost of ranking large inputs: each story is ranked on its own.

Above EXACT_PAIRS_LIMIT documents the pairs come from a sparse nearest-neighbour search instead: each
document keeps its CANDIDATE_TERMS strongest terms that fewer than CANDIDATE_DF documents share, the
product of those short rows gives a lower bound of every cosine, and each document keeps its NEIGHBOURS
best pairs. Pairs and memory are then at most n * NEIGHBOURS, whatever the documents share.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Document
from ..text.vectors import idf_weights, term_matrix, tfidf, tokenize_once
from ..parallel import available_workers, chunks, parallel_map

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Cosine (0.0-1.0) from which two articles are taken to report the same event.
STORY_THRESHOLD = 0.2
# A component with more documents than this is split again with a stricter threshold.
MAX_STORY_DOCUMENTS = 40
_THRESHOLD_STEP = 0.05
# Only the opening of an article decides its story (the lead says what it is about) and keeps this cheap.
_LEAD_WORDS = 400
# Characters that surely hold the opening words (sent to workers instead of whole texts).
_LEAD_CHARS = 40 * _LEAD_WORDS
# Cells of one block of the document similarity product (rows x documents): bounds its memory.
_PAIR_BLOCK_CELLS = 4_000_000
# Beyond this many documents, story pairs come from the sparse nearest-neighbour search.
EXACT_PAIRS_LIMIT = 5000
CANDIDATE_TERMS = 16
CANDIDATE_DF = 1000
NEIGHBOURS = 20


def document_vectors(documents: Sequence[Document]) -> "sparse.csr_matrix":
    """Unit tf-idf rows of each document's title and opening words (tokenised on every core when many)."""
    texts = [f"{d.title or ''}\n{d.text[:_LEAD_CHARS]}" for d in documents]
    if len(texts) > EXACT_PAIRS_LIMIT:
        token_lists = [t for part in parallel_map(_lead_tokens, chunks(texts, 4 * available_workers())) for t in part]
    else:
        token_lists = _lead_tokens(texts)
    counts, _ = term_matrix(token_lists)
    return tfidf(counts, idf_weights(counts))


def _lead_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Tokens of each text's title line and first _LEAD_WORDS words (a worker's job)."""
    out = []
    for text in texts:
        title, _, body = text.partition("\n")
        out.append(tokenize_once(f"{title}\n{' '.join(body.split()[:_LEAD_WORDS])}"))
    return out


def group_stories(
    documents: Sequence[Document], threshold: float = STORY_THRESHOLD, vectors: "sparse.csr_matrix | None" = None
) -> list[list[int]]:
    """Indices of `documents` grouped by story: the story most outlets reported first, then the one with
    most articles, then the earliest.

    Args:
        documents: the input articles.
        threshold: cosine (0.0-1.0) from which two articles report the same event.
        vectors: `document_vectors(documents)` when the caller already has them (they are not recomputed).
    Returns:
        Lists of document indices, each in input order.

    >>> from briefing.models import Document
    >>> docs = [Document("a", "Storm floods Paris streets."), Document("b", "Paris streets flooded by storm."),
    ...         Document("c", "Central bank raises interest rates.")]
    >>> group_stories(docs)
    [[0, 1], [2]]
    """
    if not documents:
        return []
    if vectors is None:
        vectors = document_vectors(documents)
    edges = _similar_pairs(vectors, threshold)
    groups = _components(len(documents), edges, list(range(len(documents))), threshold)
    return sorted(groups, key=lambda g: (-_outlets(documents, g), -len(g), g[0]))


def _outlets(documents: Sequence[Document], members: Sequence[int]) -> int:
    """How many outlets reported a story: distinct publishers, with those of collapsed copies (a document
    without one counts alone)."""
    names: set[str] = set()
    for i in members:
        names |= documents[i].outlets
    return len(names)


def _similar_pairs(vectors: "sparse.csr_matrix", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs i < j with cosine >= threshold, as (i, j, cosine) arrays.

    Computed in row blocks and thresholded block by block, so memory follows the number of similar
    pairs, never n². Above EXACT_PAIRS_LIMIT rows, see `_neighbour_pairs`.
    """
    import numpy as np

    n = vectors.shape[0]
    if n > EXACT_PAIRS_LIMIT:
        return _neighbour_pairs(vectors, threshold)
    transposed = vectors.T.tocsr()
    block = max(1, _PAIR_BLOCK_CELLS // max(n, 1))
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


def _neighbour_pairs(vectors: "sparse.csr_matrix", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs i < j whose cosine is at least `threshold` on their strongest rare terms (a lower bound of the
    cosine), at most NEIGHBOURS per row: O(n * NEIGHBOURS) pairs and memory."""
    import numpy as np

    short = _strongest_terms(vectors)
    n = short.shape[0]
    transposed = short.T.tocsr()
    block = max(1, _PAIR_BLOCK_CELLS // max(n, 1))
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


def _strongest_terms(vectors: "sparse.csr_matrix") -> "sparse.csr_matrix":
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


def _components(
    n: int, edges: tuple["np.ndarray", "np.ndarray", "np.ndarray"], members: list[int], threshold: float
) -> list[list[int]]:
    """Connected components among `members` of the pairs at or above `threshold`, splitting oversized ones."""
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
        if len(group) > MAX_STORY_DOCUMENTS and threshold + _THRESHOLD_STEP < 1.0:
            groups.extend(_components(n, edges, group, threshold + _THRESHOLD_STEP))
        else:
            groups.append(group)
    return groups


def central_document(vectors: "sparse.csr_matrix", members: Sequence[int]) -> int:
    """The member most similar to the rest of its story (its headline titles the section)."""
    import numpy as np

    sub = vectors[list(members)]
    centrality = np.asarray((sub @ sub.T).sum(axis=1)).ravel()
    return int(members[int(np.argmax(centrality))])
