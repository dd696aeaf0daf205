"""Daily use (issue 15), through the CLI with loopback feeds: OPML subscriptions, -q, where the history lives,
previews, the published site's index and navigation, plain Markdown, the lead baseline, `briefing sources`,
`briefing history`, --explain and --graph."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import html5lib
import markdown
import pytest
from conftest import LoopbackServer, make_briefing
from test_daily import DAY1, DAY2, OUTLETS, error_line, feed_urls, history_rows, ok, read_json, run, serve_articles, \
    serve_day, write_config

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated(cli_isolation: Path) -> None:
    """Every test here runs in tmp_path, away from the user's folders (see conftest.cli_isolation)."""


@pytest.fixture
def feeds(http_server: LoopbackServer) -> LoopbackServer:
    """The loopback news site of test_daily serving day 1: three outlets' RSS feeds and their article pages."""
    serve_articles(http_server)
    serve_day(http_server, 1)
    return http_server


def opml(path: Path, urls: list[str]) -> Path:
    """An OPML export as feed readers write it: feeds inside a folder outline."""
    outlines = "\n".join(f'      <outline type="rss" text="Feed {n}" title="Feed {n}" xmlUrl="{url}"/>'
                         for n, url in enumerate(urls, start=1))
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
{outlines}
    </outline>
  </body>
</opml>
""", encoding="utf-8")
    return path


def outlets_of(data: dict[str, Any]) -> set[str]:
    """The publishers of a JSON briefing's documents."""
    return {d["source"] for d in data["documents"]}


