"""Documents in, Briefing out (briefing/pipeline.py)."""
from __future__ import annotations

from dataclasses import replace

import datetime as dt

import pytest

from briefing.summarize.dedupe import similarity
from briefing.errors import BriefingError, NoInputError
from briefing.models import Briefing, Document
from briefing.options import Options
from briefing.summarize.pipeline import briefing_date, build_briefing, split_documents, summarize_items
from briefing.text.vectors import count_words

FLOOD = [
    Document("f0", "Heavy rain flooded the old town of Paris on Monday night. Firefighters rescued forty residents "
             "from flooded basements near the Seine river. The city council will meet on Tuesday to discuss "
             "emergency funding for the flooded districts.", title="Floods hit Paris", source="Outlet 0"),
    Document("f1", "Heavy rain flooded the old town of Paris late on Monday night. The Seine river rose two metres "
             "above its normal level in the flooded districts. Schools in three flooded districts of Paris stayed "
             "closed on Tuesday.", title="Paris old town under water", source="Outlet 1"),
    Document("f2", "Paris's old town was flooded by heavy rain on Monday night. Insurers expect flood claims in "
             "Paris to run into the millions of euros. Residents of the flooded districts began pumping water "
             "from their cellars.", title="Flood claims expected", source="Outlet 2"),
]
BANK = [
    Document("b0", "The central bank raised its main interest rate by a quarter point on Thursday. Markets had "
             "expected the central bank to raise rates after strong inflation data. Mortgage lenders said they "
             "would pass the higher interest rate to borrowers.", title="Central bank raises rates"),
    Document("b1", "The central bank lifted interest rates by a quarter point on Thursday afternoon. Inflation has "
             "stayed above the central bank's target for two years. Bond yields rose after the interest rate "
             "decision was announced.", title="Rates up a quarter point"),
]
MIXED = [BANK[0], FLOOD[0], BANK[1], FLOOD[1], FLOOD[2]]
DAY = "2024-03-18"


def _words(briefing: Briefing) -> int:
    """Total words of all item texts."""
    return sum(count_words(item.text) for item in briefing.items)


def test_single_story_gives_one_untitled_section() -> None:
    briefing = build_briefing(FLOOD, Options(words=40, date=DAY, title="Morning"))
    assert len(briefing.sections) == 1 and briefing.sections[0].title is None
    assert briefing.title == "Morning" and briefing.date == DAY
    # the briefing's documents are the input's, each with its detected language
    assert tuple(replace(d, language=None, story=None) for d in briefing.documents) == tuple(FLOOD)
    assert {d.story for d in briefing.documents} == {0}
    assert {d.language for d in briefing.documents} == {"en"}
    assert 0 < _words(briefing) <= 40
    lead = briefing.items[0]
    assert "flooded the old town" in lead.text
    assert {ref.document for ref in lead.sources} == {"f0", "f1", "f2"}  # all three outlets corroborate


def test_many_stories_give_titled_sections_biggest_first_sharing_the_budget() -> None:
    briefing = build_briefing(MIXED, Options(words=60, date=DAY))
    flood, bank = briefing.sections  # three flood articles, then two on the bank
    assert flood.title in {d.title for d in FLOOD} and bank.title in {d.title for d in BANK}
    assert {ref.document for item in flood.items for ref in item.sources} <= {"f0", "f1", "f2"}
    assert {ref.document for item in bank.items for ref in item.sources} <= {"b0", "b1"}
    assert _words(briefing) <= 60
    # Both stories share the budget, the bigger one leading with the fact all three of its outlets report (a
    # fact both bank outlets report may then take more words than a flood detail only one outlet reports).
    assert sum(count_words(i.text) for i in flood.items) > 0 and sum(count_words(i.text) for i in bank.items) > 0
    assert {ref.document for ref in flood.items[0].sources} == {"f0", "f1", "f2"}


def test_sentence_budget_is_shared_among_stories() -> None:
    briefing = build_briefing(MIXED, Options(sentences=3, words=None, date=DAY))
    assert [len(section.items) for section in briefing.sections] == [2, 1]


def test_stories_off_gives_one_section() -> None:
    briefing = build_briefing(MIXED, Options(words=60, date=DAY, stories=False))
    assert len(briefing.sections) == 1 and briefing.sections[0].title is None


@pytest.mark.parametrize("budget", [20, 45, 80, 150])
def test_word_budget_holds_for_the_whole_briefing(budget: int) -> None:
    assert _words(build_briefing(MIXED, Options(words=budget, date=DAY))) <= budget


def test_published_texts_leave_out_repeats() -> None:
    options = Options(words=40, date=DAY)
    first = build_briefing(FLOOD, options)
    said = [item.text for item in first.items]
    second = build_briefing(FLOOD, options, published=said)
    assert second.items
    for item in second.items:
        assert all(similarity(item.text, old) < options.duplicate_threshold for old in said)
    assert not {item.text for item in second.items} & set(said)


