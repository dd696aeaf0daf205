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
    """One feed of a subscription list: its URL, the name the reader gave it, and its folder (e.g. "News / World")."""

    url: str
    title: str | None = None
    category: str | None = None


def is_opml(data: bytes) -> bool:
    """Whether `data` starts like an OPML document.

    >>> is_opml(b'<?xml version="1.0"?><opml version="2.0"><body/></opml>'), is_opml(b"<rss>")
    (True, False)
    """
    return bool(_OPML.match(data[:65_536]))


def read_opml(data: bytes, name: str) -> list[Subscription]:
    """The http(s) feeds an OPML file subscribes to, in file order, each once (its folder as its category).

    Args:
        data: the OPML document.
        name: where it came from, for messages.
    Returns:
        The subscriptions; entries that are not http(s) URLs are left out.
    Raises:
        InputError: the data is not an OPML subscription list, or it names no feeds.

    >>> read_opml(b'<opml><body><outline text="A" xmlUrl="https://a.example/rss"/></body></opml>', "subs.opml")
    [Subscription(url='https://a.example/rss', title='A', category=None)]
    """
    import listparser

    data = bytes(data)
    if not data.lstrip().startswith((b"<?xml", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:  # XML without a declaration is UTF-8, but listparser would read it as Latin-1
            data.decode("utf-8")
            data = b'<?xml version="1.0" encoding="utf-8"?>\n' + data.lstrip()
        except UnicodeDecodeError:
            pass
    # bytes, never a str: listparser would fetch a str that looks like a URL
    result = listparser.parse(data)
    if result.get("version", "").lower().startswith("opml") is False and not result.get("feeds"):
        raise InputError(f"{name}: not an OPML subscription list")
    found: dict[str, Subscription] = {}
    for feed in result.get("feeds", []):
        url = str(feed.get("url") or "").strip()
        if url.lower().startswith(("http://", "https://")) and url not in found:
            folders = [" / ".join(" ".join(str(f).split()) for f in path if str(f).strip())
                       for path in feed.get("categories") or ()]
            found[url] = Subscription(url, " ".join(str(feed.get("title") or "").split()) or None,
                                      next((f for f in folders if f), None))
    if not found:
        raise InputError(f"{name}: the OPML file lists no http(s) feeds (xmlUrl)")
    return list(found.values())
