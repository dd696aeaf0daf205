"""Daily use, round 2 (issue 24), through the CLI with loopback feeds and a loopback SMTP server: the quiet day,
stable Atom ids, time windows, outlet names, --explain in a terminal, e-mail privacy and unsubscribe, the feed
link on dated pages, the config file's layout and suggestions, JSON Feed, and `init --opml` writing valid TOML."""
from __future__ import annotations

import email
import email.policy
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import feedparser
import html5lib
import pytest
from briefing.options import parse_duration
from conftest import LoopbackServer, smtp_on_loopback
from test_daily import ARTICLES, BY_SLUG, DAY1, DAY2, FEEDS, OUTLETS, article_url, error_line, feed_urls, ok, \
    read_json, run, serve_articles, serve_day, texts, write_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(autouse=True)
def _isolated(cli_isolation: Path) -> None:
    """Every test here runs in tmp_path, away from the user's folders (see conftest.cli_isolation)."""


@pytest.fixture
def feeds(http_server: LoopbackServer) -> LoopbackServer:
    """The loopback news site of test_daily serving day 1: three outlets' RSS feeds and their article pages."""
    serve_articles(http_server)
    serve_day(http_server, 1)
    return http_server


class Collector:
    """aiosmtpd handler keeping every message: (envelope recipients, raw message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        """Keep the envelope."""
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def with_email(config: Path, **values: Any) -> Path:
    """Append `email.KEY = VALUE` lines (written by tomli-w) to a config file."""
    import tomli_w

    lines = "".join(tomli_w.dumps({"email": {key: value}}).replace("[email]\n", "email.") for key, value in values.items())
    config.write_text(config.read_text(encoding="utf-8") + lines, encoding="utf-8")
    return config


def page_tree(path: Path) -> Any:
    """An HTML page parsed by html5lib."""
    return html5lib.parse(path.read_bytes())


# ---------------------------------------------------------------- 1. the quiet day


def test_a_quiet_day_is_a_short_briefing_for_build_publish_and_send(feeds: LoopbackServer, tmp_path: Path) -> None:
    config = with_email(write_config(tmp_path / "briefing.toml", feed_urls(feeds), site="site"),
                        to=["me@example.org"], smtp_host="127.0.0.1", **{"from": "bot@example.org"})
    ok(run("build", "--config", str(config), "--date", DAY1))
    # Day 2: the feeds still carry only what day 1's briefing said (the 48h window reaches back to it).
    result = ok(run("build", "--config", str(config), "--date", DAY2))
    assert "Error" not in result.stderr
    data = read_json(tmp_path / "out" / f"briefing-{DAY2}.json")
    assert data["sections"] == [] and len(data["documents"]) == 6  # what was read, and nothing new in it
    assert "Nothing new was reported since the last briefing." in (tmp_path / "out" / f"briefing-{DAY2}.md").read_text()

    ok(run("publish", "--config", str(config), "--date", DAY2))
    day = page_tree(tmp_path / "site" / f"{DAY2}.html")
    assert "Nothing new was reported" in "".join(day.itertext())
    assert [e.title for e in feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes()).entries] == \
        [f"Daily digest — {DAY2}"]

    handler = Collector()
    with smtp_on_loopback(handler) as port:
        ok(run("send", "--config", str(config), "--date", DAY2, "--smtp-port", str(port)))
        [(_, raw)] = handler.messages
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert "Nothing new was reported" in message.get_body(("plain",)).get_content()
        # With send_empty = false, a quiet day sends no mail (and says so).
        with_email(config, send_empty=False)
        result = ok(run("send", "--config", str(config), "--date", DAY2, "--smtp-port", str(port)))
        assert len(handler.messages) == 1 and "no mail sent" in result.stderr


def test_a_quiet_day_still_needs_something_to_brief(tmp_path: Path) -> None:
    (tmp_path / "short.txt").write_text("Too short.\n", encoding="utf-8")
    line = error_line(run("build", "short.txt", "--history", "h.sqlite", "-o", "-"))
    assert "long enough" in line


# ---------------------------------------------------------------- 2. Atom ids


def entry_ids(site: Path) -> dict[str, str]:
    """The feed's entry ids by the date in each entry's link (feedparser)."""
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return {re.search(r"\d{4}-\d{2}-\d{2}", e.link).group(0): e.id for e in feed.entries}


def test_atom_ids_do_not_depend_on_site_url(tmp_path: Path) -> None:
    seeds = str(Path(__file__).resolve().parent.parent / "seeds")
    ok(run("publish", seeds, "--site", "site", "--date", "2022-03-19", "--no-history",
           "--site-url", "https://example.org/briefing/"))
    first = entry_ids(tmp_path / "site")
    ok(run("publish", seeds, "--site", "site", "--date", "2022-03-20", "--no-history"))
    second = entry_ids(tmp_path / "site")
    ok(run("publish", seeds, "--site", "site", "--date", "2022-03-21", "--no-history",
           "--site-url", "https://mirror.example/news/"))
    third = entry_ids(tmp_path / "site")
    assert first["2022-03-19"] == second["2022-03-19"] == third["2022-03-19"]
    assert second["2022-03-20"] == third["2022-03-20"]
    assert len(set(third.values())) == 3


def test_a_site_published_under_the_old_scheme_keeps_its_ids(tmp_path: Path) -> None:
    """Older versions gave entries their page's URL as id when --site-url was given; those ids stay."""
    seeds = str(Path(__file__).resolve().parent.parent / "seeds")
    ok(run("publish", seeds, "--site", "site", "--date", "2022-03-19", "--no-history"))
    feed = tmp_path / "site" / "feed.xml"
    [old] = entry_ids(tmp_path / "site").values()
    feed.write_bytes(feed.read_bytes().replace(old.encode(), b"https://example.org/briefing/2022-03-19.html")
                     .replace(b"urn:briefing:site:feed", b"https://example.org/briefing/"))
    ok(run("publish", seeds, "--site", "site", "--date", "2022-03-20", "--no-history"))
    assert entry_ids(tmp_path / "site") == {"2022-03-19": "https://example.org/briefing/2022-03-19.html",
                                            "2022-03-20": "https://example.org/briefing/2022-03-20.html"}
    assert feedparser.parse(feed.read_bytes()).feed.id == "https://example.org/briefing/"


