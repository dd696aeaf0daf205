"""The library's front door: documents in, Briefing out, as the summarize stages one after another.

`build_briefing` reads as its stages, each a function taking and returning plain data (`day.Day`,
`day.Ranked`, items):

    prepare_day   languages, syndicated copies collapsed, sentences split, stories grouped  (stories.py)
    rank_day      every sentence scored in one graph, or story by story on a big day       (rankday.py)
    weigh_history earlier days: repeats left out, old facts ranked down                     (novelty.py)
    choose_items  the budget spent across stories, near-duplicates merged and corroborated  (select.py)
    make_sections one section per story, biggest first, or the query's story first          (sections.py)
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import BriefingError, NoInputError
from ..models import Briefing, Document, Item, Sentence
from ..options import Options
from ..progress import Progress, wanted
from ..text.languages import primary, with_languages
from ..text.sentences import split_document
from ..text.standalone import is_furniture, is_notice
from ..text.vectors import tokenize
from .collapse import article_count, collapse_documents, credit_copies
from .day import Day, Ranked
from .novelty import QUERY_FAMILIAR, followed_terms, unpublished, weigh_novelty
from .passages import attach_passages
from .rank import query_relevance, terms_relevance
from .rankday import rank_day
from .sections import make_sections, section_title, story_relevance
from .select import select_items
from .stories import document_vectors, group_stories

if TYPE_CHECKING:
    import numpy as np

DEFAULT_TITLE = "Briefing"
# A news article has tens of sentences; a "document" with thousands (a book, a log, a scraped dump) is
# ranked by its opening only, which keeps the graph, and memory, bounded.
MAX_SENTENCES_PER_DOCUMENT = 400
log = logging.getLogger(__name__)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
__all__ = ["build_briefing", "briefing_date", "section_title", "sentence_terms", "split_documents", "summarize_items"]


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
    return [sentence for position, doc in enumerate(documents) for sentence in _split(doc, position)]


def split_articles(documents: Sequence[Document]) -> tuple[list[Document], list[Sentence]]:
    """The documents that hold an article, and their sentences (`split_documents`, positions among them): a
    page whose every sentence is furniture (a web-archive placeholder, a syndication or editor's note:
    `standalone.is_furniture`), or a short web service's notice (a sign-in or error page, a video player's
    "try again later": `standalone.is_notice`), tells no story and is left out with a warning, instead of becoming a story of
    its own with nothing to say."""
    articles: list[Document] = []
    sentences: list[Sentence] = []
    pages = []
    for doc in documents:
        split = _split(doc, len(articles))
        if split and (all(is_furniture(sentence.text) for sentence in split)
                      or is_notice([sentence.text for sentence in split])):
            pages.append(doc.path or doc.id)
            continue
        articles.append(doc)
        sentences.extend(split)
    if pages:
        log.warning("%d document(s) hold only page furniture or a site notice, no article, and are left out: %s", len(pages),
                    ", ".join(pages[:5]) + (", ..." if len(pages) > 5 else ""))
    return articles, sentences


def _split(doc: Document, position: int) -> list[Sentence]:
    """One document's sentences, at most MAX_SENTENCES_PER_DOCUMENT (a warning says when there were more)."""
    split = split_document(doc, position)
    if len(split) > MAX_SENTENCES_PER_DOCUMENT:
        log.warning("%s: only its first %d of %d sentences are ranked", doc.path or doc.id,
                    MAX_SENTENCES_PER_DOCUMENT, len(split))
        split = split[:MAX_SENTENCES_PER_DOCUMENT]
    return split


