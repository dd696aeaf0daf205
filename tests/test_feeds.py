"""Tests for briefing.sources.feeds: feeds and remote URLs served by a real loopback HTTP server."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from briefing.errors import BriefingError, FetchError
from briefing.sources.feeds import (
    canonical_url,
    documents_from_feed,
    is_feed,
    load_remote,
    parse_duration,
    unique_by_url,
)
from briefing.options import Options

ARTICLE = """<!doctype html>
<html><head><title>{title} | Daily Planet</title>{canonical}</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li>Subscribe now</li></ul></nav>
<div class="share">Share on Facebook Share on Twitter Copy link</div>
<article>
<h1>{title}</h1>
<p>{lead}</p>
<p>The council met on Tuesday evening and debated the proposal for more than three hours before
the final vote, which passed by a narrow margin of seven votes to five.</p>
<p>Supporters said the new bridge would cut the commute for thousands of residents who currently
drive an extra twenty minutes around the river every morning and evening.</p>
<p>Opponents argued that the money would be better spent repairing existing roads, many of which
have not been resurfaced in more than a decade according to the city's own records.</p>
</article>
<footer>Copyright Daily Planet. All rights reserved. Privacy policy. Cookie settings.</footer>
</body></html>"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Daily Planet</title><link>{base}/</link><description>News</description>
{items}
</channel></rss>"""

RSS_ITEM = """<item><title>{title}</title><link>{link}</link>{date}
<description>{summary}</description></item>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Metro Wire</title><id>urn:metro</id><updated>2024-05-02T12:00:00Z</updated>
{entries}
</feed>"""

ATOM_ENTRY = """<entry><title>{title}</title><id>{link}</id><link rel="alternate" href="{link}"/>
<updated>{date}</updated><summary>{summary}</summary></entry>"""


def article(title: str, lead: str, canonical: str | None = None) -> str:
    """An article page with navigation and share-button junk around the story."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return ARTICLE.format(title=title, lead=lead, canonical=link)


def rss(base: str, *items: tuple[str, str, str | None, str]) -> str:
    """An RSS feed of (title, link, RFC 822 date or None, summary) items."""
    rendered = [
        RSS_ITEM.format(title=t, link=l, date=f"<pubDate>{d}</pubDate>" if d else "", summary=s)
        for t, l, d, s in items
    ]
    return RSS.format(base=base, items="\n".join(rendered))


def _get(server, path: str) -> bytes:
    """The body the loopback server serves at `path` (read over HTTP)."""
    import urllib.request

    with urllib.request.urlopen(server.url(path)) as response:
        return response.read()


@pytest.fixture
def options(tmp_path: Path) -> Options:
    """A fixed day (2024-05-02), fast timeouts and a cache inside tmp_path."""
    return Options(date="2024-05-02", since="24h", fetch_timeout=0.3, cache_dir=str(tmp_path / "cache"))


@pytest.fixture
def site(http_server):
    """The loopback server with two article pages, an RSS feed and an Atom feed."""
    s = http_server
    s.route("/articles/bridge", article("Council approves bridge", "The city council approved the new river bridge on Tuesday."))
    s.route("/articles/park", article("Park reopens", "The central park reopened to the public after a long renovation."))
    s.route(
        "/rss",
        rss(
            s.url(""),
            ("Council approves bridge", s.url("/articles/bridge"), "Thu, 02 May 2024 09:00:00 GMT", "Bridge summary."),
            ("Park reopens", s.url("/articles/park"), "Thu, 02 May 2024 06:30:00 +0200", "Park summary."),
            ("Old news", s.url("/articles/old"), "Sun, 28 Apr 2024 10:00:00 GMT", "Old summary."),
            ("Tomorrow's news", s.url("/articles/next"), "Fri, 03 May 2024 01:00:00 GMT", "Next summary."),
            ("Undated note", s.url("/articles/missing"), None, "An undated note from the newsroom about the bridge."),
        ),
        content_type="application/rss+xml",
    )
    s.route(
        "/atom",
        ATOM.format(
            entries=ATOM_ENTRY.format(
                title="Bridge vote passes",
                link=s.url("/articles/bridge/?utm_source=atom&utm_medium=feed#comments"),
                date="2024-05-02T10:00:00Z",
                summary="Atom bridge summary.",
            )
        ),
        content_type="application/atom+xml",
    )
    return s


