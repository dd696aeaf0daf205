"""Selection under the budget, near-duplicate skipping and corroboration (briefing/select.py)."""
from __future__ import annotations

import numpy as np
import pytest

from briefing.models import Document, Item, Sentence
from briefing.options import Options
from briefing.summarize import greedy
from briefing.summarize.rank import rank_sentences
from briefing.summarize.dedupe import content_sets
from briefing.summarize.select import eligible, news_days, select_items, unit_of, unit_scores
from briefing.text.vectors import count_words
from conftest import make_corpus

LEAD_A = "Heavy rain flooded the old town of Paris on Monday night."
LEAD_B = "Heavy rain flooded the old town of Paris late on Monday night."
LEAD_C = "The old town of Paris was flooded by heavy rain on Monday night."
DOCS = {
    "a": [LEAD_A,
          "Firefighters rescued forty residents from flooded basements near the river.",
          "Share this.",  # a fragment, even with its full stop
          "Paris floods: what we know so far about the damage",  # a headline: no terminal punctuation
          "The city council will meet on Tuesday to discuss emergency funding."],
    "b": [LEAD_B,
          "The Seine rose two metres above its normal level, officials said.",
          "Schools in three districts stayed closed as a precaution on Tuesday."],
    "c": [LEAD_C,
          "Insurers expect claims to run into the millions of euros this year."],
}


Corpus = tuple[list[Sentence], dict[str, Document], np.ndarray]


def _words(items: list[Item]) -> int:
    """Total words of the items' texts."""
    return sum(count_words(item.text) for item in items)


@pytest.fixture
def corpus() -> Corpus:
    """The flood sentences, their documents and graph scores."""
    sentences, documents = make_corpus(DOCS)
    return sentences, documents, rank_sentences(sentences)


def _index(sentences: list[Sentence], text: str) -> int:
    """Position of the sentence with `text`."""
    return next(i for i, s in enumerate(sentences) if s.text == text)


@pytest.mark.parametrize("budget", [6, 12, 20, 25, 40, 60, 90, 200])
def test_word_budget_is_never_exceeded(corpus: Corpus, budget: int) -> None:
    sentences, documents, scores = corpus
    items = select_items(sentences, scores, documents, Options(words=budget))
    assert _words(items) <= budget
    if budget >= 20:
        assert items  # room for at least one whole sentence


def test_a_bigger_word_budget_holds_more(corpus: Corpus) -> None:
    sentences, documents, scores = corpus
    small = select_items(sentences, scores, documents, Options(words=25))
    large = select_items(sentences, scores, documents, Options(words=90))
    assert len(large) > len(small) >= 1


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_sentence_budget_is_respected(corpus: Corpus, count: int) -> None:
    sentences, documents, scores = corpus
    items = select_items(sentences, scores, documents, Options(sentences=count, words=None))
    assert len(items) == count


def test_explicit_budgets_override_the_options(corpus: Corpus) -> None:
    sentences, documents, scores = corpus
    items = select_items(sentences, scores, documents, Options(words=500), budget_sentences=1)
    assert len(items) == 1
    items = select_items(sentences, scores, documents, Options(sentences=6), budget_words=15)
    assert len(items) == 1 and _words(items) <= 15


def test_overflow_lets_the_last_sentence_run_past_the_budget(corpus: Corpus) -> None:
    sentences, documents, scores = corpus
    strict = select_items(sentences, scores, documents, Options(words=20))
    loose = select_items(sentences, scores, documents, Options(words=20), overflow=True)
    assert _words(strict) <= 20 < _words(loose)


def test_fragments_and_headlines_are_never_chosen_even_with_top_scores() -> None:
    sentences, documents = make_corpus(DOCS)
    scores = np.linspace(0.2, 0.1, len(sentences))
    fragment = _index(sentences, "Share this.")
    headline = _index(sentences, DOCS["a"][3])
    scores[fragment] = scores[headline] = 10.0
    items = select_items(sentences, scores, documents, Options(words=1000))
    texts = {item.text for item in items}
    assert "Share this." not in texts and DOCS["a"][3] not in texts
    assert len(items) >= 5  # everything else eligible and distinct made it


