"""Tests for briefing.sources.htmltext: main text, title and metadata of HTML pages (Markdown is tested via ingest)."""
from __future__ import annotations

import pytest

from briefing.sources.htmltext import document_from_html


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
