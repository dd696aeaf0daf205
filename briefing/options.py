"""All options in one frozen dataclass, handed to every stage. Defaults live here."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from .errors import ConfigError

ALGORITHMS = ("graph", "lexrank", "textrank", "lsa", "luhn", "lead")
FORMATS = ("md", "html", "json")
_DURATION_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=10_000 * 365)  # longer windows reach past year 1 and overflow dates
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(min|m|h|d|w)", re.IGNORECASE)


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
    fetch_timeout: float = 15.0
    max_bytes: int = 50_000_000  # cap for one input file or response
    cache_dir: str | None = None
    quiet: bool = False
    # the templates' fixed words, for briefings in other languages
    sources_label: str = "Sources"
    empty_label: str = "Nothing to report."
    day_names: tuple[str, ...] = ()  # Monday to Sunday; empty = English
    month_names: tuple[str, ...] = ()  # January to December; empty = English

    def replace(self, **changes: Any) -> Options:
        """A copy with some fields changed."""
        return replace(self, **changes)


def parse_duration(text: str) -> timedelta:
    """Parse a time window such as "90m", "24h", "2d", "1w" or "1d12h".

    Args:
        text: numbers each followed by a unit: m (minutes), h (hours), d (days), w (weeks).

    Returns:
        The duration (always positive).

    Raises:
        ConfigError: the text is not such a duration.

    Example:
        >>> parse_duration("1d12h")
        datetime.timedelta(days=1, seconds=43200)
    """
    compact = "".join(str(text).split())
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(compact):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
        position = match.end()
    if not compact or position != len(compact) or total <= 0:
        raise ConfigError(
            f"Invalid duration {text!r}: use a number and a unit m, h, d or w, e.g. 90m, 24h, 2d, 1w"
        )
    if total > MAX_DURATION.total_seconds():
        raise ConfigError(f"Invalid duration {text!r}: at most {MAX_DURATION.days // 365} years")
    return timedelta(seconds=total)
