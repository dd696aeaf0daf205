"""The library's front door: documents in, Briefing out (ingest and delivery live in their own modules)."""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import BriefingError, NoInputError
from ..models import Briefing, Document, Item, Section, Sentence
from ..options import Options
from ..progress import Progress, wanted
from ..text.sentences import split_document
from .collapse import article_count, collapse_documents, credit_copies
from ..parallel import parallel_map
from .rank import rank_sentences
from .dedupe import filter_repeats
from .select import select_items
from .stories import central_document, document_vectors, group_stories

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

DEFAULT_TITLE = "Briefing"
# The smallest share of the budget worth giving a story: about one sentence.
_MIN_STORY_WORDS = 30
# A story without a headline is titled with this many opening words of its first item.
_TITLE_WORDS = 8
# A news article has tens of sentences; a "document" with thousands (a book, a log, a scraped dump) is
# ranked by its opening only, which keeps the graph, and memory, bounded.
MAX_SENTENCES_PER_DOCUMENT = 400
# [scale] Stories are ranked by worker processes when those to rank hold this many documents in all.
PARALLEL_MIN_DOCUMENTS = 200
log = logging.getLogger(__name__)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def briefing_date(value: str | None) -> str:
    """The briefing's date as YYYY-MM-DD (today when not given); a bad value raises BriefingError."""
    if value is None:
        return dt.date.today().isoformat()
    if not _DATE_RE.match(value):
        raise BriefingError(f"invalid date {value!r}: use YYYY-MM-DD, e.g. 2024-03-18")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise BriefingError(f"invalid date {value!r}: no such day") from None


def split_documents(documents: Sequence[Document]) -> list[Sentence]:
    """All sentences of all documents, in input order (at most MAX_SENTENCES_PER_DOCUMENT of each)."""
    sentences: list[Sentence] = []
    for position, doc in enumerate(documents):
        split = split_document(doc, position)
        if len(split) > MAX_SENTENCES_PER_DOCUMENT:
            log.warning("%s: only its first %d of %d sentences are ranked", doc.path or doc.id,
                        MAX_SENTENCES_PER_DOCUMENT, len(split))
            split = split[:MAX_SENTENCES_PER_DOCUMENT]
        sentences.extend(split)
    return sentences


def build_briefing(documents: Sequence[Document], options: Options | None = None, published: Sequence[str] = ()) -> Briefing:
    """Rank, deduplicate and select sentences from `documents` into a sourced Briefing.

    Args:
        documents: the day's articles (see `briefing.sources.ingest.load_documents`).
        options: budget, algorithm, title, date, ... (defaults: `Options()`).
        published: texts of items of earlier briefings; sentences repeating them are left out.
    Returns:
        The Briefing, one section per story (a single untitled section when there is one story).

    >>> from briefing import Document, Options, build_briefing
    >>> b = build_briefing([Document("a", "The council approved the new city budget on Monday evening.")], Options(words=50))
    >>> [item.text for item in b.items]
    ['The council approved the new city budget on Monday evening.']
    """
    options = options or Options()
    date = briefing_date(options.date)
    if not options.sentences and options.words is not None and options.words < options.min_words:
        raise BriefingError(
            f"--words {options.words} is shorter than the shortest sentence a briefing uses "
            f"({options.min_words} words): use --words {options.min_words} or more"
        )
    if not documents:
        raise NoInputError("no documents to summarise")
    # [scale] Syndicated copies collapse into one representative that lists the other outlets (collapse.py).
    documents = collapse_documents(documents)
    with Progress("grouping stories", total=1, enabled=wanted(options.quiet)) as bar:
        vectors = document_vectors(documents) if options.stories and len(documents) > 2 else None
        stories = group_stories(documents, vectors=vectors) if vectors is not None else [list(range(len(documents)))]
        if len(stories) == 1:
            vectors = None
        budgets = _share_budget([article_count(documents, story) for story in stories], options)  # [scale]
        bar.expect(1 + sum(1 for words, count in budgets if (words or count)))
        bar.advance("ranking stories")
        sections = _story_sections(documents, stories, budgets, vectors, published, options, bar)
    if not sections:
        raise NoInputError("no sentence in the input is long enough to brief (or all were in earlier briefings)")
    return Briefing(title=options.title or DEFAULT_TITLE, date=date, sections=tuple(sections), documents=tuple(documents))