@pytest.mark.parametrize(("text", "ok"), [
    ("The council approved the new budget on Monday.", True),
    ("“The water came in so fast,” said one resident of the street.", True),
    ("Did the council approve the new budget on Monday?", False),  # a bare question: no news, no context
    ("The question now is: will the council approve the budget?", False),
    ("هل وافق المجلس على الميزانية الجديدة يوم الاثنين؟", False),
    ("“Did the council approve the budget on Monday?” one resident asked.", True),  # a quoted question is said
    ("One resident asked: “Did the council approve the new budget?”", True),
    ("The council approved the new budget (after a long debate.)", True),
    ("Click here to share.", False),  # five words
    ("The council approved the new budget on Monday", False),  # no full stop: a headline
    ("Budget approved: what it means for your household bills", False),
    ("and then the council approved the new budget on Monday.", False),  # a continuation, not a sentence
    ("“The water came in so fast, we had no time to think.", False),  # opens a quote it never closes
])
def test_eligible(text: str, ok: bool) -> None:
    assert eligible(Sentence(text, "a", 0), Options()) is ok


def test_run_ons_longer_than_max_words_are_not_eligible() -> None:
    long = "Word " + " ".join(["word"] * 29) + "."
    assert eligible(Sentence(long, "a", 0), Options(max_words=30))
    assert not eligible(Sentence(long, "a", 0), Options(max_words=29))


def test_near_duplicates_are_skipped_and_credited_once_per_document() -> None:
    # "a" repeats its own lead later (no self-corroboration); "b" reports it twice (credited once);
    # "c" reports something else.
    docs = {
        "a": [LEAD_A, "Firefighters rescued forty residents from flooded basements near the river.",
              "Heavy rain flooded the old town of Paris on Monday night, officials confirmed."],
        "b": [LEAD_B, "The old town of Paris was flooded by heavy rain on Monday night.",
              "The Seine rose two metres above its normal level, officials said."],
        "c": ["Insurers expect claims to run into the millions of euros this year."],
    }
    sentences, documents = make_corpus(docs)
    scores = np.array([1.0, 0.5, 0.9, 0.95, 0.8, 0.3, 0.2])
    items = select_items(sentences, scores, documents, Options(words=200))
    texts = [item.text for item in items]
    # Only one telling of the flood survives: the best scored.
    assert sum("flooded the old town" in t or "was flooded by heavy rain" in t for t in texts) == 1
    lead = next(item for item in items if item.text == LEAD_A)
    assert [ref.document for ref in lead.sources] == ["a", "b"]  # two sources, never the same document twice
    assert lead.sources[1].sentence == 0  # b's best match: its lead, the closest wording
    assert lead.sources[1].source == "Outlet b" and lead.sources[1].url == "https://b.example/"
    assert lead.sources[0].title == "Title a"
    # The other items have their own single source.
    assert all(len(item.sources) == 1 for item in items if item is not lead)


def test_items_come_back_in_reading_order(corpus: Corpus) -> None:
    sentences, documents, _ = corpus
    scores = np.arange(len(sentences), dtype=float)  # the last sentence scores best
    items = select_items(sentences, scores, documents, Options(words=1000))
    # Inverted pyramid: the earliest position any outlet gave the fact, then input order.
    order = {doc: n for n, doc in enumerate(DOCS)}
    keys = [(min(ref.sentence for ref in item.sources), order[item.sources[0].document], item.sources[0].sentence)
            for item in items]
    assert keys == sorted(keys)
    assert len(items) >= 4
    # Scores are relative to the best sentence.
    assert max(item.score for item in items) == pytest.approx(1.0)


def test_score_ties_prefer_the_earlier_document_and_sentence() -> None:
    docs = {"a": ["The council approved the new city budget on Monday evening."],
            "b": ["The regional train line will close for repairs in April."]}
    sentences, documents = make_corpus(docs)
    items = select_items(sentences, np.array([0.5, 0.5]), documents, Options(sentences=1, words=None))
    assert [item.sources[0].document for item in items] == ["a"]


