"""Rank the day: every sentence in one graph, or, on a day too big for one, story by story.

One graph when it fits (nothing a story grouping gets wrong can cost centrality); else each of the biggest
stories in a graph of its own, ranked in parallel, and the small stories of a big day by their news position
alone (`_big_day_parts`). Scores are made comparable across stories by each story's share of the teleport
(position) mass (`_global_scores`), which is what one graph gives when stories share no edges.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Document, Sentence
from ..options import Options
from ..parallel import PARALLEL_MIN_DOCUMENTS, available_workers, parallel_map
from .collapse import article_count
from .day import Day, Ranked
from .rank import position_prior, rank_sentences

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Up to this many sentences (a few hundred articles) are ranked in one graph; beyond, story by story.
GLOBAL_RANK_SENTENCES = 20_000
# On a bigger day, the biggest stories' sentences are ranked by graph up to this many in all.
GRAPH_RANKED_SENTENCES = 10_000
# On such a day, a story of more sentences than this is ranked on its most central articles' sentences.
STORY_GRAPH_SENTENCES = 1500
# ... and the stories of fewer sentences than this are ranked together, in one graph without edges between them.
JOINT_RANK_SENTENCES = 300


def rank_day(day: Day, options: Options) -> Ranked:
    """Every sentence of `day` scored by centrality, comparable across stories."""
    sentences = list(day.sentences)
    parts = _story_parts(sentences, day.stories)
    graphs, rest = ([sentences], []) if len(sentences) <= GLOBAL_RANK_SENTENCES else _big_day_parts(
        day.documents, day.stories, parts, day.vectors)
    jobs = _pack(graphs, -(-sum(map(len, graphs)) // (2 * available_workers())))
    parallel = len(jobs) > 1 and len(day.documents) >= PARALLEL_MIN_DOCUMENTS
    ranked = [scores for job in parallel_map(_rank_stories, [(job, options) for job in jobs],
                                             serial_below=2 if parallel else len(jobs) + 1) for scores in job]
    graphed = [part for job in jobs for part in job]
    rest_priors = [position_prior(part) for part in rest]  # (each computed once: its sum is the story's mass too)
    mass = ([_mass(position_prior(part)) for part in graphed] + [_mass(prior) for prior in rest_priors]
            if len(graphed) + len(rest) > 1 else [1.0])  # one graph: all of the mass (the scores as they are)
    scores = _global_scores(ranked + [prior / prior.sum() for prior in rest_priors], mass)
    return Ranked(tuple(s for part in graphed + rest for s in part), scores)


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
    (`central_part`): hundreds of articles on one event say the same few things.
    """
    by_size = sorted(range(len(stories)), key=lambda k: (-article_count(documents, stories[k]), k))
    graphed: dict[int, list[Sentence]] = {}
    total = 0
    for k in by_size:
        central = central_part(parts[k], stories[k], documents, vectors)
        if graphed and total + len(central) > GRAPH_RANKED_SENTENCES:
            break
        graphed[k] = central
        total += len(central)
    graphs = [graphed[k] for k in sorted(graphed) if graphed[k]]
    return graphs, [parts[k] for k in range(len(parts)) if k not in graphed and parts[k]]


def central_part(part: list[Sentence], story: Sequence[int], documents: Sequence[Document],
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


def _global_scores(ranked: "Sequence[np.ndarray]", mass: Sequence[float]) -> "np.ndarray":
    """Scores comparable across stories: each story's scores times its share of the teleport (position) mass
    (`_mass` of its sentences' position prior).

    PageRank over a graph of disconnected stories gives each story exactly its share of the teleport vector,
    so this equals ranking all sentences together without the (weak) edges between stories.
    """
    import numpy as np

    total = sum(mass) or 1.0
    parts = [scores * (m / total) for scores, m in zip(ranked, mass) if len(scores)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _mass(prior: "np.ndarray") -> float:
    """A story's teleport mass: the sum of its sentences' position prior (0.0 without sentences)."""
    return float(prior.sum()) if len(prior) else 0.0
