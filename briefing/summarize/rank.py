"""Score every sentence of every document together with a graph ranker.

Sentences are nodes; edges are tf-idf cosine similarities (continuous, not thresholded), with idf computed over the
documents of the input; centrality is PageRank personalised by a news position prior (LexRank: Erkan & Radev,
JAIR 22, 2004, "Graph-based Lexical Centrality"; PageRank: Page, Brin, Motwani & Winograd, Stanford InfoLab 1999-66).

How much position counts is read from the input: the position prior acts as PRIOR_WEIGHT of pseudo-similarity
on every sentence, so a sentence that other articles repeat (a big, redundant input such as DUC's 25
articles on a topic) is ranked by its edges, and one that nothing repeats (ten short wire stories, each on
its own part of an event) by where its article puts it (MultiLing dev: benchmarks/RESULTS.md).

Large inputs keep only each sentence's strongest neighbours, computed block by block, so the cost of the
graph grows with n * k rather than n².
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from ..models import Sentence
from ..options import Options
from ..text.standalone import may_be_item
from ..text.vectors import idf_weights, term_matrix, tfidf, tokenize

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

log = logging.getLogger(__name__)

DAMPING = 0.85
# With a focus query the walk teleports to sentences that match it (biased LexRank, Otterbacher, Erkan &
# Radev 2005); sentences that do not match keep this share of the teleport, so centrality still orders them.
_QUERY_FLOOR = 0.1
TOLERANCE = 1e-8
MAX_ITERATIONS = 200
# Above this many sentences, the graph keeps only each node's NEIGHBOURS strongest edges.
EXACT_LIMIT = 3000
NEIGHBOURS = 40
# Rows of one block of the similarity product: at most _ROW_BLOCK, fewer when n is large, so that a block
# (rows x n cells, a few percent of them non-zero) stays near _BLOCK_CELLS.
_ROW_BLOCK = 2048
_MIN_BLOCK_ROWS = 16
# When only each row's strongest edges are kept, blocks of at most this many rows (`_strongest_per_row`
# holds a few counts per row and level).
_TOP_K_ROW_BLOCK = 256
_BLOCK_CELLS = 40_000_000
# Levels of the histogram that picks each row's strongest neighbours, read _FINE at a time.
_BINS = 2048
_FINE = 32
# Edges between sentences of different documents count this much more: a fact repeated by several
# outlets matters more than one an article repeats to itself.
CROSS_DOCUMENT_WEIGHT = 3.0
# Position prior for news: weight of the k-th sentence of an article is 1 / (k + 1) ** POSITION_DECAY, k counted
# over the sentences that could be items (a dateline, byline or caption before the lead takes no position).
POSITION_DECAY = 1.0
# The walk leaves a sentence along its edges with probability e / (e + PRIOR_WEIGHT), e its similarity to the
# other documents' sentences, else teleports by the prior: the prior is PRIOR_WEIGHT of pseudo-similarity, evidence
# the other outlets must outweigh (Bayesian smoothing of each row of the walk). 1.0 is about one strong
# cross-document edge (cosine 1/3, weighed x3); dev medians of a sentence's degree: DUC 11, MultiLing 3-9,
# Multi-News 2.6 (benchmarks/RESULTS.md).
PRIOR_WEIGHT = 1.0
# Words that say what a query-focused summary should do, not what it is about (stemmed): "Describe the
# efforts... Include any information on...". Topic statements in DUC and TAC are written this way.
QUERY_INSTRUCTIONS = frozenset(tokenize(
    "describe description discuss discussion explain explanation identify include including information "
    "details detail specific specifics report reports reported give provide list mention mentioned find what "
    "happened happening kind kinds type types aspect aspects regarding concerning related relating known "
    "effort efforts way ways any other"))
# Guard against rows with no similar sentence (a node with no edges teleports like everyone else).
_ZERO_DEGREE = 1e-12


def rank_sentences(sentences: Sequence[Sentence], options: Options | None = None,
                   groups: "np.ndarray | None" = None) -> "np.ndarray":
    """Score each sentence (higher = more central); scores sum to 1.

    Args:
        sentences: sentences of all documents, any order.
        options: pipeline options (`algorithm` picks the ranker; `query` biases the graph ranker).
        groups: optional group (story) of each sentence: the graph then has no edge between two groups, so
            each group is ranked as a graph of its own, in one call.
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
        return _unit_sum(lead_scores(sentences))
    if options.algorithm != "graph":
        from .sumy_rank import rank_with_sumy

        return _unit_sum(rank_with_sumy(sentences, options.algorithm))
    counts, vocabulary = term_matrix([tokenize(s.text, s.language) for s in sentences])
    documents = _document_index(sentences)
    vectors = _weighted_rows(counts, documents)
    graph = similarity_graph(vectors, documents, groups=groups)
    prior = position_prior(sentences, options)
    affinity = query_affinity(vectors, vocabulary, options.query, {s.language for s in sentences}) if options.query else None
    if affinity is not None and affinity.max() > 0:  # a query matching nothing changes nothing
        prior = prior * (_QUERY_FLOOR + affinity)
    return power_iteration(graph, prior, damping=evidence_damping(graph, documents))


