"""The daily digest, end to end (issue "Daily digest inputs"): feeds and article pages on a loopback server,
`briefing build --config briefing.toml` on two consecutive days, and the history between them.

Three outlets publish RSS feeds. Day 1 (2025-03-10) has a flood (all three outlets), an interest-rate
decision (two outlets) and a museum reopening (one). Day 2 (2025-03-11) has flood follow-ups (three
outlets), a dock strike (two), and each feed still carries its first day-1 entry (half of day 1's feed),
so with `since = "48h"` the day-1 flood articles are read again and only the history keeps their
sentences out of day 2's briefing.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from briefing.cli import app
from briefing.summarize.dedupe import similarity
from briefing.options import Options

from conftest import LoopbackServer

DAY1, DAY2 = "2025-03-10", "2025-03-11"
THRESHOLD = Options().duplicate_threshold
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Article:
    """One article: where it is served, which feed lists it, and which event it reports."""

    slug: str
    outlet: str  # feed key
    event: str
    published: str  # RFC 822
    title: str
    paragraphs: tuple[str, ...]


OUTLETS = {"courier": "Northern Courier", "ledger": "Daily Ledger", "wire": "Valley Wire"}

ARTICLES = (
    # ------------------------------------------------------------ day 1
    Article("courier/flood-1", "courier", "flood", "Mon, 10 Mar 2025 07:15:00 +0000",
            "River Alder floods Marlow Vale after three days of rain", (
                "The River Alder burst its banks in Marlow Vale on Monday after three days of heavy rain, flooding "
                "more than 400 homes in the lower town. Emergency crews evacuated about 1,200 residents overnight, "
                "and the town's two schools were turned into shelters. The Environment Agency said the river peaked "
                "at 4.2 metres above its normal level shortly before dawn, the highest reading since records began "
                "in 1968.",
                "Mayor Helen Okafor said the flood defences built in 2015 had held along the high street but were "
                "overtopped near the old mill bridge. \u201cWe have never seen water move this fast,\u201d she told "
                "reporters at the town hall. Rail services between Marlow Vale and Kessing were suspended after "
                "water covered the tracks at Fenn Crossing.",
                "Forecasters expect the rain to ease on Tuesday, but warned that the river could stay high for "
                "several days. Residents were urged not to drive through flood water and to check on elderly "
                "neighbours.",
            )),
    Article("courier/rates", "courier", "rates", "Mon, 10 Mar 2025 06:30:00 +0000",
            "Reserve Bank raises interest rate to 4.5 percent", (
                "The Reserve Bank raised its main interest rate by a quarter point to 4.5 percent on Monday, its "
                "third increase this year. Governor Thomas Reyes said inflation, which reached 5.1 percent in "
                "February, was still too high for the bank to pause.",
                "The decision was backed by seven of the nine members of the monetary policy committee. Two members "
                "voted to keep the rate unchanged, citing signs that consumer spending is slowing. Mortgage lenders "
                "are expected to pass the increase on to borrowers within weeks. The currency rose slightly against "
                "the dollar after the announcement.",
            )),
    Article("ledger/flood-1", "ledger", "flood", "Mon, 10 Mar 2025 08:05:00 +0000",
            "Hundreds of homes flooded as River Alder overtops defences", (
                "More than 400 homes in Marlow Vale were flooded on Monday when the River Alder burst its banks "
                "after three days of heavy rain. About 1,200 residents were evacuated overnight, and both of the "
                "town's schools now serve as emergency shelters. According to the Environment Agency, the river "
                "peaked at 4.2 metres above its normal level before dawn, its highest reading since records began "
                "in 1968.",
                "Mayor Helen Okafor said the defences built in 2015 held along the high street but were overtopped "
                "near the old mill bridge. Shopkeepers on Mill Lane spent the morning carrying stock upstairs as "
                "brown water filled the street. Trains between Marlow Vale and Kessing were halted after the tracks "
                "at Fenn Crossing went under water.",
                "Insurers said it was too early to estimate the cost of the damage.",
            )),
    Article("ledger/rates", "ledger", "rates", "Mon, 10 Mar 2025 06:45:00 +0000",
            "Rates up again as Reserve Bank fights inflation", (
                "The Reserve Bank increased its main interest rate by a quarter point to 4.5 percent on Monday, the "
                "third rise this year. Inflation reached 5.1 percent in February, and Governor Thomas Reyes said it "
                "remained too high for the bank to pause.",
                "Seven of the nine members of the monetary policy committee voted for the increase. Homeowners with "
                "variable mortgages will see their monthly payments rise, lenders said. Business groups warned that "
                "higher borrowing costs would delay investment in new factories. The next rate decision is due in "
                "May.",
            )),
    Article("wire/flood-1", "wire", "flood", "Mon, 10 Mar 2025 09:20:00 +0000",
            "Marlow Vale evacuates 1,200 as river reaches record level", (
                "Emergency crews evacuated about 1,200 people from Marlow Vale overnight as the River Alder rose to a "
                "record level. The river peaked at 4.2 metres above normal shortly before dawn on Monday, the "
                "Environment Agency said, the highest since records began in 1968. More than 400 homes in the lower "
                "town were flooded.",
                "Volunteers from the rowing club used boats to reach families trapped on upper floors along Mill "
                "Lane. The county council opened a hotline for residents who need somewhere to stay. Rail services "
                "to Kessing remain suspended.",
            )),
    Article("wire/museum", "wire", "museum", "Mon, 10 Mar 2025 05:00:00 +0000",
            "Kessing museum reopens after five-year restoration", (
                "The Kessing Maritime Museum reopened on Monday after a five-year restoration that cost 18 million "
                "euros. Its collection of ship models and harbour photographs is now housed in a restored warehouse "
                "on the quay.",
                "Director Anna Lindqvist said the museum expects 90,000 visitors in its first year. Entry will be "
                "free for children under 12 until the end of the summer. The restoration was paid for by the city "
                "and a grant from the national heritage fund.",
            )),
    # ------------------------------------------------------------ day 2
    Article("courier/flood-2", "courier", "flood", "Tue, 11 Mar 2025 07:40:00 +0000",
            "Flood water recedes in Marlow Vale as clean-up begins", (
                "Flood water began to recede in Marlow Vale on Tuesday as the rain eased and the River Alder fell by "
                "almost a metre. The river burst its banks on Monday after three days of heavy rain, flooding more "
                "than 400 homes.",
                "Residents returned to Mill Lane to find furniture, carpets and appliances ruined by mud. The "
                "government announced an emergency fund of 25 million euros to help families and businesses repair "
                "flood damage. Mayor Helen Okafor said about 300 people would spend a second night in the school "
                "shelters. Engineers will inspect the old mill bridge on Wednesday before it can reopen to traffic.",
            )),
    Article("ledger/flood-2", "ledger", "flood", "Tue, 11 Mar 2025 08:10:00 +0000",
            "Government pledges 25 million euros for flood-hit Marlow Vale", (
                "The government pledged 25 million euros on Tuesday to help families and businesses in Marlow Vale "
                "repair flood damage. Households will be able to claim up to 5,000 euros each for cleaning and "
                "emergency repairs, the interior ministry said.",
                "The River Alder fell by almost a metre overnight, and flood water began to recede from the lower "
                "town. More than 400 homes were flooded on Monday when the river burst its banks after three days of "
                "heavy rain. Insurers estimated the damage at between 60 and 80 million euros. Rail services to "
                "Kessing are expected to resume on Thursday once the tracks at Fenn Crossing have been checked.",
            )),
    Article("wire/flood-2", "wire", "flood", "Tue, 11 Mar 2025 09:00:00 +0000",
            "Marlow Vale residents count the cost as river falls", (
                "Residents of Marlow Vale began clearing mud from their homes on Tuesday as the River Alder fell by "
                "almost a metre. Insurers put the damage at between 60 and 80 million euros. About 300 people are "
                "still staying in the town's school shelters, Mayor Helen Okafor said.",
                "Volunteers handed out cleaning kits and hot meals outside the town hall. The government has "
                "promised 25 million euros in emergency aid for families and businesses. Environment Agency "
                "officials said a review of the 2015 flood defences would begin next month.",
            )),
    Article("ledger/strike", "ledger", "strike", "Tue, 11 Mar 2025 10:30:00 +0000",
            "Port Kessing dock workers strike over pay", (
                "Dock workers at Port Kessing walked out on Tuesday in a dispute over pay, halting the loading of "
                "container ships at the country's second-largest port. The dockers' union said its 2,300 members "
                "rejected a pay offer of 3 percent because it falls well below inflation.",
                "Port managers said 14 ships were waiting at anchor outside the harbour by the afternoon. The strike "
                "is planned to last 48 hours, and the union has threatened further walkouts in April. Retailers "
                "warned that a long dispute could leave shelves short of imported goods before the Easter holidays.",
            )),
    Article("wire/strike", "wire", "strike", "Tue, 11 Mar 2025 11:15:00 +0000",
            "Strike halts container traffic at Port Kessing", (
                "Container traffic at Port Kessing came to a halt on Tuesday as 2,300 dock workers began a 48-hour "
                "strike over pay. The union rejected a 3 percent pay offer, saying it falls well below inflation.",
                "By the afternoon 14 ships were waiting at anchor outside the harbour, port managers said. Union "
                "leader Marta Kowalczyk said members were ready to return to talks if the port improved its offer. "
                "Further walkouts are planned for April if no deal is reached.",
            )),
)
BY_SLUG = {a.slug: a for a in ARTICLES}

# Each feed, newest entry first. Day 2 keeps the first half of day 1's entries (the flood reports).
FEEDS = {
    1: {"courier": ["courier/flood-1", "courier/rates"],
        "ledger": ["ledger/flood-1", "ledger/rates"],
        "wire": ["wire/flood-1", "wire/museum"]},
    2: {"courier": ["courier/flood-2", "courier/flood-1"],
        "ledger": ["ledger/strike", "ledger/flood-2", "ledger/flood-1"],
        "wire": ["wire/strike", "wire/flood-2", "wire/flood-1"]},
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<link rel="canonical" href="{url}"></head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav></header>
<div class="share">Share: Facebook Twitter WhatsApp Email</div>
<article>
<h1>{title}</h1>
<p class="byline">By Staff Reporter</p>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Ten gardening tips for spring</a></li><li><a href="/y">Quiz of the week</a></li></ul></aside>
<footer>© {outlet}. All rights reserved. Privacy policy. Cookie settings.</footer>
</body></html>"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>{outlet}</title><link>{base}</link><description>News from {outlet}</description>
{items}
</channel></rss>"""

