"""Main text of HTML pages and Markdown files, as used by `briefing.sources.ingest` and `briefing.sources.feeds`.

HTML goes through a fallback chain chosen on benchmarks/extraction.py: trafilatura with `favor_precision`, then
its default settings, then `favor_recall`, each tried when the one before found nothing or much less than the
page's visible text, then trafilatura's `baseline`; tables inside the article are kept as text. Markdown is
rendered to HTML and read by a plain lxml paragraph walk. lxml, markdown and trafilatura are imported lazily.

Parsing one page is bounded: the page is parsed once (trafilatura works on our tree, without its fallback
extractors that would parse it again); a tag longer than `MAX_TAG_CHARS` (say 200,000 attributes, which
libxml2 checks against each other, quadratically) is cut to its bare name first; a tree of more than
`MAX_ELEMENTS` elements skips trafilatura for the linear paragraph walk; and markup nested deeper than
libxml2 follows (256 levels) is read with a flat streaming parser so its text is not lost. Each of these
is a warning naming the page. Reading a page has a time budget (`document_from_html(budget=...)`).
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from ..models import Document
from ..text.languages import normalize_tag
from .documents import MAX_DOCUMENT_BYTES, clean_text, document_from_text, make_document
from .timelimit import run_within

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)
# A Markdown line nested 64 quotes or list markers deep (a marker and a blank: a `----` rule is no list), or indented
# 256 columns: read as plain text. Linear: one leading run of blanks, then each marker with the blanks after it.
_DEEP_MARKDOWN = re.compile(r"^[ \t]*(?:(?:>|(?:[-*+]|\d{1,9}[.)])[ \t])[ \t]*){64}|^(?: {256}|\t{64})", re.M)

_FRAGMENT_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
     "tr", "table", "section", "article", "figure", "figcaption", "hr", "dd", "dt"}
)
_FRAGMENT_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg"})
_SHORT_PAGE = 250  # characters of extracted text below which a page is checked for boilerplate only
_SHORT_SHARE = 0.3  # a main text shorter than this share of the visible text makes the next step try
_STEPS = (("precise", True, False), ("default", False, False), ("recall", False, True))  # favor precision, recall
# "2 décembre 2025", "3. Dezember 2025", "2 de diciembre de 2025", "December 2, 2025" (bounded: linear).
_WORDY_DATE = re.compile(r"\b\d{1,2}(?:\.|er|º)?\s+(?:de\s+)?[^\W\d_]{3,12}\.?\s+(?:de\s+)?\d{4}\b"
                         r"|\b[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4}\b")
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*>")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)  # anchored (match): one linear scan
_FRONT_FIELD = re.compile(r"(?m)^(title|date):(.*)$")  # quotes and spaces are stripped afterwards
_FRONT_LANGUAGE = re.compile(r"(?m)^(?:lang|language):[ \t]*[\"']?([\w-]+)")
MAX_TAG_CHARS = 20_000  # one start tag longer than this keeps only its name
MAX_ELEMENTS = 100_000  # elements above which trafilatura is skipped for the linear paragraph walk
_HUGE_TAG = re.compile(r"<([A-Za-z][\w:-]*)[^<>]{%d,}>" % MAX_TAG_CHARS)

_BLOCKS = {"address", "article", "blockquote", "body", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
           "h1", "h2", "h3", "h4", "h5", "h6", "hr", "html", "li", "main", "ol", "p", "section", "table", "td", "th",
           "tr", "ul"}
_DROPPED = {"aside", "button", "canvas", "embed", "footer", "form", "head", "header", "iframe", "img", "input",
            "label", "menu", "nav", "noscript", "object", "pre", "script", "select", "style", "svg", "template",
            "textarea", "video", "audio"}
_CONTAINERS = {"html", "body", "main", "article"}  # never dropped for a class name like "page-with-sidebar"
_BOILERPLATE = re.compile(r"(?i)\b(share\w*|social\w*|nav\w*|menu\w*|breadcrumbs?|cookie\w*|newsletter\w*|"
                          r"subscri\w*|related|comments?|advert\w*|ads?|promo\w*|sidebar|footer|header|"
                          r"banner|navigation|complementary|contentinfo)\b")


def document_from_html(html: str | bytes, *, id: str, url: str | None = None, source: str | None = None,
                       date: str | None = None, path: str | None = None,
                       budget: float | None = None, language: str | None = None,
                       default_language: str | None = None) -> Document | None:
    """A Document from an HTML page: its main text by the fallback chain of `_main_text`.

    Args:
        html: the page, decoded or as bytes (a `<meta charset>` is honoured for bytes).
        id: the document id.
        url: the page's URL (default: its canonical URL when it has one).
        source: the publisher (default: og:site_name).
        date: the publication date (default: from the page's metadata).
        path: where the page was read from.
        budget: seconds the extraction may take (None: no limit); a page that runs out of time is
            skipped with a warning.
        language: the language its source declares (a feed's `<language>`), for a page that declares none:
            no detection then.
        default_language: the language the run or its source sets (`--language`, briefing.toml), for a page
            that neither declares one nor has `language`: no detection then.

    Returns:
        The document, or None when the page has no article text (or ran out of time).
    """
    import trafilatura.settings  # noqa: F401  (imported once per process, outside any page's budget)

    name = url or path or id
    try:
        return run_within(budget, lambda: _read_page(html, id=id, url=url, source=source, date=date, path=path,
                                                     name=name, language=language, default_language=default_language))
    except TimeoutError:
        log.warning("%s: reading the page's text took longer than its %.3g s budget; skipped", name,
                    max(budget or 0.0, 0.0))
        return None


def _read_page(html: str | bytes, *, id: str, url: str | None, source: str | None, date: str | None,
               path: str | None, name: str, language: str | None = None,
               default_language: str | None = None) -> Document | None:
    """document_from_html without the time limit."""
    from lxml.etree import ParserError
    from lxml.html import HTMLParser, document_fromstring

    if isinstance(html, bytes):
        html = _decode_html(html, name)
    # lxml refuses a str that declares its encoding (XHTML's `<?xml ... encoding="utf-8"?>`): it is decoded.
    html = _cut_huge_tags(_XML_DECLARATION.sub("", html[: 2 * MAX_DOCUMENT_BYTES], count=1), name)
    parser = HTMLParser()
    try:
        tree = document_fromstring(html, parser=parser)
    except (ParserError, ValueError):
        return None
    if any("Excessive depth" in error.message for error in parser.error_log):
        log.warning("%s: markup nested more than 256 levels deep; its text was read "
                                            "without the page's structure", name)
        return make_document(html_fragment_text(html), id=id, title=_html_title(tree), url=url, source=source,
                             date=date, path=path, name=name, default_language=default_language)
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_ELEMENTS:
        log.warning("%s: %d HTML elements is more than %d; the main text was not "
                                            "sought, every paragraph was read", name, elements, MAX_ELEMENTS)
        meta: dict[str, Any] = {}
        text = "\n\n".join(_html_blocks(tree))
    else:
        meta, text = _main_text(tree, url, name)
    title = meta.get("title") or _html_title(tree)
    first, _, rest = text.lstrip().partition("\n")
    if title and clean_text(first) == clean_text(title):  # the headline is not a sentence of the article
        text = rest
    found_url = meta.get("url") if str(meta.get("url") or "").startswith(("http://", "https://")) else None
    doc = make_document(text, id=id, title=title, url=url or found_url, source=source or meta.get("sitename"),
                        date=date or meta.get("date"), path=path, name=name,
                        language=html_language(tree) or language, default_language=default_language)
    if doc is not None and doc.date is None and doc.language and doc.language != "und":
        written = _written_date(tree, doc.language)
        doc = replace(doc, date=written) if written else doc
    return doc


def _written_date(tree: HtmlElement, language: str) -> str | None:
    """A date written in words in the page's own language ("2 décembre 2025"), from its <time> elements and
    elements named like a date, as YYYY-MM-DD; dateparser loads only that language's patterns."""
    texts = tree.xpath('(//time | //*[contains(@class, "date") or contains(@id, "date") or contains(@class, "time")'
                       ' or contains(@class, "publish")])[position() <= 30]')
    found = [m.group() for el in texts for m in [_WORDY_DATE.search(" ".join(el.text_content()[:300].split()))] if m]
    if not found:
        return None
    from dateparser import DateDataParser  # type: ignore[import-untyped]

    try:
        parser = DateDataParser(languages=[language.split("-")[0].lower()],
                                settings={"PREFER_DATES_FROM": "past", "STRICT_PARSING": True})
    except ValueError:  # a language dateparser does not know
        return None
    for candidate in found:
        when = parser.get_date_data(candidate).date_obj
        if when is not None:
            return str(when.strftime("%Y-%m-%d"))
    return None


def _main_text(tree: HtmlElement, url: str | None, name: str) -> tuple[dict[str, Any], str]:
    """(metadata, main text) of a page: trafilatura's settings from precise to recall, then its baseline.

    Each step answers when its text is at least `_SHORT_SHARE` of the page's visible text (the paragraphs
    outside navigation, headers, forms and share bars); chosen on benchmarks/extraction.py (see RESULTS.md).
    A page whose visible text is empty has only boilerplate, and gives no text.
    """
    visible = sum(len(block) for block in _html_blocks(tree))
    meta: dict[str, Any] = {}
    text = ""
    for step, precision, recall in _STEPS:
        found = _trafilatura(tree, url, precision, recall, with_metadata=not meta)
        meta = meta or found
        text = _paragraphs(found.get("text") or "")
        if text and len(text) >= _SHORT_SHARE * visible:
            log.debug("%s: main text from trafilatura, %s", name, step)
            break
    if not text:  # every step came back empty (a short or odd page): the last resort
        import trafilatura

        log.debug("%s: main text from trafilatura's baseline", name)
        text = _paragraphs(trafilatura.baseline(tree)[1])
    if not visible and len(text) < _SHORT_PAGE:  # trafilatura keeps menus of pages that have nothing else
        text = ""
    return meta, text


def _paragraphs(text: str) -> str:
    """Lines of extracted text as paragraphs separated by a blank line, each on one line."""
    return "\n\n".join(p for p in (" ".join(line.split()) for line in text.split("\n")) if p)


def html_language(tree: HtmlElement) -> str | None:
    """The language a page declares: `<html lang>` (or `xml:lang`), else Content-Language, else og:locale."""
    for xpath in ("/html/@lang", "/html/@xml:lang", '//meta[translate(@http-equiv, "CONTENTLAGU", "contentlagu")'
                  '="content-language"]/@content', '//meta[@property="og:locale"]/@content'):
        found = tree.xpath(xpath, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
        value = str(found[0]).split(",")[0].strip() if found else ""
        if normalize_tag(value):
            return value
    return None


def document_from_markdown(source: str, *, id: str, path: str | None = None,
                           default_language: str | None = None, budget: float | None = None) -> Document | None:
    """A Document from Markdown: a leading `# Heading` or front-matter title becomes the title; a front-matter
    `lang` or `language` is its language (else `default_language`, the run's or the source's, else detected).
    Converting it may take `budget` seconds (None: no limit), as a page file's text may (Python-Markdown runs
    for minutes on 100 KB of `![`); out of time, it is skipped with a warning; nested too deeply, its source is
    read as plain text."""
    name = path or id
    try:
        if _DEEP_MARKDOWN.search(source):  # Python-Markdown's memory grows with the depth (GBs at 3,000 quotes)
            raise RecursionError
        title, date, text = run_within(budget, lambda: markdown_to_text(source))
    except TimeoutError:
        log.warning("%s: reading the Markdown's text took longer than its %.3g s budget; skipped", name,
                    max(budget or 0.0, 0.0))
        return None
    except RecursionError:
        log.warning("%s: Markdown nested too deeply; its text was read as plain text", name)
        title, date, text = None, None, source
    front = _FRONT_MATTER.match(source)
    declared = _FRONT_LANGUAGE.search(front.group(1)) if front else None
    return document_from_text(text, id=id, path=path, title=title, date=date,
                              language=declared.group(1) if declared else None, default_language=default_language)


def _cut_huge_tags(html: str, name: str) -> str:
    """The page with every start tag longer than MAX_TAG_CHARS cut to its bare name (with a warning)."""
    if len(html) < MAX_TAG_CHARS or not _HUGE_TAG.search(html):
        return html
    log.warning("%s: a tag longer than %d characters was cut to its name", name,
                                        MAX_TAG_CHARS)
    return _HUGE_TAG.sub(lambda m: f"<{m.group(1)}>", html)


def _decode_html(data: bytes, name: str) -> str:
    """Decode HTML bytes with their declared charset when it works, else like any text."""
    from .decode import BOMS, decode_bytes

    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith(tuple(bom for bom, _ in BOMS)):
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, name)


def _trafilatura(tree: HtmlElement, url: str | None, precision: bool, recall: bool, *,
                 with_metadata: bool) -> dict[str, Any]:
    """Main text (and metadata) from trafilatura favouring precision or recall ({} when it finds nothing)."""
    import trafilatura

    # fast: no fallback extractors, which would serialise and parse the page twice more; the chain in
    # _main_text is our fallback. Dates: metadata, the URL and numeric patterns only; the extensive search
    # would build dateparser's patterns for every locale (seconds, once per process).
    from trafilatura.settings import set_date_params

    result = trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True,
                                         with_metadata=with_metadata, fast=True,
                                         date_extraction_params=set_date_params(False),
                                         favor_precision=precision, favor_recall=recall)
    if result is None:
        return {}
    return result if isinstance(result, dict) else result.as_dict()


def _html_title(tree: HtmlElement) -> str | None:
    """The page title from og:title, <title> or the first <h1>."""
    for xpath in ('//meta[@property="og:title"]/@content', "//title//text()", "(//h1)[1]//text()"):
        title = " ".join(" ".join(str(value) for value in tree.xpath(xpath)).split())
        if title:
            return title
    return None


def _html_blocks(root: HtmlElement) -> list[str]:
    """Paragraph texts of an HTML tree, without scripts, navigation, forms or share buttons."""
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        """End the current paragraph."""
        text = " ".join("".join(current).split())
        if text:
            blocks.append(text)
        current.clear()

    def walk(el: Any) -> None:
        """Collect el's text (and its tail) into paragraphs."""
        tag = el.tag if isinstance(el.tag, str) else None  # comments and processing instructions
        keep = tag is not None and tag not in _DROPPED and (tag in _CONTAINERS or not _BOILERPLATE.search(
            " ".join((el.get("class", ""), el.get("id", ""), el.get("role", "")))))
        if keep:
            if tag in _BLOCKS:
                flush()
            current.append(el.text or "")
            for child in el:
                walk(child)
            if tag in _BLOCKS:
                flush()
        current.append(el.tail or "")

    try:
        walk(root)
    except RecursionError:  # absurdly deep markup: settle for all of its text
        return [" ".join(root.text_content().split())]
    flush()
    return blocks


# --- fragments (feed titles and summaries) ---


class _TextParser(HTMLParser):
    """Collects text, with a paragraph break at block elements and none inside scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a block or a skipped element."""
        if tag in _FRAGMENT_SKIPPED:
            self.skipping += 1
        elif tag in _FRAGMENT_BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        """Close a block or a skipped element."""
        if tag in _FRAGMENT_SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _FRAGMENT_BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        """Keep text outside skipped elements."""
        if not self.skipping:
            self.parts.append(data)


def html_fragment_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed's title or summary); paragraphs separated by a blank line.

    >>> html_fragment_text("<p>Rates &amp; prices</p><script>x()</script><p>rose.</p>")
    'Rates & prices\\n\\nrose.'
    """
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    paragraphs = (" ".join(p.split()) for p in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


# --- Markdown -------------------------------------------------------------------------------------


def markdown_to_text(source: str) -> tuple[str | None, str | None, str]:
    """(title, date, plain text) of a Markdown document; front matter title/date are used.

    >>> markdown_to_text("# Rates rise\\n\\nThe bank raised **rates**.")
    ('Rates rise', None, 'The bank raised rates.')
    """
    import markdown as md
    from lxml.html import fragment_fromstring

    title, date = None, None
    front = _FRONT_MATTER.match(source)
    if front:
        fields = {key: value.strip().strip("\"'").strip() for key, value in _FRONT_FIELD.findall(front.group(1))}
        title, date, source = fields.get("title") or None, fields.get("date") or None, source[front.end():]
    root = fragment_fromstring(md.markdown(source, extensions=["fenced_code"]), create_parent="div")
    first = next(iter(root), None)
    if first is not None and first.tag == "h1":
        title = title or " ".join(first.text_content().split()) or None
        root.remove(first)  # the heading's tail is whitespace between blocks
    return title, date, "\n\n".join(_html_blocks(root))