def test_allowed_mask_is_respected(corpus: Corpus) -> None:
    sentences, documents, scores = corpus
    best = select_items(sentences, scores, documents, Options(sentences=1, words=None))[0]
    blocked = {i for i, s in enumerate(sentences) if s.text == best.text}
    allowed = [i not in blocked for i in range(len(sentences))]
    items = select_items(sentences, scores, documents, Options(words=1000), allowed)
    assert best.text not in {item.text for item in items}
    assert items
    assert select_items(sentences, scores, documents, Options(words=1000), [False] * len(sentences)) == []


def test_nothing_to_select() -> None:
    assert select_items([], np.zeros(0), {}, Options()) == []
    sentences, documents = make_corpus({"a": ["Too short.", "No full stop here at all in this line"]})
    assert select_items(sentences, np.array([0.5, 0.5]), documents, Options()) == []


def test_a_dependent_sentence_comes_with_its_antecedent_as_one_item() -> None:
    antecedent = "Tennis star Maria Sharapova failed a drug test at the Australian Open."
    dependent = "She said she had taken the drug for ten years for health problems."
    docs = {"a": ["Officials released the schedule for the spring tournaments.", antecedent, dependent]}
    sentences, documents = make_corpus(docs)
    scores = np.array([0.1, 0.2, 1.0])  # the dependent sentence is the valuable one
    items = select_items(sentences, scores, documents, Options(words=30))
    assert [item.text for item in items] == [f"{antecedent} {dependent}"]  # the words as written, in order
    (ref,) = items[0].sources  # one article, one citation
    assert (ref.document, ref.sentence, ref.text) == ("a", 1, items[0].text)


def test_a_dependent_sentence_without_an_antecedent_is_left_out() -> None:
    docs = {"a": ["But the plan was rejected by the council on Monday night.",  # nothing before it
                  "The city council will meet again on Tuesday to discuss funding."],
            "b": ["Schools in three districts stayed closed as a precaution.",
                  "Its neighbours closed their airspace to the airline's planes."]}
    sentences, documents = make_corpus(docs)
    scores = np.array([1.0, 0.1, 0.1, 0.9])
    allowed = [True, True, False, True]  # b's first sentence was in an earlier briefing: no antecedent to repeat
    texts = [item.text for item in select_items(sentences, scores, documents, Options(words=1000), allowed)]
    assert texts == [docs["a"][1]]


ANTECEDENT = "Tennis star Maria Sharapova failed a drug test at the Australian Open."  # 12 words
DEPENDENT = "She said she had taken the drug for ten years for health problems."  # 13 words
OTHER = "Officials released the schedule for the spring tournaments in Madrid and Rome."  # 12 words


def _grow(budget: int, spans: list[tuple[str, int, int]] | None) -> list[int]:
    """`greedy` over [the antecedent alone, the antecedent with its dependent sentence, another fact]."""
    texts = [ANTECEDENT, f"{ANTECEDENT} {DEPENDENT}", OTHER]
    rows, _ = content_sets(texts)
    return greedy.greedy([0, 1, 2], rows, greedy.word_distribution(rows), np.array([1.0, 0.9, 0.5]),
                         [count_words(t) for t in texts], Options(), budget, None, False, spans=spans)


def test_a_chosen_antecedent_grows_into_its_unit_at_the_cost_of_the_dependent_words() -> None:
    spans = [("a", 0, 0), ("a", 0, 1), ("b", 0, 0)]
    # The antecedent is chosen first; the unit then costs the dependent's 13 words and replaces it: one item.
    assert _grow(37, spans) == [1, 2]  # 12 + 13 + 12 words
    assert _grow(24, spans) == [0, 2]  # 12 words left after the antecedent: the dependent's 13 do not fit
    # Without spans (as before growth), the unit repeats the chosen antecedent and is never chosen.
    assert _grow(37, None) == [0, 2]