def _unit_sum(scores: "np.ndarray") -> "np.ndarray":
    """Scale scores to sum to 1 (uniform when they are all zero); order is kept."""
    import numpy as np

    total = float(scores.sum())
    return scores / total if total > 0 else np.full(len(scores), 1.0 / max(len(scores), 1))


def _document_index(sentences: Sequence[Sentence]) -> "np.ndarray":
    """Integer id of each sentence's document."""
    import numpy as np

    ids: dict[str, int] = {}
    return np.fromiter((ids.setdefault(s.document, len(ids)) for s in sentences), dtype=np.int64, count=len(sentences))


def sentence_vectors(sentences: Sequence[Sentence]) -> "sparse.csr_matrix":
    """Unit-length tf-idf rows weighted by idf over documents times idf over sentences.

    A term in every article says little about this input (document idf); a term in few articles but
    many of their sentences is an article's topic rather than a fact (sentence idf). The product gave
    +0.3 ROUGE-1 at 250 words on both halves of the dev set (benchmarks/RESULTS.md).
    """
    counts, _ = term_matrix([tokenize(s.text, s.language) for s in sentences])
    return _weighted_rows(counts, _document_index(sentences))


def _weighted_rows(counts: "sparse.csr_matrix", documents: "np.ndarray") -> "sparse.csr_matrix":
    """`sentence_vectors` from term counts and each row's document."""
    return tfidf(counts, idf_weights(counts, documents) * idf_weights(counts))


