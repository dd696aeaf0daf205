"""All options in one frozen dataclass, handed to every stage. Defaults live here."""
from __future__ import annotations

import re
from pathlib import Path
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .errors import ConfigError

ALGORITHMS = ("graph", "lexrank", "textrank", "lsa", "luhn", "lead")
FORMATS = ("md", "html", "json")
_DURATION_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
# Units as people type them ("3 days", "2 hours"), each meaning one of the short units above.
_UNIT_WORDS = {"minutes": "min", "minute": "min", "mins": "min", "hours": "h", "hour": "h", "hrs": "h", "hr": "h",
               "days": "d", "day": "d", "weeks": "w", "week": "w"}
MAX_DURATION = timedelta(days=10_000 * 365)  # longer windows reach past year 1 and overflow dates
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d|weeks|week|w)", re.IGNORECASE)
DEFAULT_WINDOW = timedelta(hours=24)
# `--since last`: since the last briefing in the history (the workflow turns it into that briefing's time).
SINCE_LAST = "last"


@dataclass(frozen=True)
class Options:
    """Every knob of the pipeline. Build one with `Options(words=120)` or `options.replace(...)`."""

    # budget: `sentences` wins when set; otherwise `words`
    words: int | None = 250
    sentences: int | None = None
    algorithm: str = "graph"
    title: str | None = None  # default: "Briefing"
    date: str | None = None  # YYYY-MM-DD; default: today
    formats: tuple[str, ...] = ("md",)
    output: str | None = None  # file, directory or "-"
    output_dir: str | None = None
    template: str | None = None  # a user template file (replaces the format's template)
    query: str | None = None  # optional focus query for the ranker
    language: str | None = None  # BCP 47 tag: every document of the run is in this language (no detection)
    # ranking / selection
    min_words: int = 6  # shorter sentences are fragments and never selected
    max_words: int = 60  # longer "sentences" are run-ons (glued headlines, scraped lines) and never selected
    duplicate_threshold: float = 0.5  # 0.0-1.0 similarity at which two sentences say the same thing
    stories: bool = True  # group many documents into story sections
    # daily use
    history: str | None = None  # path of the SQLite history; None = default location
    use_history: bool = False
    since: str | None = None  # e.g. "24h"; time window for feed entries
    allow_private: bool = False  # let links found inside feeds reach private/loopback addresses
    fetch_timeout: float = 15.0  # seconds for one URL or stream, all its waits together
    run_timeout: float = 600.0  # seconds for all the fetching and reading of a run; then what arrived is used
    run_deadline: float | None = None  # time.monotonic() at which this run's reading ends (set by the run, not config)
    max_bytes: int = 50_000_000  # cap for one input file or response
    cache_dir: str | None = None
    quiet: bool = False
    # the templates' fixed words, for briefings in other languages
    sources_label: str = "Sources"
    empty_label: str = "Nothing to report."
    nothing_new_label: str = "Nothing new was reported since the last briefing."  # a quiet day's briefing
    day_names: tuple[str, ...] = ()  # Monday to Sunday; empty = English
    month_names: tuple[str, ...] = ()  # January to December; empty = English

    def replace(self, **changes: Any) -> Options:
        """A copy with some fields changed."""
        return replace(self, **changes)


def user_path(value: str | Path) -> Path:
    """`value` as a Path, `~` and `~user` expanded (every path a user types or configures goes through here).

    Raises:
        ConfigError: `~user` names no user (pathlib raises RuntimeError: "Could not determine home directory").
    """
    try:
        return Path(value).expanduser()
    except RuntimeError:
        head = str(value).split("/", 1)[0]
        raise ConfigError(f"{value}: there is no home folder for {head} (no such user?); check the path") from None