def test_rss_gives_one_document_per_entry_in_the_window(site, options, caplog):
    docs = load_remote(site.url("/rss"), options)
    assert [d.title for d in docs] == ["Council approves bridge", "Park reopens", "Undated note"]
    assert {d.source for d in docs} == {"Daily Planet"}
    assert [d.date for d in docs] == ["2024-05-02T09:00:00+00:00", "2024-05-02T04:30:00+00:00", None]
    assert docs[0].url == site.url("/articles/bridge")
    assert docs[0].id == docs[0].url
    assert docs[0].path == site.url("/rss")
    # The article page's main text, without navigation, share buttons or footer.
    assert "approved the new river bridge" in docs[0].text
    assert "narrow margin" in docs[0].text
    assert "Share on Facebook" not in docs[0].text and "Subscribe" not in docs[0].text
    assert "Bridge summary." not in docs[0].text
    # Entries outside the window are neither returned nor fetched.
    assert site.hits("/articles/old") == 0 and site.hits("/articles/next") == 0


def test_since_widens_the_window(site, options):
    docs = load_remote(site.url("/rss"), options.replace(since="1w"))
    assert "Old news" in [d.title for d in docs]
    assert "Tomorrow's news" not in [d.title for d in docs]


def test_default_window_is_24_hours_before_now(tmp_path):
    now = datetime.now(timezone.utc)
    stamp = "%a, %d %b %Y %H:%M:%S GMT"
    feed = rss(
        "http://feed.example",
        ("Recent", "", (now - timedelta(hours=2)).strftime(stamp), "Recent summary of the news."),
        ("Stale", "", (now - timedelta(days=3)).strftime(stamp), "Stale summary of the news."),
    )
    docs = documents_from_feed(feed.encode(), location="feed.xml", options=Options(cache_dir=str(tmp_path)))
    assert [(d.title, d.text) for d in docs] == [("Recent", "Recent summary of the news.")]


def test_atom_feed_and_same_article_through_two_feeds_counts_once(site, options):
    atom = documents_from_feed(_get(site, "/atom"), location=site.url("/atom"), options=options)
    assert len(atom) == 1
    assert atom[0].title == "Bridge vote passes"
    assert atom[0].source == "Metro Wire"
    assert atom[0].date == "2024-05-02T10:00:00+00:00"
    assert atom[0].url == site.url("/articles/bridge")  # tracking parameters, slash and fragment dropped
    both = unique_by_url(load_remote(site.url("/rss"), options) + atom)
    assert [d.url for d in both].count(site.url("/articles/bridge")) == 1
    assert len(both) == 3


def test_page_rel_canonical_merges_entries_with_different_links(http_server, options):
    s = http_server
    s.route("/story", article("Storm warning", "Forecasters warned of a strong storm reaching the coast tonight.", canonical="/news/storm"))
    s.route(
        "/feed",
        rss(
            s.url(""),
            ("Storm warning", s.url("/story?id=1"), "Thu, 02 May 2024 08:00:00 GMT", "Storm summary."),
            ("Storm warning (update)", s.url("/story?id=1&ref=home"), "Thu, 02 May 2024 09:00:00 GMT", "Storm summary."),
        ),
        content_type="application/rss+xml",
    )
    docs = load_remote(s.url("/feed"), options)
    assert len(docs) == 1
    assert docs[0].url == docs[0].id == s.url("/news/storm")


def test_failed_article_page_falls_back_to_the_summary_with_a_warning(site, options, caplog):
    with caplog.at_level(logging.WARNING, logger="briefing.sources.feeds"):
        docs = load_remote(site.url("/rss"), options)
    undated = next(d for d in docs if d.title == "Undated note")
    assert undated.text == "An undated note from the newsroom about the bridge."
    assert any("HTTP 404" in r.getMessage() and "/articles/missing" in r.getMessage() for r in caplog.records)


def test_slow_article_page_falls_back_and_slow_feed_fails(http_server, options, caplog):
    s = http_server
    s.route("/slow-article", article("Slow", "This page takes too long."), delay=1.0)
    s.route(
        "/feed",
        rss(s.url(""), ("Slow story", s.url("/slow-article"), "Thu, 02 May 2024 08:00:00 GMT", "<p>Slow <b>summary</b> text.</p>")),
        content_type="application/rss+xml",
    )
    with caplog.at_level(logging.WARNING, logger="briefing.sources.feeds"):
        docs = load_remote(s.url("/feed"), options)
    assert [d.text for d in docs] == ["Slow summary text."]
    assert any("timed out" in r.getMessage() for r in caplog.records)
    s.route("/slow-feed", "<rss/>", content_type="application/rss+xml", delay=1.0)
    with pytest.raises(FetchError, match="timed out"):
        load_remote(s.url("/slow-feed"), options)


