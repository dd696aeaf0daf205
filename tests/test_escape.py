"""Markdown output of untrusted text: literal under Python-Markdown and under a GFM-like renderer (markdown-it-py
with linkify and strikethrough), yet plain text is not over-escaped (issues 13.9 and 15)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import html5lib
import markdown
import pytest
from conftest import make_briefing

from briefing.outputs.render import md_escape, render_briefing

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is a test dependency")
pytest.importorskip("linkify_it", reason="linkify-it-py is a test dependency (markdown-it-py[linkify])")

# Elements that article text must never produce: links, images, markup, strikethrough, code, blocks.
FORBIDDEN = {"a", "img", "script", "em", "strong", "code", "del", "s", "h1", "h2", "h3", "h4", "h5", "h6",
             "blockquote", "ol", "ul", "li", "hr", "input", "table", "pre", "iframe", "sup"}


def python_markdown(text: str) -> str:
    """Python-Markdown with its defaults (what the README's examples use)."""
    return str(markdown.markdown(text))


def gfm_like(text: str) -> str:
    """markdown-it-py's GFM-like preset: linkify (fuzzy links, www., e-mail) and ~~strikethrough~~ on."""
    md = markdown_it.MarkdownIt("gfm-like")
    assert md.options["linkify"]  # the point of this renderer
    return str(md.render(text))


RENDERERS: dict[str, Callable[[str], str]] = {"python-markdown": python_markdown, "markdown-it gfm-like": gfm_like}


def elements(html: str) -> tuple[set[str], str]:
    """The element names inside the rendered fragment's body, and its text."""
    body = html5lib.parse(html, namespaceHTMLElements=False).find("body")
    return {el.tag for el in body.iter() if el is not body}, "".join(body.itertext()).strip()


HOSTILE = [
    "see http://evil.example/x now", "go to www.evil.example today", "mail bad@evil.com please",
    "visit evil.com or news.bbc.co.uk", "HTTPS://EVIL.COM/x", "a ~~struck~~ word and ~one~ more",
    "<http://autolink.example/> and <b>bold</b>", "[x](javascript:alert(1)) and ![i](http://e/x.png)",
    "[ref]: http://e/ x", "[ ] task", "[x] done", "*em* _em_ **strong** `code` __init__",
    "- list", "+ list", "1. list", "12) list", "# heading", "> quote", "Title ##", "&lt;entity&gt; & &amp;",
    "back\\slash \\*not em\\* C:\\Users", "[a] [b]", "[a](b) [c][d] [e]: f",
    # Python-Markdown read these as reference definitions and showed nothing (an item and its "(reported by…)")
    '[1]: x "t"', "[1]: javascript:alert(1) the. [1] (reported by 2 outlets)", "[a b]: c 'd e'",
]
PLAIN = ["Dick Pound (Wada) said so.", "The server at 127.0.0.1 answered.", "The [European] Commission agreed.",
         "Mr Kilroy-Silk, aged 61, left.", "snake_case_name stays.", "He paid $5 (about £4).", "It rose 2.5% to 3.1.",
         "2.5 million people came.", "-5 degrees overnight.", "[European] rules apply.", "1.5x faster."]


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("text", HOSTILE + PLAIN)
def test_text_renders_literally_with_no_markup(renderer: str, text: str) -> None:
    found, shown = elements(RENDERERS[renderer](md_escape(text)))
    assert found <= {"p"}, (md_escape(text), found)
    assert shown == " ".join(text.split()), md_escape(text)


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_not_escaped(text: str) -> None:
    assert md_escape(text) == text


def test_wrong_escapes_are_gone() -> None:
    escaped = md_escape("Dick Pound (Wada) at 127.0.0.1 for the [European] body")
    assert "\\(" not in escaped and "\\." not in escaped and "\\[" not in escaped


@pytest.mark.parametrize("renderer", RENDERERS)
def test_whole_markdown_briefing_has_no_link_but_the_checked_source_links(renderer: str) -> None:
    hostile = "Read http://evil.example/x or www.evil.example, ~~not~~ this, <i>x</i> [y](http://e.example/)"
    md = render_briefing(make_briefing(title="News www.evil.com ~~x~~", item_text=hostile), "md")
    tree: Any = html5lib.parse(RENDERERS[renderer](md), namespaceHTMLElements=False)
    links = [a.get("href") for a in tree.iter("a")]
    # only the sources' own http(s) links (see conftest.make_briefing), never anything from the text
    assert links and all(h.startswith(("https://wire.example/", "http://weather.example/", "https://news.example/"))
                         for h in links), links
    assert not [el for el in tree.iter() if el.tag in ("del", "s", "i", "img", "script")]
    assert hostile in "".join(tree.iter("body").__next__().itertext())
