"""RSS/Atom feeds and remote URLs -> Documents.

Each feed entry becomes one Document: title from the entry, publisher from the feed title, date
from the entry, text from the article page behind the entry's link (or, when that page cannot be
fetched or holds too little text, from the entry's own content or summary). Only entries inside
the time window (`Options.since`, default 24 h) are kept, and one article reached through several
entries or feeds counts once (see `canonical_url` and `unique_by_url`).
"""
from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlunsplit

from ..errors import FetchError
from .decode import decode_bytes
from .documents import make_document
from .addresses import TrustedOrigins, is_http, join_url, origin, split_url
from .fetch import Response, fetch_each, fetch_one
from .htmltext import document_from_html, html_fragment_text
from ..models import Document
from ..options import Options, describe_window, feed_window, parse_duration  # noqa: F401 (parse_duration: re-exported)

log = logging.getLogger(__name__)

MIN_PAGE_WORDS = 40  # fewer words than this from a page usually means a paywall or a cookie wall
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}
)
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})



def canonical_url(url: str) -> str:
    """The form of a URL used to tell whether two links are the same article.

    Lower-cases scheme and host, drops the default port, user info, fragment, `utm_*`, `fbclid`
    and `gclid` parameters, and a trailing slash.

    Args:
        url: any URL; a non-http(s) one comes back stripped but otherwise unchanged.

    Returns:
        The canonical URL.

    Example:
        >>> canonical_url("HTTPS://Example.com:443/news/a/?utm_source=x&id=3#top")
        'https://example.com/news/a?id=3'
    """
    url = url.strip()
    parts = split_url(url)
    if parts is None or not is_http(url) or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def unique_by_url(documents: Iterable[Document]) -> list[Document]:
    """Keep the first Document of each canonical URL (documents without a URL are all kept).

    Args:
        documents: documents from any number of feeds or URLs.

    Returns:
        The documents in input order, later duplicates dropped.
    """
    seen: set[str] = set()
    kept: list[Document] = []
    for doc in documents:
        key = canonical_url(doc.url) if doc.url else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        kept.append(doc)
    return kept


