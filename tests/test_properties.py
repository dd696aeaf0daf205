"""Property tests: arbitrary and hostile Unicode through the splitter and the whole pipeline.

Hypothesis generates the text; the properties are the contracts of DESIGN.md: sentences and items are
substrings of the (normalised) input, nothing but BriefingError escapes, and every output format escapes.
"""
from __future__ import annotations

import json
from xml.etree import ElementTree

import html5lib
import markdown
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import briefing
from briefing import BriefingError, Document, Options, build_briefing, render_briefing
from briefing.text.normalize import normalize_text
from briefing.outputs.render import safe_url
from briefing.summarize.pipeline import split_articles, split_documents

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIPELINE_SETTINGS = settings(max_examples=100, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WORDS = ["the", "council", "approved", "budget", "storm", "Paris", "minister", "said", "on", "Monday", "rain",
         "police", "3.5", "percent", "1,000", "people", "café", "naïve", "Zürich", "东京", "مرحبا", "🙂", "it's"]
PIECES = [
    "Mr.", "Dr.", "U.S.", "e.g.", "i.e.", "p.m.", "No. 10", "Jan. 6", "St. Louis", "Inc.", "vs.", "approx.",
    "...", "…", ". . .", "?!", "!", "?", ";", ":", ",", " - ", " — ",
    '"', "“", "”", "‘", "’", "'", "«", "»", "(", ")", "[", "]",
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))", "![i](data:image/png;base64,AAAA)", "<http://evil.example>", "[ref][1]",
    "[1]: javascript:alert(1)", "**bold**", "_em_", "`code`", "# heading", "> quote", "- item", "1. item",
    "&lt;b&gt;", "&#106;avascript:", "&amp;", "\\", "|", "{", "}", "<!--", "-->", "]]>", "<![CDATA[",
    "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u200b", "\u00ad", "\ufeff", "\u202e", "\x00", "\x07", "\x1b",
    "https://example.com/a?b=1&c=2", "mailto:x@example.com", "javascript:alert(1)",
]
TOKENS = st.one_of(st.sampled_from(WORDS), st.sampled_from(PIECES), st.text(max_size=6))
SEPARATORS = st.sampled_from([" ", " ", " ", "", "\n", "\n\n", ". ", ".\n\n"])


@st.composite
def news_like(draw: st.DrawFn, max_tokens: int = 80) -> str:
    """Sentence-like text mixing words, abbreviations, quotes, markup and odd characters."""
    tokens = draw(st.lists(st.tuples(TOKENS, SEPARATORS), max_size=max_tokens))
    return "".join(token + sep for token, sep in tokens)


ANY_TEXT = st.one_of(st.text(max_size=300), news_like())
METADATA = st.one_of(st.none(), st.sampled_from(PIECES), st.text(max_size=30))
URLS = st.one_of(st.none(), st.sampled_from([
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd", "https://news.example/a?x=1&y=\"><script>alert(1)</script>", "http://ok.example/",
    "https://ok.example/<b>", "vbscript:msgbox(1)", "//evil.example/x", "http://[::1", "https://ex.example/a b",
]), st.text(max_size=30))


def parse_html(text: str) -> ElementTree.Element:
    """Parse as a browser would (html5lib), without namespaces."""
    return html5lib.parse(text, namespaceHTMLElements=False)


def flat(text: str) -> str:
    """Whitespace collapsed, as HTML shows it."""
    return " ".join(text.split())


def text_of(el: ElementTree.Element) -> str:
    """The element's text, whitespace collapsed."""
    return flat("".join(el.itertext()))


def assert_no_active_content(root: ElementTree.Element, allowed_links: set[str]) -> None:
    """No script-capable element, no event handler, links only to the allowed (http/https) URLs."""
    for tag in ("script", "iframe", "img", "object", "embed", "svg", "form", "base"):
        assert root.find(f".//{tag}") is None, tag
    for el in root.iter():
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (name, value)
        href = el.get("href")
        if el.tag == "a" and href is not None and not href.startswith("#"):
            assert href in allowed_links, href


# ---------------------------------------------------------------- the splitter