def test_a_unit_scores_as_the_best_of_its_sentences() -> None:
    sentences, _ = make_corpus({"a": [ANTECEDENT, DEPENDENT]})
    units = [unit_of(sentences, i, None, Options()) for i in range(len(sentences))]
    assert [u.text for u in units if u is not None] == [ANTECEDENT, f"{ANTECEDENT} {DEPENDENT}"]
    assert unit_scores(sentences, np.array([0.8, 0.3])).tolist() == [0.8, 0.8]  # it says all its antecedent says


def test_a_fact_other_outlets_state_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    single = "Firefighters rescued forty residents from flooded basements near the river."
    docs = {"a": [single, LEAD_A], "b": [LEAD_B]}
    sentences, documents = make_corpus(docs)
    scores = np.array([1.0, 0.4, 0.1])  # the fact one outlet reports is the more central

    def first_item() -> list[str]:
        """The text and cited outlets of a one-item briefing."""
        (item,) = select_items(sentences, scores, documents, Options(sentences=1, words=None))
        return [item.text] + [ref.document for ref in item.sources]

    assert first_item() == [LEAD_A, "a", "b"]  # both outlets report the flood: it leads, citing both
    monkeypatch.setattr(greedy, "CORROBORATION_WEIGHT", 0.0)
    assert first_item() == [single, "a"]  # without the reward, centrality (and coverage) decide


@pytest.mark.parametrize("other", [
    "Paris.",  # a one-word fragment
    "Could the flood in the old town of Paris on Monday night have been avoided?",  # a question
    "Paris officials, however, rejected that.",  # shares only a name
    "For flood maps of Paris, click here.",  # a link prompt
    # a long sentence about something else that mentions the topic words in passing
    "The mayor of Paris, who was in Brussels for a summit on budgets, trade, farming and migration, said on "
    "Monday that the talks with the commission had gone well and that a deal on farm subsidies was close.",
])
def test_only_a_statement_of_the_same_fact_corroborates(other: str) -> None:
    docs = {"a": [LEAD_A], "b": [other]}
    sentences, documents = make_corpus(docs)
    items = select_items(sentences, np.array([1.0, 0.5]), documents, Options(sentences=1, words=None))
    assert [ref.document for ref in items[0].sources] == ["a"]


def test_true_paraphrases_stay_credited_with_their_own_words() -> None:
    docs = {"a": [LEAD_A], "b": [LEAD_C], "c": ["Heavy rain flooded the old town of Paris on Monday night, "
                                               "forcing hundreds of residents out of their homes."]}
    sentences, documents = make_corpus(docs)
    items = select_items(sentences, np.array([1.0, 0.5, 0.5]), documents, Options(sentences=1, words=None))
    assert [(ref.document, ref.text) for ref in items[0].sources] == [
        ("a", LEAD_A), ("b", LEAD_C), ("c", docs["c"][0])]  # each outlet's evidence is the sentence it wrote


@pytest.mark.parametrize("text", [
    "Josh Dawsey contributed to this report of the flood.",
    "CLOSE Heavy rain flooded the old town of Paris on Monday night.",
])
def test_page_furniture_is_never_chosen(text: str) -> None:
    sentences, documents = make_corpus({"a": [text, "Insurers expect claims to run into the millions of euros."]})
    items = select_items(sentences, np.array([1.0, 0.1]), documents, Options(words=1000))
    assert [item.text for item in items] == ["Insurers expect claims to run into the millions of euros."]


def test_a_main_story_reaches_the_briefing_when_small_stories_fill_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.summarize import select

    # 30 one-article stories whose openings outscore every sentence of the day's main story (as position
    # alone scores them on a big day), and a pool too small to hold them all.
    small = {f"s{k}": [f"Local council number {k} approved a new parking scheme for district {k} on Monday."]
             for k in range(30)}
    sentences, documents = make_corpus({**small, "main": [LEAD_A, LEAD_B.replace("Paris", "Lyon")]})
    scores = np.asarray([0.5 if s.document != "main" else 0.1 for s in sentences])
    story_of = np.asarray([0 if s.document == "main" else 1 + int(s.document[1:]) for s in sentences])
    weights = np.asarray([1.0] + [1 / 40] * 30)
    monkeypatch.setattr(select, "CANDIDATE_POOL", 10)
    items = select_items(sentences, scores, documents, Options(words=60), stories=(story_of, weights))
    assert any(ref.document == "main" for item in items for ref in item.sources)
    monkeypatch.setattr(select, "MAIN_STORIES", 0)  # without the main stories' candidates (nor their leads'), it cannot
    monkeypatch.setattr(select, "LEAD_STORIES", 0)
    items = select_items(sentences, scores, documents, Options(words=60), stories=(story_of, weights))
    assert not any(ref.document == "main" for item in items for ref in item.sources)


