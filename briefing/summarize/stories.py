"""Group documents into stories (events) so a briefing has sections, biggest story first.

Group-average clustering of the documents' tf-idf vectors (idf over the input), as in topic detection and
tracking: two groups are one story while their documents are, on average, similar enough. Averaging (not
single links) keeps a chain of loosely related articles from becoming one story, and keeps the many
articles of one event together even when some pairs of them share few words. Only pairs above the
threshold are ever materialised (block by block); the average linkage runs inside each connected component
of those pairs, and a component too big for it is first split at stricter thresholds, so memory stays
bounded for large inputs.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Document
from ..text.vectors import idf_weights, term_matrix, tfidf, tokenize

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Average cosine (0.0-1.0) between the articles of two groups from which they are one story. Chosen on the
# dev data (benchmarks/RESULTS.md): single-topic clusters (DUC 2007, Multi-News) stay whole while a mixed
# 100-article BBC day falls into topic groups.
STORY_THRESHOLD = 0.05
# Average linkage holds a dense matrix of its component: a component with more documents than this is
# split first into connected components at a stricter threshold.
MAX_LINKED_DOCUMENTS = 2000
_THRESHOLD_STEP = 0.05
# Only the opening of an article decides its story (the lead says what it is about) and keeps this cheap.
_LEAD_WORDS = 400
# Cells of one block of the document similarity product (rows x documents): bounds its memory.
_PAIR_BLOCK_CELLS = 4_000_000


def document_vectors(documents: Sequence[Document]) -> "sparse.csr_matrix":
    """Unit tf-idf rows of each document's title and opening words."""
    texts = [f"{d.title or ''}\n{' '.join(d.text.split()[:_LEAD_WORDS])}" for d in documents]
    counts, _ = term_matrix([tokenize(t) for t in texts])
    return tfidf(counts, idf_weights(counts))


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
    components = _components(len(documents), edges, list(range(len(documents))), threshold)
    groups = [group for component in components for group in _average_linkage(vectors, component, threshold)]
    return sorted(groups, key=lambda g: (-_outlets(documents, g), -len(g), g[0]))


def _outlets(documents: Sequence[Document], members: Sequence[int]) -> int:
    """How many outlets reported a story: distinct publishers (a document without one counts alone)."""
    return len({documents[i].source or f"\0{documents[i].id}" for i in members})


def _similar_pairs(vectors: "sparse.csr_matrix", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs i < j with cosine >= threshold, as (i, j, cosine) arrays.

    Computed in row blocks and thresholded block by block, so memory follows the number of similar
    pairs, never n².
    """
    import numpy as np

    n = vectors.shape[0]
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
        if len(group) > MAX_LINKED_DOCUMENTS and threshold + _THRESHOLD_STEP < 1.0:
            groups.extend(_components(n, edges, group, threshold + _THRESHOLD_STEP))
        else:
            groups.append(group)
    return groups


def _average_linkage(vectors: "sparse.csr_matrix", members: list[int], threshold: float) -> list[list[int]]:
    """Split one component into groups whose documents are on average at least `threshold` similar."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(members) < 3:
        return [members]
    sub = vectors[members]
    distance = 1.0 - np.asarray((sub @ sub.T).todense(), dtype=np.float64)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(np.clip(distance, 0.0, None), checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for member, label in zip(members, labels):
        groups.setdefault(int(label), []).append(member)
    return list(groups.values())


def central_document(vectors: "sparse.csr_matrix", members: Sequence[int]) -> int:
    """The member most similar to the rest of its story (its headline titles the section)."""
    import numpy as np

    sub = vectors[list(members)]
    centrality = np.asarray((sub @ sub.T).sum(axis=1)).ravel()
    return int(members[int(np.argmax(centrality))])
