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

# Characters that are Markdown syntax anywhere in a line (links, images, emphasis, code, headings, quotes).
_MD_ALWAYS = re.compile(r"([\\`*_{}\[\]()#>|])")
# '<' starts raw HTML and autolinks; Python-Markdown does not honour '\<', so it becomes an entity instead.
# '&' only needs escaping where it would start an entity, so literal "&lt;" in article text stays literal.
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
# Syntax only at the start of a block: list markers "- " "+ " and ordered-list numbers "1." ("1)" is escaped above).
_MD_LINE_START = re.compile(r"^(\d*)([-+]|(?<=\d)\.)")
_MD_IMAGE = re.compile(r"!(?=\\\[)")
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"'`\\{}|^]")


class MdSafe(str):
    """A string already escaped for Markdown (not escaped again by the Markdown finalizer)."""


def md_escape(value: Any) -> MdSafe:
    """Escape text so that Markdown renders it literally, as inline text.

    Newlines become spaces (text is used inline, so it cannot open a block). Backslash-escapes
    ``\\ ` * _ { } [ ] ( ) # > |``, ``!`` before ``[`` and a leading list marker or ordered-list number;
    ``<`` and entity-like ``&`` become entities.

    Args:
        value: any value; ``None`` becomes ``""``.

    Returns:
        The escaped text, marked so it is not escaped twice.

    Example:
        >>> md_escape("[click](javascript:alert(1))")
        '\\\\[click\\\\]\\\\(javascript:alert\\\\(1\\\\)\\\\)'
    """
    if isinstance(value, (MdSafe, Markup)):
        return MdSafe(value)
    text = clean("" if value is None else str(value))
    text = " ".join(text.split())
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_ALWAYS.sub(r"\\\1", text)
    text = _MD_IMAGE.sub(r"\\!", text)
    text = text.replace("<", "&lt;")
    text = _MD_LINE_START.sub(r"\1\\\2", text)
    return MdSafe(text)


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


def clean(text: str) -> str:
    """Drop control characters, surrogates and non-characters that HTML and XML forbid."""
    return "".join(ch for ch in text if _allowed(ch))


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
    return unicodedata.category(ch) not in ("Cc", "Cs")