def test_a_story_opens_with_its_first_sentence_and_never_with_a_detail_in_its_place() -> None:
    # Two one-article stories. The tennis article's second sentence outscores its first: the first is still
    # its item, because it is the news.
    tennis = ["Henman beat Rusedski in three sets to reach the second round of the Dubai Open on Tuesday.",
              "Rusedski broke serve in the ninth game to take a tight opening set against his rival."]
    budget = ["The city council approved a budget of four million euros for new bus lanes on Monday evening.",
              "The vote was close, with eleven councillors in favour and nine against the spending plan."]
    sentences, documents = make_corpus({"tennis": tennis, "budget": budget})
    scores = np.asarray([0.2, 0.5, 0.4, 0.1])
    story_of = np.asarray([0, 0, 1, 1])
    items = select_items(sentences, scores, documents, Options(words=200), stories=(story_of, np.ones(2)))
    firsts: dict[str, int] = {}
    for item in items:
        firsts.setdefault(item.sources[0].document, item.sources[0].sentence)
    assert firsts == {"tennis": 0, "budget": 0}
    # With words for one lead and a short line only, the budget story's detail does not stand in for its lead.
    words = count_words(tennis[0]) + count_words(budget[1])
    items = select_items(sentences, np.asarray([0.6, 0.1, 0.5, 0.4]), documents, Options(words=words),
                         stories=(story_of, np.ones(2)))
    assert [(i.sources[0].document, i.sources[0].sentence) for i in items] == [("tennis", 0)]


def test_with_a_query_a_story_it_does_not_concern_is_owed_no_item() -> None:
    main = ["The central bank raised its main interest rate by half a point to five percent on Thursday.",
            "Mortgage lenders said monthly payments would rise for two million households this spring.",
            "The bank's governor said inflation had stayed above its target for eighteen months in a row.",
            "Shares in high street banks rose sharply after the decision was announced in the afternoon.",
            "Economists had expected a smaller rise and warned of a slowdown in house building next year."]
    aside = ["A local choir won first prize at the regional music festival held in the old town hall."]
    sentences, documents = make_corpus({"m": main, "x": aside})
    scores = np.asarray([0.5, 0.4, 0.35, 0.3, 0.25, 0.2])
    story_of = np.asarray([0, 0, 0, 0, 0, 1])
    weights = np.asarray([1.0, 0.2])
    words = sum(count_words(t) for t in main[:4]) + 2
    plain = select_items(sentences, scores, documents, Options(words=words), stories=(story_of, weights))
    assert any(item.sources[0].document == "x" for item in plain)  # a small story's lead before a fourth item
    relevance = np.asarray([1.0, 0.8, 0.9, 0.7, 0.6, 0.0])
    focused = select_items(sentences, scores, documents, Options(words=words), stories=(story_of, weights),
                           relevance=relevance)
    assert [item.sources[0].document for item in focused] == ["m"] * 4


def test_sharing_the_story_s_topic_words_is_no_redundancy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: every article on a flood says "heavy rain flooded Paris on Monday"; a second item that shares
    only those words with the first tells a new fact, one that shares the first item's own words repeats it."""
    first = "Heavy rain flooded Paris on Monday, and firefighters rescued forty residents from basements."
    new_fact = "Heavy rain flooded Paris on Monday, and the Seine rose two metres above its usual level."
    same_fact = "Firefighters rescued forty residents, the city's fire brigade reported in a statement on Tuesday."
    docs = {"a": [first], "b": [new_fact], "c": [same_fact],
            "d": ["Heavy rain flooded Paris on Monday, closing schools in three districts of the city."],
            "e": ["Heavy rain flooded Paris on Monday as a storm crossed northern France from the west."]}
    sentences, documents = make_corpus(docs)
    scores = np.array([1.0, 0.5, 0.5, 0.1, 0.1])  # the two candidates for the second item score alike
    monkeypatch.setattr(greedy, "KL_WEIGHT", 0.0)  # centrality less redundancy decides alone
    monkeypatch.setattr(greedy, "CORROBORATION_WEIGHT", 0.0)
    items = select_items(sentences, scores, documents, Options(sentences=2, words=None))
    assert [item.text for item in items] == [first, new_fact]