@pytest.mark.parametrize(
    "body",
    [
        b"<rss><channel><title>Broken</title></chan",
        b"this is not xml at all {",
        b"<html><body><p>Not a feed.</p></body></html>",
        b"",
    ],
)
def test_malformed_feed_raises_fetch_error_naming_it(http_server, options, body):
    http_server.route("/bad", body, content_type="application/rss+xml")
    with pytest.raises(FetchError, match=r"not a valid RSS/Atom feed") as info:
        load_remote(http_server.url("/bad"), options)
    assert http_server.url("/bad") in str(info.value)
    with pytest.raises(FetchError, match="bad.xml"):
        documents_from_feed(body, location="bad.xml", options=options)


def test_links_to_private_addresses_and_files_are_never_fetched(http_server, options, caplog):
    s = http_server
    s.route("/internal", article("Internal", "Internal page that must stay private."))
    s.route(
        "/feed",
        rss(
            s.url(""),
            ("Metadata", "http://169.254.169.254/latest/meta-data/", "Thu, 02 May 2024 08:00:00 GMT", "Metadata summary."),
            ("Intranet", "http://10.255.255.1/admin", "Thu, 02 May 2024 08:10:00 GMT", "Intranet summary."),
            ("Other name", s.url("/internal", host="localhost"), "Thu, 02 May 2024 08:20:00 GMT", "Other name summary."),
            ("Passwords", "file:///etc/passwd", "Thu, 02 May 2024 08:30:00 GMT", "Passwords summary."),
        ),
        content_type="application/rss+xml",
    )
    with caplog.at_level(logging.WARNING, logger="briefing.sources.feeds"):
        docs = load_remote(s.url("/feed"), options)
    assert [d.text for d in docs] == ["Metadata summary.", "Intranet summary.", "Other name summary.", "Passwords summary."]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "link-local address 169.254.169.254" in messages
    assert "private address 10.255.255.1" in messages
    assert "refused link file:" in messages and "etc/passwd" in messages
    assert s.hits("/internal") == 0  # "localhost" is not the feed's host name


def test_allow_private_reaches_other_loopback_names(http_server, options):
    s = http_server
    s.route("/internal", article("Internal", "Internal page that the user allowed on purpose today."))
    s.route(
        "/feed",
        rss(s.url(""), ("Other name", s.url("/internal", host="localhost"), "Thu, 02 May 2024 08:20:00 GMT", "Summary.")),
        content_type="application/rss+xml",
    )
    docs = load_remote(s.url("/feed"), options.replace(allow_private=True))
    assert s.hits("/internal") == 1
    assert "allowed on purpose" in docs[0].text


def test_feed_read_from_a_file_may_not_reach_loopback_links(site, options, tmp_path, caplog):
    path = tmp_path / "feed.xml"
    path.write_bytes(_get(site, "/rss"))
    with caplog.at_level(logging.WARNING, logger="briefing.sources.feeds"):
        docs = documents_from_feed(path.read_bytes(), location=str(path), options=options)
    assert docs[0].text == "Bridge summary."
    assert docs[0].path == str(path)
    assert site.hits("/articles/bridge") == 0
    assert any("loopback address 127.0.0.1" in r.getMessage() for r in caplog.records)


def test_load_remote_article_page_gives_one_document(site, options):
    docs = load_remote(site.url("/articles/park"), options)
    assert len(docs) == 1
    assert "reopened to the public" in docs[0].text
    assert docs[0].url == site.url("/articles/park")
    assert docs[0].path == site.url("/articles/park")


def test_load_remote_sniffs_a_feed_served_as_xml_text(site, options):
    site.route("/feed-as-text", _get(site, "/rss"), content_type="text/plain")
    assert len(load_remote(site.url("/feed-as-text"), options)) == 3


def test_load_remote_reports_http_errors(http_server, options):
    with pytest.raises(FetchError, match="HTTP 404"):
        load_remote(http_server.url("/nothing"), options)


