"""Deliver a rendered briefing: atomic files and a dated static site with index and Atom feed.

Everything is rendered before anything is written, so a failing template leaves no half-written output.
E-mail (`build_message`, `send_message`, `write_eml`) lives in `briefing.mail` and is re-exported here.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from briefing.atomic import write_all_atomic, write_atomic
from briefing.errors import DeliveryError, TemplateError
from briefing.mail import build_message, send_message, write_eml
from briefing.models import Briefing, Document, Item, Section, SourceRef
from briefing.render import render_briefing, render_many, render_template, template_context, template_format

__all__ = ["build_message", "format_for_output", "output_paths", "publish_site", "render_outputs", "send_message", "write_all_atomic", "write_atomic",
           "write_eml", "write_outputs"]

log = logging.getLogger(__name__)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PAGE_JSON = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")


def render_outputs(briefing: Briefing, formats: Sequence[str], template: str | Path | None = None) -> dict[str, str]:
    """Render every requested format (nothing is written).

    Args:
        briefing: the briefing.
        formats: e.g. ``("md", "html")``.
        template: a user template; it replaces the built-in template of the format its name says
            (``*.md.j2`` / ``*.html.j2``), or of the only non-JSON format requested.

    Returns:
        ``{format: text}`` in the order of ``formats``.

    Raises:
        TemplateError: the template fails, or it is unclear which format it is for.
    """
    chosen = _template_for(template, [f for f in formats if f != "json"])
    return {fmt: render_briefing(briefing, fmt, chosen.get(fmt)) for fmt in dict.fromkeys(formats)}


def output_paths(formats: Sequence[str], output: str | None, output_dir: str | Path | None,
                 date: str) -> dict[str, Path | None]:
    """Decide where each format goes (DESIGN's ``--output`` rules).

    Args:
        formats: requested formats.
        output: ``"-"`` (stdout; one format), a file (one format), a directory (existing, or ending in a slash),
            or None.
        output_dir: the directory for dated names when ``output`` is None (default: the current directory).
        date: the briefing date, ``YYYY-MM-DD``.

    Returns:
        ``{format: path}``; the path is None for stdout.

    Raises:
        DeliveryError: several formats asked for stdout or a single file.
    """
    formats = list(dict.fromkeys(formats))
    if output == "-" or (output and not _is_dir_target(output)):
        if len(formats) != 1:
            raise DeliveryError(f"--output {output} takes exactly one --format (got {', '.join(formats)}); "
                                f"use --output DIR/ for several")
        return {formats[0]: None if output == "-" else Path(output).expanduser()}
    directory = Path(output or output_dir or ".").expanduser()
    return {fmt: directory / f"briefing-{_safe_date(date)}.{fmt}" for fmt in formats}


def format_for_output(output: str | None) -> str | None:
    """The format a ``--output FILE`` name asks for (``.md``, ``.markdown``, ``.html``, ``.htm``, ``.json``).

    Args:
        output: the ``--output`` value.

    Returns:
        ``"md"``, ``"html"`` or ``"json"``; None for stdout, directories and other names.
    """
    if not output or output == "-" or _is_dir_target(output):
        return None
    suffix = Path(output).suffix.lower()
    return {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}.get(suffix)


def write_outputs(briefing: Briefing, formats: Sequence[str], output: str | None = None,
                  output_dir: str | Path | None = None, template: str | Path | None = None, *,
                  stdout: TextIO | None = None) -> list[Path]:
    """Render every format, then write them (``build --format ... --output ...``).

    Args:
        briefing: the briefing.
        formats: requested formats (``--format``).
        output: ``--output``: ``"-"``, a file, a directory, or None.
        output_dir: directory for dated names when ``output`` is None (the config's output directory).
        template: ``--template``.
        stdout: where ``--output -`` writes (default: ``sys.stdout`` at call time).

    Returns:
        The files written (empty when writing to stdout).

    Raises:
        TemplateError: rendering failed (nothing was written).
        DeliveryError: a bad ``--output`` combination or a file could not be written.
    """
    paths = output_paths(formats, output, output_dir, briefing.date)
    texts = render_outputs(briefing, list(paths), template)
    files = {path: texts[fmt] for fmt, path in paths.items() if path is not None}
    for path in files:
        _mkdir(path.parent)
    write_all_atomic(files)  # all formats or none
    for fmt, target in paths.items():
        if target is None:
            (stdout or sys.stdout).write(texts[fmt])
    return list(files)


def publish_site(briefing: Briefing, site: str | Path, template: str | Path | None = None, *,
                 base_url: str | None = None, site_title: str | None = None) -> list[Path]:
    """Add a briefing to a static site: ``DATE.html``, ``DATE.md``, ``DATE.json``, ``index.html``, ``feed.xml``.

    Republishing a date replaces that day's pages and feed entry. A lock on ``SITE/.lock`` serialises publishes.

    Args:
        briefing: the briefing (its date names the pages).
        site: the site directory (created if missing).
        template: ``--template`` for the day's page (``*.md.j2`` replaces the Markdown page instead).
        base_url: the site's public URL, used for absolute feed ids and links (optional).
        site_title: title of the index and feed (default: the briefing's title).

    Returns:
        The files written.

    Raises:
        TemplateError: rendering failed (the site is unchanged).
        DeliveryError: the site cannot be written or the briefing date is not ``YYYY-MM-DD``.
    """
    site = Path(site).expanduser()
    date = _safe_date(briefing.date)
    title = site_title or briefing.title
    chosen = _template_for(template, ["html", "md"], default="html")
    files: dict[str, str | bytes] = {
        f"{date}.{fmt}": render_briefing(briefing, fmt, chosen.get(fmt)) for fmt in ("html", "md", "json")}
    _mkdir(site)
    with _site_lock(site):
        now = dt.datetime.now(dt.timezone.utc)
        archive = _read_site(site, exclude=date)
        archive.append((briefing, now))
        archive.sort(key=lambda pair: pair[0].date, reverse=True)
        entries = [{"date": b.date, "title": b.title, "href": f"{b.date}.html", "item_count": len(b.items),
                    "source_count": len({r.document for i in b.items for r in i.sources})} for b, _ in archive]
        files["index.html"] = render_template("index", {"title": title, "lang": "en", "entries": entries})
        files["feed.xml"] = _atom_feed(archive, title, base_url or f"urn:briefing:{quote(site.resolve().name, safe='')}:")
        for stale in site.glob(".*.tmp"):  # left by a run that was killed mid-write; we hold the lock
            with contextlib.suppress(OSError):
                stale.unlink()
        # Pages first, then index and feed: a reader never finds a link to a page that is not there yet.
        write_all_atomic({site / name: text for name, text in files.items()})
    return [site / name for name in files]


# ------------------------------------------------------------------ helpers


def _template_for(template: str | Path | None, kinds: Sequence[str], default: str | None = None) -> dict[str, Path]:
    """Which of the render kinds a user template replaces: {kind: path} (empty without a template)."""
    if template is None:
        return {}
    path = Path(template)
    fmt = template_format(path)
    kind = "email" if fmt == "html" and "email" in kinds else fmt
    if kind is not None and kind in kinds:
        return {kind: path}
    if fmt is None and default is not None:
        return {default: path}
    if fmt is None and len(kinds) == 1:
        return {kinds[0]: path}
    if fmt is None:
        raise TemplateError(f"cannot tell which format template {path} is for; "
                            f"name it *.md.j2 or *.html.j2, or ask for one format")
    raise TemplateError(f"template {path} is a {fmt} template but no {fmt} output is made here; "
                        f"ask for --format {fmt} or use a matching template")


def _read_site(site: Path, exclude: str) -> list[tuple[Briefing, dt.datetime]]:
    """The briefings already in the site (from their JSON files), with each file's modification time."""
    found = []
    for path in sorted(site.iterdir()):
        match = _PAGE_JSON.match(path.name)
        if not match or match.group(1) == exclude or not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            briefing = _briefing_from_dict(data)
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("%s: skipped in the site index (%s)", path, exc)
            continue
        if briefing.date != match.group(1):
            briefing = Briefing(briefing.title, match.group(1), briefing.sections, briefing.documents)
        found.append((briefing, mtime))
    return found


def _briefing_from_dict(data: dict[str, Any]) -> Briefing:
    """Rebuild a Briefing from its JSON output (the inverse of Briefing.to_dict)."""
    sections = tuple(
        Section(s.get("title"), tuple(
            Item(str(i["text"]), float(i.get("score", 0.0)), tuple(
                SourceRef(str(r["document"]), int(r.get("sentence", 0)), r.get("title"), r.get("url"), r.get("source"))
                for r in i.get("sources", [])))
            for i in s.get("items", [])))
        for s in data.get("sections", []))
    documents = tuple(Document(str(d["id"]), "", d.get("title"), d.get("url"), d.get("source"), d.get("date"))
                      for d in data.get("documents", []))
    return Briefing(str(data["title"]), str(data["date"]), sections, documents)


def _atom_feed(archive: list[tuple[Briefing, dt.datetime]], title: str, base: str) -> bytes:
    """The site's Atom feed: one entry per briefing, newest first, id stable per date.

    ``base`` is the site's URL, or a ``urn:`` prefix naming the site folder when no URL is known.
    """
    from feedgen.feed import FeedGenerator

    is_url = not base.startswith("urn:")
    base = base.rstrip("/") + "/" if is_url else base
    link_base = base if is_url else ""
    fg = FeedGenerator()
    fg.id(base if is_url else base + "feed")
    fg.title(title)
    fg.author({"name": title})
    fg.link(href=f"{link_base}index.html", rel="alternate")
    if is_url:
        fg.link(href=f"{base}feed.xml", rel="self")
    fg.updated(max((when for _, when in archive), default=dt.datetime.now(dt.timezone.utc)))
    bodies = render_many("body", [template_context(b, f"{link_base}{b.date}.html") for b, _ in archive])
    for (briefing, when), body in zip(archive, bodies):
        page = f"{briefing.date}.html"
        entry = fg.add_entry(order="append")
        entry.id(f"{base}{page}" if is_url else f"{base}{briefing.date}")
        entry.title(f"{briefing.title} — {briefing.date}")
        entry.link(href=f"{link_base}{page}", rel="alternate")
        entry.published(dt.datetime.fromisoformat(briefing.date).replace(tzinfo=dt.timezone.utc))
        entry.updated(when)
        entry.content(body, type="html")
    return bytes(fg.atom_str(pretty=True))


@contextlib.contextmanager
def _site_lock(site: Path) -> Iterator[None]:
    """Hold an exclusive lock on SITE/.lock so concurrent publishes do not interleave."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: publish without a lock
        yield
        return
    try:
        handle = open(site / ".lock", "a")  # noqa: SIM115 (held for the duration of the lock)
    except OSError as exc:
        raise DeliveryError(f"could not lock {site}: {exc.strerror or exc}") from exc
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _is_dir_target(output: str) -> bool:
    """Whether --output names a directory (an existing one, or a path ending in a slash)."""
    return output.endswith(("/", os.sep)) or Path(output).expanduser().is_dir()


def _safe_date(date: str) -> str:
    """The date if it is a real YYYY-MM-DD date (it becomes part of file names), else DeliveryError."""
    try:
        if _DATE.match(date):
            dt.date.fromisoformat(date)
            return date
    except ValueError:
        pass
    raise DeliveryError(f"briefing date {date!r} is not a YYYY-MM-DD date; pass --date YYYY-MM-DD")


def _mkdir(directory: Path) -> None:
    """Create a directory (and parents) or raise DeliveryError."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(f"could not create directory {directory}: {exc.strerror or exc}") from exc


