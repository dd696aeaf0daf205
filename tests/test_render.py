"""Tests for briefing.outputs.render: formats, citations, escaping of hostile text, user templates."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import html5lib
import markdown
import pytest
from conftest import make_briefing

from briefing.errors import TemplateError
from briefing.models import Briefing, Item, Section, SourceRef
from briefing.outputs.render import md_escape, render_briefing, render_email_html, render_text, safe_url

HOSTILE_TEXT = "<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://e/x.png) # heading *bold* `code`"
HOSTILE_TITLE = "News</title><script>alert(2)</script>"
XHTML = "{http://www.w3.org/1999/xhtml}"


def hostile_briefing() -> Briefing:
    """A briefing whose article text, title and first document URL are hostile."""
    return make_briefing(title=HOSTILE_TITLE, item_text=HOSTILE_TEXT, doc_url="javascript:alert(3)")


def parse_html(text: str) -> Any:
    """Parse with html5lib's strict parser (raises on any parse error)."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def hrefs(tree: Any) -> list[str]:
    """Every href in an html5lib tree."""
    return [el.get("href") for el in tree.iter() if el.get("href") is not None]


@pytest.mark.parametrize("titled", [True, False])
def test_markdown_cites_every_item_and_lists_sources(titled: bool) -> None:
    md = render_briefing(make_briefing(titled=titled), "md")
    assert md.startswith("# Morning Briefing\n")
    assert ("## Central bank raises rates" in md) is titled
    # the corroborated item shows both numbers; numbering follows first citation
    assert "on Friday. [1] [2]" in md
    assert "by Sunday. [3]" in md
    sources = md.split("## Sources", 1)[1]
    assert re.findall(r"^(\d+)\. ", sources, re.M) == ["1", "2", "3"]
    assert "Rates up a quarter point — Wire Service <https://wire.example/b?x=1&y=2>" in sources
    html = markdown.markdown(md)
    assert html.count("<li>") == 6
    assert "[1] [2]" in html


def test_html_is_standalone_and_strict_valid() -> None:
    html = render_briefing(make_briefing(), "html")
    tree = parse_html(html)
    assert html.lower().startswith("<!doctype html>")
    assert tree.get("lang") == "en"
    head = tree.find(f"{XHTML}head")
    assert head.find(f"{XHTML}meta[@charset='utf-8']") is not None
    assert head.find(f"{XHTML}meta[@name='viewport']") is not None
    assert "max-width: 40rem" in head.find(f"{XHTML}style").text
    assert head.find(f"{XHTML}title").text == "Morning Briefing — 2025-03-14"
    assert "<time datetime=\"2025-03-14\">Friday 14 March 2025</time>" in html
    # citation anchors point at the numbered sources list
    ids = {el.get("id") for el in tree.iter() if el.get("id")}
    cites = [h for h in hrefs(tree) if h.startswith("#src-")]
    assert cites == ["#src-1", "#src-2", "#src-1", "#src-3"]
    assert {c[1:] for c in cites} <= ids
    assert "https://wire.example/b?x=1&y=2" in hrefs(tree)


