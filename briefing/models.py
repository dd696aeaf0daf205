"""Plain frozen data passed between the pipeline stages.

Document -> Sentence -> (scores) -> Item -> Section -> Briefing
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One article: normalised text plus metadata (all metadata is untrusted text)."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None  # the publisher, e.g. "Reuters"
    date: str | None = None  # ISO 8601 date or datetime, as given
    path: str | None = None  # where it was read from (file path, URL or "-")
    language: str | None = None  # BCP 47 tag, e.g. "en", "fr"; None = not known

    def meta(self) -> dict[str, Any]:
        """The JSON `documents` entry (no text)."""
        return {"id": self.id, "title": self.title, "url": self.url, "source": self.source, "date": self.date,
                "language": self.language or "und"}


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


@dataclass(frozen=True)
class Item:
    """A chosen sentence and every source that reported it."""

    text: str
    score: float
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Section:
    """A story: a titled group of items (title is None for a single-story briefing)."""

    title: str | None
    items: tuple[Item, ...]


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
                    "items": [
                        {"text": i.text, "score": round(float(i.score), 6), "sources": [asdict(r) for r in i.sources]}
                        for i in s.items
                    ],
                }
                for s in self.sections
            ],
            "documents": [d.meta() for d in self.documents],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Briefing:
        """Rebuild a Briefing from its JSON output (the inverse of Briefing.to_dict)."""
        sections = tuple(
            Section(s.get("title"), tuple(
                Item(str(i["text"]), float(i.get("score", 0.0)), tuple(
                    SourceRef(str(r["document"]), int(r.get("sentence", 0)), r.get("title"), r.get("url"), r.get("source"),
                              str(r.get("text") or ""))
                    for r in i.get("sources", [])))
                for i in s.get("items", [])))
            for s in data.get("sections", []))
        documents = tuple(Document(str(d["id"]), "", d.get("title"), d.get("url"), d.get("source"), d.get("date"),
                                   language=d.get("language"))
                          for d in data.get("documents", []))
        return cls(str(data["title"]), str(data["date"]), sections, documents)
