"""A mixed day reads as the day's events: one section per event, each led by its news (issue "Stories")."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from briefing.cli import app
from briefing.models import Briefing, Document
from briefing.options import Options
from briefing.summarize.pipeline import build_briefing
from briefing.text.datelines import strip_dateline

DAY = "2024-05-02"

# Three made-up events, each reported by two or three outlets. Every article opens with its news (the lead)
# and goes on with details that are longer and more specific than the lead.
EVENTS = {
    "car": [
        ("Carmaker Velora will invest 2 billion euros in an electric car plant near Brno, creating 3,000 jobs.",
         "The plant, on a former airfield east of the city, is due to open in 2029 and will build two compact "
         "models and their batteries on one site. Regional officials said road and rail links to the airfield "
         "would be upgraded before construction of the factory halls begins next spring."),
        ("Velora announced a 2 billion euro electric car factory near Brno on Thursday that will employ 3,000 "
         "people.",
         "Velora chief executive Marta Lind said the site was chosen for its skilled workforce and its rail "
         "connection to the company's suppliers in Germany and Austria, and that battery cells would be made "
         "in a separate hall."),
    ],
    "louvre": [
        ("The Louvre in Paris closed for the day on Thursday after staff walked out over crowding and pay.",
         "Thousands of visitors queued outside the glass pyramid for hours before managers told them the museum "
         "would not open, and tickets bought online would be refunded within two weeks, the museum said."),
        ("Staff at the Louvre went on strike on Thursday over crowding and pay, closing the Paris museum to "
         "visitors.",
         "Union representatives said the number of guards in the galleries has not kept pace with visitor "
         "numbers, which passed nine million last year, and that talks with the culture ministry would resume."),
        ("The Louvre museum in Paris stayed shut on Thursday as staff walked out in a dispute over crowding.",
         "The museum's management said it regretted the closure and hoped to reopen the galleries on Friday "
         "morning, with extra staff on duty at the busiest rooms."),
    ],
    "budget": [
        ("The city council of Leeds approved a budget on Thursday that cuts library opening hours to save 4 "
         "million pounds.",
         "Councillors debated for six hours before the vote, and several residents spoke against closing "
         "branch libraries on Sundays, while others asked for more spending on street repairs and buses."),
        ("Leeds councillors voted on Thursday for a budget that reduces library hours and saves the city 4 "
         "million pounds.",
         "The council leader said rising costs of adult social care left no choice, and promised that no "
         "library building would be sold during the next financial year."),
    ],
}
OUTLETS = ["Courier", "Ledger", "Wire"]


def day() -> list[Document]:
    """The three events' articles, interleaved as a feed reader would list them."""
    docs = []
    for k in range(3):
        for event, articles in EVENTS.items():
            if k < len(articles):
                lead, details = articles[k]
                docs.append(Document(f"{event}-{k}", f"{lead} {details}", title=None, source=OUTLETS[k]))
    return docs


def event_of(document: str) -> str:
    """The event an article reports (its id's prefix)."""
    return document.split("-")[0]


def test_a_mixed_day_gets_one_section_per_event_each_led_by_its_lead() -> None:
    briefing = build_briefing(day(), Options(words=150, date=DAY))
    assert len(briefing.sections) == 3
    leads = {lead for articles in EVENTS.values() for lead, _ in articles}
    seen = set()
    for section in briefing.sections:
        events = {event_of(ref.document) for item in section.items for ref in item.sources}
        assert len(events) == 1, f"section {section.title!r} mixes events {events}"
        seen |= events
        assert section.items[0].text in leads, f"{section.items[0].text!r} is a detail, not the lead"
    assert seen == set(EVENTS)
    # sections are stories, the story most outlets reported first
    assert event_of(briefing.sections[0].items[0].sources[0].document) == "louvre"
    assert [(s.articles, s.outlets) for s in briefing.sections] == [(3, 3), (2, 2), (2, 2)]


