"""OPML subscription lists (what every feed reader exports): the feeds they name, read with listparser."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["XML_PROLOG", "Subscription", "is_opml", "read_opml"]

# What may come before an XML document's root element: declarations, comments, processing instructions and a
# doctype. Linear by construction: a comment cannot run past its own end (with `<!--.*?-->` the `*` around it
# tried every way of splitting a run of comments: 10 s on 8 KB, never ending on 64 KB; issue 26).
XML_PROLOG = rb"^\s*(?:(?:<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->|<!DOCTYPE[^>]*>)\s*)*"
_OPML = re.compile(XML_PROLOG + rb"<opml[\s>]", re.I)


@dataclass(frozen=True)
class Subscription:
    """One feed of a subscription list: its URL and the title the reader gave it."""

    url: str
    title: str | None = None


def is_opml(data: bytes) -> bool:
    """Whether `data` starts like an OPML document.

    >>> is_opml(b'<?xml version="1.0"?><opml version="2.0"><body/></opml>'), is_opml(b"<rss>")
    (True, False)
    """
    return bool(_OPML.match(data[:65_536]))


def read_opml(data: bytes, name: str) -> list[Subscription]:
    """The http(s) feeds an OPML file subscribes to, in file order, each once (folders are flattened).

    Args:
        data: the OPML document.
        name: where it came from, for messages.
    Returns:
        The subscriptions; entries that are not http(s) URLs are left out.
    Raises:
        InputError: the data is not an OPML subscription list, or it names no feeds.

    >>> read_opml(b'<opml><body><outline text="A" xmlUrl="https://a.example/rss"/></body></opml>', "subs.opml")
    [Subscription(url='https://a.example/rss', title='A')]
    """
    import listparser

    # bytes, never a str: listparser would fetch a str that looks like a URL
    result = listparser.parse(bytes(data))
    if result.get("version", "").lower().startswith("opml") is False and not result.get("feeds"):
        raise InputError(f"{name}: not an OPML subscription list")
    found: dict[str, Subscription] = {}
    for feed in result.get("feeds", []):
        url = str(feed.get("url") or "").strip()
        if url.lower().startswith(("http://", "https://")) and url not in found:
            found[url] = Subscription(url, str(feed.get("title") or "").strip() or None)
    if not found:
        raise InputError(f"{name}: the OPML file lists no http(s) feeds (xmlUrl)")
    return list(found.values())