# ---------------------------------------------------------------- 3. time windows


def urls_read(result: Any) -> set[str]:
    """The URLs of the documents of a JSON briefing printed on stdout."""
    return {d["url"] for d in json.loads(result.stdout)["documents"]}


def day2_urls(server: LoopbackServer) -> set[str]:
    """The articles published on day 2."""
    return {article_url(server, s) for slugs in FEEDS[2].values() for s in slugs if BY_SLUG[s].published.startswith("Tue")}


def test_since_takes_a_date_and_words(feeds: LoopbackServer) -> None:
    serve_day(feeds, 2)
    common = ["--date", DAY2, "--no-history", "-f", "json", "-o", "-"]
    assert urls_read(ok(run("build", *feed_urls(feeds), "--since", DAY2, *common))) == day2_urls(feeds)
    everything = {article_url(feeds, s) for slugs in FEEDS[2].values() for s in slugs}
    assert urls_read(ok(run("build", *feed_urls(feeds), "--since", "3 days", *common))) == everything
    assert parse_duration("2 hours 30 minutes") == parse_duration("150m") == parse_duration("2.5h")
    assert "Invalid duration" in error_line(run("build", *feed_urls(feeds), "--since", "3 fortnights", *common))


def test_since_last_reads_what_came_after_the_last_briefing(feeds: LoopbackServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "briefing.toml", feed_urls(feeds), since="last")
    result = ok(run("build", "--config", str(config), "--date", DAY1))
    assert "no briefing before" in result.stderr  # the first run reads the last 24h, and says so
    serve_day(feeds, 2)
    ok(run("build", "--config", str(config), "--date", DAY2))
    data = read_json(tmp_path / "out" / f"briefing-{DAY2}.json")
    assert {d["url"] for d in data["documents"]} == day2_urls(feeds)
    line = error_line(run("build", "--config", str(config), "--date", DAY2, "--no-history"))
    assert "--since last needs the history" in line


def test_sources_counts_the_entries_inside_the_window(feeds: LoopbackServer, tmp_path: Path) -> None:
    serve_day(feeds, 2)
    result = ok(run("sources", *feed_urls(feeds), "--since", "24h", "--date", DAY2))
    for outlet, slugs in FEEDS[2].items():
        inside = sum(1 for s in slugs if BY_SLUG[s].published.startswith("Tue"))
        [line] = [line for line in result.stdout.splitlines() if f"/{outlet}/feed.xml" in line]
        assert f"{inside} of {len(slugs)} entries in the window" in line, line


def test_entries_newer_than_the_date_say_so(feeds: LoopbackServer) -> None:
    result = run("build", *feed_urls(feeds), "--date", "2025-01-05", "--since", "100000d", "--no-history", "-o", "-")
    assert result.exit_code == 1
    assert "are newer than the briefing's date 2025-01-05" in result.stderr and "100000d" not in result.stderr


# ---------------------------------------------------------------- 4. outlet names


def test_names_the_user_gave_win_everywhere(feeds: LoopbackServer, tmp_path: Path) -> None:
    courier, ledger, wire = feed_urls(feeds)
    (tmp_path / "subs.opml").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
  <outline text="Home"><outline text="Ledger (mine)" xmlUrl="{ledger}"/></outline>
  <outline text="Wire feed" xmlUrl="{wire}"/>
