"""Greedy selection under a length budget: centrality, redundancy (MMR), word coverage (KL-Sum), stories.

`greedy` is the heart of `briefing.summarize.select.select_items`: it picks candidates (sentences or units
of sentences) one at a time by a score that mixes their graph centrality, their overlap with what is
already chosen and how much closer they bring the briefing's word distribution to the input's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .dedupe import overlap_matrix
from ..options import Options

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# MMR-style redundancy: a candidate's score is discounted by its overlap with what is already chosen.
REDUNDANCY_PENALTY = 0.7
# Weight of word-distribution coverage against centrality, and the add-k smoothing of the summary's
# distribution (measured on even-numbered dev clusters, checked on odd ones: benchmarks/RESULTS.md).
KL_WEIGHT = 0.3
# Reward (in units of the best centrality) for the first item of a story, times the story's weight (0-1).
STORY_WEIGHT = 0.5
KL_SMOOTHING = 0.1


def greedy(
    pool: list[int],
    rows: "sparse.csr_matrix",
    target: "np.ndarray",
    values: "np.ndarray",
    lengths: list[int],
    options: Options,
    budget_words: int | None,
    budget_sentences: int | None,
    overflow: bool,
    stories: "tuple[np.ndarray, np.ndarray] | None" = None,
) -> list[int]:
    """Greedy selection until the budget is spent, each step taking the best candidate by

        (1 - KL_WEIGHT) * (centrality - REDUNDANCY_PENALTY * redundancy) + KL_WEIGHT * coverage

    where redundancy is the overlap with what is already chosen (maximal marginal relevance, Carbonell &
    Goldstein, SIGIR 1998) and coverage is how much closer the summary's word distribution comes to the
    input's (KL-Sum, Haghighi & Vanderwende, NAACL 2009), rescaled to 0-1 among the candidates.
    A candidate whose overlap reaches `options.duplicate_threshold` is a near-duplicate, never chosen.
    With `stories` (each candidate's story, and the weight of each candidate's story), a candidate from a
    story that has no item yet earns STORY_WEIGHT times its story's weight: a submodular reward for covering
    the day's stories, like the cluster reward of Lin & Bilmes (ACL 2011); with one story it changes nothing.
    The lead baseline (`--algorithm lead`) takes candidates in score order (the articles' openings): no
    redundancy penalty, story reward or coverage term reorders them, and it stops at the first opening that
    does not fit.
    """
    import numpy as np

    values = values / (values.max() or 1.0)
    redundancy = np.zeros(len(pool))
    summary = np.zeros(rows.shape[1])
    sizes = np.asarray(rows.sum(axis=1)).ravel()
    alive = np.ones(len(pool), dtype=bool)
    chosen: list[int] = []
    words_left = budget_words if budget_words is not None else 10**9
    lead = options.algorithm == "lead"
    while alive.any() and words_left >= options.min_words:
        if budget_sentences is not None and len(chosen) >= budget_sentences:
            break
        value = values if lead else values - REDUNDANCY_PENALTY * redundancy
        if stories is not None and not lead:
            value = value + STORY_WEIGHT * stories[1]
        if KL_WEIGHT and not lead:
            coverage = _kl_improvement(rows, sizes, target, summary)
            lo, hi = coverage[alive].min(), coverage[alive].max()
            value = (1 - KL_WEIGHT) * value + KL_WEIGHT * (coverage - lo) / ((hi - lo) or 1.0)
        k = int(np.argmax(np.where(alive, value, -np.inf)))
        alive[k] = False
        if lead and lengths[k] > words_left and not overflow:
            break  # the lead stops where the openings no longer fit; it never fills up with a late, short line
        if redundancy[k] >= options.duplicate_threshold or (lengths[k] > words_left and not overflow):
            continue
        chosen.append(pool[k])
        if stories is not None:  # the story is covered: its other sentences earn no more
            stories = (stories[0], np.where(stories[0] == stories[0][k], 0.0, stories[1]))
        summary[rows[k].indices] += 1.0
        words_left -= lengths[k]
        redundancy = np.maximum(redundancy, overlap_matrix(rows, rows[k]).ravel())
    return chosen


def word_distribution(rows: "sparse.csr_matrix", weights: "np.ndarray | None" = None) -> "np.ndarray":
    """The input's content-word distribution: how many sentences use each word (each counted by its
    weight, when given), normalised."""
    import numpy as np

    counts = np.asarray(rows.sum(axis=0) if weights is None else rows.T @ weights).ravel()
    return counts / (counts.sum() or 1.0)


def _kl_improvement(rows: "sparse.csr_matrix", sizes: "np.ndarray", target: "np.ndarray", summary: "np.ndarray") -> "np.ndarray":
    """-KL(target || summary + candidate) for each candidate row, up to a shared constant.

    With add-k smoothing q_t = (c_t + k) / Z, KL = sum p log p - sum p log(c_t + k) + log Z; adding a
    sentence (0/1 row) changes c_t by one on its words only, so the per-candidate part is sparse:
    row . (p * log((c + 1 + k) / (c + k))) - log(Z + size).
    """
    import numpy as np

    gain = target * np.log((summary + 1.0 + KL_SMOOTHING) / (summary + KL_SMOOTHING))
    total = summary.sum() + KL_SMOOTHING * len(summary)
    return np.asarray(rows @ gain - np.log(total + sizes))