def config(path: Path, sources: list[str], **extra: Any) -> Path:
    """A briefing.toml with no history key (so the history takes its default place) unless `extra` sets one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_config(path, sources, **extra)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith("history =") or "history" in extra]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- OPML


def test_an_opml_file_of_two_feeds_reads_both(feeds: LoopbackServer, tmp_path: Path) -> None:
    subs = opml(tmp_path / "subs.opml", feed_urls(feeds)[:2])
    ok(run("build", str(subs), "--since", "48h", "--date", DAY1, "-f", "json", "-o", "out.json", "--no-history"))
    # The names the OPML gives the feeds win over the feeds' own titles (issue 24).
    assert outlets_of(read_json(tmp_path / "out.json")) == {"Feed 1", "Feed 2"}


def test_opml_in_config_sources_and_init_opml(feeds: LoopbackServer, tmp_path: Path) -> None:
    subs = opml(tmp_path / "subs.opml", feed_urls(feeds)[:2])
    ok(run("build", "--config", str(config(tmp_path / "a" / "briefing.toml", ["../subs.opml"])), "--date", DAY1))
    assert outlets_of(read_json(tmp_path / "a" / "out" / f"briefing-{DAY1}.json")) == {"Feed 1", "Feed 2"}

    ok(run("init", "--opml", str(subs), "b/briefing.toml"))
    text = (tmp_path / "b" / "briefing.toml").read_text(encoding="utf-8")
    assert all(f'{{ url = "{url}", name = "Feed {n}", category = "News" }},' in text
               for n, url in enumerate(feed_urls(feeds)[:2], start=1)), text
    ok(run("build", "--config", "b/briefing.toml", "--since", "48h", "--date", DAY1, "-f", "json", "-o", "b.json"))
    assert outlets_of(read_json(tmp_path / "b.json")) == {"Feed 1", "Feed 2"}


def test_an_opml_file_without_feeds_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.opml").write_text('<opml version="2.0"><body><outline text="x"/></body></opml>', encoding="utf-8")
    result = run("build", "empty.opml", "--no-history")
    assert error_line(result) == "Error: no readable articles in empty.opml (1 file skipped; see the warnings above)"
    assert "Warning: empty.opml: skipped: the OPML file lists no http(s) feeds (xmlUrl)" in result.stderr
    assert error_line(run("init", "--opml", "empty.opml")).endswith("the OPML file lists no http(s) feeds (xmlUrl)")
    assert not (tmp_path / "briefing.toml").exists()


# ---------------------------------------------------------------- -q


def test_q_is_quiet_and_never_a_query(feeds: LoopbackServer, tmp_path: Path) -> None:
    # one source fails (a warning), the others work: -q prints nothing at all, and --no-history is not eaten
    sources = [*feed_urls(feeds), feeds.url("/gone/feed.xml")]
    result = ok(run("build", *sources, "-q", "--no-history", "--since", "48h", "--date", DAY1, "-o", "out/"))
    assert result.stdout == "" and result.stderr == ""
    assert (tmp_path / "out" / f"briefing-{DAY1}.md").is_file()
    assert not (tmp_path / ".briefing").exists()  # no history written
    result = ok(run("publish", *sources, "-q", "--site", "public", "--since", "48h", "--date", DAY1))
    assert result.stdout == "" and result.stderr == ""
    loud = ok(run("build", *sources, "--no-history", "--since", "48h", "--date", DAY1, "-o", "loud/"))
    assert "Warning: " in loud.stderr and "wrote " in loud.stderr  # what -q silenced


def test_quiet_in_config_silences_warnings_too(feeds: LoopbackServer, tmp_path: Path) -> None:
    path = config(tmp_path / "briefing.toml", [*feed_urls(feeds), feeds.url("/gone/feed.xml")], quiet=True)
    result = ok(run("build", "--config", str(path), "--date", DAY1))
    assert result.stderr == "" and result.stdout == ""


# ---------------------------------------------------------------- the history


def test_previews_leave_the_history_unchanged(feeds: LoopbackServer, tmp_path: Path) -> None:
    path = config(tmp_path / "briefing.toml", feed_urls(feeds))
    history = tmp_path / ".briefing" / "history.sqlite"
    preview = ok(run("build", "--date", DAY1, "-o", "-", "-f", "md"))
    assert preview.stdout.startswith("# Daily digest") and not history.exists() and not history.parent.exists()
    ok(run("build", "--config", str(path), "--date", DAY1))
    recorded = history_rows(history)
    assert recorded
    serve_day(feeds, 2)
    for args in (["build", "-o", "-", "-f", "md"], ["build", "-o", "-", "-f", "json"], ["send", "--dry-run", "x.eml", "--to",
                                                                                "a@example.org", "--from", "b@example.org"]):
        ok(run(*args, "--date", DAY2))
        assert history_rows(history) == recorded, args


def test_two_folders_with_their_own_configs_do_not_affect_each_other(feeds: LoopbackServer, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        config(tmp_path / name / "briefing.toml", feed_urls(feeds))
    monkeypatch.chdir(tmp_path / "a")
    ok(run("build", "--date", DAY1))
    serve_day(feeds, 2)
    ok(run("build", "--date", DAY2))  # day 2 in a leaves out what a's day 1 said
    assert (tmp_path / "a" / ".briefing" / "history.sqlite").is_file()
    assert not (tmp_path / "b" / ".briefing").exists()
    monkeypatch.chdir(tmp_path / "b")
    ok(run("build", "--date", DAY2))  # b has never published anything: its day 2 leaves nothing out
    a2 = read_json(tmp_path / "a" / "out" / f"briefing-{DAY2}.json")
    b2 = read_json(tmp_path / "b" / "out" / f"briefing-{DAY2}.json")
    assert a2 != b2
    assert {d for (d, *_) in history_rows(tmp_path / "b" / ".briefing" / "history.sqlite")} == {DAY2}


def test_build_and_publish_from_one_config_share_one_history_outside_the_site(feeds: LoopbackServer,
                                                                             tmp_path: Path) -> None:
    config(tmp_path / "briefing.toml", feed_urls(feeds), site="public")
    ok(run("build", "--date", DAY1))
    serve_day(feeds, 2)
    ok(run("publish", "--date", DAY2))
    history = tmp_path / ".briefing" / "history.sqlite"
    assert {d for (d, *_) in history_rows(history)} == {DAY1, DAY2}
    served = sorted(p.name for p in (tmp_path / "public").iterdir())
    assert not [name for name in served if name.startswith(".")], served  # no lock, no history in the site
    assert sorted(p.name for p in (tmp_path / ".public.briefing").iterdir()) == ["lock"]

    shown = ok(run("history")).stdout
    assert shown == f"history: {history}: 2 briefings, {len(history_rows(history))} items, {DAY1} to {DAY2}\n"
    assert "cleared" in ok(run("history", "--clear")).stdout
    assert history_rows(history) == []


def test_state_is_never_written_through_a_symlink(feeds: LoopbackServer, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / ".public.briefing").symlink_to(outside, target_is_directory=True)
    line = error_line(run("publish", *feed_urls(feeds), "--site", "public", "--since", "48h", "--date", DAY1))
    assert "symlink" in line, line
    assert list(outside.iterdir()) == []


# ---------------------------------------------------------------- the published site


def page(path: Path) -> Any:
    """A page of the site, parsed strictly."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(path.read_text(encoding="utf-8"))