def test_second_run_revalidates_the_feed_from_the_cache(http_server, options):
    body = rss(http_server.url(""), ("Cached", "", "Thu, 02 May 2024 08:00:00 GMT", "Cached summary text.")).encode()

    def feed(request):
        if request.headers.get("if-none-match") == '"f1"':
            return 304, {"ETag": '"f1"'}, b""
        return 200, {"ETag": '"f1"', "Content-Type": "application/rss+xml"}, body

    http_server.handler("/feed", feed)
    first = load_remote(http_server.url("/feed"), options)
    second = load_remote(http_server.url("/feed"), options)
    assert first == second and first[0].title == "Cached"
    assert [r.headers.get("if-none-match") for r in http_server.requests] == [None, '"f1"']


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(hours=36)),
        (" 1.5 H ", timedelta(minutes=90)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "24x", "0h", "-1h", "1h garbage", "1y"])
def test_parse_duration_rejects_bad_input(text):
    with pytest.raises(BriefingError, match="Invalid duration"):
        parse_duration(text)


def test_bad_since_option_is_reported(tmp_path):
    feed = rss("http://x", ("A", "", None, "Some text here."))
    with pytest.raises(BriefingError, match="Invalid duration 'soon'"):
        documents_from_feed(feed.encode(), location="f.xml", options=Options(since="soon", cache_dir=str(tmp_path)))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM:443/News/A/?utm_source=x&id=3#top", "https://example.com/News/A?id=3"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/", "http://example.com/"),
        ("http://example.com:8080/a//?fbclid=1&gclid=2", "http://example.com:8080/a"),
        ("http://user:pw@example.com/a?b=1&utm_campaign=z&c=2", "http://example.com/a?b=1&c=2"),
        ("file:///etc/passwd", "file:///etc/passwd"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/atom+xml; charset=utf-8", b"", True),
        ("text/xml", b'<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0"></rss>', True),
        ("", b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'>", True),
        ("application/xml", b"<rdf:RDF xmlns:rdf='x'>", True),
        ("application/json", b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', True),
        ("text/html", b"<!DOCTYPE html><html><body><p>rss feed</p>", False),
        ("text/xml", b"<?xml version='1.0'?><sitemap/>", False),
    ],
)
def test_is_feed(content_type, body, expected):
    assert is_feed(content_type, body) is expected


def test_relative_entry_links_resolve_against_the_feed_url(site, options):
    site.route(
        "/relative",
        ATOM.format(entries=ATOM_ENTRY.format(title="Park", link="/articles/park", date="2024-05-02T10:00:00Z", summary="S.")),
        content_type="application/atom+xml",
    )
    docs = load_remote(site.url("/relative"), options)
    assert docs[0].url == site.url("/articles/park")
    assert "reopened to the public" in docs[0].text


JSON_FEED_ITEMS = [
    {"id": "1", "title": "Bridge reopens", "date_published": "2025-01-02T08:00:00Z",
     "content_text": "The old river bridge reopened to traffic on Thursday after two years of repairs. "
                     "Engineers said the new deck would last for at least fifty years."},
    {"id": "2", "title": "Library extends hours", "date_published": "2025-01-02T09:00:00Z",
     "content_html": "<p>The city library will stay open until ten at night from next month.</p>"
                     "<p>Officials said students had asked for longer hours during exams.</p>"},
]


@pytest.mark.parametrize(("name", "indent"), [("feed.json", 2), ("feed.json", None), ("-", 2)])
def test_a_json_feed_file_or_stdin_is_read_as_a_feed(tmp_path: Path, cli_isolation: Path, name: str,
                                                      indent: int | None) -> None:
    """Red team 8: a JSON Feed saved to a file (or piped in) was read as JSONL ("no string "text" field", exit 1)
    or, pretty-printed, as one text document of JSON; only a URL was read as a feed."""
    import json

    from test_hostile import cli

    feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "City News",
                       "items": JSON_FEED_ITEMS}, indent=indent).encode()
    args = ["build", name, "-o", "out.json", "-f", "json", "--no-history", "--date", "2025-01-02", "--since", "1d"]
    if name != "-":
        (tmp_path / name).write_bytes(feed)
    code, _, stderr = cli(*args, stdin=feed if name == "-" else None)
    assert code == 0, stderr
    briefing = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert sorted(d["title"] for d in briefing["documents"]) == ["Bridge reopens", "Library extends hours"]
    items = " ".join(i["text"] for s in briefing["sections"] for i in s["items"])
    assert "river bridge reopened" in items and "{" not in items
