"""Render a Briefing as Markdown, HTML, JSON, plain text or e-mail HTML with Jinja2 templates.

Template context (built-in templates and user templates given with ``--template`` get the same). The entries
below written as ``{...}`` are objects: use ``item.text`` or ``item["text"]``.

- ``title`` (str), ``date`` (str, ``YYYY-MM-DD``), ``date_long`` (str, e.g. ``Friday 21 November 2025``;
  equals ``date`` when the date does not parse; day and month names from ``labels``), ``lang`` (str: the BCP 47
  primary language of the briefing's first item, ``"en"`` when unknown), ``dir`` (``"rtl"`` when that language
  is written right to left, else ``"ltr"``), ``bidi`` (bool: the briefing holds several languages or
  right-to-left text, so HTML marks sections and items ``dir="auto"``).
- ``labels``: the fixed words, localised through the options/config: ``{"sources": str, "empty": str}``.
- ``sections``: list of ``{"title": str | None, "items": [item, ...], "lang": str, "dir": str}`` in reading
  order (``lang`` is the language of the section's first source; ``dir`` as above).
- ``items``: every item of every section, in reading order. Each item is
  ``{"text": str, "score": float, "refs": [int, ...], "citations": [source, ...], "sources": [ref, ...],
  "evidence": [evidence, ...]}``: ``refs`` are the item's source numbers (2+ when outlets corroborate each
  other), ``citations`` the matching entries of ``sources``, ``sources`` the raw JSON source refs
  (``document``, ``sentence``, ``title``, ``url``, ``source``, ``text``), and ``evidence`` one entry per
  number of ``refs``: ``{"number": int, "anchor": str, "source": str | None (the publisher),
  "label": str (publisher, else title, else document), "link": str | None (the cited article's http(s) URL),
  "text": str (the sentence that outlet wrote), "same": bool (it is the item's own text)}``; ``outlets`` (int) counts the distinct outlets
  that reported it, those of collapsed near-identical copies included, and ``collapsed`` (bool) says whether
  any source stands for such copies from more than one outlet (the templates then say "reported by N outlets").
- ``sources``: the numbered sources list, one entry per cited document, numbered 1, 2, ... in order of first
  citation: ``{"number": int, "anchor": "src-N", "document": str, "title": str | None, "source": str | None
  (the publisher), "url": str | None (as given, untrusted), "link": str | None (the url when it is http(s),
  else None), "date": str | None, "file": str | None (the name of the file it was read from, if any),
  "also": int (how many other outlets carried a near-identical copy that was collapsed into it)}``.
- ``documents``: the briefing's ``documents`` list as in the JSON output; ``item_count`` and ``source_count``.
- ``anchor_base`` (str): prefix for citation links (``""`` on a page; the page's file name in a feed entry).
- ``cite_articles`` (only in the e-mail's HTML part): citations link to the articles, not to in-message anchors.
- ``nav`` (only on a published site's pages): ``{"index": "index.html", "previous": {"href", "date"} | None,
  "next": {"href", "date"} | None, "feed": "feed.xml", "feed_title": str}``, the links to the index, to the days
  before and after, and to the site's Atom feed (a `<link rel="alternate">` in the page's head).

Filters: ``md_escape`` (backslash-escape Markdown syntax; the result is inline text), ``safe_url`` (the URL if it
is http/https, else ``""``). In Markdown templates every ``{{ ... }}`` output is passed through ``md_escape``
unless it is already escaped or marked with ``|safe`` (so ``<{{ s.link|safe_url }}>`` makes a link). HTML
templates autoescape. User templates run in a sandbox with undefined variables as errors.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..models import Briefing, Copy, Document, Item
from ..text.languages import is_right_to_left, primary
from .escape import clean, clean_opt, md_escape, safe_url
from .templates import FORMAT_TEMPLATES, render_many, render_template, template_format

__all__ = ["FORMAT_TEMPLATES", "md_escape", "render_briefing", "render_email_html", "render_html_body", "render_many",
           "render_template", "render_text", "safe_url", "template_context", "template_format"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
                        document=clean(ref.document),
                        title=clean_opt(ref.title or (doc.title if doc else None)),
                        source=clean_opt(ref.source or (doc.source if doc else None)),
                        url=clean_opt(url),
                        link=safe_url(url) or None,
                        date=clean_opt(doc.date if doc else None),
                        file=clean_opt(_file_name(doc.path if doc else None)),
                        also=_other_outlets(ref.source or (doc.source if doc else None), ref.copies),
                    ))
                if numbers[ref.document] not in refs:
                    refs.append(numbers[ref.document])
            entry = SimpleNamespace(
                text=clean(item.text),
                score=float(item.score),
                outlets=item.outlets,
                collapsed=item.outlets > 1 and any(r.copies for r in item.sources),  # one outlet's update says nothing
                refs=sorted(refs),
                citations=[sources[n - 1] for n in sorted(refs)],
                sources=[
                    SimpleNamespace(document=clean(r.document), sentence=r.sentence, title=clean_opt(r.title),
                                    url=clean_opt(r.url), source=clean_opt(r.source), text=clean(r.text or item.text))
                    for r in item.sources
                ],
                evidence=_evidence(item, numbers, sources),
            )
            items.append(entry)
            all_items.append(entry)
        language = _section_language(next((i.sources[0].document for i in section.items if i.sources), None), docs)
        sections.append(SimpleNamespace(title=clean_opt(section.title), items=items, lang=language,
                                        dir="rtl" if is_right_to_left(language) else "ltr"))
    lang = sections[0].lang if sections else "en"
    languages = {s.lang for s in sections}
    return {
        "title": clean(briefing.title),
        "date": clean(briefing.date),
        "date_long": _long_date(briefing.date, briefing.labels.get("days"), briefing.labels.get("months")),
        "lang": lang,
        "dir": "rtl" if is_right_to_left(lang) else "ltr",
        "bidi": len(languages) > 1 or any(is_right_to_left(language) for language in languages),
        "labels": {"sources": clean(str(briefing.labels.get("sources", "Sources"))),
                   "empty": clean(str(briefing.labels.get("empty", "Nothing to report.")))},
        "sections": sections,
        "items": all_items,
        "sources": sources,
        "documents": [_document_entry(d.meta()) for d in briefing.documents],
        "item_count": len(all_items),
        "source_count": len(sources),
        "anchor_base": anchor_base,
    }


def _evidence(item: Item, numbers: dict[str, int], sources: list[SimpleNamespace]) -> list[SimpleNamespace]:
    """One entry per cited source of an item, in source-number order: what that outlet wrote."""
    seen: dict[int, SimpleNamespace] = {}
    for ref in item.sources:
        number = numbers[ref.document]
        if number not in seen:
            entry = sources[number - 1]
            text = clean(ref.text or item.text)
            seen[number] = SimpleNamespace(number=number, anchor=entry.anchor, source=entry.source, link=entry.link,
                                           label=entry.source or entry.title or entry.document,
                                           text=text, same=text == clean(item.text))
    return [seen[n] for n in sorted(seen)]


def _other_outlets(source: str | None, copies: tuple[Copy, ...]) -> int:
    """How many outlets other than `source` carried collapsed copies of a document."""
    return len({c.source or f"\0{c.document}" for c in copies} - {source})


def _document_entry(meta: dict[str, Any]) -> SimpleNamespace:
    """One `documents` entry of the context: its JSON fields, text cleaned (copies as a list of entries)."""
    copies = [SimpleNamespace(**{k: clean_opt(v) for k, v in c.items()}) for c in meta.pop("copies", [])]
    entry = SimpleNamespace(**{k: clean_opt(v) for k, v in meta.items()})
    if copies:
        entry.copies = copies
    return entry


def render_briefing(briefing: Briefing, fmt: str, template: str | Path | None = None, *,
                    extra: dict[str, Any] | None = None) -> str:
    """Render a briefing in one output format.

    Args:
        briefing: the briefing.
        fmt: ``"md"``, ``"html"`` or ``"json"``.
        template: a user template file replacing the built-in one (ignored for json).
        extra: more template variables, e.g. ``nav`` on a published page (see `briefing.outputs.site`).

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
    return render_template(fmt, {**template_context(briefing), **(extra or {})}, template)


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
    # Many mail clients do not follow in-message anchors, so a citation links to the article itself.
    return render_template("email", {**template_context(briefing), "cite_articles": True}, template)


def render_html_body(briefing: Briefing, anchor_base: str = "") -> str:
    """Render the briefing's content as an HTML fragment (sections and sources), e.g. for a feed entry.

    Args:
        briefing: the briefing.
        anchor_base: prefix for citation links, e.g. the page's file name.

    Returns:
        An HTML fragment.
    """
    return render_template("body", template_context(briefing, anchor_base))


def _long_date(date: str, days: Any = None, months: Any = None) -> str:
    """'Friday 21 November 2025' for an ISO date (with the given day and month names, if any); the input
    unchanged when it does not parse."""
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return clean(date)
    weekday = (days or _DAYS)[day.weekday()]
    month = (months or _MONTHS)[day.month - 1]
    return clean(f"{weekday} {day.day} {month} {day.year}")


def _section_language(document: str | None, docs: dict[str, Document]) -> str:
    """The primary language subtag of a document ("en" when not known)."""
    doc = docs.get(document) if document is not None else None
    return primary(doc.language if doc else None)


def _file_name(path: str | None) -> str | None:
    """The file a document was read from, by name only (None for stdin and URLs)."""
    if not path or path == "-" or "://" in path:
        return None
    return Path(path).name

