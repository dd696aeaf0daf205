"""JSON Feed (jsonfeed.org 1.0 and 1.1, `application/feed+json`), read into feedparser's shape so that
`feeds.py` treats it like RSS and Atom."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from ..errors import FetchError, InputError
from .decode import decode_bytes

__all__ = ["is_json_feed", "read_json_feed"]


def read_json_feed(data: bytes, base: str | None = None) -> Any:
    """A JSON Feed (jsonfeed.org 1.0 or 1.1) in the shape feedparser gives an RSS feed, or None when it is not one.

    Args:
        data: the document.
        base: the URL relative item links resolve against.
    Returns:
        `feed` (title, language), `entries` (title, link, id, content, summary, published/updated_parsed),
        `version` ("json1", "json11") and `bozo`; None for anything but a JSON Feed.

    >>> read_json_feed(b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [{"id": "1", '
    ...                b'"url": "/a", "content_text": "Hi."}]}', "https://x.example/feed.json").entries[0].link
    'https://x.example/a'
    """
    from feedparser import FeedParserDict

    try:
        feed = json.loads(decode_bytes(data, "feed"))
    except (ValueError, RecursionError, FetchError, InputError):
        return None
    if not isinstance(feed, dict) or not _text(feed.get("version")).startswith("https://jsonfeed.org/version/"):
        return None
    language = _text(feed.get("language")) or None
    entries = []
    items = feed.get("items")
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        link = _text(item.get("url")) or _text(item.get("external_url")) or None
        lang = _text(item.get("language")) or language
        content = [FeedParserDict(value=_text(item.get(key)), type=kind, language=lang)
                   for key, kind in (("content_html", "text/html"), ("content_text", "text/plain")) if _text(item.get(key))]
        entry = FeedParserDict(title=_text(item.get("title")), link=urljoin(base, link) if link and base else link,
                               id=_text(item.get("id")), content=content, summary=_text(item.get("summary")),
                               summary_detail=FeedParserDict(type="text/plain", language=lang))
        for key, field in (("published_parsed", "date_published"), ("updated_parsed", "date_modified")):
            when = _rfc3339(item.get(field))
            if when is not None:
                entry[key] = when.utctimetuple()
        entries.append(entry)
    return FeedParserDict(feed=FeedParserDict(title=_text(feed.get("title")), language=language), entries=entries,
                          version="json" + _text(feed.get("version")).rsplit("/", 1)[-1].replace(".", ""), bozo=0)


def _text(value: object) -> str:
    """A JSON value that should be a string, or "" when it is not one."""
    return value.strip() if isinstance(value, str) else ""


def _rfc3339(value: object) -> datetime | None:
    """A JSON Feed date (RFC 3339, e.g. 2024-05-01T10:00:00Z) in UTC, or None."""
    try:
        when = datetime.fromisoformat(_text(value).replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def is_json_feed(data: bytes) -> bool:
    """Whether `data` (a file, stdin) is a JSON Feed: an object whose version is jsonfeed.org's, not JSONL's lines."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] == b"{" and b"jsonfeed.org/version" in head.replace(b"\\/", b"/") and read_json_feed(data) is not None