def similarity_graph(
    vectors: "sparse.csr_matrix", documents: "np.ndarray", exact: bool | None = None, neighbours: int | None = None,
    groups: "np.ndarray | None" = None,
) -> "sparse.csr_matrix":
    """Weighted adjacency: cosine similarity (0.0-1.0), no self-loops, cross-document edges up-weighted.

    Args:
        vectors: unit tf-idf rows, one per sentence.
        documents: integer document id of each row (edges across documents weigh CROSS_DOCUMENT_WEIGHT).
        exact: keep every edge (True) or only each row's strongest `neighbours` (False); None decides by
            size: exact up to EXACT_LIMIT sentences.
        neighbours: edges kept per row when not exact (default NEIGHBOURS); the graph is then symmetrised
            (an edge stays when either end keeps it).
        groups: optional group id of each row: edges between groups are left out.
    Returns:
        A symmetric CSR matrix. Built from row blocks of the sparse product, so memory is one block plus
        the kept edges: O(n * neighbours) when not exact.
    """
    import numpy as np
    from scipy import sparse

    n = vectors.shape[0]
    keep = None if (exact if exact is not None else n <= EXACT_LIMIT) else (neighbours or NEIGHBOURS)
    if keep is not None and keep >= n - 1:
        keep = None
    transposed = vectors.T.tocsr()
    step = max(_MIN_BLOCK_ROWS, min(_ROW_BLOCK if keep is None else _TOP_K_ROW_BLOCK, _BLOCK_CELLS // max(n, 1)))
    rows, cols, vals = [], [], []
    for start in range(0, n, step):
        product = (vectors[start : start + step] @ transposed).tocsr()
        local = np.repeat(np.arange(product.shape[0], dtype=np.int64), np.diff(product.indptr))
        r, c = local + start, product.indices.astype(np.int64)
        off_diagonal = (c != r) & (product.data != 0)
        if groups is not None:
            off_diagonal &= groups[r] == groups[c]
        r, c, local = r[off_diagonal], c[off_diagonal], local[off_diagonal]
        # Weighted in the vectors' float32 (as a dense block would be), then widened for the random walk.
        v = product.data[off_diagonal]
        v[documents[r] != documents[c]] *= np.float32(CROSS_DOCUMENT_WEIGHT)
        v = v.astype(np.float64)
        if keep is not None:
            strongest = _strongest_per_row(local, v, product.shape[0], keep, top=CROSS_DOCUMENT_WEIGHT)
            r, c, v = r[strongest], c[strongest], v[strongest]
        rows.append(r)
        cols.append(c)
        vals.append(v)
    graph = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float64
    )
    if keep is not None:
        graph = graph.maximum(graph.T).tocsr()
    graph.sort_indices()
    return graph


def _strongest_per_row(rows: "np.ndarray", values: "np.ndarray", n_rows: int, keep: int,
                       top: float | None = None) -> "np.ndarray":
    """Mask of the about `keep` largest values of each row (ties within `top`/_BINS of the cut-off stay too).

    No sort: values are bucketed into _BINS levels of 0..`top` (the largest value a row can hold; default the
    largest given); each row's cut-off is the highest level from which, counting down, it has `keep`
    entries (all its entries when it has fewer), and entries at or above it are kept. The cut-off is found
    in two steps, each a per-row histogram counted from the top: first over _BINS / _FINE coarse levels, then
    over the _FINE levels inside the row's coarse cut-off (rows x 96 counts, not rows x 2,048). Linear in
    the number of entries. With a fixed `top` the kept edges do not depend on how the rows are blocked.
    """
    import numpy as np

    if top is None:
        top = float(values.max()) if len(values) else 1.0
    level = np.minimum((values * ((_BINS - 1) / (top or 1.0))).astype(np.int64), _BINS - 1)
    coarse_bins = _BINS // _FINE
    coarse = level // _FINE
    # Column j of a row: its entries at coarse level coarse_bins - 1 - j, then how many are at or above it.
    from_top = np.cumsum(np.bincount(rows * coarse_bins + (coarse_bins - 1 - coarse),
                                     minlength=n_rows * coarse_bins).reshape(n_rows, coarse_bins), axis=1)
    enough = from_top >= keep
    full = enough[:, -1]  # rows with `keep` entries or more; the others keep all of theirs
    j = np.argmax(enough, axis=1)
    coarse_cut = coarse_bins - 1 - j
    above = np.where(j > 0, from_top[np.arange(n_rows), j - 1], 0)  # entries above the coarse cut-off
    inside = full[rows] & (coarse == coarse_cut[rows])
    fine = np.bincount(rows[inside] * _FINE + (_FINE - 1 - level[inside] % _FINE),
                       minlength=n_rows * _FINE).reshape(n_rows, _FINE)
    fine_enough = np.cumsum(fine, axis=1) >= (keep - above)[:, None]
    cut = np.where(full, coarse_cut * _FINE + _FINE - 1 - np.argmax(fine_enough, axis=1), 0)
    return np.asarray(level >= cut[rows])


def position_prior(sentences: Sequence[Sentence], options: Options | None = None) -> "np.ndarray":
    """News lead prior: earlier sentences of an article are likelier to carry its main facts.

    Positions count from the article's first sentence that could be an item (at least `options.min_words`
    words, not page furniture): a dateline line ("Friday, March 23, 2007") or a credit before the story
    does not push its lead down; what comes before the lead shares the lead's position. A page read only
    for a later passage (`passages.py`: its opening is not given) has no lead: positions count from its start.

    >>> from briefing.models import Sentence
    >>> s = [Sentence("Friday, 23 March.", "a", 0), Sentence("Iran seized fifteen British sailors in the Gulf.", "a", 1)]
    >>> position_prior(s).tolist()
    [1.0, 1.0]
    """
    import numpy as np

    min_words = (options or Options()).min_words
    lead: dict[str, int] = {}  # each article's first item-worthy sentence (sentences come in any order)
    opened = {sentence.document for sentence in sentences if sentence.index == 0}
    for sentence in sentences:
        if (sentence.document in opened and sentence.index < lead.get(sentence.document, sentence.index + 1)
                and may_be_item(sentence.text, min_words)):
            lead[sentence.document] = sentence.index
    index = np.fromiter((max(0, s.index - lead.get(s.document, 0)) for s in sentences), dtype=np.float64,
                        count=len(sentences))
    return 1.0 / (index + 1.0) ** POSITION_DECAY


def query_relevance(sentences: Sequence[Sentence], query: str) -> "np.ndarray":
    """How much each sentence is about a focus query, 0.0-1.0 (the best match is 1.0; all 0.0 when none match).

    `terms_relevance` of the query's terms, so a rare query term counts more than a common one, and the
    instruction words of a long query ("Describe ...", "Include ...") count for nothing. A query that matches no
    sentence is reported with a warning.
    """
    import numpy as np

    relevance = terms_relevance(sentences, dict.fromkeys(_query_terms(query, {s.language for s in sentences}), 1.0))
    if relevance is None:
        log.warning("the query %r matches no sentence of the input; the briefing is not focused on it",
                    " ".join(query.split())[:80])
        return np.zeros(len(sentences))
    return relevance


def terms_relevance(sentences: Sequence[Sentence], terms: Mapping[str, float]) -> "np.ndarray | None":
    """How much each sentence is about weighted terms (`tokenize`d words), 0.0-1.0, the best match 1.0: cosine of
    tf-idf vectors, idf over the sentences for the terms too (a term's weight times its idf). None when no
    sentence holds a term."""
    import numpy as np

    counts, vocabulary = term_matrix([tokenize(s.text, s.language) for s in sentences])
    idf = idf_weights(counts)
    q = np.zeros(len(idf))
    for term, weight in terms.items():
        if term in vocabulary:
            q[vocabulary[term]] += weight
    q *= idf
    relevance = np.asarray(tfidf(counts, idf) @ q).ravel()
    top = float(relevance.max()) if len(relevance) else 0.0
    return relevance / top if top > 0 else None


def _query_terms(query: str, languages: Collection[str | None]) -> list[str]:
    """The query's content words, tokenised as each language of the sentences (instruction words dropped)."""
    terms = [t for language in sorted(languages, key=str) or [None] for t in tokenize(query, language)]
    return [t for t in dict.fromkeys(terms) if t not in QUERY_INSTRUCTIONS]


def query_affinity(
    vectors: "sparse.csr_matrix", vocabulary: dict[str, int], query: str, languages: Collection[str | None] = (None,)
) -> "np.ndarray":
    """Cosine of each sentence with a focus query (0.0-1.0), in the sentences' tf-idf space.

    `vocabulary` maps the columns of `vectors` to terms (as `term_matrix` returns it); the query is
    tokenised as each of `languages` (the sentences' languages).
    """
    import numpy as np

    from ..text.vectors import normalize_rows

    q, _ = term_matrix([_query_terms(query, languages)], vocabulary)
    q = normalize_rows(q)
    return np.asarray((vectors @ q.T).todense()).ravel()


def power_iteration(
    graph: "sparse.csr_matrix",
    prior: "np.ndarray",
    damping: "float | np.ndarray" = DAMPING,
    tol: float = TOLERANCE,
    max_iter: int = MAX_ITERATIONS,
) -> "np.ndarray":
    """Personalised PageRank of a weighted graph by sparse power iteration.

    x <- W^T D x + (sum_i (1 - d_i) x_i) p, W row-stochastic, D the diagonal of the d_i: row i follows its
    edges with probability d_i = `damping` (one number: PageRank, Page et al. 1999; or one per row, as
    `evidence_damping` gives) and teleports by p otherwise. Rows with no edges teleport by p. Stops when
    the L1 change is below `tol` or after `max_iter` steps.
    """
    import numpy as np
    from scipy import sparse

    n = graph.shape[0]
    p = prior / prior.sum() if prior.sum() > 0 else np.full(n, 1.0 / n)
    degree = np.asarray(graph.sum(axis=1)).ravel()
    follow = np.where(degree <= _ZERO_DEGREE, 0.0, damping)
    walk = (sparse.diags(follow / np.maximum(degree, _ZERO_DEGREE)) @ graph).T.tocsr()
    stay = 1.0 - follow
    x = p.copy()
    for _ in range(max_iter):
        nxt = walk @ x + float(stay @ x) * p
        if np.abs(nxt - x).sum() < tol:
            return np.asarray(nxt)
        x = nxt
    return x


def evidence_damping(graph: "sparse.csr_matrix", documents: "np.ndarray",
                     prior_weight: float = PRIOR_WEIGHT) -> "np.ndarray":
    """Each row's probability of following its edges: e / (e + prior_weight), e its similarity to sentences of
    other documents (what other outlets repeat; an article repeating itself is no evidence)."""
    import numpy as np

    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    cross = np.bincount(rows, weights=graph.data * (documents[rows] != documents[graph.indices]),
                        minlength=graph.shape[0])
    return np.asarray(cross / (cross + prior_weight))


def lead_weight(sentences: Sequence[Sentence], options: Options | None = None) -> "np.ndarray":
    """How much each sentence counts as news, 0-1: d + (1 - d) * its position prior, d its probability of
    following edges (`evidence_damping`): what other outlets repeat counts fully, the rest by its position.

    A row's cosines to the other documents' rows add up to its dot product with their sum (all are >= 0), so
    this equals the exact graph's evidence (`similarity_graph`) in one pass over the rows.

    >>> from briefing.models import Sentence
    >>> s = [Sentence("Heavy rain flooded the old town of Paris on Monday.", "a", 0),
    ...      Sentence("Cats purr when they are happy.", "a", 1), Sentence("Rain flooded Paris on Monday.", "b", 0)]
    >>> [round(float(w), 2) for w in lead_weight(s)]
    [1.0, 0.5, 1.0]
    """
    import numpy as np
    from scipy import sparse

    if not sentences:
        return np.zeros(0)
    vectors = sentence_vectors(sentences).astype(np.float64)
    documents = _document_index(sentences)
    members = sparse.csr_matrix((np.ones(len(documents)), (documents, np.arange(len(documents)))))
    per_document = members @ vectors  # each document's summed rows
    everything = np.asarray(vectors.sum(axis=0)).ravel()
    own = np.asarray(vectors.multiply(per_document[documents]).sum(axis=1)).ravel()
    cross = CROSS_DOCUMENT_WEIGHT * np.maximum(vectors @ everything - own, 0.0)
    damping = cross / (cross + PRIOR_WEIGHT)
    return np.asarray(damping + (1.0 - damping) * position_prior(sentences, options))


def lead_scores(sentences: Sequence[Sentence]) -> "np.ndarray":
    """Lead baseline: first sentence of each document, then the second, and so on."""
    import numpy as np

    span = 1.0 + max(s.doc_position for s in sentences)
    return np.fromiter(
        (1.0 / (1.0 + s.index + s.doc_position / span) for s in sentences), dtype=np.float64, count=len(sentences)
    )
