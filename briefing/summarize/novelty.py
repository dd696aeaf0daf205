"""Novelty against earlier days: what yesterday's articles already said is old news, a new fact is news.

Update summarisation (DUC 2007 update task, TAC 2008-2011) ranks a day's sentences by what they add to what
the reader has already read. Measured on words, that fails both ways on a running story: today's news is told
in the story's words (so it looks old), and a restatement may use other words. So novelty is measured here on
*facts*: a fact is a pair of content words said in one sentence ("council" + "approv", "crack" + "wall"). A
sentence restates an earlier one when most of its pairs were said together in that one earlier sentence; a new
fact about a familiar topic joins familiar words in a new pair, so it stays new.

`unpublished` keeps a day's items from repeating earlier briefings, judged on the same facts: a sentence repeats a
published item when it says at least `Options.duplicate_threshold` of its facts together in that item (or nearly
all of the item's words, `REPEAT_WORDS`), so a new development told in yesterday's words is not forbidden.

`weigh_novelty` weighs today's sentences by what earlier days' articles said (`pipeline.build_briefing`): each
sentence's score is multiplied by its novelty, the words a briefing should cover and the reward for what several
outlets say are weighted by it (`select.select_items`), and a sentence that repeats one earlier sentence almost
pair for pair is left out. A focus query's relevance is combined with
novelty by the same product in selection, so the relevant new fact wins and nothing relevant is dropped for
sharing the story's words; with a query, a sentence only a small part of whose facts earlier days said
(`QUERY_FAMILIAR`) is not demoted at all, so relevance picks among them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Sentence
from ..text.vectors import binary_rows, tokenize
from .dedupe import filter_repeats

if TYPE_CHECKING:
    import numpy as np

# Novelty is (1 - coverage) ** NOVELTY_POWER. On 3 Timeline17 dev topics (bpoil, Finan, MJ) a gentler power
# picks more of each day's news (R-2 8.28 at 1, 7.69 at 1.75, 7.08 at 2), but a restatement that two outlets
# corroborate still leads at 1.5 (tests/test_focus.py), so 1.75 (benchmarks/RESULTS.md).
NOVELTY_POWER = 1.75
# With a focus query, smoothed fact coverage up to this share is not demoted, and above it novelty falls from
# 1 over the rest of the range: a relevant sentence that touches on what earlier days said is background the
# query asks about, not old news. On the DUC 2007 dev topics with their query (`benchmarks/novelty.py --query`),
# the history run goes from 42.77 / 10.06 to 43.26 / 10.34 (alone 43.50 / 10.62), 0 repeats either way; without a
# query it fails the three-day test (tests/test_focus.py), so it is not used there (benchmarks/RESULTS.md).
QUERY_FAMILIAR = 0.2
# A sentence with this share of its facts in one earlier sentence repeats it: old news, never an item.
OLD_NEWS = 0.9
# A sentence holding this share of a published item's content words repeats it however many facts it adds
# (yesterday's item quoted inside a longer sentence): `dedupe.find_repeats`'s similarity.
REPEAT_WORDS = 0.8
# Pairs are formed among a sentence's first this many content words (a run-on line is not 400 facts).
MAX_FACT_WORDS = 30
# The reader's followed topic is the FOLLOWED_TERMS words most said by earlier days' sentences (`followed_terms`).
FOLLOWED_TERMS = 50
# Cells (today's sentences x earlier sentences) of one block of the sparse product.
_BLOCK_PAIRS = 4_000_000


def facts(words: Sequence[str]) -> set[str]:
    """The facts of a sentence: the pairs of distinct content words it says together (as "a b", sorted).

    >>> sorted(facts(["council", "approv", "bridg"]))
    ['approv bridg', 'approv council', 'bridg council']
    """
    unique = sorted(set(words[:MAX_FACT_WORDS]))
    return {f"{a} {b}" for i, a in enumerate(unique) for b in unique[i + 1 :]}


def old_coverage(texts: Sequence[str], seen: Sequence[Sequence[str]],
                 languages: Sequence[str | None] | None = None, smoothing: float = 1.0) -> "np.ndarray":
    """How much of each text one earlier sentence already said: max over `seen` of |F(A) ∩ F(B)| / (|F(A)| + s),
    F being a sentence's facts (`facts`) and s the `smoothing` (1: a short sentence sharing its one pair is not
    "wholly said"; 0: the plain share, 1.0 when one earlier sentence said every fact).

    Args:
        texts: today's sentences.
        seen: content words (as `tokenize` gives them) of sentences of earlier days' articles.
        languages: each text's BCP 47 tag (default: English), as `seen` was tokenised.
    Returns:
        One value in 0.0-1.0 per text: 0.0 when no earlier sentence said any of its facts, near 1.0 when one
        said them all. Only the pairs today uses are looked at; computed in row blocks.

    >>> old_coverage(["The council approved the bridge plan on Monday.", "The council rejected the bridge plan."],
    ...              [tokenize("On Monday the council approved the bridge plan.")]).round(2).tolist()
    [0.91, 0.43]
    """
    import numpy as np

    shared, size = _facts_said(texts, seen, languages)
    return np.asarray(shared / np.maximum(size + smoothing, 1.0))


def _facts_said(texts: Sequence[str], seen: Sequence[Sequence[str]], languages: Sequence[str | None] | None
                ) -> "tuple[np.ndarray, np.ndarray]":
    """(most facts of each text that one earlier sentence said, how many facts each text has)."""
    import numpy as np

    coverage = np.zeros(len(texts))
    size = np.zeros(len(texts))
    if not texts or not seen:
        return coverage, size
    today = [facts(tokenize(text, None if languages is None else languages[i])) for i, text in enumerate(texts)]
    vocab: dict[str, int] = {}
    for pairs in today:
        for pair in pairs:
            vocab.setdefault(pair, len(vocab))
    earlier = [[pair for pair in facts(words) if pair in vocab] for words in seen]
    earlier = [pairs for pairs in earlier if pairs]
    if not earlier:
        return coverage, size
    rows = binary_rows([sorted(pairs) for pairs in today], vocab).tocsr()
    old = binary_rows(earlier, vocab).T.tocsr()
    size = np.asarray(rows.sum(axis=1), dtype=float).ravel()
    step = max(1, _BLOCK_PAIRS // max(old.shape[1], 1))
    for start in range(0, len(texts), step):
        shared = (rows[start : start + step] @ old).tocsr()
        if shared.nnz:
            coverage[start : start + shared.shape[0]] = shared.max(axis=1).toarray().ravel()
    return coverage, size


def weigh_novelty(sentences: Sequence[Sentence], scores: "np.ndarray", seen: Sequence[Sequence[str]],
                  allowed: Sequence[bool] | None, familiar: float = 0.0
                  ) -> "tuple[np.ndarray, np.ndarray | None, list[bool] | None]":
    """Today's scores weighed by what earlier days' articles said.

    Args:
        sentences: today's sentences.
        scores: their ranking scores.
        seen: content words of earlier days' sentences (`History.seen_sentences`); empty: no history.
        allowed: the mask of sentences that may be items (None: all), e.g. without repeats of earlier briefings.
        familiar: fact coverage (smoothed, 0.0-1.0) that is not demoted (`QUERY_FAMILIAR` with a query, else 0.0).
    Returns:
        (scores times novelty, novelty 0.0-1.0 per sentence or None without history, the mask less the
        sentences that repeat an earlier one, `OLD_NEWS`). Without `seen`, the inputs unchanged.
    """
    if not seen:
        return scores, None, None if allowed is None else list(allowed)
    import numpy as np

    shared, size = _facts_said([s.text for s in sentences], seen, [s.language for s in sentences])
    coverage = shared / np.maximum(size + 1.0, 1.0)  # `old_coverage`, smoothed
    novelty = (1.0 - np.clip((coverage - familiar) / (1.0 - familiar), 0.0, 1.0)) ** NOVELTY_POWER
    mask = [True] * len(sentences) if allowed is None else list(allowed)
    # Old news: almost every fact in one earlier sentence (a short sentence said again counts whole: unsmoothed).
    said = shared / np.maximum(size, 1.0)
    return scores * novelty, novelty, [ok and value < OLD_NEWS for ok, value in zip(mask, said.tolist())]


def followed_terms(seen: Sequence[Sequence[str]]) -> dict[str, float]:
    """What the reader has been following: a topic signature of earlier days' sentences, the FOLLOWED_TERMS words
    with most weight p log(1 / p), p the share of the sentences saying the word (a word in most of them, such
    as a site's name, weighs less). Used like a focus query without one (`pipeline.build_briefing`): the words a
    briefing should cover lean to the followed topic, while what earlier days said stays demoted.

    >>> weights = followed_terms([["site", "council", "bridg"], ["site", "council", "vote"], ["site", "rain"]]
    ...                          + [["site", "council"]] + [["site"]] * 6)
    >>> weights["council"] > weights["rain"] > weights["site"] == 0.0
    True
    """
    import math

    said = Counter(word for words in seen for word in set(words))
    n = len(seen)
    weights = {word: count / n * math.log((n + 1) / (count + 1)) for word, count in said.items()}
    return dict(sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:FOLLOWED_TERMS])


def unpublished(sentences: Sequence[Sentence], published: Sequence[str], threshold: float) -> list[bool]:
    """Mask of the sentences that repeat no item of an earlier briefing (False: a repeat, never an item).

    A sentence repeats a published item when one item said at least `threshold` of its facts (the unsmoothed
    `old_coverage`), or when it holds REPEAT_WORDS of an item's content words. Each language is read as itself.

    >>> unpublished([Sentence("Police said 200,000 people were at the stadium on Sunday.", "a", 0),
    ...              Sentence("Police said the stadium will close on Sunday for repairs.", "a", 1)],
    ...             ["More than 200,000 people were at the stadium on Sunday, police said."], 0.5)
    [False, True]
    """
    import numpy as np

    allowed = [True] * len(sentences)
    for language in {s.language for s in sentences}:
        members = [i for i, s in enumerate(sentences) if s.language == language]
        texts = [sentences[i].text for i in members]
        shared, size = _facts_said(texts, [tokenize(text, language) for text in published], [language] * len(texts))
        said = (shared / np.maximum(size, 1.0)).tolist()
        for i, value, new in zip(members, said, filter_repeats(texts, published, REPEAT_WORDS, language)):
            allowed[i] = new and value < threshold
    return allowed
