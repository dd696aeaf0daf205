"""Sections: the chosen items grouped by story, each titled with a headline, the day's order kept (or the
story most about the query first)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..models import Document, Item, Section, Sentence
from ..text.vectors import tokenize
from .collapse import article_count
from .stories import outlet_count

if TYPE_CHECKING:
    import numpy as np

# A story without a headline is titled with this many opening words of its first item.
_TITLE_WORDS = 8
# With a query, a story's relevance is the mean relevance of its this many most relevant sentences.
QUERY_STORY_SENTENCES = 5


def story_relevance(sentences: Sequence[Sentence], relevance: "np.ndarray", documents: Sequence[Document],
                     count: int) -> list[float]:
    """How much each of `count` stories is about the query: the mean relevance (0-1) of its QUERY_STORY_SENTENCES
    most relevant sentences (a story that one stray sentence matches ranks below one that many match)."""
    import numpy as np

    per_story: list[list[float]] = [[] for _ in range(count)]
    for sentence, value in zip(sentences, np.asarray(relevance, dtype=float).tolist()):
        per_story[documents[sentence.doc_position].story or 0].append(value)
    return [sum(sorted(values, reverse=True)[:QUERY_STORY_SENTENCES]) / QUERY_STORY_SENTENCES for values in per_story]


def make_sections(items: Sequence[Item], documents: Sequence[Document], stories: Sequence[Sequence[int]],
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