def test_the_index_shows_each_days_headlines_and_pages_link_home_and_to_neighbours(feeds: LoopbackServer,
                                                                                 tmp_path: Path) -> None:
    path = config(tmp_path / "briefing.toml", feed_urls(feeds), site="public", history="h.sqlite")
    ok(run("publish", "--config", str(path), "--date", DAY1))
    serve_day(feeds, 2)
    ok(run("publish", "--config", str(path), "--date", DAY2))
    site = tmp_path / "public"
    index = page(site / "index.html")
    days = index.findall(".//li[@class='day']")
    assert len(days) == 2
    for day, date in zip(days, (DAY2, DAY1)):
        data = read_json(site / f"{date}.json")
        headlines = ["".join(li.itertext()) for li in day.findall(".//ul[@class='headlines']/li")]
        titles = [s["title"] for s in data["sections"] if s["title"]]
        assert headlines and headlines == titles[:4], (headlines, titles)
    for date, previous, following in ((DAY1, None, DAY2), (DAY2, DAY1, None)):
        nav = {a.get("rel"): a.get("href") for a in page(site / f"{date}.html").findall(".//nav/a")}
        assert nav["index"] == "index.html"
        assert nav.get("prev") == (previous and f"{previous}.html")
        assert nav.get("next") == (following and f"{following}.html")
    for html in site.glob("*.html"):  # every relative link resolves within the site
        for a in page(html).iter("a"):
            href = a.get("href", "")
            if not href.startswith(("http://", "https://", "#")):
                assert (site / href.split("#")[0]).is_file(), (html.name, href)


# ---------------------------------------------------------------- Markdown, lead, small things


PLAIN = "Dick Pound (Wada) said the server at 127.0.0.1 had the [European] Commission's files on Monday morning."
# Addresses make a sentence page furniture, never briefed (issue "Trust"); the autolink cases are in test_escape.py.
HOSTILE = "Officials said ~~nothing~~ about the [x](javascript:alert) plan, <b>the mayor</b> told *reporters* on Monday."


