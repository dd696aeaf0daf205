"""The plain data the summarize stages hand on: `Day` (documents, sentences, stories) and `Ranked` (scores)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..models import Document, Sentence

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Day:
    """The day's input as ranking and selection read it.

    Attributes:
        documents: the articles, languages set and syndicated copies collapsed (each with its `copies`).
        sentences: every sentence of every document, in input order.
        stories: document indices grouped by story, the story most outlets reported first.
        vectors: the documents' story vectors (`stories.document_vectors`), or None when not grouped.
    """

    documents: tuple[Document, ...]
    sentences: tuple[Sentence, ...]
    stories: tuple[tuple[int, ...], ...]
    vectors: Any = None


@dataclass(frozen=True)
class Ranked:
    """Sentence scores comparable across the whole day.

    Attributes:
        sentences: the day's sentences in the order ranking handed them back (story by story on a big day).
        scores: one score per sentence (summing to about 1).
    """

    sentences: tuple[Sentence, ...]
    scores: "np.ndarray"
