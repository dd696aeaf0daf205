"""Escaping untrusted text for Markdown and links: what article text may never do in an output.

Article text and metadata are untrusted. In Markdown they are inline text only (`md_escape`): no links, images,
HTML, emphasis or blocks. A URL becomes a link only when it is http(s) (`safe_url`). Characters that HTML and XML
forbid are dropped (`clean`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup

# Escaping for Markdown is minimal: only what would change the rendering, under CommonMark/GFM (markdown-it,
# with linkify and strikethrough) and Python-Markdown alike, so plain text such as "(Wada)", "127.0.0.1" or
# "[European]" stays as written. Python-Markdown honours backslash escapes only before \ ` * _ { } [ ] ( ) > # + - . !
# so other syntax characters (: ~) become numeric entities, which every renderer turns back into the character.
_MD_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")  # a backslash that would escape the next character
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")  # '&' only where it would start an entity: literal "&lt;" stays literal
_MD_CODE_EMPHASIS = re.compile(r"[`*]|(?<![^\W_])_|_(?![^\W_])")  # code spans, emphasis ('_' inside a word is text)
_MD_LINK_END = re.compile(r"\](?=\s?[(\[:])")  # ']' that would close a link, image, reference or definition
# At the start: a list marker, a quote, a heading (Python-Markdown needs no space after '#'), an ordered-list
# number, a task box "[ ]"/"[x]", a reference definition "[1]: x" (its ']' is escaped already, which
# Python-Markdown ignores there: it read `[1\]: x "y"` as a definition and dropped the text); "-5 degrees",
# "2.5 million" and "[European]" stay as they are.
_MD_BLOCK_START = re.compile(r"^(?:([-+](?=\s|$)|[>#])|(\d{1,9})([.)])(?=\s|$)|(\[)(?=[ xX]\]|[^\]]*\\\]:))")
_MD_TRAILING_HASHES = re.compile(r"(?<=\s)#+$")  # an ATX heading's closing sequence would be dropped
# Words that a linkify renderer would turn into links: a scheme (`mailto:` too), a protocol-relative `//host`,
# "www.", an e-mail address, or a host name ending in a top-level domain (any two letters, a common generic one,
# or a punycode one such as `xn--p1ai`).
_MD_WORD = re.compile(r"[^\s<>]+")
_MD_LINKY = re.compile(
    r"://|//|\bmailto:|\bwww\.|\w@\w|[\w-]\.(?:[a-z]{2}|com|net|org|edu|gov|info|biz|name|pro|aero|asia|coop|"
    r"museum|shop|xxx|web|app|dev|io|news|online|site|xyz|top|club|рф|xn--[a-z0-9-]+)(?![\w-])", re.IGNORECASE)
_MD_BARE_SLASHES = re.compile(r"(?<!:)//")  # a protocol-relative link: "//host/path"
_MD_MAILTO = re.compile(r"\b(mailto):", re.IGNORECASE)
_MD_LINK_DOT = re.compile(r"(?<=[^\W_]|-)\.(?=[^\W_])")
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"'`\\{}|^]")


class MdSafe(str):
    """A string already escaped for Markdown (not escaped again by the Markdown finalizer)."""


def md_escape(value: Any) -> MdSafe:
    r"""Escape text so that Markdown renders it literally, as inline text, escaping only what would change it.

    Newlines become spaces (text is used inline, so it cannot open a block). Escaped: code and emphasis
    markers (`` ` ``, ``*``, ``_`` outside words), ``]`` where it would close a link or image, block syntax at
    the start (list markers, ordered-list numbers, ``>``, ``#``, a task box ``[``) and a closing ``#`` run;
    ``<`` and entity-like ``&`` become entities, ``~`` too when strikethrough could pair them; in a word that a
    linkify renderer would make a link (a URL, ``www.``, an e-mail address, ``name.tld``) the dots are escaped
    and ``://`` is broken, so it stays text. Brackets, parentheses and dots of plain text are left alone.

    Args:
        value: any value; ``None`` becomes ``""``.

    Returns:
        The escaped text, marked so it is not escaped twice.

    Example:
        >>> print(md_escape("A [click](javascript:alert(1)) by the (Wada) at 127.0.0.1, [European] rules"))
        A [click\](javascript:alert(1)) by the (Wada) at 127.0.0.1, [European] rules
        >>> print(md_escape("see http://evil.example/x or www.evil.example"))
        see http&#58;//evil\.example/x or www\.evil\.example
    """
    if isinstance(value, (MdSafe, Markup)):
        return MdSafe(value)
    text = clean("" if value is None else str(value))
    text = " ".join(text.split())
    text = _MD_BACKSLASH.sub(r"\\\\", text)
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_WORD.sub(_unlink, text)
    text = text.replace("<", "&lt;")
    if text.count("~") > 1:  # one tilde cannot strike anything through
        text = text.replace("~", "&#126;")
    text = _MD_CODE_EMPHASIS.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_LINK_END.sub(r"\\]", text)
    text = _MD_BLOCK_START.sub(_escape_block_start, text)
    text = _MD_TRAILING_HASHES.sub(lambda m: "\\#" * len(m.group(0)), text)
    return MdSafe(text)


def _unlink(match: re.Match[str]) -> str:
    """A word a linkify renderer would turn into a link, made plain text (dots escaped, '://' broken)."""
    word = match.group(0)
    if not _MD_LINKY.search(word):
        return word
    word = _MD_MAILTO.sub(r"\1&#58;", _MD_BARE_SLASHES.sub("/&#47;", word).replace("://", "&#58;//"))
    return _MD_LINK_DOT.sub(r"\\.", word)


def _escape_block_start(match: re.Match[str]) -> str:
    """Backslash-escape the block syntax that starts the text."""
    marker, number, delimiter, box = match.groups()
    if marker:
        return "\\" + marker
    if box:
        return "\\["
    return f"{number}\\{delimiter}"


def safe_url(value: Any) -> str:
    """Return the URL when it is an absolute http(s) URL, else ``""``.

    Characters that could end a Markdown autolink or an HTML attribute are percent-encoded.

    Args:
        value: a URL from untrusted input (or ``None``).

    Returns:
        A URL that is safe to use as a link target, or ``""``.

    Example:
        >>> safe_url("javascript:alert(1)")
        ''
    """
    if not value:
        return ""
    url = str(value).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


# Bidirectional embeddings, overrides and isolates: in untrusted text they could make a page, a feed entry or
# an e-mail read differently from what it holds ("Trojan Source"), so they are dropped.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: str) -> str:
    """Drop control characters, bidi controls and non-characters that HTML and XML forbid; a lone surrogate
    (an undecodable byte of a file name) becomes U+FFFD, so the name stays visible."""
    return "".join(ch if _allowed(ch) else "\ufffd" for ch in text
                   if _allowed(ch) or unicodedata.category(ch) == "Cs")


def clean_opt(text: str | None) -> str | None:
    """_clean for optional strings."""
    return None if text is None else clean(str(text))


def _allowed(ch: str) -> bool:
    """Whether a character may appear in our text outputs."""
    if ch in "\n\t":
        return True
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return False
    return ch not in _BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cs")