def test_markdown_of_plain_text_is_unescaped_and_still_safe(tmp_path: Path) -> None:
    lines = [{"id": "a", "text": PLAIN, "source": "A"}, {"id": "b", "text": HOSTILE, "source": "B"}]
    (tmp_path / "day.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    md = ok(run("build", "day.jsonl", "--no-history", "--no-stories", "-o", "-")).stdout
    assert f"- {PLAIN} [1]" in md
    html = markdown.markdown(md)
    assert "<a " not in html and "<del" not in html
    assert HOSTILE in "".join(html5lib.parse(html, namespaceHTMLElements=False).itertext())


def test_lead_takes_the_articles_openings() -> None:
    data = json.loads(ok(run("build", str(REPO / "seeds"), "--algorithm", "lead", "--sentences", "5", "--no-stories",
                             "--no-history", "-f", "json", "-o", "-")).stdout)
    chosen = [item["sources"][0]["sentence"] for s in data["sections"] for item in s["items"]]
    # The openings of the two articles: their first sentences that stand alone (a sentence leaning on the one
    # before is joined to it or left out, issue "Trust"), never a late line.
    assert len(chosen) == 5 and 0 in chosen and max(chosen) <= 5, chosen


def test_duplicate_record_warning_names_the_record(tmp_path: Path) -> None:
    text = "The council approved the new city budget for schools and roads on Monday evening."
    lines = [{"id": "first", "text": text}, {"id": "again", "text": text}]
    (tmp_path / "day.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = ok(run("build", "day.jsonl", "--no-history", "-o", "-"))
    assert "Warning: day.jsonl (id again): skipped: same text as day.jsonl (id first)" in result.stderr


def test_text_email_keeps_hyphenated_names_whole() -> None:
    from briefing.outputs.render import render_text

    # "Kilroy-" ends at column 72, "Kilroy-Silk" would not fit: the name moves to the next line whole
    text = render_text(make_briefing(item_text="word " * 12 + "Mr Kilroy-Silk said he would stand again."))
    assert "Kilroy-Silk" in text and "Kilroy-\n" not in text


# ---------------------------------------------------------------- sources, explain, graph


def test_sources_lists_what_a_config_reads_and_when_each_feed_changed(feeds: LoopbackServer, tmp_path: Path) -> None:
    subs = opml(tmp_path / "subs.opml", feed_urls(feeds)[:2])
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("Some text.\n", encoding="utf-8")
    config(tmp_path / "briefing.toml", [str(subs), "articles", feed_urls(feeds)[2]])
    lines = ok(run("sources")).stdout.splitlines()
    assert lines[0].startswith("opml") and "2 feeds" in lines[0]
    assert lines[1].startswith("feed") and feed_urls(feeds)[0] in lines[1] and "(Feed 1)" in lines[1]
    assert "2025-03-10 07:15 UTC" in lines[1]  # the courier's newest entry
    assert "2025-03-10 08:05 UTC" in lines[2] and "2 entries" in lines[2]  # ledger
    assert lines[3].startswith("folder") and "1 file" in lines[3]
    assert "2025-03-10 09:20 UTC" in lines[4]  # the wire's feed, named directly
    feeds.route("/courier/feed.xml", "not found", status=404)
    result = run("sources")
    assert result.exit_code == 1 and "404" in result.stdout and result.stderr.startswith("Error: 1 of 5 sources")


def test_explain_shows_each_items_score_and_outlets(feeds: LoopbackServer) -> None:
    result = ok(run("build", *feed_urls(feeds), "--since", "48h", "--date", DAY1, "--no-history", "--explain",
                    "-f", "json", "-o", "out.json"))
    data = read_json(Path("out.json"))
    rows = [line for line in result.stderr.splitlines() if line[:4].strip().isdigit()]
    items = [item for s in data["sections"] for item in s["items"]]
    assert len(rows) == len(items)
    for row, item in zip(rows, items):
        assert f"score {item['score']:.3f}" in row
        outlets = {ref["source"] for ref in item["sources"]}
        assert f"{len(outlets)} outlet" in row and all(o in row for o in outlets), row


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_graph_has_outlets_scores_stories_and_chosen_items(feeds: LoopbackServer, tmp_path: Path, suffix: str) -> None:
    import networkx as nx

    ok(run("build", *feed_urls(feeds), "--since", "48h", "--date", DAY1, "--no-history", "--graph", f"g{suffix}",
           "-f", "json", "-o", "out.json"))
    graph = (nx.read_graphml if suffix == ".graphml" else nx.read_gexf)(tmp_path / f"g{suffix}")
    data = read_json(tmp_path / "out.json")
    items = [item for s in data["sections"] for item in s["items"]]
    nodes = dict(graph.nodes(data=True))
    documents = {n: d for n, d in nodes.items() if d["kind"] == "document"}
    assert {d["outlet"] for d in documents.values()} == set(OUTLETS.values())
    chosen = {n: d for n, d in nodes.items() if d["kind"] == "sentence" and d["chosen"]}
    for position, item in enumerate(items, start=1):
        ref = item["sources"][0]
        node = nodes[f"s:{ref['document']}:{ref['sentence']}"]
        assert node["chosen"] and int(node["item"]) == position
        # the item's text, or the first sentence of an item that joins a sentence to the one it leans on
        assert item["text"] == node["text"] or item["text"].startswith(node["text"] + " ")
    assert len(chosen) == len(items)
    cited = {n for n, d in nodes.items() if d["kind"] == "sentence" and d["cited"]}
    assert cited == {f"s:{r['document']}:{r['sentence']}" for item in items for r in item["sources"]}
    assert max(float(d["score"]) for d in nodes.values() if d["kind"] == "sentence") == 1.0
    assert len({d["story"] for d in documents.values()}) == len(data["sections"])
    assert any(d.get("kind") == "similar" for *_, d in graph.edges(data=True))


def test_graph_needs_a_known_extension(tmp_path: Path) -> None:
    line = error_line(run("build", str(REPO / "seeds"), "--no-history", "--graph", "g.png", "-o", "-"))
    assert line == "Error: --graph g.png: name a .graphml or .gexf file (GraphML or GEXF, e.g. for Gephi)"
    assert not os.path.exists("g.png")


def test_an_old_history_inside_the_site_moves_out(feeds: LoopbackServer, tmp_path: Path) -> None:
    first = ok(run("publish", *feed_urls(feeds), "--site", "public", "--history", "public/.briefing-history.sqlite",
                   "--since", "48h", "--date", DAY1))  # where an older briefing kept it, and its lock
    assert "Warning: the history public/.briefing-history.sqlite is inside the site public, which serves it" in first.stderr
    (tmp_path / "public" / ".lock").touch()
    old = history_rows(tmp_path / "public" / ".briefing-history.sqlite")
    assert old
    serve_day(feeds, 2)
    result = ok(run("publish", *feed_urls(feeds), "--site", "public", "--since", "48h", "--date", DAY2))
    assert "Warning: moved the history from public/.briefing-history.sqlite to " in result.stderr
    assert not [p.name for p in (tmp_path / "public").iterdir() if p.name.startswith(".")]
    moved = history_rows(tmp_path / ".public.briefing" / "history.sqlite")
    assert [row for row in moved if row[0] == DAY1] == old and any(row[0] == DAY2 for row in moved)


def test_lead_never_fills_the_budget_with_a_late_short_line(tmp_path: Path) -> None:
    opening = "The city council approved the new budget for schools on Monday evening."
    long_second = ("Teachers, parents and the unions had argued for months over how the extra money for books, "
                   "buildings, buses and meals should be shared between the old town and the new districts.")
    late = "D Allahgreen (Trafford AC), S Claxton (Belgrave Harriers) were also named."
    text = " ".join([opening, long_second, *(f"Officials then met the board in session number {n}." for n in range(8)),
                     late])
    (tmp_path / "day.jsonl").write_text(json.dumps({"id": "a", "text": text}) + "\n", encoding="utf-8")
    data = json.loads(ok(run("build", "day.jsonl", "--algorithm", "lead", "--words", "30", "--no-history",
                             "-f", "json", "-o", "-")).stdout)
    assert [item["text"] for s in data["sections"] for item in s["items"]] == [opening]


def test_graph_stories_are_the_briefings_and_a_left_out_page_is_not_in_it(tmp_path: Path) -> None:
    """The graph grouped the documents into stories again, itself: a page left out as furniture was a story of
    its own there, and every story after it had another number than the briefing's sections."""
    import networkx as nx

    (tmp_path / "a-note.txt").write_text(
        "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive.\n\n"
        "To purchase this material contact the syndicate sales executive at 1-732-390-4480.\n", encoding="utf-8")
    (tmp_path / "bank.txt").write_text(
        "The central bank raised its main interest rate by half a point to 4.5 percent on Thursday. Policymakers "
        "voted seven to two for the increase, citing stubborn inflation in services and wages. Mortgage lenders "
        "said they would pass the rise on to borrowers within days of the decision.\n", encoding="utf-8")
    inputs = [str(tmp_path / "a-note.txt"), *map(str, sorted((REPO / "seeds").glob("*.txt"))), str(tmp_path / "bank.txt")]
    ok(run("build", *inputs, "--no-history", "--date", DAY1, "--graph", "g.gexf", "-f", "json", "-o", "out.json"))
    data = read_json(tmp_path / "out.json")
    graph = nx.read_gexf(tmp_path / "g.gexf")
    stories = {d["document"]: int(d["story"]) for _, d in graph.nodes(data=True) if d["kind"] == "document"}
    assert stories == {d["id"]: d["story"] for d in data["documents"]}
    assert len(set(stories.values())) == len(data["sections"]) == 2
    assert not [n for n in graph if "a-note" in n]


def test_sources_reads_a_pipe_or_device_within_the_fetch_deadline(tmp_path: Path, cli_isolation: Path) -> None:
    """Red team 8: `briefing sources` read every local source whole with no deadline to sniff for OPML: a named
    pipe nobody writes to hung it for ever, and `/dev/zero` in `sources` grew to 24 GB until the OOM killer came.
    It now reads as `build` does: at most max_bytes, a pipe or device within fetch_timeout."""
    import os
    import threading

    from typer.testing import CliRunner

    from briefing.cli import app

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text("The council approved the new city budget on Monday evening.\n", encoding="utf-8")
    (tmp_path / "briefing.toml").write_text('sources = ["pipe", "a.txt"]\nfetch_timeout = 1\nmax_bytes = 1000\n',
                                            encoding="utf-8")
    outcome: list[tuple[int, str, str]] = []

    def run() -> None:
        result = CliRunner().invoke(app, ["sources"])
        outcome.append((result.exit_code, result.stdout, result.stderr))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)  # generous: the deadline is 1 s; on main the run never ends
    assert outcome, "briefing sources did not end within 20 s"
    code, out, err = outcome[0]
    assert "Traceback" not in err and "a.txt" in out, (out, err)
    assert "pipe" in out + err and "nothing came through" in out + err, (out, err)


def test_init_reads_an_opml_pipe_within_the_fetch_deadline(tmp_path: Path, cli_isolation: Path) -> None:
    """Red team 8: `briefing init --opml FIFO` hung for ever (and `--opml /dev/zero` ran out of memory): the file
    was read whole. Now one Error line when nothing comes through within fetch_timeout (default 15 s)."""
    import os
    import threading

    from typer.testing import CliRunner

    from briefing.cli import app

    os.mkfifo(tmp_path / "subs.opml")
    outcome: list[tuple[int, str]] = []

    def run() -> None:
        result = CliRunner().invoke(app, ["init", "--opml", str(tmp_path / "subs.opml")])
        outcome.append((result.exit_code, result.stderr))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(40)  # generous: the default deadline is 15 s; on main the run never ends
    assert outcome, "briefing init did not end within 40 s"
    code, err = outcome[0]
    assert code == 1 and err.startswith("Error: ") and err.count("\n") == 1 and "nothing came through" in err, err
    assert not (tmp_path / "briefing.toml").exists()
