"""`briefing sources`: what a setup reads (folders, files, feeds, OPML subscriptions) and when each last changed."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BriefingError
from ..options import Options, user_path
from .documents import URL_RE

if TYPE_CHECKING:
    from ..errors import FetchError
    from .fetch import Response

__all__ = ["SourceStatus", "format_sources", "list_sources"]


@dataclass(frozen=True)
class SourceStatus:
    """One source of a setup: what it is, what it holds, and when it last changed (UTC, None when unknown)."""

    source: str  # the path or URL as configured
    kind: str  # "folder", "file", "opml", "feed", "page", "stdin" or "missing"
    detail: str = ""  # e.g. "12 files", "20 entries", or why it could not be read
    title: str | None = None
    last_changed: dt.datetime | None = None
    via: str | None = None  # the OPML file that lists this feed
    ok: bool = True


def list_sources(inputs: Sequence[str], options: Options, names: Mapping[str, str | None] | None = None
                 ) -> list[SourceStatus]:
    """Describe each input; the feeds (named directly or in OPML files) are fetched to see their newest entry.

    Args:
        inputs: the setup's sources (command line or `sources` in briefing.toml).
        options: fetch options (`fetch_timeout`, `cache_dir`, ...) and the time window (`since`, `date`): each
            feed says how many of its entries are inside it.
        names: the names the user gave sources (briefing.toml), shown as their titles.
    Returns:
        One status per input, and one per feed of each OPML file (after that file's own line).
    """
    from .decode import read_bytes_capped
    from .fetch import fetch_many
    from .opml import is_opml, read_opml
    from .remote import stream_wait

    planned: list[SourceStatus] = []
    for item in inputs:
        if item == "-":
            planned.append(SourceStatus(item, "stdin", "read from standard input"))
        elif URL_RE.match(item):
            planned.append(SourceStatus(item, "feed"))
        else:
            path = user_path(item)
            if not path.exists():
                planned.append(SourceStatus(item, "missing", "does not exist", ok=False))
            elif path.is_dir():
                planned.append(_folder(item, path))
            else:
                stamp = _mtime(path)
                try:
                    # read as `build` reads it: capped, and a pipe or device (st_size 0) within fetch_timeout
                    small = path.suffix.lower() == ".opml" or path.stat().st_size < 2_000_000
                    data = read_bytes_capped(path, options.max_bytes, wait=stream_wait(options)) if small else b""
                    subs = read_opml(data, item) if is_opml(data) else None
                except (OSError, BriefingError) as exc:
                    planned.append(SourceStatus(item, "file", _reason(exc), last_changed=stamp, ok=False))
                    continue
                if subs is None:
                    planned.append(SourceStatus(item, "file", last_changed=stamp))
                    continue
                planned.append(SourceStatus(item, "opml", f"{len(subs)} feed{'' if len(subs) == 1 else 's'}",
                                            last_changed=stamp))
                planned.extend(SourceStatus(s.url, "feed", title=s.title, via=item) for s in subs)
    planned = [replace(s, title=(names or {}).get(s.source) or s.title) for s in planned]
    urls = [s.source for s in planned if s.kind == "feed"]
    fetched = fetch_many(urls, options) if urls else {}
    return [_remote(s, fetched[s.source], options) if s.kind == "feed" else s for s in planned]


def _remote(status: SourceStatus, result: "Response | FetchError", options: Options) -> SourceStatus:
    """The status of a fetched URL: a feed's entries and newest date, or a page's Last-Modified."""
    from .feeds import feed_summary, is_feed

    if isinstance(result, Exception):
        return replace(status, detail=_reason(result), ok=False)
    modified = _http_date(result.headers.get("last-modified"))
    if not is_feed(result.content_type, result.content):
        return replace(status, kind="page", detail="an article page", last_changed=modified)
    # The entries a build would read: inside the time window (`since`, ending with the briefing's date) or undated.
    title, entries, newest, inside = feed_summary(result.content, options)
    return replace(status, title=status.title or title, last_changed=newest or modified,
                   detail=f"{inside} of {entries} entr{'y' if entries == 1 else 'ies'} in the window")


def _folder(item: str, path: Path) -> SourceStatus:
    """A folder's readable files (as `build` would read them) and its newest file's time."""
    from .ingest import KINDS

    files = [p for p in path.rglob("*") if p.suffix.lower() in KINDS and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(path).parts)]
    newest = max((t for t in map(_mtime, files) if t is not None), default=None)
    return SourceStatus(item, "folder", f"{len(files)} file{'' if len(files) == 1 else 's'}", last_changed=newest)


def _mtime(path: Path) -> dt.datetime | None:
    """A file's modification time in UTC, or None."""
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except OSError:
        return None


def _http_date(value: str | None) -> dt.datetime | None:
    """An HTTP date header as a UTC datetime, or None."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(dt.timezone.utc)
    except (TypeError, ValueError):
        return None


def _reason(exc: BaseException) -> str:
    """A one-line reason for an error."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def format_sources(statuses: Sequence[SourceStatus]) -> str:
    """The statuses as aligned text lines: kind, last change, detail, then the source (and its title).

    >>> print(format_sources([SourceStatus("news/", "folder", "3 files")]), end="")
    folder  -  3 files  news/
    """
    from ..progress import for_terminal

    rows = []
    for s in statuses:  # titles, names and reasons come from feeds, OPML files and servers: escape what they hold
        when = s.last_changed.strftime("%Y-%m-%d %H:%M UTC") if s.last_changed else "-"
        name = f"  {for_terminal(s.source)}" if s.via else for_terminal(s.source)
        rows.append((s.kind, when, for_terminal(s.detail), name + (f"  ({for_terminal(s.title)})" if s.title else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(3)] if rows else [0, 0, 0]
    return "".join("  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2]), r[3]]) + "\n"
                   for r in rows)