def is_feed(content_type: str, data: bytes) -> bool:
    """Whether a response is an RSS/Atom/JSON feed, by media type or by its first element.

    Args:
        content_type: the media type ("" when unknown).
        data: the body.

    Returns:
        True for a feed.
    """
    if content_type.split(";", 1)[0].strip().lower() in FEED_TYPES:
        return True
    head = _head_text(data)
    if head.startswith("{"):
        return "jsonfeed.org/version" in head.replace("\\/", "/")  # JSON may escape its slashes
    # Skip the XML declaration, comments, processing instructions and a doctype.
    while True:
        head = head.lstrip()
        skipped = re.match(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", head, re.DOTALL | re.IGNORECASE)
        if not skipped:
            break
        head = head[skipped.end():]
    return re.match(r"<(?:[\w.-]+:)?(rss|feed|RDF)[\s>/]", head) is not None


def load_remote(url: str, options: Options) -> list[Document]:
    """Fetch a URL the user gave: a feed gives one Document per entry, a page gives one Document.

    Args:
        url: an http(s) URL (fetched as given, loopback included).
        options: see `documents_from_feed` and `fetch.fetch_one`.

    Returns:
        The documents (empty, with a warning, when a page holds no article text).

    Raises:
        FetchError: the URL could not be fetched, or it is a malformed feed.
    """
    response = fetch_one(url, options)
    if is_feed(response.content_type, response.content):
        # Links may reach the typed URL's own origin, at the address the feed came from; a redirect
        # to another host or port does not widen that.
        trusted = {origin(url): response.address} if origin(url) == origin(response.final_url) else {origin(url): None}
        return documents_from_feed(response.content, location=url, options=options, base_url=response.final_url,
                                   trusted=trusted)
    canonical = _page_canonical(response) or canonical_url(response.final_url)
    doc = document_from_html(_page_html(response), id=canonical, url=canonical, path=url,
                             budget=response.time_left(), default_language=options.language)
    if doc is None:
        log.warning("%s: no article text found; skipped", url)
        return []
    return [doc]


def documents_from_feed(
    data: bytes, *, location: str, options: Options, base_url: str | None = None,
    trusted: TrustedOrigins | None = None,
) -> list[Document]:
    """Parse feed bytes into one Document per entry inside the time window.

    Args:
        data: the feed as read from a file or URL.
        location: where it came from (file path or URL), for messages and `Document.path`.
        options: uses `since`, `date`, `allow_private` and the fetch options.
        base_url: the URL relative links resolve against (default: `location` when it is a URL).
        trusted: the origins whose private addresses the entries' links may reach (default: the
            origin of `location` when it is a URL; none for a file).

    Returns:
        Documents in feed order, one per distinct article.

    Raises:
        FetchError: the data is not a feed.
    """
    base = base_url or (location if is_http(location) else None)
    parsed = parse_feed(data, base)
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = _one_line(parsed.get("bozo_exception")) or "no feed found"
        raise FetchError(f"{location} is not a valid RSS/Atom feed (nor a JSON Feed): {reason}")
    publisher = html_fragment_text(parsed.feed.get("title", "")) or None
    start, end = feed_window(options)
    entries: list[tuple[int, Any, datetime | None, str | None]] = []
    seen: set[str] = set()
    for index, entry in enumerate(parsed.entries):
        when = _entry_date(entry)
        if when is not None and (when < start or (end is not None and when >= end)):
            continue
        link = entry.get("link")
        key = canonical_url(link) if link else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        entries.append((index, entry, when, link))
    if not parsed.entries:
        log.warning("%s: the feed has no entries", location)
    elif not entries:
        published = [d for d in map(_entry_date, parsed.entries) if d is not None]
        if end is not None and published and min(published) >= end:  # the window ends with the briefing's date
            log.warning("%s: all %d of its entries are newer than the briefing's date %s: the window (--since) "
                        "ends with that day (--date)", location, len(parsed.entries), options.date)
        else:
            log.warning("%s: none of its %d entries is within %s; widen the window with --since",
                        location, len(parsed.entries), describe_window(options))

    link_dates = {link: when for _, _, when, link in entries if link and is_http(link)}
    if trusted is None:
        trusted = {origin(location): None} if is_http(location) else {}

    def read_page(response: Response) -> _Page:
        """Each page's text is extracted as it arrives (in the fetching thread); only that is kept."""
        return _read_page(response, link_dates[response.url], publisher, location, parsed.feed.get("language"),
                          options.language)

    pages = fetch_each(list(link_dates), options, read_page, allow_private_for=trusted)
    documents = []
    for index, entry, when, link in entries:
        doc = _entry_document(entry, index, when, link, pages, publisher, location, parsed.feed.get("language"),
                              options.language)
        if doc is not None:
            documents.append(doc)
    # A page's rel=canonical can show that two different links are the same article.
    return unique_by_url(documents)


class _Page(NamedTuple):
    """What is kept of an entry's article page: its canonical URL and its text as a Document (None: none found)."""

    url: str
    document: Document | None


def _read_page(response: Response, when: datetime | None, publisher: str | None, location: str,
               language: str | None = None, default_language: str | None = None) -> _Page:
    """The article page behind an entry's link, as a Document with the entry's date and publisher (reading it
    may take what its fetch left of the per-URL budget); a page that declares no language has the feed's
    (`language`) when the feed declares one, so the feed's language is read once, not detected per page; else
    `default_language` (the run's or the source's: `--language`, briefing.toml) when given."""
    url = _page_canonical(response) or canonical_url(response.url)
    doc = document_from_html(_page_html(response), id=url, url=url, source=publisher,
                             date=when.isoformat() if when else None, path=location, budget=response.time_left(),
                             language=language, default_language=default_language)
    return _Page(url, doc)


def _entry_document(
    entry: Any,
    index: int,
    when: datetime | None,
    link: str | None,
    pages: dict[str, _Page | FetchError],
    publisher: str | None,
    location: str,
    feed_language: str | None = None,
    default_language: str | None = None,
) -> Document | None:
    """One entry as a Document: the article page's text, or the entry's own text as a fallback.

    Its language is the page's for the page's text (declared, else the feed's, else detected); for the entry's
    own text, the entry's `xml:lang`, else the feed's (`<language>`, `xml:lang`), else `default_language` (the
    run's or the source's: `--language`, briefing.toml), else detected.
    """
    title = html_fragment_text(entry.get("title", "")) or None
    iso = when.isoformat() if when else None
    url = canonical_url(link) if link else None
    name = link or f"{location} entry {index + 1}"
    fallback = _entry_text(entry)
    page_doc: Document | None = None
    if link and not is_http(link):
        log.warning("%s: refused link %s (only http and https links are fetched); using the feed text", location, link)
    elif link:
        result = pages.get(link)
        if isinstance(result, _Page):
            url, page_doc = result
            if page_doc is None and fallback:
                log.warning("%s: no article text on the page; using the feed text", link)
        elif isinstance(result, FetchError):
            log.warning("%s; using the feed text instead", result)
    text = fallback
    details = [*entry.get("content", []), entry.get("summary_detail") or {}]
    language = next((d.get("language") for d in details if d.get("language")), None) or feed_language
    if page_doc is not None:
        page_words = len(page_doc.text.split())
        if page_words >= MIN_PAGE_WORDS or page_words > len(fallback.split()):
            text, language = page_doc.text, page_doc.language
        if title is None:
            title = page_doc.title
    if not text.strip():
        log.warning("%s: entry has no text; skipped", name)
        return None
    return make_document(text, id=url or f"{location}#{entry.get('id') or index + 1}", title=title, url=url,
                         source=publisher, date=iso, path=location, name=name, guess_title=False, language=language,
                         default_language=default_language)


def feed_summary(data: bytes, options: Options | None = None) -> tuple[str | None, int, datetime | None, int]:
    """A feed's title, number of entries, when it last changed (its newest entry, else its own date), and how
    many of its entries a build would read: those inside the time window (`since`, `date`) or undated.

    Args:
        data: the feed document.
        options: the window (`since`, `date`); default: the last 24 hours.
    Returns:
        (title or None, entry count, UTC datetime or None when the feed carries no dates, entries in the window).
    """
    parsed = parse_feed(data)
    dates = [_entry_date(e) for e in parsed.entries]
    start, end = feed_window(options or Options())
    inside = sum(1 for d in dates if d is None or (d >= start and (end is None or d < end)))
    newest = max((d for d in dates if d is not None), default=None) or _entry_date(parsed.feed)
    title = " ".join(str(parsed.feed.get("title") or "").split()) or None
    return title, len(parsed.entries), newest, inside


def parse_feed(data: bytes, base: str | None = None) -> Any:
    """An RSS, Atom or JSON Feed document parsed by feedparser, or a JSON Feed read into feedparser's shape.

    Args:
        data: the feed document.
        base: the URL relative links resolve against.
    Returns:
        feedparser's result (`feed`, `entries`, `version`, `bozo`).
    """
    import feedparser

    if _head_text(data).startswith("{"):
        from .jsonfeed import read_json_feed

        parsed = read_json_feed(data, base)
        if parsed is not None:
            return parsed
    return feedparser.parse(data, response_headers={"content-location": base} if base else None)


def _entry_date(entry: Any) -> datetime | None:
    """When the entry was published (or updated), in UTC, or None when it has no usable date."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _entry_text(entry: Any) -> str:
    """The entry's longest content, else its summary, as plain text."""
    values = [(c.get("value", ""), c.get("type", "")) for c in entry.get("content", [])]
    value, kind = max(values, key=lambda v: len(v[0]), default=("", ""))
    if not value.strip():
        value, kind = entry.get("summary", ""), entry.get("summary_detail", {}).get("type", "text/html")
    if kind == "text/plain":
        return "\n\n".join(" ".join(p.split()) for p in value.split("\n\n") if p.strip())
    return html_fragment_text(value)


def _page_html(response: Response) -> str | bytes:
    """The page decoded with the charset of its Content-Type, else the bytes (ingest sniffs them)."""
    charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", response.headers.get("content-type", ""), re.IGNORECASE)
    if charset:
        try:
            return response.content.decode(charset.group(1))
        except (LookupError, UnicodeDecodeError):
            return decode_bytes(response.content, response.url)
    return response.content


def _page_canonical(response: Response) -> str | None:
    """The page's <link rel=canonical> as a canonical URL, when it names an http(s) URL."""
    head = response.content[:262_144].decode("utf-8", "replace")
    for tag in re.findall(r"<link\b[^>]*>", head, re.IGNORECASE):
        attrs = dict(
            (m.group(1).lower(), m.group(3) if m.group(3) is not None else m.group(4))
            for m in re.finditer(r"""([\w:-]+)\s*=\s*(?:(["'])(.*?)\2|([^\s>]+))""", tag)
        )
        if "canonical" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            href = join_url(response.final_url, html_fragment_text(attrs["href"]))
            return canonical_url(href) if href is not None and is_http(href) else None
    return None


def _head_text(data: bytes) -> str:
    """The first few KB of a body as text, for sniffing."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "ignore")
    return head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")


def _one_line(value: object) -> str:
    """An exception or message as one short line."""
    return " ".join(str(value or "").split())[:200]