def test_every_document_and_section_says_its_story_in_json() -> None:
    data = build_briefing(day(), Options(words=150, date=DAY)).to_dict()
    story = {d["id"]: d["story"] for d in data["documents"]}
    assert len(set(story.values())) == 3
    for doc, value in story.items():  # one value per event
        assert {v for d, v in story.items() if event_of(d) == event_of(doc)} == {value}
    for section in data["sections"]:
        cited = {story[r["document"]] for item in section["items"] for r in item["sources"]}
        assert cited == {section["story"]}
        assert section["articles"] == sum(1 for d in story if story[d] == section["story"])
    assert Briefing.from_dict(data).to_dict() == data


def test_the_story_the_query_matches_comes_first() -> None:
    for query, event in (("library opening hours budget", "budget"), ("electric car plant Brno", "car"),
                         ("Louvre strike", "louvre")):
        briefing = build_briefing(day(), Options(words=150, date=DAY, query=query))
        assert event_of(briefing.sections[0].items[0].sources[0].document) == event


def test_a_small_story_gets_its_lead_before_a_big_story_gets_its_fourth_item() -> None:
    # A big story that four outlets report with many distinct facts, and a one-article story.
    facts = ["The national rail strike over pay closed most lines on Monday, and commuters crowded onto buses.",
             "Rail unions said the strike over pay would last until Friday unless the ministry raised its offer.",
             "Freight trains carrying coal to the northern power stations were also halted by the rail strike.",
             "The transport ministry said it had offered rail workers a 4 percent rise, which the unions rejected.",
             "Airports reported queues at check-in as travellers switched from trains to domestic flights.",
             "Schools in the capital allowed pupils to stay home because the rail strike stopped most trains.",
             "Taxi drivers in the capital doubled their fares during the rail strike, the consumer office said.",
             "The opposition called on the prime minister to meet rail union leaders before the weekend."]
    big = [Document(f"big-{k}", " ".join(facts[(k + 2 * j) % 8] for j in range(4)), source=f"Outlet {k}")
           for k in range(4)]
    small = Document("small-0", "A rare white stork nested on the roof of Hollins church for the first time in "
                     "sixty years. Birdwatchers gathered in the churchyard to watch the stork feed its chicks.",
                     source="Parish News")
    briefing = build_briefing([*big, small], Options(words=85, date=DAY))
    events = [event_of(item.sources[0].document) for item in briefing.items]
    assert events.count("big") >= 3 and events.count("small") >= 1
    assert briefing.sections[1].items[0].text.startswith("A rare white stork")


def test_wire_datelines_are_cut_from_items_and_evidence() -> None:
    docs = [
        Document("a", "LAS VEGAS, June 10 (UPI) -- A man was arrested on Tuesday after a chase along the Strip "
                 "that closed four lanes of traffic for two hours.", source="UPI"),
        Document("b", "LAS VEGAS (AP) _ Police arrested a man on Tuesday after a car chase along the Strip closed "
                 "four lanes of traffic for two hours, officers said. The driver was taken to the county jail.",
                 source="AP"),
    ]
    items = build_briefing(docs, Options(words=60, date=DAY)).items
    texts = [item.text for item in items] + [ref.text for item in items for ref in item.sources]
    assert any(item.text.startswith(("A man was arrested", "Police arrested")) for item in items)
    assert not any("(UPI)" in text or "(AP)" in text or "LAS VEGAS" in text for text in texts), texts


