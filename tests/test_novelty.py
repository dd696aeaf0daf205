"""Novelty against earlier days: a restatement of yesterday is demoted, a new fact in yesterday's words is news."""
from __future__ import annotations

from briefing.models import Document
from briefing.options import Options
from briefing.summarize.dedupe import filter_repeats
from briefing.summarize.novelty import OLD_NEWS, QUERY_FAMILIAR, old_coverage, weigh_novelty
from briefing.summarize.pipeline import build_briefing, sentence_terms, split_documents

YESTERDAY = [
    Document("y1", "The city council approved the plan for a new bridge over the river by nine votes to four. "
             "Engineers inspected the old harbour wall on Tuesday.", source="Outlet A"),
]
# Today: yesterday's vote, told again in other words by two outlets, and one new fact told in yesterday's words.
RESTATED = "Councillors voted nine to four to approve the river bridge plan."
NEW_FACT = "Engineers approved the old harbour wall for the new bridge on Tuesday."
TODAY = [
    Document("t1", RESTATED, source="Outlet A"),
    Document("t2", "By nine votes to four, councillors approved the plan for the river bridge.", source="Outlet B"),
    Document("t3", NEW_FACT, source="Outlet C"),
]


def test_a_restatement_is_demoted_and_a_new_fact_in_yesterdays_words_is_kept() -> None:
    seen = sentence_terms(YESTERDAY)
    yesterday_words = {w for sentence in seen for w in sentence}
    new_words = set(sentence_terms([Document("n", NEW_FACT)])[0])
    assert new_words <= yesterday_words  # every word of the new fact was in yesterday's articles
    restated, new = old_coverage([RESTATED, NEW_FACT], seen).tolist()
    assert restated > new and new < OLD_NEWS
    sentences = split_documents(TODAY)
    import numpy as np

    scores, novelty, allowed = weigh_novelty(sentences, np.ones(len(sentences)), seen, None)
    assert novelty is not None and allowed is not None and all(allowed)  # demoted, not dropped
    by_text = dict(zip([s.text for s in sentences], scores.tolist()))
    assert by_text[NEW_FACT] > by_text[RESTATED]


def test_the_briefing_leads_with_the_new_fact_once_yesterday_is_known() -> None:
    options = Options(sentences=1, words=None, date="2024-03-20")
    alone = build_briefing(TODAY, options)
    assert alone.items[0].text != NEW_FACT  # without history, the vote two outlets report wins
    informed = build_briefing(TODAY, options, seen=sentence_terms(YESTERDAY))
    assert informed.items[0].text == NEW_FACT


def test_without_history_nothing_changes() -> None:
    sentences = split_documents(TODAY)
    import numpy as np

    scores = np.arange(len(sentences), dtype=float)
    weighed, novelty, allowed = weigh_novelty(sentences, scores, [], None)
    assert novelty is None and allowed is None and weighed.tolist() == scores.tolist()


def test_with_a_query_the_relevant_new_fact_wins() -> None:
    relevant_new = "The council will hold a second vote on the river bridge in May."
    today = [*TODAY[:2], Document("t4", relevant_new, source="Outlet D"),
             Document("t5", "The city museum opened a new wing for old maps on Tuesday.", source="Outlet E")]
    options = Options(sentences=1, words=None, date="2024-03-20", query="council vote on the river bridge")
    informed = build_briefing(today, options, seen=sentence_terms(YESTERDAY))
    assert informed.items[0].text == relevant_new


def test_a_published_item_told_again_is_left_out_and_a_new_fact_in_its_words_is_not() -> None:
    item = "The city council approved the plan for a new bridge over the river by nine votes to four."
    restated = "By nine votes to four, councillors approved the plan for the river bridge."
    new = "The council delayed the river bridge plan over cracks in the wall."
    assert filter_repeats([new], [item], 0.5) == [False]  # most of its words are the item's ...
    today = [Document("a", restated, source="Outlet A"), Document("b", new, source="Outlet B")]
    texts = [i.text for i in build_briefing(today, Options(words=100, date="2024-03-20"), published=[item]).items]
    assert restated not in texts and new in texts  # ... but its fact is new



def test_earlier_days_tell_what_the_reader_follows_and_its_news_leads() -> None:
    followed = "Divers will survey the harbour wall with sonar before the work starts in May."
    museum = "A museum opened a wing for rare maps and globes on Sunday."
    today = [Document("m1", museum, source="Outlet E"),
             Document("m2", museum.replace("A museum", "The museum"), source="Outlet F"),
             Document("t4", followed, source="Outlet D")]
    options = Options(sentences=1, words=None, date="2024-03-20")
    assert build_briefing(today, options).items[0].text == museum  # alone, what two outlets say wins
    # Yesterday the reader read about the harbour wall: today's news about it leads.
    assert build_briefing(today, options, seen=sentence_terms(YESTERDAY)).items[0].text == followed


def test_with_a_query_what_earlier_days_touched_on_is_not_demoted_but_a_restatement_is() -> None:
    from briefing.summarize.pipeline import prepare_day, weigh_history
    from briefing.summarize.rankday import rank_day

    touched = "The council will publish the costs of the bridge plan and a survey of the river next month."
    today = [*TODAY[:2], Document("t4", touched, source="Outlet D")]
    seen = sentence_terms(YESTERDAY)
    restated_share, touched_share = old_coverage([RESTATED, touched], seen).tolist()
    assert 0.0 < touched_share < QUERY_FAMILIAR < restated_share  # a few of its facts were said yesterday
    novelty_of = {}
    for query in (None, "costs of the river bridge plan"):
        options = Options(words=100, date="2024-03-20", query=query)
        ranked = rank_day(prepare_day(today, options), options)
        _, novelty, _ = weigh_history(ranked, [], seen, options)
        assert novelty is not None
        novelty_of[query] = dict(zip([s.text for s in ranked.sentences], novelty.tolist()))
    assert novelty_of[None][touched] < 1.0 and novelty_of[None][RESTATED] < 1.0  # without a query both are demoted
    with_query = novelty_of["costs of the river bridge plan"]
    assert with_query[touched] == 1.0 and with_query[RESTATED] < 1.0  # with one, only the restatement is
