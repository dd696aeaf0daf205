"""`--graph FILE`: the day's story and sentence graph for Gephi and similar tools (GraphML or GEXF, via networkx).

Nodes are the documents and their sentences; edges link a document to its sentences and sentences to the
sentences they resemble (the ranker's similarity graph). Attributes say which outlet wrote each node, the
ranker's score, the story it belongs to and whether (and as which item) the briefing chose it.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_atomic
from ..errors import BriefingError
from ..models import Briefing, Document
from ..options import Options, user_path
from .escape import clean

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GRAPH_FORMATS", "briefing_graph", "graph_format", "write_graph"]

GRAPH_FORMATS = {".graphml": "graphml", ".gexf": "gexf"}


def briefing_graph(briefing: Briefing, documents: Sequence[Document], options: Options | None = None) -> "nx.Graph":
    """The briefing's documents and sentences as an attributed networkx graph.

    Node ids are ``doc:ID`` for documents and ``s:ID:N`` for sentence N (0-based) of document ID. Every node
    has ``kind`` ("document" or "sentence"), ``document``, ``outlet`` (the publisher, or "" when unknown) and
    ``story`` (the briefing's: a section's ``story`` in the JSON; the story of a document also holds its sentences).
    A document the briefing left out (a page of nothing but furniture) is not in the graph.
    Sentences also have ``text``, ``score`` (the ranker's score over all documents, the best being 1.0),
    ``chosen`` (bool: it is an item's text), ``cited`` (bool: it is an item's text or an outlet's sentence
    corroborating it) and ``item`` (that item's 1-based position in the briefing, 0 when not cited); documents have
    ``title``. Edges carry ``kind`` ("contains" or "similar") and ``weight`` (similarity 0.0-1.0 for
    "similar", 1.0 for "contains").

    Args:
        briefing: the built briefing.
        documents: the documents it was built from.
        options: the run's options (the ranker, `stories`); default `Options()`.
    Returns:
        An undirected `networkx.Graph`.
    """
    import networkx as nx
    import numpy as np

    from ..summarize.pipeline import split_documents
    from ..summarize.rank import rank_sentences, sentence_vectors, similarity_graph

    options = options or Options()
    # The briefing's own stories (its sections'), a collapsed copy in its representative's; a page it left out
    # (nothing but furniture) is not part of the day.
    story_of = {d.id: d.story or 0 for d in briefing.documents}
    story_of.update({c.document: d.story or 0 for d in briefing.documents for c in d.copies})
    documents = [d for d in documents if d.id in story_of]
    sentences = split_documents(documents)
    chosen: dict[tuple[str, int], int] = {}  # the item's own sentence
    cited: dict[tuple[str, int], int] = {}  # and the sentences of the outlets that corroborate it
    for number, item in enumerate(briefing.items, start=1):
        if item.sources:
            chosen.setdefault((item.sources[0].document, item.sources[0].sentence), number)
        for ref in item.sources:
            cited.setdefault((ref.document, ref.sentence), number)
    graph = nx.Graph(name=clean(f"{briefing.title} {briefing.date}"))
    for doc in documents:
        graph.add_node(f"doc:{doc.id}", kind="document", document=clean(doc.id), outlet=clean(doc.source or ""),
                       title=clean(doc.title or ""), story=story_of.get(doc.id, 0))
    if not sentences:
        return graph
    scores = np.asarray(rank_sentences(sentences, options), dtype=float)
    scores = scores / (scores.max() or 1.0)
    outlet = {doc.id: clean(doc.source or "") for doc in documents}
    names = [f"s:{s.document}:{s.index}" for s in sentences]
    for name, sentence, score in zip(names, sentences, scores):
        key = (sentence.document, sentence.index)
        graph.add_node(name, kind="sentence", document=clean(sentence.document), outlet=outlet.get(sentence.document, ""),
                       text=clean(sentence.text), score=round(float(score), 6), chosen=key in chosen,
                       cited=key in cited, item=cited.get(key, 0),
                       story=story_of.get(sentence.document, 0))
        graph.add_edge(f"doc:{sentence.document}", name, kind="contains", weight=1.0)
    ids: dict[str, int] = {}
    doc_index = np.fromiter((ids.setdefault(s.document, len(ids)) for s in sentences), dtype=np.int64,
                            count=len(sentences))
    similar = similarity_graph(sentence_vectors(sentences), doc_index).tocoo()
    for i, j, weight in zip(similar.row, similar.col, similar.data):
        if i < j:
            graph.add_edge(names[i], names[j], kind="similar", weight=round(float(weight), 6))
    return graph


def graph_format(path: str | Path) -> str:
    """"graphml" or "gexf", as the file name says; BriefingError for any other name (checked before a build)."""
    fmt = GRAPH_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise BriefingError(f"--graph {path}: name a .graphml or .gexf file (GraphML or GEXF, e.g. for Gephi)")
    return fmt


def write_graph(briefing: Briefing, documents: Sequence[Document], path: str | Path, options: Options | None = None) -> Path:
    """Write `briefing_graph` to `path`: GraphML for ``.graphml``, GEXF for ``.gexf`` (written atomically).

    Raises:
        BriefingError: the file name has another extension.
        DeliveryError: the file cannot be written.
    """
    import networkx as nx

    target = user_path(path)
    fmt = graph_format(path)
    graph = briefing_graph(briefing, documents, options)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer)
    else:
        nx.write_gexf(graph, buffer)
    write_atomic(target, buffer.getvalue())
    return target