def parse_duration(text: str) -> timedelta:
    """Parse a time window such as "90m", "24h", "2d", "1w", "1d12h" or "3 days".

    Args:
        text: numbers each followed by a unit: m/min/minutes, h/hours, d/days, w/weeks.

    Returns:
        The duration (always positive).

    Raises:
        ConfigError: the text is not such a duration.

    Example:
        >>> parse_duration("1d12h"), parse_duration("3 days")
        (datetime.timedelta(days=1, seconds=43200), datetime.timedelta(days=3))
    """
    compact = "".join(str(text).split())
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(compact):
        if match.start() != position:
            break
        unit = match.group(2).lower()
        total += float(match.group(1)) * _DURATION_UNITS[_UNIT_WORDS.get(unit, unit)]
        position = match.end()
    if not compact or position != len(compact) or total <= 0:
        raise ConfigError(
            f"Invalid duration {text!r}: use a number and a unit m, h, d or w, e.g. 90m, 24h, 2d, \"3 days\", 1w; "
            "a date such as 2024-05-01; or last (since the last briefing)"
        )
    if total > MAX_DURATION.total_seconds():
        raise ConfigError(f"Invalid duration {text!r}: at most {MAX_DURATION.days // 365} years")
    return timedelta(seconds=total)


def parse_since(text: str) -> timedelta | datetime | None:
    """Parse a `--since` value: a duration, a date or time the window starts at, or `last`.

    Args:
        text: "24h", "3 days", "2024-05-01", "2024-05-01T06:30:00+00:00" (UTC when no zone is given),
            or "last" (since the last briefing: the workflow resolves it from the history).
    Returns:
        A timedelta (the window reaches that far back from its end), an aware datetime (the window's
        start), or None for "last".
    Raises:
        ConfigError: the text is none of these.

    >>> parse_since("2024-05-01")
    datetime.datetime(2024, 5, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    value = " ".join(str(text).split())
    if value.lower() == SINCE_LAST:
        return None
    if re.match(r"\d{4}-\d{2}-\d{2}(?:[T ]|\Z)", value):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ConfigError(f"Invalid date {text!r} in --since: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return parse_duration(value)


def feed_window(options: Options, now: datetime | None = None) -> tuple[datetime, datetime | None]:
    """The time window of feed entries: from `since` up to the end of the briefing's date.

    The window follows `--date`: it ends at midnight UTC after that day (with no `--date`, it has no end, since
    feeds with a clock slightly ahead of ours are common) and a duration reaches back from that end.

    Args:
        options: `since` (default 24h; an unresolved "last" counts as the default) and `date`.
        now: the current time (default: now, UTC).
    Returns:
        (start, end), end None when the window reaches up to now.
    Raises:
        ConfigError: a bad `since` or `date`, or a window that starts after the briefing's date.
    """
    end: datetime | None = None
    if options.date:
        try:
            day = date.fromisoformat(options.date)
        except ValueError:
            raise ConfigError(f"Invalid date {options.date!r}: use YYYY-MM-DD") from None
        end = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        end = end + timedelta(days=1) if day < date.max else datetime.max.replace(tzinfo=timezone.utc)
    since = parse_since(options.since) if options.since else DEFAULT_WINDOW
    if isinstance(since, datetime):
        if end is not None and since >= end:
            raise ConfigError(f"--since {options.since} starts after the briefing's date {options.date}: "
                              "no entry can be in the window")
        return since, end
    span = since if since is not None else DEFAULT_WINDOW
    try:
        return (end or now or datetime.now(timezone.utc)) - span, end
    except OverflowError:  # before year 1
        return datetime.min.replace(tzinfo=timezone.utc), end


def describe_window(options: Options) -> str:
    """The window in words for messages, e.g. "the last 24h" or "since 2024-05-01 00:00 UTC"."""
    since = parse_since(options.since) if options.since else DEFAULT_WINDOW
    if isinstance(since, datetime):
        shown = f"since {since.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"
    else:
        shown = f"the last {options.since or '24h'}" if since is not None else "the last 24h"
    return shown + (f" up to the end of {options.date}" if options.date else "")