def build_briefing(documents: Sequence[Document], options: Options | None = None, published: Sequence[str] = (),
                   *, seen: Sequence[Sequence[str]] = (), overflow: bool = False) -> Briefing:
    """Rank, deduplicate and select sentences from `documents` into a sourced Briefing.

    All sentences are ranked in one graph (on inputs of more than GLOBAL_RANK_SENTENCES sentences, each
    story's sentences in a graph of their own, scaled by the story's share of the input, which is what one
    graph gives when stories share no edges); the items are chosen from all stories at once under the whole
    budget; and sections are formed from the chosen items: one per story, the story most outlets reported
    first.

    Args:
        documents: the day's articles (see `briefing.sources.ingest.load_documents`).
        options: budget, algorithm, title, date, query, ... (defaults: `Options()`).
        published: texts of items of earlier briefings; sentences repeating them are left out.
        seen: content words of the sentences of earlier days' articles (`History.seen_sentences`): what they
            said is old news, so a sentence is ranked down by how much of it they already said; and, without a
            query, the words they said most tell what the reader follows (`novelty.followed_terms`).
        overflow: let the last item run past the word budget (only for evaluation, which truncates
            every system's summary to the budget).
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
    with Progress("grouping stories", total=3, enabled=wanted(options.quiet)) as bar:
        day = prepare_day(documents, options)
        if not day.documents:
            raise NoInputError("every document holds only page furniture (web-archive notices, desk notes), no article")
        if not day.sentences:
            raise NoInputError("no sentence in the input is long enough to brief")
        bar.advance("ranking sentences")
        ranked = rank_day(day, options)
        bar.advance("selecting items")
        scores, novelty, allowed = weigh_history(ranked, published, seen, options)
        relevance = query_relevance(ranked.sentences, options.query) if options.query else None
        # Without a query, earlier days' sentences tell what the reader follows (a soft query).
        followed = terms_relevance(ranked.sentences, followed_terms(seen)) if seen and relevance is None else None
        items = choose_items(day, ranked.sentences, scores, options, allowed, novelty,
                             relevance if followed is None else followed, overflow)
        bar.advance()
    if not items:
        raise NoInputError("no sentence in the input is long enough to brief (or all were in earlier briefings)")
    story_of = {i: k for k, story in enumerate(day.stories) for i in story}
    documents = [replace(d, story=story_of[i]) for i, d in enumerate(day.documents)]
    sections = make_sections(items, documents, day.stories, None if relevance is None else story_relevance(
        ranked.sentences, relevance, documents, len(day.stories)))
    return Briefing(title=options.title or DEFAULT_TITLE, date=date, sections=tuple(sections), documents=tuple(documents),
                    labels=template_labels(options))


def prepare_day(documents: Sequence[Document], options: Options) -> Day:
    """Stage 1: the documents with languages set and syndicated copies collapsed into one representative that
    lists the other outlets (`collapse.py`), their sentences, and their stories (`stories.py`; one story when
    `options.stories` is off or there are at most two documents of one language)."""
    # Options.language wins; else a Document made by hand may not say its language and it is detected.
    documents = collapse_documents(with_languages(documents, options.language))
    documents, sentences = split_articles(documents)
    several = len(documents) > 2 or len({primary(d.language) for d in documents}) > 1  # one section per language
    vectors = document_vectors(documents, sentences) if options.stories and several else None
    stories = group_stories(documents, vectors=vectors) if vectors is not None else [list(range(len(documents)))]
    if vectors is not None:
        stories, sentences = attach_passages(documents, sentences, stories)
    return Day(tuple(documents), tuple(sentences), tuple(tuple(story) for story in stories), vectors)


def weigh_history(ranked: Ranked, published: Sequence[str], seen: Sequence[Sequence[str]], options: Options
                  ) -> "tuple[np.ndarray, np.ndarray | None, list[bool] | None]":
    """Stage 3: (scores, novelty, allowed): sentences repeating an earlier briefing's items are not allowed,
    and each sentence's score is weighed by how much of it earlier days' articles said (`novelty.py`; with a
    query, a sentence little of which they said is not demoted)."""
    allowed = unpublished(ranked.sentences, published, options.duplicate_threshold) if published else None
    return weigh_novelty(ranked.sentences, ranked.scores, seen, allowed, QUERY_FAMILIAR if options.query else 0.0)


def choose_items(day: Day, sentences: Sequence[Sentence], scores: "np.ndarray", options: Options,
                 allowed: Sequence[bool] | None, novelty: "np.ndarray | None", relevance: "np.ndarray | None",
                 overflow: bool) -> list[Item]:
    """Stage 4: the items, chosen under the budget across stories (`select.py`), each citing its
    corroborating outlets and the outlets of collapsed copies."""
    by_id = {d.id: d for d in day.documents}
    items = select_items(sentences, scores, by_id, options, allowed, overflow=overflow, relevance=relevance,
                         novelty=novelty, stories=_story_weights(sentences, day.documents, day.stories))
    return credit_copies(items, day.documents)


def template_labels(options: Options) -> dict[str, Any]:
    """The templates' fixed words from the options (`sources_label`, `empty_label`, `day_names`, `month_names`)."""
    for name, count in (("day_names", 7), ("month_names", 12)):
        given = getattr(options, name)
        if given and len(given) != count:
            raise BriefingError(f"{name} needs {count} names, not {len(given)}")
    labels: dict[str, Any] = {"sources": options.sources_label, "empty": options.empty_label}
    if options.day_names:
        labels["days"] = tuple(options.day_names)
    if options.month_names:
        labels["months"] = tuple(options.month_names)
    return labels


def _story_weights(sentences: Sequence[Sentence], documents: Sequence[Document], stories: Sequence[Sequence[int]]
                   ) -> "tuple[np.ndarray, np.ndarray] | None":
    """(story of each sentence, weight of each story): a story's weight is its articles (collapsed copies
    included) over the biggest's."""
    import numpy as np

    if len(stories) < 2:
        return None
    story_of = np.zeros(max(max(story) for story in stories) + 1, dtype=np.int64)
    for k, story in enumerate(stories):
        story_of[list(story)] = k
    sizes = np.asarray([article_count(documents, story) for story in stories], dtype=float)
    return story_of[[s.doc_position for s in sentences]], sizes / sizes.max()


def sentence_terms(documents: Sequence[Document]) -> list[tuple[str, ...]]:
    """Content words of every sentence of `documents`: what the day's articles said, for tomorrow's novelty."""
    return [tuple(tokenize(s.text, s.language)) for s in split_documents(documents)]


def summarize_items(documents: Sequence[Document], options: Options | None = None) -> list[Item]:
    """The items of a one-story briefing of `documents` (no story grouping), in reading order."""
    options = (options or Options()).replace(stories=False)
    return build_briefing(documents, options).items