def test_dateline_forms() -> None:
    assert strip_dateline("TRIPOLI, Libya (AP) _ U.N. envoys met rebel leaders.") == "U.N. envoys met rebel leaders."
    assert strip_dateline("LONDON, Nov 3 (Reuters) - Shares fell.") == "Shares fell."
    assert strip_dateline("MOBILE, Ala. (AP) -- A man was held.") == "A man was held."
    # a capitalised opening that is not a dateline stays, and a bare city only opens an article
    assert strip_dateline("NATO — the alliance — met on Monday.", at_start=True) == "NATO — the alliance — met on Monday."
    assert strip_dateline("WASHINGTON — Two aides were charged.") == "WASHINGTON — Two aides were charged."
    assert strip_dateline("WASHINGTON — Two aides were charged.", at_start=True) == "Two aides were charged."
    assert strip_dateline("DETROIT - An officer died.", at_start=True) == "An officer died."
    assert strip_dateline("DETROIT - An officer died.") == "DETROIT - An officer died."
    assert strip_dateline("NEW YORK _ Jerry Seinfeld says he is done.", at_start=True) == "Jerry Seinfeld says he is done."
    assert strip_dateline("The AP said so - twice.") == "The AP said so - twice."


def test_a_bare_dateline_is_cut_after_a_headline_line_but_not_inside_the_article() -> None:
    from briefing.text.sentences import split_document

    doc = Document("a", "Russia joins Syria truce calls as fighting rages\n\nDAMASCUS — Russia added its voice on "
                   "Monday to calls for a truce.\n\nBEIRUT — Lebanon's view is told in a later paragraph.")
    assert [s.text for s in split_document(doc)] == [
        "Russia joins Syria truce calls as fighting rages", "Russia added its voice on Monday to calls for a truce.",
        "BEIRUT — Lebanon's view is told in a later paragraph."]


def test_photo_credits_and_bylines_glued_before_the_lead_are_cut() -> None:
    assert strip_dateline("(By Jay Mallin -- Bloomberg News) Oil prices fell on Monday.") == "Oil prices fell on Monday."
    assert strip_dateline("(Brian Snyder/Reuters) By Michael D. Shear and Robert Barnes NEW YORK -- The crisis "
                          "overwhelmed the race.", at_start=True) == "The crisis overwhelmed the race."
    # a byline is cut only before a dateline; "By Friday" is no byline
    assert strip_dateline("By Friday the talks had failed.", at_start=True) == "By Friday the talks had failed."
    assert strip_dateline("(Reuters) Shares fell.") == "(Reuters) Shares fell."


def test_a_news_budget_slug_is_cut_wherever_an_item_starts() -> None:
    assert strip_dateline("BRITAIN-RACE _ LONDON _ The report puts race on the agenda.") == "The report puts race on the agenda."
    assert strip_dateline("BLAST-VICTIMS (BELLINGHAM, Wash.) _ Two boys died.") == "Two boys died."
    assert strip_dateline("INDONESIA-SUHARTO _ JAKARTA, Indonesia _ The vote is set.") == "The vote is set."
    # a capitalised hyphenated word that is no slug stays
    assert strip_dateline("COVID-19 _ cases rose.") == "COVID-19 _ cases rose."
    assert strip_dateline("U.S.-CHINA talks resumed.") == "U.S.-CHINA talks resumed."


def test_the_dateline_pattern_is_linear_on_adversarial_input() -> None:
    # Long runs of what the pattern's parts accept, never completed: a backtracking pattern would not finish.
    for text in ("A" * 50_000, "AB " * 20_000, "ABC, Def " * 10_000 + "(AP", ("X, Y" + " Z" * 3) * 5_000,
                 "(By " + "Ab " * 20_000, "By " + "Ab Cd and " * 10_000, "AB-" * 20_000, "AB-CD (" + "x" * 20_000):
        assert strip_dateline(text, at_start=True) == text


def test_cli_json_has_story_fields(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join(json.dumps({"id": d.id, "text": d.text, "source": d.source}) for d in day()),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(path), "-f", "json", "-o", "-", "--date", DAY, "--quiet",
                                      "--words", "150", "--no-history"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {type(d["story"]) for d in data["documents"]} == {int}
    assert [s["outlets"] for s in data["sections"]] == [3, 2, 2]
