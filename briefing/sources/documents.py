"""The one place a `Document` is made: every reader (files, JSONL, HTML, Markdown, feeds) comes through here.

Text is capped and normalised (`briefing.text.normalize`); metadata (title, source, date, url, id) is made one
clean line: control characters, surrogates and runs of whitespace never reach a template, a terminal or the
site's index. Titles come from a leading headline, the file name, or the first clause of the text.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from ..models import Document
from ..text.languages import document_language
from ..text.normalize import normalize_text

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000  # one document's text; keeps memory and the later stages bounded
MAX_DOCUMENT_BYTES = 4 * MAX_TEXT_CHARS  # enough bytes for MAX_TEXT_CHARS of any UTF-8 text
MAX_FIELD_CHARS = 2_000  # a title, source, url or id longer than this is cut
URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # JSON "\ud800" escapes decode to these; they cannot be written out


def cap_text(text: str, name: str) -> str:
    """Cut a document's text to MAX_TEXT_CHARS, with a warning naming `name`."""
    if len(text) <= MAX_TEXT_CHARS:
        return text
    log.warning("%s: text longer than %d characters was truncated", name, MAX_TEXT_CHARS)
    return text[:MAX_TEXT_CHARS]


def clean_text(text: str) -> str:
    """A document's text, normalised (Unicode, quotes, whitespace, boilerplate lines) and stripped."""
    return normalize_text(_SURROGATES.sub("\ufffd", text)).strip()


def clean_field(value: str | None) -> str | None:
    """One line of metadata: no control or format characters, single spaces, at most MAX_FIELD_CHARS.

    >>> clean_field(" A\\x01B \\n  news\\u200b ")
    'AB news'
    >>> clean_field("\\x07") is None
    True
    """
    if not value:
        return None
    if value.isprintable():  # the common case: no control, format or odd space characters to drop
        return " ".join(value.split())[:MAX_FIELD_CHARS] or None
    value = _SURROGATES.sub("\ufffd", value)
    value = "".join(" " if ch.isspace() else ch for ch in value
                    if ch.isspace() or unicodedata.category(ch)[0] != "C")
    value = " ".join(value.split())[:MAX_FIELD_CHARS]
    return value or None


def make_document(text: str, *, id: str, name: str | None = None, title: str | None = None, url: str | None = None,
                  source: str | None = None, date: str | None = None, path: str | None = None,
                  language: str | None = None, default_language: str | None = None,
                  guess_title: bool = True) -> Document | None:
    """A normalised Document, or None when no text remains.

    Args:
        text: the article text as read (capped at MAX_TEXT_CHARS, then normalised).
        id, title, url, source, date, path: metadata, each cleaned to one line.
        name: how warnings name the input (default: path, url or id).
        language: a BCP 47 tag when the input declares one; otherwise `default_language` (the language the run
            or the source sets: `--language`, briefing.toml), else the language is detected from the text.
        guess_title: without a title, take one from the file name or the text (JSONL records keep None).

    >>> make_document("  Rates rose.\\x00 ", id="a\\nb", title=" Rates ").title
    'Rates'
    """
    shown = name or path or url or id
    body = clean_text(cap_text(text, shown))
    if not body:
        return None
    clean_title = clean_field(title)
    if guess_title and clean_title is None and path and path != "-" and not URL_RE.match(path):
        clean_title = title_from_name(Path(path).stem)
    if guess_title and clean_title is None:
        clean_title = title_from_text(body)
    return Document(id=clean_field(id) or "document", text=body, title=clean_title,
                    url=clean_field(url), source=clean_field(source), date=clean_field(date), path=path,
                    language=document_language(f"{clean_title or ''}\n{body}", clean_field(language),
                                               default_language))


def document_from_text(text: str, *, id: str, path: str | None = None, title: str | None = None,
                       date: str | None = None, language: str | None = None,
                       default_language: str | None = None) -> Document | None:
    """A Document from plain text; a leading headline line becomes the title (else the file name, else the text).

    Args:
        text: the decoded file contents.
        id: the document id (usually the file stem).
        path: where the text came from.
        title, date, language: known metadata (a Markdown heading or front matter).
        default_language: the language when none is declared (see `make_document`): no detection then.

    Returns:
        The document, or None when no text remains after normalisation.
    """
    body = clean_text(cap_text(text, path or id))
    if title is None:
        title, body = split_headline(body)
    return make_document(body, id=id, title=title, date=date, path=path, language=language,
                         default_language=default_language)


def split_headline(text: str) -> tuple[str | None, str]:
    """(title, rest) when the first line looks like a headline, else (None, text)."""
    first, _, rest = text.partition("\n")
    first, rest = first.strip(), rest.strip()
    words = first.split()
    if (not rest or not 0 < len(words) < 20 or len(first) > 200 or not re.search(r"[^\W\d_]", first)
            or first.rstrip("\"'”’»)]").endswith((".", ",", ";", ":", "…"))
            or re.match(r"(?i)by\s+[A-Z]", first) or first[0] in "-*•>|"):
        return None, text
    return first, rest


def title_from_name(stem: str) -> str | None:
    """'my-story_2024' -> 'My story 2024'; None for opaque names such as hashes.

    >>> title_from_name("my-story_2024"), title_from_name("000_1ac7351754abf07b")
    ('My story 2024', None)
    """
    tokens = [t for t in re.split(r"[-_.\s]+", stem) if t]
    if not any(re.search(r"[^\W\d_]{2}", t) and not re.fullmatch(r"(?=.*\d)[0-9a-fA-F]{6,}", t) for t in tokens):
        return None
    title = " ".join(tokens)
    return title[0].upper() + title[1:]


def title_from_text(text: str) -> str | None:
    """A short title taken from the start of the first sentence."""
    head = text.partition("\n")[0][:400]
    for match in re.finditer(r"[.!?](?=[\"”’']?\s+[\"“‘']?[A-Z0-9])", head):
        if len(head[: match.start()].split()) >= 4:
            head = head[: match.start()]
            break
    words = head.split()
    if not words:
        return None
    if len(words) <= 14:
        return " ".join(words).rstrip(".,;:")
    for n in range(14, 4, -1):  # cut at a clause boundary when there is one
        if words[n - 1].endswith((",", ";", ":")) or words[n] in ("-", "–", "—"):
            return " ".join(words[:n]).rstrip(",;:")
    return " ".join(words[:12]) + "…"
