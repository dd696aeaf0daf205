"""Score every sentence of every document together with a graph ranker.

Sentences are nodes; edges are tf-idf cosine similarities (continuous, not thresholded), with idf computed
over the documents of the input; centrality is PageRank personalised by a news position prior
(LexRank: Erkan & Radev, "LexRank: Graph-based Lexical Centrality as Salience in Text Summarization",
JAIR 22, 2004; PageRank: Page, Brin, Motwani & Winograd, Stanford InfoLab 1999-66).

Large inputs keep only each sentence's strongest neighbours, computed block by block, so the cost of the
graph grows with n * k rather than n².
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .models import Sentence
from .options import Options
from .vectors import idf_weights, term_matrix, tfidf, tokenize

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

DAMPING = 0.85
TOLERANCE = 1e-8
MAX_ITERATIONS = 200
# Above this many sentences, the graph keeps only each node's NEIGHBOURS strongest edges.
EXACT_LIMIT = 3000
NEIGHBOURS = 40
_ROW_BLOCK = 2048
# Edges between sentences of different documents count this much more: a fact repeated by several
# outlets matters more than one an article repeats to itself.
CROSS_DOCUMENT_WEIGHT = 3.0
# Position prior for news: weight of the k-th sentence of an article is 1 / (k + 1) ** POSITION_DECAY.
POSITION_DECAY = 0.5
# Guard against rows with no similar sentence (a node with no edges teleports like everyone else).
_ZERO_DEGREE = 1e-12


def rank_sentences(sentences: Sequence[Sentence], options: Options | None = None) -> "np.ndarray":
    """Score each sentence (higher = more central); scores sum to 1.

    Args:
        sentences: sentences of all documents, any order.
        options: pipeline options (`algorithm` picks the ranker; `query` biases the graph ranker).
    Returns:
        A float array aligned with `sentences`.

    >>> from briefing.models import Sentence
    >>> s = [Sentence("Rain fell on Paris.", "a", 0), Sentence("Paris saw rain.", "b", 0), Sentence("Cats purr.", "a", 1)]
    >>> rank_sentences(s).argmax() in (0, 1)
    True
    """
    import numpy as np

    options = options or Options()
    if not sentences:
        return np.zeros(0)
    if options.algorithm == "lead":
        return lead_scores(sentences)
    if options.algorithm != "graph":
        from .sumy_rank import rank_with_sumy

        return rank_with_sumy(sentences, options.algorithm)
    vectors = sentence_vectors(sentences)
    graph = similarity_graph(vectors, _document_index(sentences))
    prior = position_prior(sentences)
    if options.query:
        prior = prior * (1.0 + query_affinity(vectors, sentences, options.query))
    return power_iteration(graph, prior, damping=DAMPING)


def _document_index(sentences: Sequence[Sentence]) -> "np.ndarray":
    """Integer id of each sentence's document."""
    import numpy as np

    ids: dict[str, int] = {}
    return np.fromiter((ids.setdefault(s.document, len(ids)) for s in sentences), dtype=np.int64, count=len(sentences))


def sentence_vectors(sentences: Sequence[Sentence]) -> "sparse.csr_matrix":
    """Unit-length tf-idf rows, idf over documents (a term in every article says little)."""
    counts, _ = term_matrix([tokenize(s.text) for s in sentences])
    return tfidf(counts, idf_weights(counts, _document_index(sentences)))


def similarity_graph(vectors: "sparse.csr_matrix", documents: "np.ndarray") -> "sparse.csr_matrix":
    """Weighted adjacency: cosine similarity, no self-loops, cross-document edges up-weighted.

    Exact for up to EXACT_LIMIT sentences; above that each row keeps its NEIGHBOURS best edges
    (symmetrised), computed in row blocks so memory stays at block x n.
    """
    import numpy as np
    from scipy import sparse

    n = vectors.shape[0]
    transposed = vectors.T.tocsc()
    keep = None if n <= EXACT_LIMIT else NEIGHBOURS
    rows, cols, vals = [], [], []
    for start in range(0, n, _ROW_BLOCK):
        stop = min(start + _ROW_BLOCK, n)
        block = (vectors[start:stop] @ transposed).toarray()
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        block *= np.where(documents[start:stop, None] == documents[None, :], 1.0, CROSS_DOCUMENT_WEIGHT)
        if keep is not None and keep < n:
            top = np.argpartition(-block, keep, axis=1)[:, :keep]
            r = np.repeat(np.arange(start, stop), keep)
            v = block[np.arange(stop - start)[:, None], top].ravel()
            rows.append(r), cols.append(top.ravel()), vals.append(v)
        else:
            r, c = np.nonzero(block)
            rows.append(r + start), cols.append(c), vals.append(block[r, c])
    graph = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float64
    )
    graph.eliminate_zeros()
    if keep is not None:
        graph = graph.maximum(graph.T)
    return graph


def position_prior(sentences: Sequence[Sentence]) -> "np.ndarray":
    """News lead prior: earlier sentences of an article are likelier to carry its main facts."""
    import numpy as np

    index = np.fromiter((s.index for s in sentences), dtype=np.float64, count=len(sentences))
    return 1.0 / (index + 1.0) ** POSITION_DECAY


def query_affinity(vectors: "sparse.csr_matrix", sentences: Sequence[Sentence], query: str) -> "np.ndarray":
    """Cosine of each sentence with a focus query (0.0-1.0), in the sentences' tf-idf space."""
    import numpy as np

    from .vectors import normalize_rows

    counts, vocab = term_matrix([tokenize(s.text) for s in sentences])
    q, _ = term_matrix([tokenize(query)], vocab)
    q = normalize_rows(q)
    return np.asarray((vectors @ q.T).todense()).ravel()


def power_iteration(
    graph: "sparse.csr_matrix",
    prior: "np.ndarray",
    damping: float = DAMPING,
    tol: float = TOLERANCE,
    max_iter: int = MAX_ITERATIONS,
) -> "np.ndarray":
    """Personalised PageRank of a weighted graph by sparse power iteration.

    x <- damping * W^T x + (1 - damping) * p, W row-stochastic; rows with no edges teleport by p.
    Stops when the L1 change is below `tol` or after `max_iter` steps (Page et al. 1999).
    """
    import numpy as np
    from scipy import sparse

    n = graph.shape[0]
    p = prior / prior.sum() if prior.sum() > 0 else np.full(n, 1.0 / n)
    degree = np.asarray(graph.sum(axis=1)).ravel()
    dangling = degree <= _ZERO_DEGREE
    walk = (sparse.diags(np.where(dangling, 0.0, 1.0 / np.maximum(degree, _ZERO_DEGREE))) @ graph).T.tocsr()
    x = p.copy()
    for _ in range(max_iter):
        nxt = damping * (walk @ x + x[dangling].sum() * p) + (1.0 - damping) * p
        if np.abs(nxt - x).sum() < tol:
            return nxt
        x = nxt
    return x


def lead_scores(sentences: Sequence[Sentence]) -> "np.ndarray":
    """Lead baseline: first sentence of each document, then the second, and so on."""
    import numpy as np

    return np.fromiter(
        (1.0 / (1.0 + s.index + s.doc_position / 1000.0) for s in sentences), dtype=np.float64, count=len(sentences)
    )
