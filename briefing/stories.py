"""Group documents into stories (events) so a briefing has sections, biggest story first.

Documents are joined when their tf-idf vectors (idf over the input) are similar enough; groups are the
connected components of that graph, and a component too big to be one event is split again at a higher
threshold. Linear in the number of similar pairs, so it also bounds the cost of ranking large inputs.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .models import Document
from .vectors import idf_weights, term_matrix, tfidf, tokenize

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


def document_vectors(documents: Sequence[Document]) -> "sparse.csr_matrix":
    """Unit tf-idf rows of each document's title and opening words."""
    texts = [f"{d.title or ''}\n{' '.join(d.text.split()[:_LEAD_WORDS])}" for d in documents]
    counts, _ = term_matrix([tokenize(t) for t in texts])
    return tfidf(counts, idf_weights(counts))


def group_stories(documents: Sequence[Document], threshold: float = STORY_THRESHOLD) -> list[list[int]]:
    """Indices of `documents` grouped by story, biggest story first (ties: earliest document).

    >>> from briefing.models import Document
    >>> docs = [Document("a", "Storm floods Paris streets."), Document("b", "Paris streets flooded by storm."),
    ...         Document("c", "Central bank raises interest rates.")]
    >>> group_stories(docs)
    [[0, 1], [2]]
    """
    if not documents:
        return []
    vectors = document_vectors(documents)
    groups = _components(vectors, list(range(len(documents))), threshold)
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _components(vectors: "sparse.csr_matrix", members: list[int], threshold: float) -> list[list[int]]:
    """Connected components of the similarity graph among `members`, splitting oversized ones."""
    import numpy as np
    from scipy.sparse.csgraph import connected_components

    sub = vectors[members]
    similar = sub @ sub.T
    similar.data[similar.data < threshold] = 0
    similar.eliminate_zeros()
    count, labels = connected_components(similar, directed=False)
    groups: list[list[int]] = []
    for label in range(count):
        group = [members[i] for i in np.flatnonzero(labels == label)]
        if len(group) > MAX_STORY_DOCUMENTS and threshold + _THRESHOLD_STEP < 1.0:
            groups.extend(_components(vectors, group, threshold + _THRESHOLD_STEP))
        else:
            groups.append(group)
    return groups


def central_document(vectors: "sparse.csr_matrix", members: Sequence[int]) -> int:
    """The member most similar to the rest of its story (its headline titles the section)."""
    import numpy as np

    sub = vectors[list(members)]
    centrality = np.asarray((sub @ sub.T).sum(axis=1)).ravel()
    return int(members[int(np.argmax(centrality))])
