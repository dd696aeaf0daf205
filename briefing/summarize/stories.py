"""Group documents into stories (events) so a briefing has sections, biggest story first.

Group-average clustering of the documents' title-and-opening vectors, as in topic detection and tracking:
two groups are one story while their documents are, on average, similar enough (STORY_THRESHOLD). Words are
weighted by how rare they are in the language at large (`briefing.text.rarity`), not by their frequency in
the input: a topic's own words then weigh the same whether the day holds that topic alone or twenty, so one
threshold keeps a one-topic day whole and cuts a mixed day into its events (measured on mixed dev days:
`benchmarks/mixed_day.py`, benchmarks/RESULTS.md). Languages wordfreq has no list for (and Japanese and
Chinese, compared by character bigrams) fall back to the input's idf. Averaging (not single links) keeps a
chain of loosely related articles from becoming one story, and small groups must clear a higher bar
(SMALL_GROUP_MARGIN), since a mean over few pairs is weaker evidence than one over many. Two groups that are
each far tighter than they are with each other stay apart (MERGE_RELATIVE): two events of one beat. A story of one or two
articles then joins the big story (ATTACH_TO articles or more, fewer on a small day) whose centre it is
closest to, when close enough (ATTACH_THRESHOLD) and not a far tighter pair (ATTACH_RELATIVE): a feature on a
big story is far from most of its articles, but near their centre; two reports of another event are not.

Up to MAX_LINKED_DOCUMENTS documents, one linkage runs over all of them. Beyond, only pairs above the
threshold are materialised (block by block); the average linkage runs inside each connected component of
those pairs, and a component too big for it is first split at stricter thresholds, so memory stays bounded
(`storypairs.py`; on the biggest days the pairs come from a sparse nearest-neighbour search).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Document, Sentence
from ..text.languages import primary
from ..text.rarity import term_rarity
from ..text.standalone import is_furniture
from ..text.vectors import idf_weights, term_matrix, tfidf, tokenize, tokenize_once
from ..parallel import available_workers, chunks, parallel_map
from .storypairs import EXACT_PAIRS_LIMIT, components, similar_pairs

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Average cosine (0.0-1.0) between the articles of two groups from which they are one story. Chosen on the
# mixed dev days of benchmarks/mixed_day.py (DUC 2007 topics, Multi-News events), with each DUC topic built
# alone as the check that one topic stays one story (benchmarks/RESULTS.md).
STORY_THRESHOLD = 0.11
# A story of fewer than ATTACH_BELOW articles joins the best-matching big story when its articles' mean cosine
# with that story's centre (0.0-1.0) reaches this. A big story has at least ATTACH_TO articles, or
# ATTACH_BELOW and ATTACH_SHARE of the day's. Only a big story's centre is a fair summary of it: on a day of
# many events, the centre of three or four articles is close to anything that shares a word with one of them
# (on the mixed dev days of benchmarks/mixed_day.py, 5 of 7 joins to stories of 3-4 articles were wrong, 1 of
# 26 joins to bigger stories); on a day of ten articles, three of them are the day's main story.
ATTACH_THRESHOLD = 0.13
ATTACH_BELOW = 3
ATTACH_TO = 5
ATTACH_SHARE = 0.25
# ... and when its articles are, on average, at least ATTACH_RELATIVE as similar to the story's articles as to
# each other: two reports of another event are near-copies of each other and only share a few words with the
# story. On the dev days, a pair that joined wrongly linked at 0.10 of its own cosine; right ones at 0.27
# (MultiLing: Romanians' tsunami aid, in a topic on tsunami aid) and above; one wrong pair at 0.23.
ATTACH_RELATIVE = 0.2
# Groups of a and b articles are one story from STORY_THRESHOLD + SMALL_GROUP_MARGIN / sqrt(a * b): a mean over
# few pairs is weak evidence (two unrelated short articles of one day reach 0.12-0.15 on everyday words), a
# mean over many is not. Two articles need 0.17, two groups of five 0.122.
SMALL_GROUP_MARGIN = 0.06
# Two groups of at least two articles each are one story only when their mean cosine reaches MERGE_RELATIVE of
# the mean cosine inside the looser of them: two tight reports of different events of one story-rich day
# (Comey's memo and Kushner's clearance; two states' vote counts) share a beat's words, well above the
# threshold, yet each is far tighter with itself. On the dev days (benchmarks/mixed_day.py, RESULTS.md) wrong
# merges were at 0.44-0.52 of the looser group's cohesion, right ones from 0.57.
MERGE_RELATIVE = 0.55
# Average linkage holds a dense matrix of its component: a component with more documents than this is
# split first into connected components at a stricter threshold.
MAX_LINKED_DOCUMENTS = 2000
# Only the opening of an article decides its story (the lead says what it is about) and keeps this cheap.
_LEAD_WORDS = 400
# Characters that surely hold the opening words (sent to workers instead of whole texts).
_LEAD_CHARS = 40 * _LEAD_WORDS


def document_vectors(documents: Sequence[Document], sentences: Sequence[Sentence] | None = None) -> "sparse.csr_matrix":
    """Unit-length rows of each document's title and opening, words weighted by their rarity in the language
    (`briefing.text.rarity`; the input's idf for languages without a word list), tokenised on every core
    when many.

    The opening is its first sentences up to _LEAD_WORDS words when the pipeline's `sentences` are given
    (their tokens are remembered for ranking and selection; page furniture such as credit lines and
    web-archive notices says nothing of the story and is left out), else the text's first _LEAD_WORDS words.
    """
    if sentences is None:
        jobs = [([d.title or "", _lead(d.text[:_LEAD_CHARS])], d.language, False) for d in documents]
    else:
        jobs = [(texts, d.language, True) for texts, d in zip(story_openings(documents, sentences), documents)]
    return tfidf(*counts_and_weights(jobs))


def story_openings(documents: Sequence[Document], sentences: Sequence[Sentence]) -> list[list[str]]:
    """Each document's title and first sentences up to _LEAD_WORDS words, page furniture left out."""
    openings: list[list[str]] = [[d.title or ""] for d in documents]
    words = [0] * len(documents)
    for sentence in sentences:
        if words[sentence.doc_position] < _LEAD_WORDS and not is_furniture(sentence.text):
            openings[sentence.doc_position].append(sentence.text)
            words[sentence.doc_position] += len(sentence.text.split())
    return openings


def counts_and_weights(jobs: Sequence[tuple[Sequence[str], str | None, bool]]
                        ) -> "tuple[sparse.csr_matrix, np.ndarray]":
    """Term counts of each job's texts, and each term's weight: its rarity in the language, else its idf."""
    if len(jobs) > EXACT_PAIRS_LIMIT:
        token_lists = [t for part in parallel_map(_opening_tokens, chunks(jobs, 4 * available_workers())) for t in part]
    else:
        token_lists = _opening_tokens(jobs)
    import numpy as np

    counts, vocabulary = term_matrix(token_lists)
    texts: dict[str, list[str]] = {}
    for texts_of_document, language, _ in jobs:
        texts.setdefault(language or "en", []).extend(texts_of_document)
    rarity = np.full(counts.shape[1], np.nan)  # (one empty column when nothing has a word)
    found = term_rarity(texts, vocabulary)
    rarity[: len(found)] = found
    return counts, np.where(np.isnan(rarity), idf_weights(counts), rarity)


def _opening_tokens(jobs: Sequence[tuple[Sequence[str], str | None, bool]]) -> list[list[str]]:
    """Tokens of each (title and opening texts, language, whether they are sentences) (a worker's job).

    Sentences are tokenised through the memo (ranking and selection read them again); a raw opening is not.
    """
    return [[token for text in texts for token in (tokenize if sentences else tokenize_once)(text, language)]
            for texts, language, sentences in jobs]


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
    if len(documents) <= MAX_LINKED_DOCUMENTS:
        # One linkage over all: documents of two components never reach the threshold on average, so this
        # is what the linkage component by component gives.
        languages = _language_codes(documents)
        groups = _attach_small(vectors, _average_linkage(vectors, list(range(len(documents))), threshold, languages),
                               languages)
    else:
        edges = _same_language(similar_pairs(vectors, threshold), documents)
        parts = components(len(documents), edges, list(range(len(documents))), threshold, MAX_LINKED_DOCUMENTS)
        groups = [group for part in parts for group in _average_linkage(vectors, part, threshold)]
    return order_stories(documents, groups)


def order_stories(documents: Sequence[Document], groups: list[list[int]]) -> list[list[int]]:
    """The story most outlets reported first, then the one with most articles, then the earliest."""
    return sorted(groups, key=lambda g: (-outlet_count(documents, g), -len(g), g[0]))


def _attach_small(vectors: "sparse.csr_matrix", groups: list[list[int]], languages: "np.ndarray | None"
                  ) -> list[list[int]]:
    """Each group of fewer than ATTACH_BELOW documents joined to the big group (same language) whose centre
    its documents are closest to, on average, when that mean cosine reaches ATTACH_THRESHOLD and its
    documents are not much closer to each other than to the group's (ATTACH_RELATIVE)."""
    import numpy as np

    big_from = max(ATTACH_BELOW, min(ATTACH_TO, math.ceil(ATTACH_SHARE * sum(map(len, groups)))))
    big = [g for g in groups if len(g) >= big_from]
    small = [g for g in groups if len(g) < ATTACH_BELOW]
    middle = [g for g in groups if ATTACH_BELOW <= len(g) < big_from]
    if not big or not small:
        return groups
    sums = np.vstack([np.asarray(vectors[g].sum(axis=0)).ravel() for g in big])
    centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    kept = []
    joined: list[list[int]] = [list(g) for g in big]
    for group in small:
        rows = vectors[group]
        closeness = np.asarray(rows @ centres.T).mean(axis=0)
        if languages is not None:
            closeness[[languages[g[0]] != languages[group[0]] for g in big]] = 0.0
        best = int(np.argmax(closeness))
        inner = rows @ rows.T  # the group's own mean cosine, 0.0 for one article
        own = (inner.sum() - inner.diagonal().sum()) / max(len(group) * (len(group) - 1), 1)
        linked = float(np.asarray(rows @ sums[best]).mean()) / len(big[best])
        if closeness[best] >= ATTACH_THRESHOLD and linked >= ATTACH_RELATIVE * own:
            joined[best].extend(group)
        else:
            kept.append(group)
    return [sorted(g) for g in joined] + middle + kept


def _lead(text: str) -> str:
    """The opening _LEAD_WORDS words of a text (as many characters, twice over, when written without spaces)."""
    words = text.split()[:_LEAD_WORDS]
    return " ".join(words) if len(words) == _LEAD_WORDS or len(text) <= 8 * _LEAD_WORDS else text[: 2 * _LEAD_WORDS]


def _same_language(
    edges: tuple["np.ndarray", "np.ndarray", "np.ndarray"], documents: Sequence[Document]
) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Only the pairs of documents in the same language: a story and its near-duplicates stay in one language."""
    label = _language_codes(documents)
    if label is None:
        return edges
    rows, cols, vals = edges
    keep = label[rows] == label[cols]
    return rows[keep], cols[keep], vals[keep]


def _language_codes(documents: Sequence[Document]) -> "np.ndarray | None":
    """An integer per document's primary language, or None when they are all in one language."""
    import numpy as np

    languages = [primary(d.language) for d in documents]
    if len(set(languages)) < 2:
        return None
    codes = {language: i for i, language in enumerate(sorted(set(languages)))}
    return np.asarray([codes[language] for language in languages], dtype=np.int64)


def outlet_count(documents: Sequence[Document], members: Sequence[int]) -> int:
    """How many outlets reported a story: distinct publishers, with those of collapsed copies (a document
    without one counts alone)."""
    names: set[str] = set()
    for i in members:
        names |= documents[i].outlets
    return len(names)


def _average_linkage(vectors: "sparse.csr_matrix", members: list[int], threshold: float,
                     languages: "np.ndarray | None" = None) -> list[list[int]]:
    """Split `members` into groups whose documents are on average similar enough (documents of two
    `languages`, one code per member, are never similar): groups of a and b documents merge, most similar
    first, while their mean cosine reaches `threshold` + SMALL_GROUP_MARGIN / sqrt(a * b)."""
    import numpy as np

    if len(members) < 2:
        return [members]
    sub = vectors[members]
    similarity = np.asarray((sub @ sub.T).todense(), dtype=np.float32)
    if languages is not None:
        similarity[languages[:, None] != languages[None, :]] = 0.0
    return [[members[k] for k in group] for group in _agglomerate(similarity, threshold)]


def _agglomerate(similarity: "np.ndarray", threshold: float) -> list[list[int]]:
    """Group average clustering with a margin for small groups, on a dense similarity matrix (changed in place).

    Each row keeps its best partner; a merge recomputes only the rows that pointed at the two merged groups,
    so a day of n documents costs about n merges of O(n) each, not the O(n^2) scan per merge.
    """
    import numpy as np

    n = len(similarity)
    size = np.ones(n, dtype=np.float32)
    alive = np.ones(n, dtype=bool)
    members = [[i] for i in range(n)]
    np.fill_diagonal(similarity, -np.inf)

    def excess(k: int) -> "np.ndarray":
        """Group k's mean similarity to every group, less the margin for their sizes (the matrix is symmetric)."""
        return np.asarray(similarity[k] - SMALL_GROUP_MARGIN / np.sqrt(size[k] * size))

    partner = np.argmax(similarity, axis=1)  # all groups of one document: one margin for all
    best = similarity[np.arange(n), partner] - SMALL_GROUP_MARGIN
    inner = np.zeros(n)  # each group's sum of cosines between its own documents
    while True:
        i = int(np.argmax(best))  # a merged-away group's best is -inf
        if best[i] < threshold:
            break
        j = int(partner[i])
        if j < i:
            i, j = j, i
        cross = float(similarity[i, j])
        if min(size[i], size[j]) >= 2 and cross < MERGE_RELATIVE * min(
                inner[k] / (size[k] * (size[k] - 1) / 2) for k in (i, j)):
            similarity[i, j] = similarity[j, i] = -np.inf  # never one story: each is far tighter than the two
            for k in (i, j):
                row = excess(k)
                partner[k] = int(np.argmax(row))
                best[k] = row[partner[k]]
            continue
        inner[i] += inner[j] + cross * size[i] * size[j]
        # Group j joins group i: i's similarities become the size-weighted means (average linkage).
        similarity[i] = (size[i] * similarity[i] + size[j] * similarity[j]) / (size[i] + size[j])
        similarity[:, i] = similarity[i]
        similarity[i, i] = -np.inf
        similarity[j, :] = similarity[:, j] = -np.inf
        size[i] += size[j]
        alive[j] = False
        best[j] = -np.inf
        members[i].extend(members[j])
        members[j] = []
        stale = np.flatnonzero(alive & ((partner == i) | (partner == j)))  # rows that pointed at i or j
        toward_i = excess(i)  # i's row, and (symmetric) every group's excess toward i
        partner[i] = int(np.argmax(toward_i))
        best[i] = toward_i[partner[i]]
        for k in stale[stale != i].tolist():
            row = excess(k)
            partner[k] = int(np.argmax(row))
            best[k] = row[partner[k]]
        better = alive & (toward_i > best)
        better[i] = False
        partner[better] = i
        best[better] = toward_i[better]
    return [sorted(group) for group in members if group]
