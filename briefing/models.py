"""Plain frozen data passed between the pipeline stages.

Document -> Sentence -> (scores) -> Item -> Section -> Briefing
"""
from __future__ import annotations

import math
import re

from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar


@dataclass(frozen=True)
class Copy:
    """Another outlet's near-identical copy of a document, collapsed into it (its text is not kept)."""

    document: str  # the copy's own id
    source: str | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Document:
    """One article: normalised text plus metadata (all metadata is untrusted text).

    `copies` lists other outlets' near-identical copies collapsed into this one (syndication): they
    corroborate it, and a briefing says how many outlets reported it.
    """

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None  # the publisher, e.g. "Reuters"
    date: str | None = None  # ISO 8601 date or datetime, as given
    path: str | None = None  # where it was read from (file path, URL or "-")
    language: str | None = None  # BCP 47 tag, e.g. "en", "fr"; None = not known
    copies: tuple[Copy, ...] = ()  # collapsed near-duplicates from other outlets (briefing.summarize.collapse)
    story: int | None = None  # the story (event) it was grouped into by build_briefing; None before grouping
    category: str | None = None  # the user's folder for its source (an OPML folder, `category` in briefing.toml)

    def meta(self) -> dict[str, Any]:
        """The JSON `documents` entry (no text); `story` once grouped, `category` when set, `copies` only when
        some were collapsed into it."""
        meta: dict[str, Any] = {"id": self.id, "title": self.title, "url": self.url, "source": self.source,
                                "date": self.date, "language": self.language or "und"}
        if self.story is not None:
            meta["story"] = self.story
        if self.category:
            meta["category"] = self.category
        if self.copies:
            meta["copies"] = [asdict(c) for c in self.copies]
        return meta

    @property
    def outlets(self) -> frozenset[str]:
        """Who published it: its own and its copies' publishers (an unnamed one counts by its id)."""
        return frozenset([self.source or f"\0{self.id}", *(c.source or f"\0{c.document}" for c in self.copies)])


@dataclass(frozen=True)
class Sentence:
    """One sentence of one document, with where it sits in that document."""

    text: str
    document: str  # Document.id
    index: int  # 0-based index of the sentence in its document
    paragraph: int = 0  # 0-based paragraph number in its document
    doc_position: int = 0  # 0-based index of the document in the input (for ties and reading order)
    language: str | None = None  # its document's BCP 47 tag (None = English rules)


@dataclass(frozen=True)
class SourceRef:
    """Where an item's sentence was found."""

    document: str
    sentence: int
    title: str | None = None
    url: str | None = None
    source: str | None = None
    text: str = ""  # the sentence this outlet wrote: the evidence for the citation
    copies: tuple[Copy, ...] = ()  # other outlets whose near-identical copy of the document was collapsed into it

    def to_dict(self) -> dict[str, Any]:
        """The JSON `sources` entry (`copies` only when the document had some)."""
        data = {"document": self.document, "sentence": self.sentence, "title": self.title, "url": self.url,
                "source": self.source, "text": self.text}
        if self.copies:
            data["copies"] = [asdict(c) for c in self.copies]
        return data


@dataclass(frozen=True)
class Item:
    """A chosen sentence and every source that reported it."""

    text: str
    score: float
    sources: tuple[SourceRef, ...]

    @property
    def outlets(self) -> int:
        """How many outlets reported it: distinct publishers of its sources and of their collapsed copies."""
        names = {r.source or f"\0{r.document}" for r in self.sources}
        names.update(c.source or f"\0{c.document}" for r in self.sources for c in r.copies)
        return len(names)


@dataclass(frozen=True)
class Section:
    """A story: a titled group of items (title is None for a single-story briefing).

    `story` is the story's number (the `story` of its documents), `articles` how many articles reported it
    (collapsed copies included) and `outlets` how many distinct outlets.
    """

    title: str | None
    items: tuple[Item, ...]
    story: int = 0
    articles: int = 0
    outlets: int = 0


