"""What the briefing says: one event ranked as one event, a focus query that helps, and yesterday's news kept out."""
from __future__ import annotations

import logging

import pytest

from briefing.models import Briefing, Document
from briefing.options import Options
from briefing.summarize.pipeline import build_briefing, sentence_terms
from test_pipeline import BANK, FLOOD  # three outlets on a Paris flood, two articles on a rate rise

DAY = "2024-03-18"
MIXED = [*FLOOD, *BANK]


def _cited(briefing: Briefing) -> list[set[str]]:
    """The documents each section cites."""
    return [{ref.document for item in section.items for ref in item.sources} for section in briefing.sections]


def test_one_event_is_ranked_as_one_event() -> None:
    options = Options(words=60, date=DAY)
    assert build_briefing(FLOOD, options).items == build_briefing(FLOOD, options.replace(stories=False)).items


def test_a_mixed_day_keeps_one_section_per_story_each_titled_from_an_article_it_cites() -> None:
    briefing = build_briefing(MIXED, Options(words=80, date=DAY))
    assert len(briefing.sections) == 2
    titles = {d.id: d.title for d in MIXED}
    for section, cited in zip(briefing.sections, _cited(briefing)):
        assert section.title in {titles[doc] for doc in cited}
    assert _cited(briefing)[0] <= {"f0", "f1", "f2"}  # the story three outlets reported comes first


def test_a_query_brings_its_story_first() -> None:
    plain = build_briefing(MIXED, Options(words=40, date=DAY))
    focused = build_briefing(MIXED, Options(words=40, date=DAY, query="interest rates"))
    assert _cited(plain)[0] <= {"f0", "f1", "f2"}
    assert _cited(focused)[0] <= {"b0", "b1"}
    assert "interest rate" in focused.items[0].text


def test_a_long_narrative_query_works_like_its_keywords() -> None:
    keywords = build_briefing(MIXED, Options(words=30, date=DAY, query="interest rates inflation"))
    narrative = build_briefing(MIXED, Options(
        words=30, date=DAY,
        query="Central bank decisions. Describe the central bank's decision on interest rates and discuss any "
              "information on inflation that was reported."))
    assert narrative.items[0].text == keywords.items[0].text


def test_a_query_that_matches_nothing_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        focused = build_briefing(MIXED, Options(words=40, date=DAY, query="zzzqqq"))
    assert "matches no sentence" in caplog.text and "zzzqqq" in caplog.text
    assert focused.items == build_briefing(MIXED, Options(words=40, date=DAY)).items


# Three days of a story: the bridge plan, its approval, and then (day 3) a restatement of day 2 beside news.
DAY1 = [Document("a1", "The city council unveiled a plan to build a new bridge over the river on Monday. The bridge "
                 "would link the harbour district with the old town.", source="Outlet A")]
DAY2 = [Document("a2", "The city council approved the plan for a new bridge over the river by nine votes to four. "
                 "Construction of the bridge is due to start in the spring.", source="Outlet A")]
DAY3 = [
    Document("a3", "The city council approved the plan for a new bridge over the river by nine votes to four, "
             "officials recalled. Construction of the new bridge over the river is due to start in the spring.",
             source="Outlet A"),
    Document("b3", "The council approved the new bridge over the river last week by nine votes to four. "
             "Construction of the bridge over the river will start in the spring.",
             source="Outlet B"),
    Document("c3", "Engineers found cracks in the old river wall where the new bridge will stand. The repairs "
             "will delay the start of construction of the bridge until the autumn.", source="Outlet C"),
]


def test_history_of_earlier_articles_prefers_the_new_development() -> None:
    options = Options(sentences=1, words=None, date="2024-03-20")
    alone = build_briefing(DAY3, options)
    # Without history a restatement of day 2 wins: two outlets said it.
    assert "nine votes to four" in alone.items[0].text or "spring" in alone.items[0].text
    seen = sentence_terms(DAY1) + sentence_terms(DAY2)
    informed = build_briefing(DAY3, options, seen=seen)
    assert "cracks" in informed.items[0].text or "autumn" in informed.items[0].text


def test_what_earlier_days_said_is_ranked_down_not_forbidden() -> None:
    options = Options(words=200, date="2024-03-20")
    seen = sentence_terms(DAY2)
    informed = build_briefing(DAY3, options, seen=seen)
    texts = [item.text for item in informed.items]
    assert any("cracks" in t for t in texts)
    assert len(texts) >= len(build_briefing(DAY3, options).items)  # nothing is dropped for being old
