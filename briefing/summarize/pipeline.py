"""The library's front door: documents in, Briefing out (sources and outputs live in their own stages)."""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import replace
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import BriefingError, NoInputError
from ..models import Briefing, Document, Item, Section, Sentence
from ..options import Options
from ..progress import Progress, wanted
from ..text.languages import with_languages
from ..text.sentences import split_document
from ..parallel import available_workers, parallel_map
from ..text.vectors import tokenize
from .collapse import article_count, collapse_documents, credit_copies
from .dedupe import filter_repeats
from .novelty import weigh_novelty
from .rank import position_prior, query_relevance, rank_sentences
from .select import select_items
from .stories import document_vectors, group_stories, outlet_count

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

DEFAULT_TITLE = "Briefing"
# A story without a headline is titled with this many opening words of its first item.
_TITLE_WORDS = 8
# A news article has tens of sentences; a "document" with thousands (a book, a log, a scraped dump) is
# ranked by its opening only, which keeps the graph, and memory, bounded.
MAX_SENTENCES_PER_DOCUMENT = 400
# Up to this many sentences (a few hundred articles) are ranked in one graph; beyond, story by story.
GLOBAL_RANK_SENTENCES = 20_000
# On a bigger day, the biggest stories' sentences are ranked by graph up to this many in all.
GRAPH_RANKED_SENTENCES = 10_000
# On such a day, a story of more sentences than this is ranked on its most central articles' sentences.
STORY_GRAPH_SENTENCES = 1500
# ... and the stories of fewer sentences than this are ranked together, in one graph without edges between them.
JOINT_RANK_SENTENCES = 300
# With a query, a story's relevance is the mean relevance of its this many most relevant sentences.
QUERY_STORY_SENTENCES = 5
# Stories too big for one graph are ranked by worker processes when they hold this many documents in all.
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
            said is old news, so a sentence is ranked down by how much of it they already said.
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
    # Options.language wins; else a Document made by hand may not say its language and it is detected.
    documents = with_languages(documents, options.language)
    # Syndicated copies collapse into one representative that lists the other outlets (collapse.py).
    documents = collapse_documents(documents)
    with Progress("grouping stories", total=3, enabled=wanted(options.quiet)) as bar:
        several = len(documents) > 2 or len({_language(d) for d in documents}) > 1  # one section per language
        sentences = split_documents(documents)
        vectors = document_vectors(documents, sentences) if options.stories and several else None
        stories = group_stories(documents, vectors=vectors) if vectors is not None else [list(range(len(documents)))]
        bar.advance("ranking sentences")
        parts = _story_parts(sentences, stories)
        if not sentences:
            raise NoInputError("no sentence in the input is long enough to brief")
        # One graph when it fits (nothing a story grouping gets wrong can cost centrality); else each of the
        # biggest stories in a graph of its own, ranked in parallel, and the small stories of a big day by
        # their news position alone (`_big_day_parts`).
        graphs, rest = ([sentences], []) if len(sentences) <= GLOBAL_RANK_SENTENCES else _big_day_parts(
            documents, stories, parts, vectors)
        jobs = _pack(graphs, -(-sum(map(len, graphs)) // (2 * available_workers())))
        parallel = len(jobs) > 1 and len(documents) >= PARALLEL_MIN_DOCUMENTS
        ranked = [scores for job in parallel_map(_rank_stories, [(job, options) for job in jobs],
                                                 serial_below=2 if parallel else len(jobs) + 1) for scores in job]
        parts = [part for job in jobs for part in job] + rest
        scores = _global_scores(list(zip(parts, ranked + [position_prior(part) / position_prior(part).sum()
                                                          for part in rest])))
        sentences = [s for part in parts for s in part]
        bar.advance("selecting items")
        by_id = {d.id: d for d in documents}
        allowed = _new_sentences(sentences, published, options) if published else None
        scores, novelty, allowed = weigh_novelty(sentences, scores, seen, allowed)
        relevance = query_relevance(sentences, options.query) if options.query else None
        items = select_items(sentences, scores, by_id, options, allowed, overflow=overflow, relevance=relevance,
                             novelty=novelty, stories=_story_weights(sentences, documents, stories))
        items = credit_copies(items, documents)  # each item cites the outlets of collapsed copies too
        bar.advance()
    if not items:
        raise NoInputError("no sentence in the input is long enough to brief (or all were in earlier briefings)")
    story_of = {i: k for k, story in enumerate(stories) for i in story}
    documents = [replace(d, story=story_of[i]) for i, d in enumerate(documents)]
    sections = _sections(items, documents, stories,
                         None if relevance is None else _story_relevance(sentences, relevance, documents, len(stories)))
    return Briefing(title=options.title or DEFAULT_TITLE, date=date, sections=tuple(sections), documents=tuple(documents),
                    labels=template_labels(options))


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


def _rank_stories(job: tuple[Sequence[Sequence[Sentence]], Options]) -> "list[np.ndarray]":
    """Graph scores of each story's sentences, each story a graph of its own, summing to 1 (a worker's job).

    Stories of fewer than JOINT_RANK_SENTENCES sentences are ranked together in one call, as one graph
    without edges between them (one call per story costs more than the ranking of a small story).
    """
    import numpy as np

    stories, options = job
    out = [rank_sentences(part, options) if len(part) >= JOINT_RANK_SENTENCES else None for part in stories]
    small = [k for k, scores in enumerate(out) if scores is None]
    if small:
        sizes = [len(stories[k]) for k in small]
        joint = rank_sentences([s for k in small for s in stories[k]], options,
                               groups=np.repeat(np.arange(len(small)), sizes))
        for k, scores in zip(small, np.split(joint, np.cumsum(sizes)[:-1])):
            out[k] = scores / (scores.sum() or 1.0)
    return [scores for scores in out if scores is not None]


def _language(document: Document) -> str:
    """A document's primary language subtag (`pt` for `pt-BR`)."""
    return (document.language or "en").split("-")[0].lower()


def _new_sentences(sentences: Sequence[Sentence], published: Sequence[str], options: Options) -> list[bool]:
    """Mask of sentences that do not repeat an earlier briefing, each language read as itself."""
    allowed = [True] * len(sentences)
    for language in {s.language for s in sentences}:
        members = [i for i, s in enumerate(sentences) if s.language == language]
        mask = filter_repeats([sentences[i].text for i in members], published, options.duplicate_threshold, language)
        for i, ok in zip(members, mask):
            allowed[i] = ok
    return allowed


def _story_parts(sentences: Sequence[Sentence], stories: Sequence[Sequence[int]]) -> list[list[Sentence]]:
    """The sentences partitioned by story (input order within each)."""
    story_of = {i: k for k, story in enumerate(stories) for i in story}
    parts: list[list[Sentence]] = [[] for _ in stories]
    for sentence in sentences:
        parts[story_of[sentence.doc_position]].append(sentence)
    return parts


def _big_day_parts(documents: Sequence[Document], stories: Sequence[Sequence[int]], parts: Sequence[list[Sentence]],
                   vectors: "sparse.csr_matrix | None") -> tuple[list[list[Sentence]], list[list[Sentence]]]:
    """(stories to rank by graph, stories scored by position only) for a day too big for one graph.

    The stories with most articles are ranked by graph, up to GRAPH_RANKED_SENTENCES sentences in all, so the
    cost of ranking stays bounded however big the day; the many small stories left hold little of the
    teleport mass, so their items could only win on the story reward, which position alone decides well.
    A story of more than STORY_GRAPH_SENTENCES sentences is read in its most central articles
    (`_central_part`): hundreds of articles on one event say the same few things.
    """
    by_size = sorted(range(len(stories)), key=lambda k: (-article_count(documents, stories[k]), k))
    graphed: dict[int, list[Sentence]] = {}
    total = 0
    for k in by_size:
        central = _central_part(parts[k], stories[k], documents, vectors)
        if graphed and total + len(central) > GRAPH_RANKED_SENTENCES:
            break
        graphed[k] = central
        total += len(central)
    graphs = [graphed[k] for k in sorted(graphed) if graphed[k]]
    return graphs, [parts[k] for k in range(len(parts)) if k not in graphed and parts[k]]


def _central_part(part: list[Sentence], story: Sequence[int], documents: Sequence[Document],
                  vectors: "sparse.csr_matrix | None") -> list[Sentence]:
    """The sentences of a story's most central articles, at most STORY_GRAPH_SENTENCES (the whole story when
    it is smaller): articles by their summed similarity to the story's others, each counted with its
    collapsed copies (degree centrality, Erkan & Radev's cheap cousin of LexRank), the most central first."""
    import numpy as np

    if len(part) <= STORY_GRAPH_SENTENCES or vectors is None:
        return part
    members = np.asarray(story, dtype=np.int64)
    sub = vectors[members]
    outlets = np.asarray([1 + len(documents[i].copies) for i in story], dtype=np.float64)
    centrality = np.asarray(sub @ (sub.T @ outlets)).ravel() * outlets
    lengths = np.bincount([s.doc_position for s in part], minlength=len(documents))[members]
    keep: set[int] = set()
    total = 0
    for j in np.argsort(-centrality, kind="stable").tolist():
        if keep and total + lengths[j] > STORY_GRAPH_SENTENCES:
            continue
        keep.add(int(members[j]))
        total += int(lengths[j])
    return [s for s in part if s.doc_position in keep]


def _pack(parts: Sequence[list[Sentence]], limit: int) -> list[list[list[Sentence]]]:
    """Consecutive stories grouped into jobs of at most `limit` sentences (a bigger story alone)."""
    packed: list[list[list[Sentence]]] = []
    size = 0
    for part in parts:
        if packed and size + len(part) <= limit:
            packed[-1].append(part)
            size += len(part)
        else:
            packed.append([part])
            size = len(part)
    return packed


def _story_weights(sentences: Sequence[Sentence], documents: Sequence[Document], stories: Sequence[Sequence[int]]
                   ) -> "tuple[np.ndarray, np.ndarray] | None":
    """(story of each sentence, weight of each story): a story's weight is its articles (collapsed copies
    included) over the biggest's."""
    import numpy as np

    if len(stories) < 2:
        return None
    story_of = np.zeros(max(max(story) for story in stories) + 1, dtype=np.int64)
    for k, story in enumerate(stories):
        story_of[story] = k
    sizes = np.asarray([article_count(documents, story) for story in stories], dtype=float)
    return story_of[[s.doc_position for s in sentences]], sizes / sizes.max()


def _global_scores(ranked: Sequence[tuple[Sequence[Sentence], "np.ndarray"]]) -> "np.ndarray":
    """Scores comparable across stories: each story's scores times its share of the teleport (position) mass.

    PageRank over a graph of disconnected stories gives each story exactly its share of the teleport vector,
    so this equals ranking all sentences together without the (weak) edges between stories.
    """
    import numpy as np

    mass = [float(position_prior(sentences).sum()) if len(sentences) else 0.0 for sentences, _ in ranked]
    total = sum(mass) or 1.0
    parts = [scores * (m / total) for (_, scores), m in zip(ranked, mass) if len(scores)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _story_relevance(sentences: Sequence[Sentence], relevance: "np.ndarray", documents: Sequence[Document],
                     count: int) -> list[float]:
    """How much each of `count` stories is about the query: the mean relevance (0-1) of its QUERY_STORY_SENTENCES
    most relevant sentences (a story that one stray sentence matches ranks below one that many match)."""
    import numpy as np

    per_story: list[list[float]] = [[] for _ in range(count)]
    for sentence, value in zip(sentences, np.asarray(relevance, dtype=float).tolist()):
        per_story[documents[sentence.doc_position].story or 0].append(value)
    return [sum(sorted(values, reverse=True)[:QUERY_STORY_SENTENCES]) / QUERY_STORY_SENTENCES for values in per_story]


def _sections(items: Sequence[Item], documents: Sequence[Document], stories: Sequence[Sequence[int]],
              relevance: Sequence[float] | None) -> list[Section]:
    """The chosen items as sections, one per story they come from (the `story` of the documents, `stories`
    their indices); a single story gives one untitled section.

    Stories keep their order (most outlets first, then most articles), or, with a query, the story most about
    it comes first (`relevance`, one value per story).
    """
    story_of = {d.id: d.story or 0 for d in documents}
    grouped: dict[int, list[Item]] = {}
    for item in items:
        grouped.setdefault(story_of[item.sources[0].document], []).append(item)
    sizes = {k: (article_count(documents, stories[k]), outlet_count(documents, stories[k])) for k in grouped}
    if len(grouped) == 1 and len(stories) == 1:
        return [Section(title=None, items=tuple(items), story=0, articles=sizes[0][0], outlets=sizes[0][1])]
    order = sorted(grouped, key=lambda k: (-relevance[k], k) if relevance is not None else k)
    by_id = {d.id: d for d in documents}
    return [Section(title=section_title(grouped[k], by_id), items=tuple(grouped[k]), story=k, articles=sizes[k][0],
                    outlets=sizes[k][1]) for k in order]


def section_title(items: Sequence[Item], documents: Mapping[str, Document]) -> str:
    """A story's headline: of the articles the section cites, the title sharing most words with its items
    (the first item's own article when none shares any), else the opening words of the first item.

    >>> from briefing.models import SourceRef
    >>> docs = {"a": Document("a", "", title="Putin backs Yukos sale"), "b": Document("b", "", title="Yukos auction set")}
    >>> item = Item("The Yukos auction was set for Sunday.", 1.0, (SourceRef("a", 0), SourceRef("b", 2)))
    >>> section_title([item], docs)
    'Yukos auction set'
    """
    words = Counter(w for item in items for w in set(tokenize(item.text)))
    cited = [ref.document for item in items for ref in item.sources]
    titled = [doc for doc in dict.fromkeys(cited) if doc in documents and documents[doc].title]

    def fit(doc: str) -> tuple[float, int, int]:
        """Words shared with the items (per square root of title length), then citations, then first cited."""
        title_words = set(tokenize(documents[doc].title or ""))
        shared = sum(words[w] for w in title_words) / (len(title_words) or 1) ** 0.5
        return shared, cited.count(doc), -titled.index(doc)

    if titled:
        return documents[max(titled, key=fit)].title or ""
    first = items[0].text.split()
    return " ".join(first[:_TITLE_WORDS]).rstrip(",;:") + ("…" if len(first) > _TITLE_WORDS else "")


def sentence_terms(documents: Sequence[Document]) -> list[tuple[str, ...]]:
    """Content words of every sentence of `documents`: what the day's articles said, for tomorrow's novelty."""
    return [tuple(tokenize(s.text, s.language)) for s in split_documents(documents)]


def summarize_items(documents: Sequence[Document], options: Options | None = None) -> list[Item]:
    """The items of a one-story briefing of `documents` (no story grouping), in reading order."""
    options = (options or Options()).replace(stories=False)
    return build_briefing(documents, options).items
