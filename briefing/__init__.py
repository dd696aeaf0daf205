"""briefing: turn a pile of news articles into a short, sourced, deduplicated briefing.

>>> from briefing import Document, Options, build_briefing
>>> docs = [Document("a", "Storm floods the old town of Paris on Monday night."), Document("b", "Rain ends.")]
>>> [i.text for i in build_briefing(docs, Options(words=30)).items]
['Storm floods the old town of Paris on Monday night.']
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .errors import BriefingError
from .models import Briefing, Document, Item, Section, Sentence, SourceRef
from .options import Options

if TYPE_CHECKING:
    from .outputs.render import render_briefing
    from .sources.ingest import load_documents
    from .summarize.pipeline import build_briefing, summarize_items
    from .text.sentences import split_sentences

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
    "summarize_items",
]


# The stages load on first use (PEP 562): `import briefing` and the CLI's start-up (`briefing --help`) need
# neither numpy nor scipy, Jinja2 or lxml.
_LAZY = {
    "build_briefing": "briefing.summarize.pipeline",
    "load_documents": "briefing.sources.ingest",
    "render_briefing": "briefing.outputs.render",
    "split_sentences": "briefing.text.sentences",
    "summarize_items": "briefing.summarize.pipeline",
}


def __getattr__(name: str) -> Any:
    """Import the stage functions of `_LAZY` when first used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'briefing' has no attribute {name!r}")


logging.getLogger(__name__).addHandler(logging.NullHandler())
