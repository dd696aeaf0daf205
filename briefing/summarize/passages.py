"""Pages that tell of other things first: a news budget, a week-in-review digest, a column or a feature that
comes to a story late. `stories.py` groups articles by their opening, so such a page stands alone; here it
joins the story one of its passages is about, and only that passage is read (the rest tells other news, and
must not become items under this story's heading).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..models import Document, Sentence
from ..text.languages import primary
from ..text.standalone import is_furniture
from ..text.vectors import normalize_rows, tfidf
from .stories import MAX_LINKED_DOCUMENTS, counts_and_weights, order_stories, story_openings

if TYPE_CHECKING:
    import numpy as np

# A document no story took (its opening tells of something else: a news budget, a week-in-review digest, a
# column or a feature that comes to the story late) joins the story of two or more articles whose centre a
# passage of PASSAGE_SENTENCES consecutive sentences of it is closest to, when that cosine reaches
# PASSAGE_THRESHOLD; then only that part of it is read (`attach_passages`). On the mixed dev days and 8 more
# seeded ones (DUC 2007, Multi-News), passages of the pages that joined rightly reached 0.24-0.64; of those that
# would have joined wrongly, at most 0.20 (and 0.25, a web-archive notice); on BBC days of unrelated
# articles, at most 0.19.
PASSAGE_SENTENCES = 4
PASSAGE_THRESHOLD = 0.22
# Cells (windows x stories) of one block of the passage cosines: bounds their memory on big days.
_PASSAGE_BLOCK_CELLS = 4_000_000


def attach_passages(documents: Sequence[Document], sentences: Sequence[Sentence], groups: list[list[int]]
                    ) -> tuple[list[list[int]], list[Sentence]]:
    """(stories, sentences) after each document alone in its story joined the story a passage of it is
    about (PASSAGE_THRESHOLD), keeping only that passage's sentences: the rest of a news budget or a digest
    tells other news, and must not become items under this story's heading. A document whose opening
    passage joins is kept whole. Days of more than MAX_LINKED_DOCUMENTS documents are left as they are."""
    lone = {g[0] for g in groups if len(g) == 1}
    stories = [g for g in groups if len(g) > 1]
    if not lone or not stories or len(documents) > MAX_LINKED_DOCUMENTS:
        return groups, list(sentences)
    read: dict[int, list[Sentence]] = {}  # each lone document's sentences, page furniture left out
    for sentence in sentences:
        if sentence.doc_position in lone and not is_furniture(sentence.text):
            read.setdefault(sentence.doc_position, []).append(sentence)
    joined = [list(story) for story in stories]
    passages: dict[int, set[int]] = {}  # the sentences read of a document that joined by a passage
    for i, best, windows, alone in _closest_stories(documents, sentences, stories, read):
        if windows.max() < PASSAGE_THRESHOLD:
            continue
        joined[best].append(i)
        if windows[0] < PASSAGE_THRESHOLD:  # the opening tells of something else: only the passage is read
            first, end = _passage(windows, alone)
            passages[i] = {s.index for s in read[i][first:end]}
    if all(len(g) == len(s) for g, s in zip(joined, stories)):
        return groups, list(sentences)
    taken = {i for g in joined for i in g}
    return (order_stories(documents, [sorted(g) for g in joined] + [g for g in groups if g[0] not in taken]),
            [s for s in sentences if s.doc_position not in passages or s.index in passages[s.doc_position]])


def _closest_stories(documents: Sequence[Document], sentences: Sequence[Sentence], stories: list[list[int]],
                     read: dict[int, list[Sentence]]) -> "Iterator[tuple[int, int, np.ndarray, np.ndarray]]":
    """For each document of `read`: (document, story, windows, alone), the story (of its language) whose centre
    one of its windows of PASSAGE_SENTENCES sentences is closest to, the cosine of each window with that centre,
    and of each sentence alone. Computed block by block of _PASSAGE_BLOCK_CELLS (windows x stories)."""
    import numpy as np
    from scipy import sparse

    openings = story_openings(documents, sentences)
    members = [i for story in stories for i in story]
    jobs = [(openings[i], documents[i].language, True) for i in members]
    jobs += [([s.text], documents[i].language, True) for i in read for s in read[i]]
    counts, weights = counts_and_weights(jobs)
    label = np.repeat(np.arange(len(stories)), [len(story) for story in stories])
    centres = normalize_rows(sparse.csr_matrix((np.ones(len(members)), (label, np.arange(len(members)))))
                             @ tfidf(counts[: len(members)], weights)).T.tocsr()
    language = np.asarray([primary(documents[story[0]].language) for story in stories])
    lines, start, block, held = counts[len(members):], 0, [], 0
    for n, i in enumerate(read):
        block.append(i)
        held += len(read[i])
        if n + 1 < len(read) and held * len(stories) < _PASSAGE_BLOCK_CELLS:
            continue
        mine = lines[start : start + held]
        bounds = np.cumsum([0] + [len(read[k]) for k in block]).tolist()
        # One row per window: the sum of the count rows of its sentences.
        spans = [(w, min(w + PASSAGE_SENTENCES, end)) for first, end in zip(bounds, bounds[1:])
                 for w in range(first, max(first + 1, end - PASSAGE_SENTENCES + 1))]
        band = sparse.csr_matrix((np.ones(sum(e - w for w, e in spans)), [k for w, e in spans for k in range(w, e)],
                                  np.cumsum([0] + [e - w for w, e in spans])), shape=(len(spans), mine.shape[0]))
        near = (tfidf(band @ mine, weights) @ centres).toarray()
        alone = (tfidf(mine, weights) @ centres).toarray()
        first_window = np.searchsorted([w for w, _ in spans], bounds).tolist()
        for k, i in enumerate(block):
            windows = near[first_window[k] : first_window[k + 1]] * (language == primary(documents[i].language))
            best = int(np.argmax(windows.max(axis=0)))
            yield i, best, windows[:, best], alone[bounds[k] : bounds[k + 1], best]
        start += held
        block, held = [], 0


def _passage(windows: "np.ndarray", alone: "np.ndarray") -> tuple[int, int]:
    """(first, end) sentence of the passage: the windows at PASSAGE_THRESHOLD or above, less the sentences at
    its edges that alone are not half as close to the story (a window spans the next item's first sentences
    too: "The vote was close." shares a word with a flood)."""
    import numpy as np

    near = np.flatnonzero(windows >= PASSAGE_THRESHOLD)
    first, end = int(near[0]), min(int(near[-1]) + PASSAGE_SENTENCES, len(alone))
    while first < end - 1 and alone[first] < PASSAGE_THRESHOLD / 2:
        first += 1
    while end - 1 > first and alone[end - 1] < PASSAGE_THRESHOLD / 2:
        end -= 1
    return first, end