@SETTINGS
@given(ANY_TEXT)
def test_split_sentences_returns_substrings_of_the_normalised_input(text: str) -> None:
    sentences = briefing.split_sentences(text)
    normalised = normalize_text(text)
    for sentence in sentences:
        assert sentence and sentence == sentence.strip()
        assert sentence in normalised


@SETTINGS
@given(st.lists(st.sampled_from(WORDS[:12]), min_size=3, max_size=12), st.integers(min_value=1, max_value=4))
def test_plain_sentences_are_found_again(words: list[str], count: int) -> None:
    sentence = " ".join(["The"] + words) + "."
    text = " ".join([sentence] * count)
    assert briefing.split_sentences(text) == [sentence] * count


# ---------------------------------------------------------------- the whole pipeline


@st.composite
def documents(draw: st.DrawFn) -> list[Document]:
    """1-4 documents as ingest makes them: normalised text, untrusted metadata."""
    docs = []
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        raw = draw(st.one_of(news_like(), st.text(max_size=200)))
        docs.append(Document(id=draw(st.sampled_from([f"d{n}", f"<d{n}>", f"d{n} [x](javascript:1)"])),
                             text=normalize_text(raw), title=draw(METADATA), url=draw(URLS),
                             source=draw(METADATA), date=draw(st.sampled_from([None, "2025-01-02", "<b>"]))))
    return docs


@PIPELINE_SETTINGS
@given(documents(), st.sampled_from([None, 20, 60]), st.booleans())
def test_pipeline_and_renderers_keep_their_contracts(docs: list[Document], words: int | None, stories: bool) -> None:
    options = Options(words=words or 250, sentences=None, date="2025-01-02", stories=stories, min_words=3)
    try:
        result = build_briefing(docs, options)
    except BriefingError as exc:
        event(f"raised {type(exc).__name__}")
        return  # e.g. NoInputError: nothing brief-able
    event("built a briefing")
    by_id = {d.id: d for d in docs}
    items = result.items
    assert items
    for item in items:
        assert item.sources
        assert item.text in by_id[item.sources[0].document].text
    assert sum(len(i.text.split()) for i in items) <= options.words  # DESIGN: items respect --words

    data = json.loads(render_briefing(result, "json"))
    assert [i["text"] for s in data["sections"] for i in s["items"]] == [i.text for i in items]
    # Every input document is listed with its link, as itself or as a copy collapsed into another, unless it
    # was left out as a page of nothing but furniture (pipeline.split_articles).
    listed = {d["id"]: d["url"] for d in data["documents"]}
    listed.update({c["document"]: c["url"] for d in data["documents"] for c in d.get("copies", [])})
    left_out = [d for d in docs if d.id not in listed]
    assert all(split_documents([d]) and not split_articles([d])[0] for d in left_out), left_out
    assert listed == {d.id: d.url for d in docs if d not in left_out}

    allowed = {u for u in (safe_url(d.url) for d in docs) if u}
    root = parse_html(render_briefing(result, "html"))
    assert_no_active_content(root, allowed)
    shown = [text_of(li) for li in root.iter("li") if li.get("class") == "item"]
    assert len(shown) == len(items)
    for item, text in zip(items, shown):
        assert text.startswith(flat(item.text))

    md_root = parse_html(markdown.markdown(render_briefing(result, "md")))
    assert_no_active_content(md_root, allowed)
    for tag in ("strong", "code", "blockquote", "h3", "h4", "hr"):
        assert md_root.find(f".//{tag}") is None, tag
    for item in items:  # Markdown shows the item's text literally
        assert flat(item.text) in text_of(md_root)


@PIPELINE_SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=3))
def test_arbitrary_text_never_raises_anything_but_briefing_errors(texts: list[str]) -> None:
    docs = [Document(f"d{n}", normalize_text(t)) for n, t in enumerate(texts)]
    assume(any(d.text for d in docs))
    try:
        result = build_briefing(docs, Options(date="2025-01-02"))
    except BriefingError:
        return
    for fmt in ("md", "html", "json"):
        assert render_briefing(result, fmt).endswith("\n")