@dataclass(frozen=True)
class Briefing:
    """The finished briefing, ready for rendering."""

    title: str
    date: str  # YYYY-MM-DD
    sections: tuple[Section, ...]
    documents: tuple[Document, ...] = field(default=())
    # The templates' fixed words when localised: "sources", "empty" (str), "days" (7), "months" (12).
    labels: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def items(self) -> list[Item]:
        """All items of all sections in reading order."""
        return [item for section in self.sections for item in section.items]

    def to_dict(self) -> dict[str, Any]:
        """The JSON output contract (see DESIGN.md)."""
        return {
            "title": self.title,
            "date": self.date,
            "sections": [
                {
                    "title": s.title,
                    "story": s.story,
                    "articles": s.articles,
                    "outlets": s.outlets,
                    "items": [
                        {"text": i.text, "score": round(float(i.score), 6), "sources": [r.to_dict() for r in i.sources],
                         **({"outlets": i.outlets} if any(r.copies for r in i.sources) else {})}
                        for i in s.items
                    ],
                }
                for s in self.sections
            ],
            "documents": [d.meta() for d in self.documents],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Briefing:
        """Rebuild a Briefing from its JSON output (the inverse of Briefing.to_dict).

        The JSON may come from a file anyone could have edited (a site's stored pages), so it is checked as it
        is read: every string is made printable again (control characters dropped, metadata one line), numbers
        must be finite (a score is 0.0 otherwise), and an item without sources (nothing to cite) is left out.

        Raises:
            ValueError: the data is not a briefing (a field of the wrong type, a missing title or date).
        """
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, got {type(data).__name__}")
        sections = tuple(
            Section(_line(s.get("title")), tuple(item for item in map(_item, _objects(s.get("items"))) if item.sources),
                    _count(s.get("story")), _count(s.get("articles")), _count(s.get("outlets")))
            for s in _objects(data.get("sections")))
        documents = tuple(Document(_text(d["id"]), "", _line(d.get("title")), _line(d.get("url")), _line(d.get("source")),
                                   _line(d.get("date")), language=_line(d.get("language")), copies=_copies(d.get("copies")),
                                   story=None if d.get("story") is None else _count(d.get("story")),
                                   category=_line(d.get("category")))
                          for d in _objects(data.get("documents")))
        return cls(_line(_text(data["title"])) or "Briefing", _text(data["date"]), sections, documents)


def _item(data: dict[str, Any]) -> Item:
    """An item from its JSON form (see Briefing.from_dict)."""
    refs = tuple(SourceRef(_text(r["document"]), _number(r.get("sentence"), int), _line(r.get("title")),
                           _line(r.get("url")), _line(r.get("source")), _printable(_text(r.get("text") or "")),
                           _copies(r.get("copies")))
                 for r in _objects(data.get("sources")))
    return Item(_printable(_text(data["text"])), _number(data.get("score"), float), refs)


def _objects(value: Any) -> list[dict[str, Any]]:
    """A JSON list of objects (absent: empty), else ValueError."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"expected a list of objects, got {type(value).__name__}")
    return value


def _text(value: Any) -> str:
    """A JSON string or number as text, else ValueError (a list or object is not a name)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return str(value)


_T = TypeVar("_T", int, float)


def _number(value: Any, kind: type[_T]) -> _T:
    """A finite JSON number as `kind` (0 when absent, not a number, infinite or out of range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or abs(value) > 2 ** 53:
        return kind(0)
    return kind(value)


def _count(value: Any) -> int:
    """A small non-negative integer from JSON (0 when absent or not a plain number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31 else 0


def _copies(data: Any) -> tuple[Copy, ...]:
    """Copies from their JSON form (a list of objects; absent in briefings without collapsed documents)."""
    return tuple(Copy(_text(c["document"]), _line(c.get("source")), _line(c.get("title")), _line(c.get("url")),
                      _line(c.get("date")))
                 for c in _objects(data))


# Control characters, bidi embeddings/overrides/isolates (they could make a page read other than it holds),
# lone surrogates and non-characters.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _printable(text: str) -> str:
    """Text without control characters (tab and newlines stay) or lone surrogates."""
    return _UNPRINTABLE.sub("", text)


def _line(value: Any) -> str | None:
    """One printable line of metadata, or None."""
    if value is None:
        return None
    return " ".join(_printable(str(value)).split()) or None
