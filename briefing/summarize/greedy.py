"""Greedy selection under a length budget: centrality, redundancy (MMR), word coverage (KL-Sum), stories.

`greedy` is the heart of `briefing.summarize.select.select_items`: it picks candidates (sentences or units
of sentences) one at a time by a score that mixes their graph centrality, their overlap with what is
already chosen and how much closer they bring the briefing's word distribution to the input's.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .dedupe import overlap_matrix
from ..options import Options

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# MMR-style redundancy: a candidate's score is discounted by its overlap with what is already chosen, each shared
# word weighed by its idf among the candidates (`_weighted_overlap`), so that the story's topic words, which every
# sentence about it repeats, are no redundancy.
REDUNDANCY_PENALTY = 0.7
# Weight of word-distribution coverage against centrality, and the add-k smoothing of the summary's
# distribution (measured on even-numbered dev clusters, checked on odd ones: benchmarks/RESULTS.md).
KL_WEIGHT = 0.3
# Reward (in units of the best centrality) for the first item of a story, times the story's weight (0-1).
STORY_WEIGHT = 0.5
KL_SMOOTHING = 0.1
# Reward (in units of the best centrality) for a candidate whose fact another outlet also states, times the
# share of the other outlets that state it (0-1, `corroborate.corroborated`): what several outlets report is what a
# briefing should lead with (measured on even-numbered dev clusters, checked on odd ones: benchmarks/RESULTS.md).
CORROBORATION_WEIGHT = 0.3
# Reward (in units of the best centrality) for the first item of an article that has none yet, over the number of
# articles among the candidates: each article is its share of the input, and a briefing that cites one more of
# them covers more of it (a submodular coverage reward, as STORY_WEIGHT is for stories). On ten wire stories each
# on its own part of an event it is a tenth, so an article's lead can win over a second detail of another; on
# DUC's 25 articles a fiftieth (benchmarks/RESULTS.md, issue 25 round 2 ml4).
ARTICLE_WEIGHT = 0.5
# A lead is discounted by this times its overlap with a lead already picked from an article of the same story and
# day (two undated articles count as of one day: an input is one day's news unless dated otherwise). Outlets' leads of one
# day restate one event, each in its own words ("ordered to leave their homes", "ordered the town evacuated"): the
# words they share are the part they tell alike, and their own words are no new fact. Leads of other days tell
# each day's news, though they share the story's framing ("the release of the 15 British sailors held by Iran")
# (benchmarks/RESULTS.md, issue 25 ml5).
LEAD_RESTATEMENT = 1.5
# No story gets more items than this while another story with a candidate left has none: a small story gets
# its lead before a big story gets its fourth item (issue "Stories").
ITEMS_BEFORE_EVERY_STORY = 3


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
    corroborated: "np.ndarray | None" = None,
    spans: "Sequence[tuple[str, int, int]] | None" = None,
    leads: "np.ndarray | None" = None,
    owed: "np.ndarray | None" = None,
    days: "np.ndarray | None" = None,
) -> list[int]:
    """Greedy selection until the budget is spent, each step taking the best candidate by

        (1 - KL_WEIGHT) * (centrality - REDUNDANCY_PENALTY * redundancy) + KL_WEIGHT * coverage

    where redundancy is the overlap with what is already chosen, shared words weighed by their idf among the
    candidates (maximal marginal relevance, Carbonell & Goldstein, SIGIR 1998), and coverage is how much closer
    the summary's word distribution comes to the input's (KL-Sum, Haghighi & Vanderwende, NAACL 2009), rescaled
    to 0-1 among the candidates.
    A candidate whose overlap reaches `options.duplicate_threshold` is a near-duplicate, never chosen.
    With `stories` (each candidate's story, and the weight of each candidate's story), a candidate from a
    story that has no item yet earns STORY_WEIGHT times its story's weight: a submodular reward for covering
    the day's stories, like the cluster reward of Lin & Bilmes (ACL 2011); with one story it changes nothing.
    Two rules order the stories' items (with `stories`): a story's first item is one of its leads (`leads`,
    True for a candidate that opens its article) while it has one left, and no story gets more than
    ITEMS_BEFORE_EVERY_STORY items while a story with a candidate left has none (so some candidate is always
    free to take: a live one of a story without items, a lead when it has one), except the details of a story
    whose lead was left out (too long for the words left): selection stops when only those remain.
    With `corroborated` (0-1 per candidate: the share of other outlets stating its fact), a candidate earns
    CORROBORATION_WEIGHT times it.
    With `spans` ((document, first sentence, last sentence) of each candidate), a candidate that continues a
    picked item (same document and first sentence, more sentences: "X did A." picked, "X did A. He then did
    B." a candidate) grows that item instead of being a second one: its cost is the words it adds, its
    coverage counts only its new words, its redundancy leaves out the item it grows, and it earns no
    corroboration reward (the item it grows already did). A candidate that a picked item holds is dropped.
    With `spans`, a candidate from an article that has no item yet earns ARTICLE_WEIGHT over the number of
    articles among the candidates.
    With `leads` and `days` (the day of each candidate's article, numbered 0.., -1 when unknown), a lead
    loses LEAD_RESTATEMENT times its overlap with the most overlapping lead already picked from an article of
    the same day (two undated articles count as of one day) and, with `stories`, of the same story.
    The lead baseline (`--algorithm lead`) takes candidates in score order (the articles' openings): no
    redundancy penalty, story reward or coverage term reorders them, and it stops at the first opening that
    does not fit.
    """
    import numpy as np

    values = values / (values.max() or 1.0)
    sizes = np.asarray(rows.sum(axis=1)).ravel()
    summary = np.zeros(rows.shape[1])
    alive = np.ones(len(pool), dtype=bool)
    picked: list[int] = []  # pool positions, an extended item's position replacing its antecedent's
    overlaps: list["np.ndarray"] = []  # per picked item, every candidate's overlap with it
    penalties: list["np.ndarray"] = []  # ... and its idf-weighted overlap (what MMR discounts)
    weighted, weighted_sizes = _idf_rows(rows)
    words_left = budget_words if budget_words is not None else 10**9
    lead = options.algorithm == "lead"
    grows = spans is not None and not lead
    told = unfit = None
    article_of = cited = None
    if spans is not None and not lead:  # each candidate's article, numbered 0.., and the articles cited so far
        article_of = np.unique([span[0] for span in spans], return_inverse=True)[1].ravel()
        cited = np.zeros(int(article_of.max()) + 1 if len(article_of) else 0, dtype=bool)
    if stories is not None:  # items so far per story, stories numbered 0.. among the candidates
        story_of = np.unique(stories[0], return_inverse=True)[1]
        told = np.zeros(int(story_of.max()) + 1 if len(story_of) else 0, dtype=np.int64)
        unfit = np.zeros(len(told), dtype=bool)  # stories whose lead no longer fits the budget
    while alive.any() and words_left >= options.min_words:
        if budget_sentences is not None and len(picked) >= budget_sentences:
            break
        # Which picked item each candidate would grow (-1: none), and what it then adds.
        base = _antecedents(spans, picked, alive) if grows and picked else np.full(len(pool), -1)
        if not alive.any():
            break
        extra, extra_sizes, cost = rows, sizes, np.asarray(lengths)
        if (base >= 0).any():
            extra, extra_sizes, cost = _increments(rows, base, lengths)
        redundancy = _redundancy(overlaps, picked, base, len(pool))
        value = values if lead else values - REDUNDANCY_PENALTY * _redundancy(penalties, picked, base, len(pool))
        if stories is not None and not lead:
            value = value + STORY_WEIGHT * stories[1]
        if corroborated is not None and not lead:
            value = value + CORROBORATION_WEIGHT * np.where(base >= 0, 0.0, corroborated)
        if days is not None and leads is not None and not lead:
            occasion = days if stories is None else days * (int(stories[0].max()) + 1) + stories[0]  # day, story
            value = value - LEAD_RESTATEMENT * leads * _restated(overlaps, picked, leads, occasion)
        if article_of is not None and cited is not None:
            value = value + ARTICLE_WEIGHT / len(cited) * ~cited[article_of]
        if KL_WEIGHT and not lead:
            coverage = _kl_improvement(extra, extra_sizes, target, summary)
            lo, hi = coverage[alive].min(), coverage[alive].max()
            value = (1 - KL_WEIGHT) * value + KL_WEIGHT * (coverage - lo) / ((hi - lo) or 1.0)
        if told is not None and not lead:
            value = np.where(_held_back(story_of, told, alive, base, leads, unfit, owed), -np.inf, value)
        free = np.where(alive, value, -np.inf)
        k = int(np.argmax(free))
        if free[k] == -np.inf:
            break  # what is left is held back for good: details of stories whose news did not fit
        alive[k] = False
        if lead and cost[k] > words_left and not overflow:
            break  # the lead stops where the openings no longer fit; it never fills up with a late, short line
        if redundancy[k] >= options.duplicate_threshold or (cost[k] > words_left and not overflow):
            if unfit is not None and leads is not None and leads[k] and base[k] < 0:
                unfit[story_of[k]] = True  # a story whose news does not fit gets no detail in its place
            continue
        if base[k] >= 0:  # the unit takes its antecedent's place: one item, the same citation
            slot = picked.index(int(base[k]))
            picked[slot], overlaps[slot] = k, overlap_matrix(rows, rows[k]).ravel()
            penalties[slot] = _weighted_overlap(weighted, weighted_sizes, rows, k)
        else:
            picked.append(k)
            overlaps.append(overlap_matrix(rows, rows[k]).ravel())
            penalties.append(_weighted_overlap(weighted, weighted_sizes, rows, k))
            if stories is not None:  # the story is covered: its other sentences earn no more
                stories = (stories[0], np.where(stories[0] == stories[0][k], 0.0, stories[1]))
            if told is not None:
                told[story_of[k]] += 1
            if article_of is not None and cited is not None:
                cited[article_of[k]] = True
        summary[extra[k].indices] += 1.0
        words_left -= int(cost[k])
    return [pool[k] for k in picked]


def _held_back(story_of: "np.ndarray", told: "np.ndarray", alive: "np.ndarray", base: "np.ndarray",
               leads: "np.ndarray | None", unfit: "np.ndarray | None" = None, owed: "np.ndarray | None" = None
               ) -> "np.ndarray":
    """Candidates that must wait: a new item of a story that has ITEMS_BEFORE_EVERY_STORY items while another
    story with a live candidate has none, and a story's first item that is not a lead while it has a lead left
    or had one that was left out (`unfit`: too long for the words left, or said already) (a candidate growing
    an item adds none)."""
    import numpy as np

    count = told[story_of]
    new = base < 0
    held = np.zeros(len(story_of), dtype=bool)
    if leads is not None:
        has_lead = np.zeros(len(told), dtype=bool)
        has_lead[story_of[alive & leads]] = True
        if unfit is not None:
            has_lead |= unfit
        held |= new & (count == 0) & ~leads & has_lead[story_of]
    waiting = alive & (count == 0) & ~held
    if owed is not None:  # only a candidate that is owed an item (with a query: one about it) holds others back
        waiting &= owed
    if waiting.any():  # a story without items has a candidate it may take
        held |= new & (count >= ITEMS_BEFORE_EVERY_STORY)
    return held


def _restated(overlaps: list["np.ndarray"], picked: list[int], leads: "np.ndarray", days: "np.ndarray"
              ) -> "np.ndarray":
    """Each candidate's greatest overlap with a picked lead of its occasion (`days`: day, or day and story; two
    undated articles count as of one day, an undated and a dated one do not)."""
    import numpy as np

    slots = [slot for slot, k in enumerate(picked) if leads[k]]
    if not slots:
        return np.zeros(len(leads))
    table = np.column_stack([overlaps[slot] for slot in slots])
    other = days[[picked[slot] for slot in slots]]
    return np.asarray((table * (days[:, None] == other[None, :])).max(axis=1))


def _idf_rows(rows: "sparse.csr_matrix") -> "tuple[sparse.csr_matrix, np.ndarray]":
    """The candidates' content words weighed by their idf among the candidates, log((1 + n) / (1 + df)) (a word
    every candidate uses weighs nothing), and each candidate's total weight."""
    import numpy as np

    present = (rows > 0).astype(np.float64)
    df = np.asarray(present.sum(axis=0)).ravel()
    weighted = present.multiply(np.log((1.0 + rows.shape[0]) / (1.0 + df))).tocsr()
    return weighted, np.asarray(weighted.sum(axis=1)).ravel()


def _weighted_overlap(weighted: "sparse.csr_matrix", sizes: "np.ndarray", rows: "sparse.csr_matrix", k: int
                      ) -> "np.ndarray":
    """Every candidate's idf-weighted overlap with candidate k: the weight of the words they share over the
    smaller of the two weights plus one rare word's (as `dedupe.overlap_matrix` adds one word)."""
    import numpy as np

    shared = np.asarray((weighted @ (rows[k] > 0).T).todense()).ravel()
    rare = np.log((1.0 + rows.shape[0]) / 2.0) or 1.0  # the weight of a word only one candidate says
    return np.asarray(shared / (np.minimum(sizes, sizes[k]) + rare))


def _antecedents(spans: "Sequence[tuple[str, int, int]] | None", picked: list[int], alive: "np.ndarray") -> "np.ndarray":
    """For each candidate, the picked item it grows (its first sentences), or -1; a candidate that a picked
    item already holds is no longer alive."""
    import numpy as np

    base = np.full(len(alive), -1)
    assert spans is not None
    starts = {spans[k][:2]: k for k in picked}
    for c in np.flatnonzero(alive).tolist():
        k = starts.get(spans[c][:2])
        if k is None:
            continue
        if spans[k][2] < spans[c][2]:
            base[c] = k
        else:
            alive[c] = False
    return base


def _increments(rows: "sparse.csr_matrix", base: "np.ndarray", lengths: list[int]
                ) -> "tuple[sparse.csr_matrix, np.ndarray, np.ndarray]":
    """Each candidate's content words, their count, and its words, less those of the picked item it grows."""
    import numpy as np
    from scipy import sparse

    growing = np.flatnonzero(base >= 0)
    held = sparse.csr_matrix((np.ones(len(growing)), (growing, base[growing])), shape=(rows.shape[0], rows.shape[0]))
    extra = (rows - (held @ rows).multiply(rows)).tocsr()
    extra.eliminate_zeros()
    cost = np.asarray(lengths) - np.asarray([lengths[b] if b >= 0 else 0 for b in base.tolist()])
    return extra, np.asarray(extra.sum(axis=1)).ravel(), cost


def _redundancy(overlaps: list["np.ndarray"], picked: list[int], base: "np.ndarray", count: int) -> "np.ndarray":
    """Each candidate's greatest overlap with a picked item, leaving out the item it would grow."""
    import numpy as np

    if not overlaps:
        return np.zeros(count)
    table = np.column_stack(overlaps)
    growing = np.flatnonzero(base >= 0)
    if len(growing):
        table = table.copy()
        slot = {k: i for i, k in enumerate(picked)}
        table[growing, [slot[b] for b in base[growing].tolist()]] = 0.0
    return np.asarray(table.max(axis=1))


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