def test_json_matches_the_schema() -> None:
    briefing = make_briefing()
    data = json.loads(render_briefing(briefing, "json"))
    assert data == briefing.to_dict()
    assert set(data) == {"title", "date", "sections", "documents"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"])
    for section in data["sections"]:
        assert set(section) == {"title", "story", "articles", "outlets", "items"}
        assert all(isinstance(section[key], int) for key in ("story", "articles", "outlets"))
        for item in section["items"]:
            assert set(item) == {"text", "score", "sources"} and isinstance(item["score"], float)
            assert len(item["sources"]) >= 1
            for ref in item["sources"]:
                assert set(ref) == {"document", "sentence", "title", "url", "source", "text"}
                assert isinstance(ref["sentence"], int)
    for doc in data["documents"]:
        assert set(doc) == {"id", "title", "url", "source", "date", "language"}
    assert len(data["sections"][0]["items"][0]["sources"]) == 2


def test_text_part_is_readable_with_links() -> None:
    text = render_text(make_briefing())
    assert text.startswith("Morning Briefing\n================\nFriday 14 March 2025\n")
    assert "[1][2]" in text
    assert "[2] Rates up a quarter point — Wire Service\n    https://wire.example/b?x=1&y=2" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_hostile_text_stays_text_in_html() -> None:
    for html in (render_briefing(hostile_briefing(), "html"), render_email_html(hostile_briefing())):
        tree = parse_html(html)
        assert not [el for el in tree.iter() if el.tag == f"{XHTML}script"]
        assert not [h for h in hrefs(tree) if not h.startswith(("#", "http://", "https://"))]
        assert not [el for el in tree.iter() if el.tag == f"{XHTML}img"]
        assert tree.find(f"{XHTML}head/{XHTML}title").text == f"{HOSTILE_TITLE} — 2025-03-14"
        body_text = "".join(tree.find(f"{XHTML}body").itertext())
        assert "<script>alert(1)</script>" in body_text  # shown, not executed
        assert "javascript:alert(3)" in body_text  # the bad URL is shown as text, not linked


def test_hostile_text_stays_text_in_markdown() -> None:
    md = render_briefing(hostile_briefing(), "md")
    html = markdown.markdown(md)
    assert "<script" not in html and "<img" not in html and ">heading" not in html
    links = re.findall(r"<a [^>]*>", html)
    assert links == ['<a href="https://wire.example/b?x=1&amp;y=2">', '<a href="http://weather.example/c">']
    text = "".join(html5lib.parse(html, namespaceHTMLElements=False).itertext())
    assert HOSTILE_TEXT in text  # shown exactly as written, as text
    assert html.count("<h1>") == 1 and html.count("<h2>") == 3


def test_hostile_text_stays_text_in_json_and_plain_text() -> None:
    data = json.loads(render_briefing(hostile_briefing(), "json"))
    assert data["sections"][0]["items"][0]["text"] == HOSTILE_TEXT
    text = render_text(hostile_briefing())
    assert HOSTILE_TEXT.split()[0] in text
    assert "javascript:alert(3)" not in text  # only http(s) links are listed


@pytest.mark.parametrize("text", [
    "- not a list", "+ not a list", "1. not a list", "12) nor this", "# not a heading", "> not a quote",
    "a <b>tag</b> & &lt;entity&gt;", "line\n# break\n---", "__em__ *em* **strong** `c` ~~s~~",
    "[ref]: http://e/ x", "![i][ref]", "\\[escaped\\]", "<http://autolink.example/>",
])
def test_md_escape_round_trips_to_literal_text(text: str) -> None:
    html = markdown.markdown(md_escape(text))
    assert re.fullmatch(r"<p>[^<]*</p>", html, re.S), html  # one paragraph of text, no element in it
    assert "".join(html5lib.parse(html, namespaceHTMLElements=False).itertext()) == " ".join(text.split())


@pytest.mark.parametrize(("url", "expected"), [
    ("https://e.example/a?b=1", "https://e.example/a?b=1"),
    (" HTTP://E.example/x ", "HTTP://E.example/x"),
    ("http://e.example/a b<c>\"", "http://e.example/a%20b%3Cc%3E%22"),
    ("javascript:alert(1)", ""), ("JavaScript:alert(1)", ""), ("data:text/html,x", ""),
    ("file:///etc/passwd", ""), ("//e.example/x", ""), ("http:///nohost", ""), (None, ""),
])
def test_safe_url_keeps_only_http_links(url: str | None, expected: str) -> None:
    assert safe_url(url) == expected


def test_control_characters_do_not_break_html() -> None:
    briefing = make_briefing(title="A\x00B\x0bC\ufffe", item_text="Text with \x01 controls \x7f and \ud800 here.")
    parse_html(render_briefing(briefing, "html"))


def test_empty_briefing_renders() -> None:
    briefing = Briefing("Empty", "2025-01-01", ())
    assert "Nothing to report." in render_briefing(briefing, "md")
    parse_html(render_briefing(briefing, "html"))


def test_unknown_document_in_source_ref_still_cited() -> None:
    item = Item("A sentence from nowhere in particular today.", 0.5, (SourceRef("zz", 3),))
    md = render_briefing(Briefing("T", "2025-01-01", (Section(None, (item,)),)), "md")
    assert "[1]" in md and "1. zz" in md


# ------------------------------------------------------------------ user templates


def write(path: Path, text: str) -> Path:
    """Write a template file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


def test_user_html_template_is_autoescaped_and_gets_the_context(tmp_path: Path) -> None:
    tpl = write(tmp_path / "mine.html.j2", "<p>{{ title }}</p>{% for s in sources %}<a href='{{ s.link }}'>"
                "{{ s.number }}</a>{% endfor %}{% for i in items %}{{ i.refs|join(',') }};{% endfor %}")
    out = render_briefing(hostile_briefing(), "html", tpl)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "1,2;1;3;" in out
    assert "<a href=''>1</a>" in out  # the javascript: URL has no link (None prints as nothing)
    assert "href='https://wire.example/b?x=1&amp;y=2'" in out


def test_user_markdown_template_escapes_by_default(tmp_path: Path) -> None:
    tpl = write(tmp_path / "mine.md.j2", "{% for i in items %}* {{ i.text }}\n{% endfor %}"
                "{% for s in sources %}<{{ s.link|safe_url }}>\n{% endfor %}")
    html = markdown.markdown(render_briefing(hostile_briefing(), "md", tpl))
    assert "<script" not in html and "<img" not in html
    assert re.findall(r'href="([^"]*)"', html) == ["https://wire.example/b?x=1&amp;y=2", "http://weather.example/c"]


def test_user_template_can_extend_the_builtin_base(tmp_path: Path) -> None:
    tpl = write(tmp_path / "page.html", '{% extends "_base.html.j2" %}{% block body %}<p>{{ item_count }} items'
                "</p>{% endblock %}")
    out = render_briefing(make_briefing(), "html", tpl)
    parse_html(out)
    assert "<p>3 items</p>" in out


@pytest.mark.parametrize(("body", "line", "needle"), [
    ("line one\n{% for x in items %}\n{{ x.text }\n", 3, "unexpected '}'"),
    ("ok\n\n{{ no_such_variable }}", 3, "no_such_variable"),
    ("{{ title }}\n{{ ''.__class__.__mro__ }}", 2, "unsafe"),
    ("{{ items[0].__init__.__globals__ }}", 1, "unsafe"),
    ("{{ title.format_map({}) }}{{ sources[0].__class__ }}", 1, "unsafe"),
])
def test_bad_user_templates_raise_template_error_naming_file_and_line(
        tmp_path: Path, body: str, line: int, needle: str) -> None:
    tpl = write(tmp_path / "bad.md.j2", body)
    with pytest.raises(TemplateError) as info:
        render_briefing(make_briefing(), "md", tpl)
    message = str(info.value)
    assert "\n" not in message
    assert str(tpl) in message or "bad.md.j2" in message
    assert f"line {line}" in message
    assert needle in message


def test_missing_user_template(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"template .*nope\.html not found"):
        render_briefing(make_briefing(), "html", tmp_path / "nope.html")


def test_json_ignores_templates(tmp_path: Path) -> None:
    assert json.loads(render_briefing(make_briefing(), "json", tmp_path / "nope.html"))["title"] == "Morning Briefing"


def _evidence_briefing(evidence: str = "Rates rose a quarter point on Friday, the central bank said.") -> Briefing:
    """make_briefing with the corroborating source's own sentence as its evidence."""
    briefing = make_briefing()
    first = briefing.sections[0].items[0]
    a, b = first.sources
    item = Item(first.text, first.score, (SourceRef(a.document, a.sentence, a.title, a.url, a.source, first.text),
                                          SourceRef(b.document, b.sentence, b.title, b.url, b.source, evidence)))
    sections = (Section(briefing.sections[0].title, (item, *briefing.sections[0].items[1:])), *briefing.sections[1:])
    return Briefing(briefing.title, briefing.date, sections, briefing.documents)


def test_html_citations_carry_what_each_outlet_wrote() -> None:
    tree = parse_html(render_briefing(_evidence_briefing(), "html"))
    item = next(li for li in tree.iter(f"{XHTML}li") if li.get("class") == "item")
    cites = [a for a in item.iter(f"{XHTML}a") if a.get("class") == "cite"]
    assert [a.get("title") for a in cites] == [
        "Example News: “The central bank raised its main rate by a quarter point on Friday.”",
        "Wire Service: “Rates rose a quarter point on Friday, the central bank said.”",
    ]
    details = item.find(f"{XHTML}details")
    assert details is not None and details.get("class") == "evidence"
    notes = ["".join(li.itertext()) for li in details.iter(f"{XHTML}li")]
    assert notes[1] == "[2] Wire Service: “Rates rose a quarter point on Friday, the central bank said.”"
    # An item with a single source has nothing more to show than its own text.
    assert sum(1 for _ in tree.iter(f"{XHTML}details")) == 1


def test_markdown_and_text_show_a_corroborating_outlets_own_sentence() -> None:
    briefing = _evidence_briefing()
    md = render_briefing(briefing, "md")
    assert "on Friday. [1] [2]\n    - [2] Wire Service: “Rates rose a quarter point on Friday, the central bank said.”\n" in md
    assert "[1] Example News" not in md  # the item's own source wrote the item: no note
    html = markdown.markdown(md)  # a nested list under the item
    assert "<li>[2] Wire Service: “Rates rose a quarter point on Friday, the central bank said.”</li>" in html
    text = render_text(briefing)
    assert "  - [2] Wire Service: “Rates rose a quarter point on Friday, the central\n    bank said.”" in text


def test_hostile_evidence_stays_text() -> None:
    briefing = _evidence_briefing(HOSTILE_TEXT)
    tree = parse_html(render_briefing(briefing, "html"))
    assert not [el for el in tree.iter() if el.tag == f"{XHTML}script"]
    assert all(not h.startswith("javascript") for h in hrefs(tree))
    html = markdown.markdown(render_briefing(briefing, "md"))
    assert "<script>" not in html and "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html))
    assert "<img" not in html


def test_json_sources_carry_their_evidence_and_old_json_still_loads() -> None:
    data = json.loads(render_briefing(_evidence_briefing(), "json"))
    sources = data["sections"][0]["items"][0]["sources"]
    assert [s["text"] for s in sources] == [data["sections"][0]["items"][0]["text"],
                                           "Rates rose a quarter point on Friday, the central bank said."]
    for source in sources:
        del source["text"]  # JSON written before sources had `text`
    old = Briefing.from_dict(data)
    assert old.sections[0].items[0].sources[1].text == ""
    assert "[1] [2]" in render_briefing(old, "md")
