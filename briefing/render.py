"""Render a Briefing as Markdown, HTML, JSON, plain text or e-mail HTML with Jinja2 templates.

Template context (built-in templates and user templates given with ``--template`` get the same). The entries
below written as ``{...}`` are objects: use ``item.text`` or ``item["text"]``.

- ``title`` (str), ``date`` (str, ``YYYY-MM-DD``), ``date_long`` (str, e.g. ``Friday 21 November 2025``;
  equals ``date`` when the date does not parse), ``lang`` (str, ``"en"``).
- ``sections``: list of ``{"title": str | None, "items": [item, ...]}`` in reading order.
- ``items``: every item of every section, in reading order. Each item is
  ``{"text": str, "score": float, "refs": [int, ...], "citations": [source, ...], "sources": [ref, ...]}``:
  ``refs`` are the item's source numbers (2+ when outlets corroborate each other), ``citations`` the matching
  entries of ``sources``, and ``sources`` the raw JSON source refs
  (``document``, ``sentence``, ``title``, ``url``, ``source``).
- ``sources``: the numbered sources list, one entry per cited document, numbered 1, 2, ... in order of first
  citation: ``{"number": int, "anchor": "src-N", "document": str, "title": str | None, "source": str | None
  (the publisher), "url": str | None (as given, untrusted), "link": str | None (the url when it is http(s),
  else None), "date": str | None, "file": str | None (the name of the file it was read from, if any)}``.
- ``documents``: the briefing's ``documents`` list as in the JSON output; ``item_count`` and ``source_count``.
- ``anchor_base`` (str): prefix for citation links (``""`` on a page; the page's file name in a feed entry).

Filters: ``md_escape`` (backslash-escape Markdown syntax; the result is inline text), ``safe_url`` (the URL if it
is http/https, else ``""``). In Markdown templates every ``{{ ... }}`` output is passed through ``md_escape``
unless it is already escaped or marked with ``|safe`` (so ``<{{ s.link|safe_url }}>`` makes a link). HTML
templates autoescape. User templates run in a sandbox with undefined variables as errors.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import traceback
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from briefing.errors import TemplateError
from briefing.models import Briefing

__all__ = ["FORMAT_TEMPLATES", "md_escape", "render_briefing", "render_email_html", "render_html_body", "render_many",
           "render_template", "render_text", "safe_url", "template_context", "template_format"]

FORMAT_TEMPLATES = {
    "md": "briefing.md.j2",
    "html": "briefing.html.j2",
    "email": "email.html.j2",
    "text": "email.txt.j2",
    "body": "_content.html.j2",
    "index": "index.html.j2",
}
_HTML_FORMATS = frozenset({"html", "email", "body", "index"})
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
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
    text = _clean("" if value is None else str(value))
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


def template_format(path: str | Path) -> str | None:
    """Which format a user template file is for, judging by its name.

    Args:
        path: the template path.

    Returns:
        ``"md"`` for ``*.md``, ``*.md.j2``, ``*.markdown``; ``"html"`` for ``*.html``, ``*.htm``, ``*.html.j2``;
        ``"text"`` for ``*.txt``/``*.txt.j2``; None when the name does not tell.
    """
    name = Path(path).name.lower()
    if name.endswith(".j2"):
        name = name[:-3]
    suffix = Path(name).suffix
    return {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".txt": "text"}.get(suffix)


def template_context(briefing: Briefing, anchor_base: str = "") -> dict[str, Any]:
    """Build the documented template context (plain dicts and lists, safe to hand to a sandbox).

    Args:
        briefing: the briefing.
        anchor_base: prefix for citation links (e.g. ``"2025-01-01.html"`` inside a feed entry).

    Returns:
        The context described at the top of this module (lists of SimpleNamespace objects).
    """
    docs = {d.id: d for d in briefing.documents}
    numbers: dict[str, int] = {}
    sources: list[SimpleNamespace] = []
    sections: list[SimpleNamespace] = []
    all_items: list[SimpleNamespace] = []
    for section in briefing.sections:
        items = []
        for item in section.items:
            refs: list[int] = []
            for ref in item.sources:
                if ref.document not in numbers:
                    doc = docs.get(ref.document)
                    numbers[ref.document] = len(numbers) + 1
                    url = ref.url or (doc.url if doc else None)
                    sources.append(SimpleNamespace(
                        number=numbers[ref.document],
                        anchor=f"src-{numbers[ref.document]}",
                        document=_clean(ref.document),
                        title=_clean_opt(ref.title or (doc.title if doc else None)),
                        source=_clean_opt(ref.source or (doc.source if doc else None)),
                        url=_clean_opt(url),
                        link=safe_url(url) or None,
                        date=_clean_opt(doc.date if doc else None),
                        file=_clean_opt(_file_name(doc.path if doc else None)),
                    ))
                if numbers[ref.document] not in refs:
                    refs.append(numbers[ref.document])
            entry = SimpleNamespace(
                text=_clean(item.text),
                score=float(item.score),
                refs=sorted(refs),
                citations=[sources[n - 1] for n in sorted(refs)],
                sources=[
                    SimpleNamespace(document=_clean(r.document), sentence=r.sentence, title=_clean_opt(r.title),
                                    url=_clean_opt(r.url), source=_clean_opt(r.source)) for r in item.sources
                ],
            )
            items.append(entry)
            all_items.append(entry)
        sections.append(SimpleNamespace(title=_clean_opt(section.title), items=items))
    return {
        "title": _clean(briefing.title),
        "date": _clean(briefing.date),
        "date_long": _long_date(briefing.date),
        "lang": "en",
        "sections": sections,
        "items": all_items,
        "sources": sources,
        "documents": [SimpleNamespace(**{k: _clean_opt(v) for k, v in d.meta().items()}) for d in briefing.documents],
        "item_count": len(all_items),
        "source_count": len(sources),
        "anchor_base": anchor_base,
    }


def render_briefing(briefing: Briefing, fmt: str, template: str | Path | None = None) -> str:
    """Render a briefing in one output format.

    Args:
        briefing: the briefing.
        fmt: ``"md"``, ``"html"`` or ``"json"``.
        template: a user template file replacing the built-in one (ignored for json).

    Returns:
        The rendered text (ending with a newline).

    Raises:
        TemplateError: the template is missing, malformed or fails while rendering.
        ValueError: unknown format.

    Example:
        >>> render_briefing(briefing, "md").startswith("# ")  # doctest: +SKIP
        True
    """
    if fmt == "json":
        return json.dumps(briefing.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown format {fmt!r}; use md, html or json")
    return render_template(fmt, template_context(briefing), template)


def render_text(briefing: Briefing, template: str | Path | None = None) -> str:
    """Render the plain-text version (the e-mail's text/plain part).

    Args:
        briefing: the briefing.
        template: an optional user template replacing ``email.txt.j2``.

    Returns:
        Readable, Markdown-ish plain text with numbered citations and source links.
    """
    return render_template("text", template_context(briefing), template)


def render_email_html(briefing: Briefing, template: str | Path | None = None) -> str:
    """Render the e-mail's HTML part (with a <style> block; deliver inlines the CSS).

    Args:
        briefing: the briefing.
        template: an optional user template replacing ``email.html.j2``.

    Returns:
        A complete HTML document.
    """
    return render_template("email", template_context(briefing), template)


def render_html_body(briefing: Briefing, anchor_base: str = "") -> str:
    """Render the briefing's content as an HTML fragment (sections and sources), e.g. for a feed entry.

    Args:
        briefing: the briefing.
        anchor_base: prefix for citation links, e.g. the page's file name.

    Returns:
        An HTML fragment.
    """
    return render_template("body", template_context(briefing, anchor_base))


def render_template(kind: str, context: dict[str, Any], template: str | Path | None = None) -> str:
    """Render a built-in template kind (a key of FORMAT_TEMPLATES) or a user template file in its place.

    Args:
        kind: ``md``, ``html``, ``email``, ``text``, ``body`` or ``index``.
        context: the template context.
        template: a user template file (rendered in a sandbox) or None for the built-in.

    Returns:
        The rendered text.

    Raises:
        TemplateError: loading or rendering failed; the message names the file and line.
    """
    return render_many(kind, [context], template)[0]


def render_many(kind: str, contexts: list[dict[str, Any]], template: str | Path | None = None) -> list[str]:
    """Like render_template for several contexts, compiling the template once (e.g. every entry of a feed)."""
    html = kind in _HTML_FORMATS
    if template is None:
        env = _environment(jinja2.Environment, [_builtin_dir()], html, kind == "md")
        name, label = FORMAT_TEMPLATES[kind], FORMAT_TEMPLATES[kind]
    else:
        path = Path(template).expanduser()
        if not path.is_file():
            raise TemplateError(f"template {path} not found; check the --template path")
        env = _environment(jinja2.sandbox.SandboxedEnvironment, [path.parent, _builtin_dir()], html, kind == "md")
        name, label = path.name, str(path)
    try:
        compiled = env.get_template(name)
        texts = [compiled.render(context) for context in contexts]
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template {exc.filename or label}, line {exc.lineno}: {_one_line(exc.message)}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {label}: included template {exc.name} not found") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(f"template {label} is not UTF-8 text") from exc
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:
        raise TemplateError(f"template {label}{_template_line(exc)}: {_one_line(str(exc))}") from exc
    if template is None and kind in ("md", "text"):
        texts = [re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n" for text in texts]
    return texts


def _environment(cls: type[jinja2.Environment], dirs: list[Path], html: bool, markdown: bool) -> jinja2.Environment:
    """A Jinja environment with our filters; HTML escapes, Markdown md-escapes every output."""
    env = cls(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs], encoding="utf-8"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_md_finalize if markdown else _finalize,
    )
    env.filters["md_escape"] = md_escape
    env.filters["safe_url"] = (lambda v: MdSafe(safe_url(v))) if markdown else safe_url
    return env


def _finalize(value: Any) -> Any:
    """Print None as nothing rather than 'None'."""
    return "" if value is None else value


def _md_finalize(value: Any) -> Any:
    """Escape every expression output of a Markdown template unless it is already safe."""
    if value is None:
        return ""
    if isinstance(value, (MdSafe, Markup, int, float)):
        return value
    return md_escape(value)


def _builtin_dir() -> Path:
    """The built-in templates folder (installed package, or the source tree's templates/)."""
    try:
        from importlib.resources import files

        return Path(str(files("briefing.templates")))
    except ModuleNotFoundError:
        # Running from a source checkout where briefing/ shadows the installed package.
        return Path(__file__).resolve().parent.parent / "templates"


def _template_line(exc: BaseException) -> str:
    """', line N' from the innermost template frame of a rendering error's traceback, or ''."""
    line = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".htm", ".md", ".txt", ".css")) and frame.lineno:
            line = f", line {frame.lineno}"
    return line


def _one_line(message: str | None) -> str:
    """Collapse a message onto one line."""
    return " ".join((message or "error").split())


def _clean(text: str) -> str:
    """Drop control characters, surrogates and non-characters that HTML and XML forbid."""
    return "".join(ch for ch in text if _allowed(ch))


def _clean_opt(text: str | None) -> str | None:
    """_clean for optional strings."""
    return None if text is None else _clean(str(text))


def _allowed(ch: str) -> bool:
    """Whether a character may appear in our text outputs."""
    if ch in "\n\t":
        return True
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return False
    return unicodedata.category(ch) not in ("Cc", "Cs")


def _long_date(date: str) -> str:
    """'Friday 21 November 2025' for an ISO date; the input unchanged when it does not parse."""
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return _clean(date)
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _file_name(path: str | None) -> str | None:
    """The file a document was read from, by name only (None for stdin and URLs)."""
    if not path or path == "-" or "://" in path:
        return None
    return Path(path).name