</body></opml>""", encoding="utf-8")
    (tmp_path / "briefing.toml").write_text(
        f'sources = [{{ url = "{courier}", name = "The Courier", category = "World" }}, "subs.opml"]\n'
        'since = "48h"\nformats = ["md", "json"]\noutput_dir = "out"\n', encoding="utf-8")
    ok(run("build", "--date", DAY1, "--no-history"))
    data = read_json(tmp_path / "out" / f"briefing-{DAY1}.json")
    by_name = {d["source"]: d.get("category") for d in data["documents"]}
    assert by_name == {"The Courier": "World", "Ledger (mine)": "Home", "Wire feed": None}
    cited = {ref["source"] for s in data["sections"] for item in s["items"] for ref in item["sources"]}
    assert cited <= set(by_name) and not cited & set(OUTLETS.values())
    markdown = (tmp_path / "out" / f"briefing-{DAY1}.md").read_text(encoding="utf-8")
    assert "The Courier" in markdown and OUTLETS["courier"] not in markdown
    listed = ok(run("sources")).stdout
    assert "(The Courier)" in listed and "(Ledger (mine))" in listed


# ---------------------------------------------------------------- 5. --explain in a terminal


def test_explain_fits_an_80_column_terminal(feeds: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = ok(run("build", *feed_urls(feeds), "--since", "48h", "--date", DAY1, "--no-history", "--explain",
                    "-f", "json", "-o", "out.json"))
    lines = result.stderr.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    flowing = " ".join(" ".join(lines).split())
    for text in texts(read_json(Path("out.json"))):
        assert " ".join(text.split()) in flowing  # the sentence itself, whole
    assert not re.search(r"\.html:\d+", flowing)  # never URL:index


# ---------------------------------------------------------------- 6. e-mail


def test_bcc_unsubscribe_and_article_links(feeds: LoopbackServer, tmp_path: Path) -> None:
    config = with_email(write_config(tmp_path / "briefing.toml", feed_urls(feeds)), smtp_host="127.0.0.1",
                        bcc=["c@example.org"], unsubscribe="mailto:bot@example.org?subject=unsubscribe",
                        **{"from": "bot@example.org"})
    handler = Collector()
    with smtp_on_loopback(handler) as port:
        ok(run("send", "--config", str(config), "--date", DAY1, "--no-history", "--smtp-port", str(port),
               "--to", "a@example.org", "--bcc", "b@example.org, d@example.org"))
        ok(run("send", "--config", str(config), "--date", DAY1, "--no-history", "--smtp-port", str(port)))
    (rcpts, raw), (alone, raw_alone) = handler.messages
    assert sorted(rcpts) == ["a@example.org", "b@example.org", "d@example.org"]  # --bcc replaces the config's
    assert b"b@example.org" not in raw and b"d@example.org" not in raw and b"Bcc" not in raw
    # Only hidden readers: the message is addressed to the sender (who gets a copy).
    assert sorted(alone) == ["bot@example.org", "c@example.org"] and b"c@example.org" not in raw_alone
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "a@example.org"
    assert message["List-Unsubscribe"] == "<mailto:bot@example.org?subject=unsubscribe>"
    html = html5lib.parse(message.get_body(("html",)).get_content())
    cites = [a.get("href") for a in html.iter(f"{XHTML}a") if "cite" in (a.get("class") or "")]
    articles = {article_url(feeds, a.slug) for a in ARTICLES}
    assert cites and all(href in articles for href in cites), cites


@pytest.mark.parametrize(("value", "ok_"), [("https://example.org/unsubscribe?u=1", True), ("mailto:x@example.org", True),
                                           ("http://example.org/u", False), ("javascript:alert(1)", False)])
def test_unsubscribe_must_be_mailto_or_https(tmp_path: Path, value: str, ok_: bool) -> None:
    (tmp_path / "briefing.toml").write_text(f'email.unsubscribe = "{value}"\n', encoding="utf-8")
    result = run("history")
    if ok_:
        ok(result)
    else:
        assert "email.unsubscribe must be a mailto: or https:// address, got" in error_line(result)


# ---------------------------------------------------------------- 7. site


def test_dated_pages_link_to_the_feed(tmp_path: Path) -> None:
    seeds = str(Path(__file__).resolve().parent.parent / "seeds")
    for date in ("2022-03-19", "2022-03-20"):
        ok(run("publish", seeds, "--site", "site", "--date", date, "--no-history"))
    for name in ("2022-03-19.html", "2022-03-20.html", "index.html"):
        links = [(link.get("rel"), link.get("type"), link.get("href"))
                 for link in page_tree(tmp_path / "site" / name).iter(f"{XHTML}link")]
        assert ("alternate", "application/atom+xml", "feed.xml") in links, (name, links)


# ---------------------------------------------------------------- 8. the config file


def test_a_key_appended_to_the_started_config_is_top_level(tmp_path: Path) -> None:
    ok(run("init"))
    config = tmp_path / "briefing.toml"
    config.write_text(config.read_text(encoding="utf-8") + "wrods = 100\n", encoding="utf-8")
    assert error_line(run("history")) == f'Error: {config}: unknown key "wrods" (did you mean "words"?)'
    config.write_text(config.read_text(encoding="utf-8").replace("wrods = 100", 'title = "Mine"'), encoding="utf-8")
    ok(run("history"))  # a key appended at the end is read as a top-level setting


def test_a_top_level_key_inside_the_email_table_is_suggested(tmp_path: Path) -> None:
    (tmp_path / "briefing.toml").write_text('[email]\nto = ["a@example.org"]\nwrods = 100\n', encoding="utf-8")
    line = error_line(run("history"))
    assert 'unknown key "email.wrods" (did you mean "words"? top-level keys go before the [email] table' in line


# ---------------------------------------------------------------- 10. JSON Feed


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_a_json_feed_is_read_like_rss(http_server: LoopbackServer, version: str) -> None:
    serve_articles(http_server)
    slugs = FEEDS[1]["courier"]
    items = [{"id": s, "url": article_url(http_server, s), "title": BY_SLUG[s].title,
              "date_published": "2025-03-10T07:15:00Z", "content_text": BY_SLUG[s].paragraphs[0]} for s in slugs]
    items.append({"id": "own", "url": http_server.url("/gone.html"), "title": "Only in the feed",
                  "date_modified": "2025-03-10T09:00:00+00:00",
                  "content_html": "<p>The harbour master said the ferry service would resume on Thursday morning "
                                  "after the storm damage to the pier was repaired.</p>"})
    feed = {"version": f"https://jsonfeed.org/version/{version}", "title": "Courier JSON", "items": items}
    http_server.route("/feed.json", json.dumps(feed).replace("/", "\\/"), content_type="application/json")
    result = ok(run("build", http_server.url("/feed.json"), "--date", DAY1, "--no-history", "-f", "json", "-o", "-"))
    documents = json.loads(result.stdout)["documents"]
    assert {d["url"] for d in documents} == {article_url(http_server, s) for s in slugs} | {http_server.url("/gone.html")}
    assert {d["source"] for d in documents} == {"Courier JSON"}
    listed = ok(run("sources", http_server.url("/feed.json"), "--since", "24h", "--date", DAY1)).stdout
    assert "3 of 3 entries in the window" in listed and "Courier JSON" in listed


# ---------------------------------------------------------------- 11 and issue 23 (23): init --opml


def test_init_opml_writes_a_config_that_round_trips(tmp_path: Path) -> None:
    titles = ["Del\x7fete", "Esc\x1b[31mape", 'Quote " and \\ backslash', "Emoji 😀 news"]
    urls = ["https://example.org/😀/feed.xml", "https://example.org/a?b=1&c=2", "https://example.org/\"q\"",
            "https://example.org/plain"]
    outlines = "".join(f'<outline text="{t.replace(chr(0x7f), "&#127;").replace(chr(0x1b), "&#27;").replace(chr(34), "&quot;")}"'
                       f' xmlUrl="{u.replace("&", "&amp;").replace(chr(34), "&quot;")}"/>' for t, u in zip(titles, urls))
    (tmp_path / "subs.opml").write_text(f'<opml version="2.0"><body><outline text="Folder">{outlines}</outline>'
                                        "</body></opml>", encoding="utf-8")
    result = ok(run("init", "--opml", "subs.opml"))
    assert "edit its sources" not in result.stderr and "feeds of subs.opml" in result.stderr
    data = tomllib.loads((tmp_path / "briefing.toml").read_text(encoding="utf-8"))
    assert data["sources"] == [{"url": u, "name": t, "category": "Folder"} for t, u in zip(titles, urls)]
    ok(run("history"))  # a later run reads it


def test_history_table_has_no_item_for_a_quiet_day(feeds: LoopbackServer, tmp_path: Path) -> None:
    """A quiet day records the day's articles (novelty) but no items; `--since last` still starts after the last
    briefing that said something."""
    config = write_config(tmp_path / "briefing.toml", feed_urls(feeds))
    ok(run("build", "--config", str(config), "--date", DAY1))
    ok(run("build", "--config", str(config), "--date", DAY2))
    with sqlite3.connect(tmp_path / "history.sqlite") as db:
        assert {row[0] for row in db.execute("SELECT date FROM items")} == {DAY1}
        assert {row[0] for row in db.execute("SELECT date FROM seen")} == {DAY1, DAY2}