ITEM = """<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate>
<description>{summary}</description></item>"""


def _escape(text: str) -> str:
    """XML-escape text for the feed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def article_url(server: LoopbackServer, slug: str) -> str:
    """The URL an article is served at."""
    return server.url(f"/{slug}.html")


def serve_articles(server: LoopbackServer) -> None:
    """Serve every article page."""
    for a in ARTICLES:
        url = article_url(server, a.slug)
        body = "\n".join(f"<p>{p}</p>" for p in a.paragraphs)
        server.route(f"/{a.slug}.html", PAGE.format(title=a.title, outlet=OUTLETS[a.outlet], url=url, paragraphs=body))


def feed_xml(server: LoopbackServer, outlet: str, slugs: list[str]) -> str:
    """An RSS feed of the given articles (the summary is the article's first sentence)."""
    items = [ITEM.format(title=_escape(BY_SLUG[s].title), link=article_url(server, s), date=BY_SLUG[s].published,
                         summary=_escape(BY_SLUG[s].paragraphs[0].split(". ")[0] + "."))
             for s in slugs]
    return RSS.format(outlet=OUTLETS[outlet], base=server.url("/"), items="\n".join(items))


def serve_day(server: LoopbackServer, day: int) -> None:
    """Serve the three feeds as they stand on `day` (the same URLs every day, like a real feed)."""
    for outlet, slugs in FEEDS[day].items():
        server.route(f"/{outlet}/feed.xml", feed_xml(server, outlet, slugs), content_type="application/rss+xml")


def feed_urls(server: LoopbackServer) -> list[str]:
    """The three feed URLs."""
    return [server.url(f"/{outlet}/feed.xml") for outlet in OUTLETS]


def write_config(path: Path, sources: list[str], **extra: Any) -> Path:
    """A briefing.toml for the daily digest; `extra` adds or replaces keys."""
    settings: dict[str, Any] = {
        "sources": sources, "title": "Daily digest", "words": 220, "formats": ["md", "json"],
        "output_dir": "out", "history": "history.sqlite", "since": "48h", "cache_dir": "cache", **extra,
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    path.write_text("# the daily digest\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- running and reading


@pytest.fixture(autouse=True)
def _isolated(cli_isolation: Path) -> None:
    """Every test here runs away from the user's folders (see conftest.cli_isolation)."""


def run(*args: str) -> Result:
    """`briefing ARGS...` in-process."""
    return CliRunner().invoke(app, list(args))


def ok(result: Result) -> Result:
    """Assert success, showing stderr otherwise."""
    assert result.exit_code == 0, f"exit {result.exit_code}\nstderr: {result.stderr}\nexception: {result.exception!r}"
    return result


def error_line(result: Result) -> str:
    """Assert a clean failure (exit 1, no traceback, nothing on stdout) and return its single `Error: ` line."""
    assert result.exit_code == 1, f"exit {result.exit_code}; stderr: {result.stderr}"
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and result.stderr.splitlines()[-1] == errors[0], result.stderr
    return errors[0]


def build_day(config: Path, date: str, *extra: str) -> Result:
    """`briefing build --config CONFIG --date DATE ...`."""
    return run("build", "--config", str(config), "--date", date, *extra)


def read_json(path: Path) -> dict[str, Any]:
    """A JSON briefing file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def texts(data: dict[str, Any]) -> list[str]:
    """The item texts of a JSON briefing, in reading order."""
    return [item["text"] for section in data["sections"] for item in section["items"]]


def repeats(new: list[str], old: list[str]) -> list[str]:
    """The texts of `new` that say the same thing as some text of `old`."""
    return [a for a in new if any(similarity(a, b) >= THRESHOLD for b in old)]


def history_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every item recorded in a history file (empty when the file does not exist)."""
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return list(db.execute("SELECT date, title, position, text FROM items ORDER BY date, title, position"))


def event_of(server: LoopbackServer, document_id: str) -> str:
    """Which event a cited document reports (ids are canonical URLs)."""
    slug = document_id.removeprefix(server.url("/")).removesuffix(".html")
    return BY_SLUG[slug].event


@pytest.fixture
def news(http_server: LoopbackServer, tmp_path: Path) -> tuple[LoopbackServer, Path]:
    """The loopback news site serving day 1, and a config listing its three feeds."""
    serve_articles(http_server)
    serve_day(http_server, 1)
    return http_server, write_config(tmp_path / "briefing.toml", feed_urls(http_server))


# ---------------------------------------------------------------- two days


def test_day_one_has_story_sections_with_corroboration(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    server, config = news
    result = ok(build_day(config, DAY1))
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == [
        f"briefing-{DAY1}.json", f"briefing-{DAY1}.md"]
    data = read_json(tmp_path / "out" / f"briefing-{DAY1}.json")
    assert data["title"] == "Daily digest" and data["date"] == DAY1
    assert {d["source"] for d in data["documents"]} == set(OUTLETS.values())
    assert len(data["documents"]) == 6  # since = 48h reads every day-1 entry
    assert sum(len(t.split()) for t in texts(data)) <= 220

    sections = data["sections"]
    assert len(sections) >= 2
    events = []
    for section in sections:
        cited = {event_of(server, s["document"]) for item in section["items"] for s in item["sources"]}
        assert len(cited) == 1, f"section {section['title']!r} mixes stories: {cited}"
        event = cited.pop()
        events.append(event)
        titles = {a.title for a in ARTICLES if a.event == event}
        assert section["title"] in titles, section["title"]
    assert events[0] == "flood", "the biggest story (three outlets) comes first"
    assert len(set(events)) == len(events)
    size = {e: sum(1 for s in FEEDS[1].values() for slug in s if BY_SLUG[slug].event == e) for e in events}
    assert [size[e] for e in events] == sorted((size[e] for e in events), reverse=True)

    corroborated = [item for item in data["sections"][0]["items"] if len({s["source"] for s in item["sources"]}) >= 2]
    assert corroborated, "the flood is reported by three outlets; some item must cite more than one"
    assert f"wrote {tmp_path / 'out' / f'briefing-{DAY1}.md'}" in result.stderr
    md = (tmp_path / "out" / f"briefing-{DAY1}.md").read_text(encoding="utf-8")
    assert md.startswith("# Daily digest") and "## Sources" in md and "Northern Courier" in md
    for junk in ("Most read", "Cookie settings", "WhatsApp", "Staff Reporter", "gardening"):
        assert junk not in md


def test_day_two_leaves_out_what_day_one_said(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    server, config = news
    history = tmp_path / "history.sqlite"
    ok(build_day(config, DAY1))
    day1 = texts(read_json(tmp_path / "out" / f"briefing-{DAY1}.json"))
    assert [row[3] for row in history_rows(history)] == day1

    serve_day(server, 2)
    # Control first: without the history, day 2 (which still lists day 1's flood reports) repeats day 1.
    recorded = history_rows(history)
    ok(build_day(config, DAY2, "--no-history", "--format", "json", "--output", str(tmp_path / "control.json")))
    assert history_rows(history) == recorded, "--no-history must not write the history"
    control = texts(read_json(tmp_path / "control.json"))
    assert len(repeats(control, day1)) >= 2, "the test needs overlapping days to mean anything"

    ok(build_day(config, DAY2))
    data = read_json(tmp_path / "out" / f"briefing-{DAY2}.json")
    day2 = texts(data)
    assert len(repeats(day2, day1)) <= 1, repeats(day2, day1)
    assert len(day2) >= 3
    events = [event_of(server, section["items"][0]["sources"][0]["document"]) for section in data["sections"]]
    assert events[0] == "flood" and "strike" in events
    rows = history_rows(history)
    assert [r[3] for r in rows if r[0] == DAY1] == day1 and [r[3] for r in rows if r[0] == DAY2] == day2

    # Rebuilding day 2 is idempotent: the history leaves out earlier days only, not the day's own record.
    ok(build_day(config, DAY2))
    assert texts(read_json(tmp_path / "out" / f"briefing-{DAY2}.json")) == day2
    assert history_rows(history) == rows


@pytest.mark.parametrize("failure", ["template", "output"])
def test_failed_run_leaves_history_unchanged(news: tuple[LoopbackServer, Path], tmp_path: Path, failure: str) -> None:
    server, config = news
    history = tmp_path / "history.sqlite"
    ok(build_day(config, DAY1))
    before = history_rows(history)
    assert before
    serve_day(server, 2)
    if failure == "template":
        bad = tmp_path / "broken.md.j2"
        bad.write_text("{% for item in items %}{{ item.text }}\n", encoding="utf-8")  # no endfor
        result = build_day(config, DAY2, "--template", str(bad))
        assert "broken.md.j2" in error_line(result)
    else:
        (tmp_path / "blocker").write_text("a file where the output folder should be", encoding="utf-8")
        result = build_day(config, DAY2, "--output", str(tmp_path / "blocker" / "out") + "/")
        assert error_line(result).startswith(f"Error: could not create directory {tmp_path / 'blocker'}")
    assert history_rows(history) == before
    assert not (tmp_path / "out" / f"briefing-{DAY2}.md").exists()
    if failure == "template":  # once is enough: the same day then succeeds and is recorded
        ok(build_day(config, DAY2))
        assert {row[0] for row in history_rows(history)} == {DAY1, DAY2}


def test_failed_first_run_records_nothing(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    _, config = news
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    error_line(build_day(config, DAY1, "--output", str(tmp_path / "blocker" / "x.md")))
    assert history_rows(tmp_path / "history.sqlite") == []


def test_sections_open_with_the_story_lead(news: tuple[LoopbackServer, Path]) -> None:
    _, config = news
    data = json.loads(ok(build_day(config, DAY1, "--no-history", "--format", "json", "--output", "-")).stdout)
    for section in data["sections"]:
        leads = [i for i, item in enumerate(section["items"]) if any(s["sentence"] == 0 for s in item["sources"])]
        assert not leads or leads[0] == 0, f"{section['title']!r} opens with {section['items'][0]['text']!r}"


# ---------------------------------------------------------------- config file


def test_init_writes_a_config_build_accepts(tmp_path: Path) -> None:
    result = ok(run("init"))
    config = tmp_path / "briefing.toml"
    assert config.is_file() and "wrote" in result.stderr
    (tmp_path / "articles").mkdir()  # the example's sources = ["articles/"]
    for seed in sorted((REPO / "seeds").glob("*.txt")):
        shutil.copy(seed, tmp_path / "articles" / seed.name)
    ok(run("build", "--config", str(config), "--date", DAY1, "--history", str(tmp_path / "h.sqlite")))
    md = (tmp_path / f"briefing-{DAY1}.md").read_text(encoding="utf-8")  # example: formats = ["md"], no output_dir
    assert md.startswith("# Briefing")
    assert history_rows(tmp_path / "h.sqlite")
    # Found without --config too, since it sits in the current directory.
    ok(run("build", "--date", DAY2, "--no-history", "--format", "json"))
    assert (tmp_path / f"briefing-{DAY2}.json").is_file()
    # A second init refuses to overwrite the user's edits.
    assert error_line(run("init")) == (
        "Error: briefing.toml already exists; edit it, or use --force to replace it with the example")


def test_command_line_overrides_config(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    server, _ = news
    config = write_config(tmp_path / "digest.toml", feed_urls(server), title="From the file", words=40)
    ok(build_day(config, DAY1, "--no-history", "--format", "json"))
    from_file = read_json(tmp_path / "out" / f"briefing-{DAY1}.json")
    assert from_file["title"] == "From the file"
    assert sum(len(t.split()) for t in texts(from_file)) <= 40
    assert not (tmp_path / "out" / f"briefing-{DAY1}.md").exists()  # --format replaced the file's formats

    result = ok(build_day(config, DAY1, "--no-history", "--title", "From the command line", "--words", "200",
                          "--format", "json", "--output", "-"))
    data = json.loads(result.stdout)
    assert data["title"] == "From the command line"
    assert 40 < sum(len(t.split()) for t in texts(data)) <= 200

    result = ok(build_day(config, DAY1, "--no-history", "--sentences", "2", "--format", "json", "--output", "-"))
    assert len(texts(json.loads(result.stdout))) == 2  # --sentences wins over the file's words
    assert not (tmp_path / "history.sqlite").exists()


def test_since_window_ends_with_the_briefing_date(news: tuple[LoopbackServer, Path]) -> None:
    server, config = news
    serve_day(server, 2)
    day2_slugs = {slug for slugs in FEEDS[2].values() for slug in slugs if BY_SLUG[slug].published.startswith("Tue")}
    result = ok(build_day(config, DAY2, "--no-history", "--since", "24h", "--format", "json", "--output", "-"))
    assert {d["url"] for d in json.loads(result.stdout)["documents"]} == {article_url(server, s) for s in day2_slugs}
    # The file's 48h reaches back into day 1 (the empty window before every entry: test_empty_time_window_says_so).
    result = ok(build_day(config, DAY2, "--no-history", "--format", "json", "--output", "-"))
    assert len(json.loads(result.stdout)["documents"]) == sum(len(s) for s in FEEDS[2].values())


def test_empty_time_window_says_so(news: tuple[LoopbackServer, Path]) -> None:
    _, config = news
    result = build_day(config, "2025-03-01", "--no-history")
    line = error_line(result)
    assert ".txt" not in line and "files found" not in line, line
    assert "--since" in result.stderr, result.stderr


def test_quiet_in_config_silences_progress(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    server, _ = news
    config = write_config(tmp_path / "quiet.toml", feed_urls(server), quiet=True)
    result = ok(build_day(config, DAY1, "--no-history"))
    assert "wrote" not in result.stderr


def test_unknown_config_key_is_named(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    server, _ = news
    config = write_config(tmp_path / "typo.toml", feed_urls(server), wrods=100)
    assert error_line(build_day(config, DAY1)) == f'Error: {config}: unknown key "wrods" (did you mean "words"?)'
    assert not (tmp_path / "out").exists() and not (tmp_path / "history.sqlite").exists()


# ---------------------------------------------------------------- failing sources


def test_bad_sources_among_good_ones_give_warnings(news: tuple[LoopbackServer, Path], tmp_path: Path) -> None:
    server, _ = news
    # A feed whose second entry links to a page that is gone: its summary stands in for the page.
    courier = feed_xml(server, "courier", ["courier/flood-1", "courier/rates"])
    courier = courier.replace(article_url(server, "courier/rates"), server.url("/courier/gone.html"))
    server.route("/courier/feed.xml", courier, content_type="application/rss+xml")
    server.route("/broken/feed.xml", '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Broken',
                 content_type="application/rss+xml")
    sources = [*feed_urls(server), server.url("/broken/feed.xml")]
    config = write_config(tmp_path / "briefing.toml", sources)
    result = ok(build_day(config, DAY1))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert any("/courier/gone.html" in w for w in warnings), result.stderr
    assert any("/broken/feed.xml" in w for w in warnings), result.stderr
    assert "Error" not in result.stderr and "Traceback" not in result.output
    data = read_json(tmp_path / "out" / f"briefing-{DAY1}.json")
    assert len(data["sections"]) >= 2
    assert server.url("/courier/gone.html") in {d["url"] for d in data["documents"]}  # read from the feed text
    assert history_rows(tmp_path / "history.sqlite")


def test_all_sources_failing_is_an_error(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.route("/broken/feed.xml", "<rss><channel><title>Broken", content_type="application/rss+xml")
    gone, broken = http_server.url("/gone/feed.xml"), http_server.url("/broken/feed.xml")
    config = write_config(tmp_path / "briefing.toml", [gone, broken])
    result = build_day(config, DAY1)
    assert error_line(result) == (
        f"Error: no readable articles in {gone}, {broken} (2 URLs skipped; see the warnings above)")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert any(gone in w and "404" in w for w in warnings), result.stderr
    assert any(broken in w for w in warnings), result.stderr
    assert not (tmp_path / "out").exists()
    assert history_rows(tmp_path / "history.sqlite") == []