def _story_sections(
    documents: Sequence[Document],
    stories: Sequence[Sequence[int]],
    budgets: Sequence[tuple[int | None, int | None]],
    vectors: "sparse.csr_matrix | None",
    published: Sequence[str],
    options: Options,
    bar: Progress,
) -> list[Section]:
    """Rank and select each story in turn while the budget lasts (one progress step per story)."""
    by_id = {d.id: d for d in documents}
    index_of = {d.id: i for i, d in enumerate(documents)}
    sections: list[Section] = []
    carry_words = carry_count = 0
    # [scale] Stories with a share are ranked up front, in parallel when they are big (parallel.py); the
    # loop below then selects from them in order, exactly as a serial run would.
    shared = [story for story, (words, count) in zip(stories, budgets) if words or count]
    ranked = parallel_map(rank_story, [([documents[i] for i in story], published, options) for story in shared],
                          serial_below=2 if sum(map(len, shared)) >= PARALLEL_MIN_DOCUMENTS else len(shared) + 1)
    for story, share, (sentences, scores, allowed) in zip(stories, budgets, ranked):
        words, count = share
        # What a story does not use (no sentences, all said before, shorter items) passes to the next.
        words = None if words is None else words + carry_words
        count = None if count is None else count + carry_count
        if (words is not None and words < options.min_words) or (count is not None and count < 1):
            if (words or 0) == (carry_words or 0) and (count or 0) == (carry_count or 0):
                break  # shares are largest first: once a story gets none, no later one does
            carry_words, carry_count = words or 0, count or 0
            continue
        docs = [documents[i] for i in story]
        items = []
        if sentences:
            items = select_items(sentences, scores, by_id, options, allowed, budget_words=words, budget_sentences=count)
            items = credit_copies(items, docs)  # [scale] each item cites the outlets of collapsed copies too
        carry_words = 0 if words is None else words - sum(len(i.text.split()) for i in items)
        carry_count = 0 if count is None else count - len(items)
        bar.advance()
        if items:
            cited = sorted({index_of[ref.document] for item in items for ref in item.sources})
            title = _section_title(documents[central_document(vectors, cited)], items) if vectors is not None else None
            sections.append(Section(title=title, items=tuple(items)))
    return sections


def rank_story(
    job: tuple[Sequence[Document], Sequence[str], Options],
) -> tuple[list[Sentence], "np.ndarray", list[bool] | None]:
    """One story's sentences, their scores and the mask of those new to the history (a worker's job)."""
    import numpy as np

    docs, published, options = job
    sentences = split_documents(docs)
    if not sentences:
        return sentences, np.zeros(0), None
    return sentences, rank_sentences(sentences, options), _new_sentences(sentences, published, options)


def _section_title(central: Document, items: Sequence[Item]) -> str:
    """The story's headline: its most central article's title, else the opening words of its first item."""
    if central.title:
        return central.title
    words = items[0].text.split()
    return " ".join(words[:_TITLE_WORDS]).rstrip(",;:") + ("…" if len(words) > _TITLE_WORDS else "")


def _share_budget(sizes: Sequence[int], options: Options) -> list[tuple[int | None, int | None]]:
    """Split the briefing's budget among stories in proportion to their size, biggest first.

    Each story gets (words, None) or (None, sentences); a share of 0 means the budget ran out before it.
    """
    total = sum(sizes)
    shares: list[tuple[int | None, int | None]] = []
    if options.sentences:
        left = options.sentences
        for size in sizes:
            n = min(left, max(1, round(options.sentences * size / total)))
            shares.append((None, n))
            left -= n
        return shares
    words_left = options.words or 0
    for size in sizes:
        words = min(words_left, max(_MIN_STORY_WORDS, round((options.words or 0) * size / total)))
        shares.append((words, None))
        words_left -= words
    return shares


def _new_sentences(sentences: Sequence[Sentence], published: Sequence[str], options: Options) -> list[bool] | None:
    """Mask of sentences that do not repeat an earlier briefing (None when there is no history)."""
    if not published:
        return None
    return filter_repeats([s.text for s in sentences], published, options.duplicate_threshold)


def summarize(documents: Sequence[Document], options: Options | None = None) -> list[Item]:
    """The items of a one-story briefing of `documents` (no story grouping), in reading order."""
    options = (options or Options()).replace(stories=False)
    return build_briefing(documents, options).items