def test_an_article_not_yet_cited_wins_over_a_second_detail_of_one_that_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: ten wire stories each on their own part of an event; between two candidates that score alike,
    the one from an article the briefing does not cite yet covers more of the input."""
    lead = "Heavy rain flooded the old town of Paris on Monday night."
    detail = "Insurers expect claims to run into the millions of euros this year."
    other = "Schools in three districts stayed closed as a precaution on Tuesday."
    sentences, documents = make_corpus({"a": [lead, detail], "b": [other]})
    scores = np.array([1.0, 0.5, 0.5])  # the two candidates for the second item score alike
    monkeypatch.setattr(greedy, "KL_WEIGHT", 0.0)
    monkeypatch.setattr(greedy, "CORROBORATION_WEIGHT", 0.0)

    def texts() -> list[str]:
        return [item.text for item in select_items(sentences, scores, documents, Options(sentences=2, words=None))]

    assert texts() == [lead, other]
    monkeypatch.setattr(greedy, "ARTICLE_WEIGHT", 0.0)
    assert texts() == [lead, detail]  # without the reward the tie goes to the earlier document


def test_a_lead_restating_a_lead_of_its_day_gives_way_and_one_of_another_day_does_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: two outlets' leads of one day restate one event in their own words; a lead of another day tells
    that day's news, though it shares the story's words. Undated articles count as of one day."""
    from dataclasses import replace

    first = "About 4,500 residents of Cedar Ridge were ordered to leave their homes on Friday as the wildfire spread."
    detail = "More than 400 firefighters and six water-dropping aircraft are fighting the fire north of the town."
    second = "Families in Cedar Ridge packed their cars on Friday as an evacuation order took effect ahead of the flames."
    sentences, documents = make_corpus({"a": [first, detail], "b": [second]})
    scores = np.array([1.0, 0.5, 0.9])
    for name in ("KL_WEIGHT", "CORROBORATION_WEIGHT", "ARTICLE_WEIGHT"):
        monkeypatch.setattr(greedy, name, 0.0)

    def texts(day_a: str | None, day_b: str | None) -> list[str]:
        dated = {"a": replace(documents["a"], date=day_a), "b": replace(documents["b"], date=day_b)}
        return [item.text for item in select_items(sentences, scores, dated, Options(sentences=2, words=None))]

    assert texts("2025-08-15", "2025-08-15") == [first, detail]
    assert texts(None, None) == [first, detail]
    assert texts("2025-08-15", "2025-08-18T09:00:00Z") == [first, second]
    # Two stories of one day: each lead tells its own story's news.
    monkeypatch.setattr(greedy, "STORY_WEIGHT", 0.0)
    two = (np.asarray([0, 0, 1]), np.ones(2))
    dated = {"a": replace(documents["a"], date="2025-08-15"), "b": replace(documents["b"], date="2025-08-15")}
    told = select_items(sentences, scores, dated, Options(sentences=2, words=None), stories=two)
    assert [item.text for item in told] == [first, second]
    monkeypatch.setattr(greedy, "LEAD_RESTATEMENT", 0.0)
    assert texts("2025-08-15", "2025-08-15") == [first, second]


def test_news_days_reads_dates_as_given_and_numbers_the_days() -> None:
    dates = ["2007-03-23T22:00:00", "Fri, 23 Mar 2007 18:00:00 GMT", None, "", "03/24/2007", "soon", "9" * 200]
    assert news_days(dates).tolist() == [0, 0, -1, -1, 1, -1, -1]
