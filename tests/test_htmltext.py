"""Tests for briefing.sources.htmltext: main text, title and metadata of HTML pages (Markdown is tested via ingest)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from briefing.sources.htmltext import document_from_html
from conftest import LoopbackServer


def test_html_fallback_extraction_drops_navigation() -> None:
    html = ('<html><head><title>Tiny page</title></head><body><nav>Menu Home About</nav>'
            '<div class="social-share">Share this</div><p>One short line.</p><script>bad()</script></body></html>')
    doc = document_from_html(html, id="tiny", url="https://example.com/t", source="Example", date="2024-01-01")
    assert doc is not None
    assert (doc.title, doc.text) == ("Tiny page", "One short line.")
    assert (doc.url, doc.source, doc.date) == ("https://example.com/t", "Example", "2024-01-01")


def test_html_bytes_use_declared_charset() -> None:
    html = '<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head><body><p>Un caf\xe9 cr\xe8me.</p></body></html>'
    doc = document_from_html(html.encode("latin-1"), id="cafe")
    assert doc is not None and doc.text == "Un café crème." and doc.title == "Café"


@pytest.mark.parametrize("html", ["", "   ", "<html><head><title>Only a title</title></head></html>",
                                  "<html><body><nav>Home News</nav><script>x()</script></body></html>"])
def test_html_without_body_text_is_none(html: str) -> None:
    assert document_from_html(html, id="x") is None


# --- issue 26: fallback chain, XHTML, the time budget ----------------------------------------------

SHORT_BLOCKS = "".join(f"<div>The council met on day {i} of the session to vote on the new bridge.</div>"
                       for i in range(6))


def test_page_that_precise_extraction_finds_empty_falls_back() -> None:
    # trafilatura with favor_precision finds nothing in short bare <div>s; its default settings do
    doc = document_from_html(f"<html><head><title>Council</title></head><body>{SHORT_BLOCKS}</body></html>",
                             id="divs")
    assert doc is not None
    assert "met on day 0" in doc.text and "met on day 5" in doc.text


def test_table_inside_the_article_is_kept_as_text() -> None:
    rows = "".join(f"<tr><td>District {name}</td><td>{votes} votes for the bridge plan</td></tr>"
                   for name, votes in (("North", 1200), ("South", 950)))
    html = (f"<html><body><article><p>{'The council counted the ballots of the bridge referendum on Sunday. ' * 3}"
            f"</p><table>{rows}</table><p>{'The result was announced in the evening at the town hall. ' * 3}</p>"
            "</article></body></html>")
    doc = document_from_html(html, id="table")
    assert doc is not None and "District North" in doc.text and "950 votes" in doc.text


@pytest.mark.parametrize("as_bytes", [True, False])
def test_xhtml_page_with_an_encoding_declaration_is_read(as_bytes: bool) -> None:
    page = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xml:lang="fr"><head><title>Le pont</title></head><body><article>'
            "<p>Le conseil municipal a approuvé mardi la construction d’un nouveau pont sur la rivière.</p>"
            "<p>Les travaux doivent commencer au printemps prochain et durer environ deux ans.</p>"
            "</article></body></html>")
    doc = document_from_html(page.encode("utf-8") if as_bytes else page, id="xhtml")
    assert doc is not None and "nouveau pont" in doc.text and doc.language == "fr"


def slow_page(cells: int) -> str:
    """A page that takes trafilatura about 2 ms a cell (15 s for 8,000 cells on a 2024 laptop core)."""
    cell = '<div class="c"><p>Word {i} and <a href="/x{i}">link</a> more words here.</p></div>'
    return "<html><body>" + "".join(cell.format(i=i) for i in range(cells)) + "</body></html>"


def test_page_out_of_time_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    assert document_from_html(slow_page(8000), id="slow", path="slow.html", budget=0.5) is None
    assert time.monotonic() - started < 20  # generous: the page alone takes many seconds
    assert "slow.html: reading the page's text took longer than its 0.5 s budget; skipped" in caplog.text


def test_slow_page_stays_within_the_per_url_budget_through_the_cli(tmp_path: Path, cli_isolation: Path) -> None:
    from typer.testing import CliRunner

    from briefing.cli import app

    article = ("<html><head><title>Storm</title></head><body><article>"
               "<p>A powerful storm struck the northern coast on Monday, flooding several towns in the region.</p>"
               "<p>Emergency crews rescued dozens of residents from their homes overnight as rivers rose.</p>"
               "</article></body></html>")
    config = tmp_path / "briefing.toml"
    config.write_text("fetch_timeout = 1.0\n", encoding="utf-8")
    outcome: list[tuple[int, str, str]] = []
    with LoopbackServer() as server:
        server.route("/slow", slow_page(8000).encode(), content_type="text/html; charset=utf-8")
        server.route("/storm", article.encode(), content_type="text/html; charset=utf-8")

        def run() -> None:
            result = CliRunner().invoke(app, ["build", server.url("/slow"), server.url("/storm"), "--config",
                                              str(config), "--no-history", "--output", "-"])
            outcome.append((result.exit_code, result.stdout, result.stderr))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(20)  # generous: the slow page alone takes many seconds without the budget
    assert outcome, "the run did not end within 20 s"
    code, out, err = outcome[0]
    assert code == 0, err
    assert "A powerful storm struck" in out
    assert f"Warning: {server.url('/slow')}: reading the page's text took longer than its" in err


def test_date_written_in_the_page_language_is_read_without_every_locale() -> None:
    from htmldate.extractors import get_external_parser, month_words

    html = ('<html lang="ru"><head><title>Мост</title></head><body><article><p class="date">2 декабря 2025</p>'
            "<p>Городской совет во вторник одобрил строительство нового моста через реку в центре города.</p>"
            "<p>Работы должны начаться следующей весной и продлятся около двух лет, сообщили в мэрии.</p>"
            "</article></body></html>")
    doc = document_from_html(html, id="pont")
    assert doc is not None and doc.date == "2025-12-02"
    # htmldate's extensive search builds dateparser's patterns for every locale (seconds, once per process)
    assert get_external_parser.cache_info().currsize == 0 and month_words.cache_info().currsize == 0


MARKDOWN_LEAD = "# Storm\n\nA powerful storm struck the northern coast on Monday, flooding several towns in the region.\n\n"


@pytest.mark.parametrize(("name", "body", "warning"), [
    ("bang.md", "![" * 50_000, "took longer than"),  # Python-Markdown's inline patterns: minutes on 100 KB
    ("setext.md", "a\n=\n" * 50_000, "took longer than"),
    ("lists.md", "".join("  " * i + "- item\n" for i in range(3000)), "nested too deeply"),  # and gigabytes
    ("quotes.md", "".join(">" * i + " x\n" for i in range(1, 3000)), "nested too deeply"),  # 2.4 GB in 40 s
    ("nested.md", "- " * 1000 + "x\n", "nested too deeply"),  # a RecursionError traceback
])
def test_a_hostile_markdown_file_stays_within_its_budget(tmp_path: Path, cli_isolation: Path, name: str, body: str,
                                                         warning: str) -> None:
    """Red team 8: Markdown was converted with no budget: `![` × 50,000 (100 KB) ran for minutes, 3,000 nested
    list items for minutes and gigabytes, a line of 1,000 list markers was a RecursionError traceback. A Markdown
    file now has a page file's budget (fetch_timeout), and markup nested 64 levels deep is read as plain text."""
    from typer.testing import CliRunner

    from briefing.cli import app

    (tmp_path / name).write_text(MARKDOWN_LEAD + body, encoding="utf-8")
    (tmp_path / "good.txt").write_text("Emergency crews rescued dozens of residents from their homes overnight as "
                                       "rivers rose across the valley.\n", encoding="utf-8")
    (tmp_path / "briefing.toml").write_text("fetch_timeout = 1.0\n", encoding="utf-8")
    outcome: list[tuple[int, str, str]] = []

    def run() -> None:
        result = CliRunner().invoke(app, ["build", name, "good.txt", "--no-history", "--output", "-"])
        outcome.append((result.exit_code, result.stdout, result.stderr))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)  # generous: the file alone runs for minutes without the budget
    assert outcome, "the run did not end within 20 s"
    code, out, err = outcome[0]
    assert code == 0 and "Traceback" not in err, err
    assert "Emergency crews rescued dozens" in out
    assert f"Warning: {name}: " in err and warning in err, err
