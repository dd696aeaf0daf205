"""Publish a briefing into a static site: dated pages, an index of every day and an Atom feed.

Every file is rendered first and written all-or-nothing under a lock, so a failed or concurrent run leaves
the site as it was.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import DeliveryError
from ..models import Briefing
from ..atomic import checked_date, make_dir, wait_for_lock, write_all_atomic
from .render import render_briefing, render_many, render_template, template_context
from .escape import clean
from .state import open_nofollow, private_dir, site_state_dir
from .templates import template_paths
from ..options import user_path

__all__ = ["is_site_url", "publish_site"]

log = logging.getLogger(__name__)
_PAGE_JSON = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")
_PAGE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.html)?\Z")
_MAX_FEED_BYTES = 50_000_000  # a stored feed.xml larger than this is not read for its ids
# How many story titles (or first items) the index shows for each day.
_INDEX_HEADLINES = 4


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
    site = user_path(site)
    date = checked_date(briefing.date)
    title = site_title or briefing.title
    chosen = template_paths(template, ["html", "md"], default="html")
    files: dict[str, str | bytes] = {
        f"{date}.{fmt}": render_briefing(briefing, fmt, chosen.get(fmt)) for fmt in ("md", "json")}
    render_briefing(briefing, "html", chosen.get("html"), extra={"nav": None})  # a bad template fails here, site untouched
    make_dir(site)
    with _site_lock(site):
        now = dt.datetime.now(dt.timezone.utc)
        archive = _read_site(site, exclude=date)
        archive.append((briefing, now))
        archive.sort(key=lambda pair: pair[0].date, reverse=True)
        position = next(i for i, (b, _) in enumerate(archive) if b is briefing)
        # The day's page links to the days before and after it; their pages now link to it, so they are
        # rendered again, and written last: a page never links to one that is not there yet.
        neighbours: dict[str, str | bytes] = {}
        for i in (position - 1, position, position + 1):
            if 0 <= i < len(archive):
                day = archive[i][0]
                page = render_briefing(day, "html", chosen.get("html"), extra={"nav": _nav(archive, i, title)})
                if i == position:
                    files = {f"{date}.html": page, **files}
                else:
                    neighbours[f"{day.date}.html"] = page
        entries = [_index_entry(b) for b, _ in archive]
        files["index.html"] = render_template("index", {"title": clean(title), "lang": "en", "entries": entries})
        files["feed.xml"] = _atom_feed(archive, title, base_url, _feed_ids(site))
        files.update(neighbours)
        legacy_lock = site / ".lock"  # where older versions locked the site, inside the served folder
        if not legacy_lock.is_symlink() and legacy_lock.is_file() and legacy_lock.stat().st_size == 0:
            legacy_lock.unlink()
        for stale in site.glob(".*.tmp"):  # left by a run that was killed mid-write; we hold the lock
            with contextlib.suppress(OSError):
                stale.unlink()
        # The day's pages, then index and feed, then the neighbours: no link points to a page not there yet.
        write_all_atomic({site / name: text for name, text in files.items()}, follow_links=False)
    return [site / name for name in files]


def _nav(archive: list[tuple[Briefing, dt.datetime]], i: int, title: str) -> dict[str, Any]:
    """Links from the i-th page of the archive (newest first): the index, the days before and after, the feed."""
    def link(j: int) -> dict[str, str] | None:
        return {"href": f"{archive[j][0].date}.html", "date": archive[j][0].date} if 0 <= j < len(archive) else None

    return {"index": "index.html", "previous": link(i + 1), "next": link(i - 1), "feed": "feed.xml",
            "feed_title": clean(title)}


def _index_entry(briefing: Briefing) -> dict[str, Any]:
    """One day of the index: its link, counts, and what it held (story titles, else its first items)."""
    headlines = [clean(s.title) if s.title else _shorten(clean(s.items[0].text))
                 for s in briefing.sections if s.items][:_INDEX_HEADLINES]
    if len(headlines) == 1 and briefing.sections and not briefing.sections[0].title:
        headlines = [_shorten(clean(item.text)) for item in briefing.items[:_INDEX_HEADLINES]]
    return {"date": briefing.date, "title": clean(briefing.title), "href": f"{briefing.date}.html",
            "item_count": len(briefing.items), "headlines": headlines,
            "source_count": len({r.document for i in briefing.items for r in i.sources})}


def _shorten(text: str, limit: int = 140) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def is_site_url(value: str) -> bool:
    """Whether `value` can be a site's public URL: http(s), a host, no query or fragment, no spaces, control
    characters or characters a URL cannot hold unescaped (`"<>\\^`{|}`).

    Args:
        value: the `site_url` setting or `--site-url` value.
    Returns:
        True when feed links and ids can be built by appending page names to it.

    >>> is_site_url("https://example.org/news/"), is_site_url("example.org"), is_site_url("ftp://example.org")
    (True, False, False)
    """
    import unicodedata
    from urllib.parse import urlsplit

    if not value or any(c.isspace() or c in '"<>\\^`{|}' or unicodedata.category(c) in ("Cc", "Cf") for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        return False
    # Page names are appended to the URL, so a query or fragment would end up in the middle of each link.
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "?" not in value and "#" not in value


def _read_site(site: Path, exclude: str) -> list[tuple[Briefing, dt.datetime]]:
    """The briefings already in the site (from their JSON files), with each file's modification time."""
    found = []
    for path in sorted(site.iterdir()):
        match = _PAGE_JSON.match(path.name)
        if not match or match.group(1) == exclude or not path.is_file():
            continue
        if path.is_symlink():  # what a planted link points to is not published
            log.warning("%s: skipped in the site index (a symbolic link)", path)
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            briefing = Briefing.from_dict(data)
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            # RecursionError: JSON nested deeper than the parser goes; a planted page costs only itself
            reason = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s: skipped in the site index (%s)", path, reason)
            continue
        if briefing.date != match.group(1):
            briefing = Briefing(briefing.title, match.group(1), briefing.sections, briefing.documents)
        found.append((briefing, mtime))
    return found


def _feed_ids(site: Path) -> tuple[str, dict[str, str]]:
    """The ids the site's feed has given out: (the feed's id, {date: entry id}), so that they never change.

    Ids never depend on `--site-url`: a new site's are `urn:briefing:NAME:DATE` (NAME: the site folder's name),
    and a site's existing feed.xml (whatever scheme it used, e.g. an older version's page URLs) decides the
    rest: each day keeps its id, and a new day's id follows the pattern of the newest one.
    """
    import feedparser

    base = f"urn:briefing:{quote(site.resolve().name, safe='')}:"
    path = site / "feed.xml"
    try:
        data = path.read_bytes() if path.is_file() and path.stat().st_size <= _MAX_FEED_BYTES else b""
    except OSError:
        data = b""
    parsed = feedparser.parse(data) if data else None
    feed_id = str(parsed.feed.get("id") or "") if parsed else ""
    ids: dict[str, str] = {}
    for entry in parsed.entries if parsed else ():
        entry_id, link = str(entry.get("id") or ""), str(entry.get("link") or "")
        day = _PAGE_DATE.search(link) or _PAGE_DATE.search(entry_id)
        if day and entry_id and _is_one_line(entry_id):
            ids.setdefault(day.group(1), entry_id)
    pattern = next(((entry_id, day) for day, entry_id in sorted(ids.items(), reverse=True) if day in entry_id), None)
    if pattern is not None:  # "https://example.org/b/2024-05-01.html" -> "https://example.org/b/{date}.html"
        head, _, tail = pattern[0].rpartition(pattern[1])
        ids = _DayIds(ids, head, tail)
    else:
        ids = _DayIds(ids, base, "")
    return (feed_id if _is_one_line(feed_id) else "") or base + "feed", ids


class _DayIds(dict[str, str]):
    """Entry ids by date; a date not seen yet gets one in the site's pattern (`head` + date + `tail`)."""

    def __init__(self, known: dict[str, str], head: str, tail: str) -> None:
        super().__init__(known)
        self.head, self.tail = head, tail

    def __missing__(self, day: str) -> str:
        return f"{self.head}{day}{self.tail}"


def _is_one_line(value: str) -> bool:
    """Whether an id read from a stored feed can be written back: one printable line, not too long."""
    return 0 < len(value) <= 2000 and value.isprintable() and not any(c.isspace() for c in value)


def _atom_feed(archive: list[tuple[Briefing, dt.datetime]], title: str, site_url: str | None,
               ids: tuple[str, dict[str, str]]) -> bytes:
    """The site's Atom feed: one entry per briefing, newest first, with ids that never change (`_feed_ids`).

    ``site_url`` is the site's public URL: with it, links are absolute; without, relative to the feed.
    """
    from feedgen.feed import FeedGenerator

    link_base = site_url.rstrip("/") + "/" if site_url else ""
    feed_id, entry_ids = ids
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(clean(title))
    fg.author({"name": clean(title)})
    fg.link(href=f"{link_base}index.html", rel="alternate")
    if site_url:
        fg.link(href=f"{link_base}feed.xml", rel="self")
    fg.updated(max((when for _, when in archive), default=dt.datetime.now(dt.timezone.utc)))
    bodies = render_many("body", [template_context(b, f"{link_base}{b.date}.html") for b, _ in archive])
    for (briefing, when), body in zip(archive, bodies):
        page = f"{briefing.date}.html"
        entry = fg.add_entry(order="append")
        entry.id(entry_ids[briefing.date])
        entry.title(clean(f"{briefing.title} — {briefing.date}"))
        entry.link(href=f"{link_base}{page}", rel="alternate")
        entry.published(dt.datetime.fromisoformat(briefing.date).replace(tzinfo=dt.timezone.utc))
        entry.updated(when)
        entry.content(body, type="html")
    return bytes(fg.atom_str(pretty=True))


@contextlib.contextmanager
def _site_lock(site: Path) -> Iterator[None]:
    """Hold an exclusive lock so concurrent publishes do not interleave.

    The lock file lives in the site's state folder beside it (`public/` -> `.public.briefing/lock`), never in
    the served folder, and is never opened through a symlink.
    """
    try:
        import fcntl
    except ImportError:  # not on POSIX: publish without a lock
        yield
        return
    try:
        fd = open_nofollow(private_dir(site_state_dir(site)) / "lock")
    except DeliveryError as exc:
        raise DeliveryError(f"could not lock {site}: {exc}") from exc
    try:
        wait_for_lock(fd, site)  # bounded: a cron publish never waits for ever
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
