"""Choose sentences under the length budget, skip near-duplicates, credit every outlet that said it.

Greedy in score order (ties: earlier document, earlier sentence); a candidate that repeats an already
chosen sentence is skipped, and when it comes from another document its source is added to the chosen
item (corroboration). The result is put back in reading order.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .corroborate import corroborated, corroborations
from .dedupe import content_sets
from .greedy import greedy, word_distribution
from .rank import lead_weight
from ..models import Document, Item, Sentence, SourceRef
from ..options import Options
from ..text.normalize import balanced_quotes
from ..text.standalone import SENTENCE_END, SENTENCE_START, depends_on_previous, is_furniture, may_be_item
from ..text.vectors import count_words, tokenize

if TYPE_CHECKING:
    import numpy as np

# A question in the outlet's own voice (not inside a quotation) tells no news and cannot be placed without the
# article around it ("The question now is: Is he next?"); an item says what happened.
_QUESTION_MARKS = ("?", "？", "؟")
# A sentence with fewer distinct content words says too little to brief ("Those reports could not be
# independently verified.").
MIN_CONTENT_WORDS = 4
# Only this many best-scored eligible sentences compete in selection (a briefing holds far fewer).
CANDIDATE_POOL = 400
# ... and the best of each of the day's main stories (those of most articles) compete too.
MAIN_STORIES = 20
STORY_CANDIDATES = 5
# A candidate that holds its article's first sentence that may be an item (among the first OPENING_SCAN long
# enough to be one) is a lead: what the article opens with, the news; a story's first item is a lead
# (`greedy.greedy`), and the best LEAD_CANDIDATES leads of each of up to LEAD_STORIES stories join the pool so
# that every story can open with its news.
OPENING_SCAN = 4
LEAD_CANDIDATES = 2
LEAD_STORIES = 200
# With a focus query, the words to cover are those of the input weighted by each sentence's relevance to the
# query (0-1) plus this floor (query-focused KL-Sum; measured on DUC 2007 dev topics: benchmarks/RESULTS.md).
QUERY_FLOOR = 0.1
# The words to cover count by how much each sentence counts as news by the ranker's own rule
# (`rank.lead_weight`: fully when other outlets repeat it, else by its position in its article) to this power:
# what no other article repeats weighs little unless its article leads with it (benchmarks/RESULTS.md, ml5).
LEAD_WEIGHT_POWER = 2.5
# A document date longer than this is no date (`news_days`).
MAX_DATE_CHARS = 64
# ... and a story is owed an item only when one of its candidates is this relevant, relative to the best (0-1).
QUERY_OWED = 0.5
# A unit of sentences that lean on each other ("X did A. He then did B.") holds at most this many.
MAX_UNIT_SENTENCES = 3


def eligible(sentence: Sentence, options: Options) -> bool:
    """Whether a sentence may appear in a briefing: a whole sentence of reasonable length, not page furniture.

    A sentence that opens a quotation without closing it (the first sentence of a multi-sentence quote)
    reads as broken on its own, so it is left out too; so are credit lines, captions, video-player text,
    link prompts and lists of names (`briefing.text.standalone.is_furniture`).
    """
    text = sentence.text
    words = count_words(text)
    if not options.min_words <= words <= options.max_words or not SENTENCE_END.search(text):
        return False
    if not SENTENCE_START.match(text) or is_furniture(text) or text.rstrip().endswith(_QUESTION_MARKS):
        return False
    # Scraped text mixes straight and curly marks (`: "There is ... friends.”`), so only the total is checked.
    return balanced_quotes(text)  # (German quotes open with „ and close with “; a Hebrew gershayim is no quote)


def unit_of(sentences: Sequence[Sentence], i: int, allowed: Sequence[bool] | None, options: Options) -> Sentence | None:
    """The candidate that stands for sentence `i` and reads on its own, or None when it is left out.

    A sentence opening with a pronoun, a connective or a back-reference (`depends_on_previous`) is joined
    to the sentences just before it in the same article, back to the nearest one that stands alone (at most
    `MAX_UNIT_SENTENCES` in all, and the unit must itself be eligible, so at most `max_words` long). The
    unit cites the article once, at its first sentence, and scores as the best of its sentences
    (`unit_scores`: it says all they say; its antecedent also competes on its own, and once that is chosen
    the unit can grow it at the cost of the dependent sentence's words: `greedy.greedy`). Without such an
    antecedent the sentence is left out. No word is changed. A unit is allowed only when all of its
    sentences are (an antecedent said in an earlier briefing would be repeated).
    """
    sentence = sentences[i]
    if allowed is not None and not allowed[i]:
        return None
    first = _unit_start(sentences, i)
    if first == i:
        return sentence
    if first < 0 or (allowed is not None and not all(allowed[first:i])):
        return None
    unit = Sentence(" ".join(s.text for s in sentences[first : i + 1]), sentence.document, sentences[first].index,
                    sentences[first].paragraph, sentence.doc_position, language=sentence.language)
    return None if depends_on_previous(unit.text) or not eligible(unit, options) else unit


def unit_scores(sentences: Sequence[Sentence], scores: "np.ndarray") -> "np.ndarray":
    """Each sentence's score as a candidate: the best of its unit's sentences (`unit_of`)."""
    import numpy as np

    own = np.asarray(scores, dtype=float)
    out = own.copy()
    for i in range(len(sentences)):
        first = _unit_start(sentences, i)
        if 0 <= first < i:
            out[i] = own[first : i + 1].max()
    return out


def _unit_start(sentences: Sequence[Sentence], i: int) -> int:
    """Where the unit of sentence `i` starts: `i` when it stands alone, the first of the sentences before it
    in its article that it leans on (at most MAX_UNIT_SENTENCES in all), or -1 when it has none."""
    sentence = sentences[i]
    if not depends_on_previous(sentence.text):
        return i
    first = i
    while (first > 0 and i - first + 1 < MAX_UNIT_SENTENCES and depends_on_previous(sentences[first].text)
           and sentences[first - 1].document == sentence.document
           and sentences[first - 1].index == sentences[first].index - 1
           and _whole(sentences[first - 1])):
        first -= 1
    return first if first < i else -1


def _whole(sentence: Sentence) -> bool:
    """Whether a sentence is whole (starts like one, ends with terminal punctuation) and not page furniture."""
    text = sentence.text
    return bool(SENTENCE_END.search(text) and SENTENCE_START.match(text)) and not is_furniture(text)


def select_items(
    sentences: Sequence[Sentence],
    scores: "np.ndarray",
    documents: Mapping[str, Document],
    options: Options,
    allowed: Sequence[bool] | None = None,
    budget_words: int | None = None,
    budget_sentences: int | None = None,
    overflow: bool = False,
    relevance: "np.ndarray | None" = None,
    novelty: "np.ndarray | None" = None,
    stories: "tuple[np.ndarray, np.ndarray] | None" = None,
) -> list[Item]:
    """Pick the briefing's items from scored sentences.

    Args:
        sentences: all candidate sentences (any documents).
        scores: one score per sentence (higher is better).
        documents: Document by id, for citations.
        options: budget (`words`/`sentences`), `min_words`, `max_words`, `duplicate_threshold`.
        allowed: optional mask; False leaves a sentence out (e.g. already published yesterday).
        budget_words / budget_sentences: override the options' budget (used to share it among stories).
        overflow: let the last sentence run past the word budget (evaluation truncates summaries to the
            budget, as it does for every baseline); briefings never overflow.
        relevance: optional 0.0-1.0 relevance of each sentence to a focus query: the word distribution a
            briefing should cover is then that of what the query asks about (the ranking's `scores` are
            already biased towards it), and a corroborated candidate's reward counts by its relevance.
        novelty: optional 0.0-1.0 share of each sentence that earlier days did not say; the word distribution
            a briefing should cover is then that of what is new.
        stories: optional (story of each sentence, weight 0-1 of each story): the first item of a story
            earns `greedy.STORY_WEIGHT` times its story's weight, so a day's main stories each get an item.
    Returns:
        Items in reading order, each citing one or more sources.
    """
    import numpy as np

    if not sentences:
        return []
    scores = unit_scores(sentences, scores)
    if budget_words is None and budget_sentences is None:
        budget_sentences = options.sentences
        budget_words = None if budget_sentences else options.words
    pool, units, leads = _candidates(sentences, scores, allowed, options, stories)
    if not pool:
        return []
    # Only the stories the candidates come from matter: their words are the ones to cover, their other
    # articles the ones that can corroborate (all sentences on a day of one story).
    universe = (np.arange(len(sentences)) if stories is None
                else np.flatnonzero(np.isin(stories[0], np.unique(stories[0][pool]))))
    # One vocabulary for the sentences as written and the candidates (a unit = a sentence joined to its antecedent).
    among = [sentences[j] for j in universe.tolist()]
    texts = among + units
    both, _ = content_sets([s.text for s in texts], languages=[s.language for s in texts])
    own_rows, rows = both[: len(universe)], both[len(universe) :]
    # The words a briefing should cover: those of the input, each sentence's counting by how much it is news
    # (`rank.lead_weight`) or, with a query, by how much it is about the query; and by its novelty.
    weights = (lead_weight(among, options) ** LEAD_WEIGHT_POWER if relevance is None
               else QUERY_FLOOR + np.asarray(relevance, dtype=float)[universe])
    if novelty is not None:
        weights = weights * np.asarray(novelty, dtype=float)[universe]
    story_of = None if stories is None else (stories[0][pool], stories[1][stories[0][pool]])
    support = corroborated(units, among, rows, own_rows, options)
    if relevance is not None:  # with a query, what several outlets say about it
        support = support * np.minimum(1.0, QUERY_FLOOR + np.asarray(relevance, dtype=float)[pool])
    if novelty is not None:  # with a history, what several outlets say that earlier days did not
        support = support * np.asarray(novelty, dtype=float)[pool]
    chosen = greedy(list(range(len(pool))), rows, word_distribution(own_rows, weights), scores[pool],
                    [count_words(unit.text) for unit in units], options, budget_words, budget_sentences, overflow,
                    story_of, support, [(unit.document, unit.index, sentences[i].index) for unit, i in zip(units, pool)],
                    leads, None if relevance is None else _about_query(np.asarray(relevance, dtype=float)[pool]),
                    news_days([documents[unit.document].date if unit.document in documents else None for unit in units]))
    if not chosen:
        return []
    picked = [units[k] for k in chosen]
    credited = corroborations(among, own_rows, picked, rows[chosen], options)
    peak = float(np.max(scores)) or 1.0

    def reading_order(k: int) -> tuple[int, int, int]:
        """Inverted pyramid: what any outlet put first comes first, then input order."""
        unit = units[k]
        earliest = min([unit.index] + [s.index for s in credited.get(unit, [])])
        return earliest, unit.doc_position, unit.index

    items = []
    for k in sorted(chosen, key=reading_order):
        unit = units[k]
        refs = [_ref(unit, documents)] + [_ref(s, documents) for s in credited.get(unit, [])]
        items.append(Item(text=unit.text, score=float(scores[pool[k]]) / peak, sources=tuple(refs)))
    return items


def news_days(dates: Sequence[str | None]) -> "np.ndarray":
    """The calendar day of each date, numbered 0.. in order, -1 for a date that is missing or unreadable.

    >>> news_days(["2007-03-23", "Fri, 23 Mar 2007 18:00:00 GMT", None, "03/24/2007", "soon"]).tolist()
    [0, 0, -1, 1, -1]
    """
    import numpy as np

    given = set(filter(None, dates))
    if not given:  # (most inputs: dateutil is not imported)
        return np.full(len(dates), -1, dtype=np.int64)
    from dateutil import parser  # type: ignore[import-untyped]  # no stubs in the package

    seen: dict[str, str | None] = {}
    for date in given:
        try:
            seen[date] = parser.parse(date).date().isoformat() if len(date) <= MAX_DATE_CHARS else None
        except (ValueError, OverflowError, TypeError):
            seen[date] = None
    days = sorted({day for day in seen.values() if day})
    number = {day: k for k, day in enumerate(days)}
    return np.asarray([number.get(seen.get(date or "") or "", -1) for date in dates], dtype=np.int64)


def _about_query(relevance: "np.ndarray") -> "np.ndarray":
    """Candidates about the query: relevance at least QUERY_OWED of the best candidate's. With a query, only
    their stories are owed an item before a big story gets its fourth (a story the query does not concern
    is no part of a focused briefing)."""
    return relevance >= QUERY_OWED * (float(relevance.max()) or 1.0)


def _candidates(sentences: Sequence[Sentence], scores: "np.ndarray", allowed: Sequence[bool] | None, options: Options,
                stories: "tuple[np.ndarray, np.ndarray] | None" = None
                ) -> "tuple[list[int], list[Sentence], np.ndarray]":
    """The CANDIDATE_POOL best-scored sentences that may be items (ties: earlier document, earlier sentence),
    each as the unit that reads on its own (`unit_of`): their indices, their units, and which are leads.

    With `stories`, each of the MAIN_STORIES stories of most weight also gets its STORY_CANDIDATES
    best-scored sentences in the pool, so the story reward can reach every main story of a big day (whose
    thousands of small stories could otherwise fill the pool), and each of the LEAD_STORIES stories of most
    weight its LEAD_CANDIDATES best leads. Lazy: the pool is full long before the best-scored of a big day's
    sentences run out, and an article's opening is looked for only when one of its sentences is a candidate
    or its story's leads are wanted. Sentences of one document are contiguous and in order.
    """
    import numpy as np

    doc_of = np.fromiter((s.doc_position for s in sentences), dtype=np.int64, count=len(sentences))
    order = np.lexsort((np.fromiter((s.index for s in sentences), dtype=np.int64, count=len(sentences)), doc_of,
                        -scores))
    taken: dict[int, Sentence] = {}
    documents, firsts = np.unique(doc_of, return_index=True)
    first_of = dict(zip(documents.tolist(), firsts.tolist()))
    openings: dict[int, int | None] = {}
    checked: dict[int, Sentence | None] = {}

    def usable(i: int) -> Sentence | None:
        """Sentence i's unit, when it may be an item (each sentence is judged once)."""
        if i not in checked:
            unit = unit_of(sentences, i, allowed, options)
            if unit is not None and (not eligible(unit, options)
                                     or len(set(tokenize(unit.text, unit.language))) < MIN_CONTENT_WORDS):
                unit = None
            checked[i] = unit
        return checked[i]

    def opening(document: int) -> int | None:
        """The index of the first of a document's first OPENING_SCAN sentences that may be an item. Lines
        too short to be one or furniture (a fixture's venue and kick-off time, a credit) do not count; a
        page of which only a passage is read has none."""
        if document not in openings:
            found, scanned = None, 0
            # A page read only from a passage (`passages.attach_passages`) does not start at its opening.
            start = first_of[document] if sentences[first_of[document]].index == 0 else len(sentences)
            for i in range(start, len(sentences)):
                if doc_of[i] != document or scanned == OPENING_SCAN:
                    break
                if usable(i) is not None:
                    found = i
                    break
                scanned += may_be_item(sentences[i].text, options.min_words)
            openings[document] = found
        return openings[document]

    def fill(indices: "Iterable[int]", limit: int) -> None:
        """Add the first `limit` of `indices` that may be items (and are not in the pool yet)."""
        added = 0
        for i in indices:
            if added == limit:
                return
            if i in taken:
                continue
            unit = usable(i)
            if unit is not None:
                taken[i] = unit
                added += 1

    fill(order.tolist(), CANDIDATE_POOL)
    if stories is not None:
        story_of, weight = stories
        rank_in_order = np.empty(len(order), dtype=np.int64)
        rank_in_order[order] = np.arange(len(order))
        by_weight = np.argsort(-weight, kind="stable").tolist()
        # The documents of each story, the one whose first sentence scores best first.
        lead_order = firsts[np.lexsort((rank_in_order[firsts], story_of[firsts]))]
        lead_bounds = np.searchsorted(story_of[lead_order], [(k, k + 1) for k in by_weight[:LEAD_STORIES]])

        def top_up(rows: "np.ndarray", stories_wanted: int, want: int) -> None:
            """Each of the `stories_wanted` stories of most weight gets its best-scored `rows` into the pool,
            until it holds `want` of them."""
            ordered = rows[np.lexsort((rank_in_order[rows], story_of[rows]))]  # by story, the best first
            bounds = np.searchsorted(story_of[ordered], [(k, k + 1) for k in by_weight[:stories_wanted]])
            for lo, hi in bounds.tolist():
                members = ordered[lo:hi].tolist()
                have = sum(1 for i in members if i in taken)
                if have < want:
                    fill(members, want - have)

        top_up(np.arange(len(sentences)), MAIN_STORIES, STORY_CANDIDATES)
        for lo, hi in lead_bounds.tolist():
            found = 0
            for first in lead_order[lo:hi].tolist():
                at = opening(int(doc_of[first]))
                if at is not None:
                    fill([at], 1)
                    found += 1
                    if found == LEAD_CANDIDATES:
                        break
    pool = sorted(taken, key=lambda i: (-scores[i], sentences[i].doc_position, sentences[i].index))
    units = [taken[i] for i in pool]
    leads = np.zeros(len(pool), dtype=bool)
    for k, (i, unit) in enumerate(zip(pool, units)):
        at = opening(int(doc_of[i]))
        leads[k] = at is not None and unit.index <= sentences[at].index
    return pool, units, leads


def _ref(sentence: Sentence, documents: Mapping[str, Document]) -> SourceRef:
    """Citation for one sentence."""
    doc = documents.get(sentence.document)
    return SourceRef(
        document=sentence.document,
        sentence=sentence.index,
        title=doc.title if doc else None,
        url=doc.url if doc else None,
        source=doc.source if doc else None,
        text=sentence.text,
    )
