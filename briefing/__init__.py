"""briefing: turn a pile of news articles into a short, sourced, deduplicated briefing.

>>> from briefing import Document, Options, build_briefing
>>> docs = [Document("a", "Storm floods the old town of Paris on Monday night."), Document("b", "Rain ends.")]
>>> [i.text for i in build_briefing(docs, Options(words=30)).items]
['Storm floods the old town of Paris on Monday night.']
"""
from __future__ import annotations

import logging

from .errors import BriefingError
from .models import Briefing, Document, Item, Section, Sentence, SourceRef
from .options import Options
from .pipeline import build_briefing, summarize

__version__ = "0.1.0"
__all__ = [
    "Briefing",
    "BriefingError",
    "Document",
    "Item",
    "Options",
    "Section",
    "Sentence",
    "SourceRef",
    "build_briefing",
    "load_documents",
    "render_briefing",
    "split_sentences",
    "summarize",
]


def load_documents(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Read files, directories, URLs and feeds into Documents (see `briefing.ingest.load_documents`)."""
    from .ingest import load_documents as _load

    return _load(*args, **kwargs)


def split_sentences(text: str) -> list[str]:
    """Split raw text into sentences (see `briefing.sentences.split_sentences`)."""
    from .sentences import split_sentences as _split

    return _split(text)


def render_briefing(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Render a Briefing as md, html or json (see `briefing.render.render_briefing`)."""
    from .render import render_briefing as _render

    return _render(*args, **kwargs)


logging.getLogger(__name__).addHandler(logging.NullHandler())