def test_everything_already_published_is_no_input() -> None:
    doc = Document("a", "The council approved the new city budget on Monday evening.")
    with pytest.raises(NoInputError):
        build_briefing([doc], Options(date=DAY), published=[doc.text])


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "yesterday", "18/03/2024", "2024-3-18", ""])
def test_invalid_date_is_a_briefing_error(value: str) -> None:
    with pytest.raises(BriefingError, match="invalid date"):
        build_briefing(FLOOD, Options(date=value))


def test_date_defaults_to_today() -> None:
    assert briefing_date(None) == dt.date.today().isoformat()
    assert briefing_date("2024-02-29") == "2024-02-29"


def test_no_documents_is_no_input() -> None:
    with pytest.raises(NoInputError):
        build_briefing([], Options(date=DAY))


def test_documents_with_nothing_long_enough_is_no_input() -> None:
    with pytest.raises(NoInputError, match="long enough"):
        build_briefing([Document("a", "Short.\n\nAlso short."), Document("b", "Tiny.")], Options(date=DAY))


def test_a_story_without_sentences_passes_its_budget_on() -> None:
    # Two picture galleries (titles only; their text is boilerplate) form the biggest "story" and take
    # 30 of the 40 words; the bank story is left 10, too few for any of its sentences.
    galleries = [Document("p1", "Share this", title="Photo gallery: Paris floods in pictures"),
                 Document("p2", "Advertisement", title="In pictures: Paris floods")]
    assert split_documents(galleries) == []
    docs = [*galleries, BANK[0]]
    briefing = build_briefing(docs, Options(words=40, date=DAY))
    assert briefing.items and _words(briefing) <= 40


def test_split_documents_keeps_input_positions() -> None:
    sentences = split_documents([FLOOD[1], FLOOD[0]])
    assert [s.document for s in sentences[:3]] == ["f1"] * 3
    assert {(s.document, s.doc_position) for s in sentences} == {("f1", 0), ("f0", 1)}
    assert [s.index for s in sentences if s.document == "f0"] == [0, 1, 2]


def test_summarize_items_ignores_stories() -> None:
    items = summarize_items(MIXED, Options(words=60, date=DAY))
    assert items and sum(count_words(i.text) for i in items) <= 60
    assert items == build_briefing(MIXED, Options(words=60, date=DAY, stories=False)).items


def test_a_story_without_headlines_is_titled_from_its_first_item() -> None:
    flood = ["Heavy rain flooded the old town of Paris on Monday night and firefighters rescued forty residents.",
             "Floods hit the old town of Paris on Monday night, and forty residents were rescued by firefighters."]
    bank = ["The central bank raised its main interest rate by a quarter point on Tuesday to fight inflation."]
    docs = [Document(f"d{i}", text) for i, text in enumerate(flood + bank)]
    briefing = build_briefing(docs, Options(words=200, date="2024-03-18"))
    assert len(briefing.sections) == 2
    first = briefing.sections[0]
    assert first.title is not None and first.title.endswith("…")
    assert first.items[0].text.startswith(first.title[:-1])


def test_a_page_of_furniture_only_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    from briefing.text.standalone import is_furniture

    notes = ["Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive.",
             "To purchase this material contact the syndicate sales executive at 1-732-390-4480."]
    assert all(is_furniture(note) for note in notes)
    page = Document("note", "\n\n".join(notes), title="Editor's note")
    with caplog.at_level("WARNING"):
        briefing = build_briefing([FLOOD[0], page, *BANK, FLOOD[1]], Options(words=120, date=DAY, quiet=True))
    assert [d.id for d in briefing.documents] == ["f0", "b0", "b1", "f1"]
    assert "note" in caplog.text and "page furniture" in caplog.text
    # The articles after it keep their own sentences (positions renumbered, not shifted onto another document).
    for item in briefing.items:
        for source in item.sources:
            document = next(d for d in [FLOOD[0], *BANK, FLOOD[1]] if d.id == source.document)
            assert source.text.split()[0] in document.text
    # Every page being furniture is no input, as ever.
    with pytest.raises(NoInputError, match="only page furniture"):
        build_briefing([page], Options(words=120, date=DAY, quiet=True))


def test_a_site_notice_is_left_out_and_a_short_report_about_a_site_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    notice = Document("notice", "You're Almost There...\n\nYour custom domain mapping may take as little as 15-30 "
                                "minutes to resolve. If you need more information about domain mapping, please visit "
                                "our help center.")
    player = Document("player", "Rating is available when the video has been rented.\n\nThis feature is not "
                                "available right now. Please try again later.")
    outage = Document("outage", "Users of the Example web site could not log in for two hours on Tuesday, the "
                                "company said.\n\nIts engineers fixed the error by the evening.\n\nShare this")
    with caplog.at_level("WARNING"):
        briefing = build_briefing([FLOOD[0], notice, player, outage, FLOOD[1]], Options(words=120, date=DAY, quiet=True))
    assert [d.id for d in briefing.documents] == ["f0", "outage", "f1"]
    assert "notice" in caplog.text and "player" in caplog.text
