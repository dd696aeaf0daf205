"""Reading a run's remote sources together, within the run's deadline.

The feeds and pages a run names (on the command line, in `sources`, or in an OPML file) are read
`MAX_FEEDS` at a time; the fetch layer keeps to 8 requests in flight and 2 per host. The run has one
deadline, `Options.run_timeout` seconds after it starts (`with_run_deadline`): no fetch or stream read
waits past it, and what arrived by then makes the briefing.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..errors import BriefingError
from ..models import Document
from ..options import Options

MAX_FEEDS = 8  # feeds (and URLs) read at once
MAX_WAIT = 86_400.0 * 365  # no wait is longer than a year (an `inf` timeout must not overflow a clock)


def with_run_deadline(options: Options) -> Options:
    """`options` with the run's deadline set (`run_timeout` seconds from now) unless it already is.

    >>> with_run_deadline(Options(run_timeout=60)).run_deadline is not None
    True
    """
    if options.run_deadline is not None:
        return options
    return options.replace(run_deadline=time.monotonic() + min(options.run_timeout, MAX_WAIT))


def stream_wait(options: Options) -> float:
    """Seconds one pipe or device read may take in all: `fetch_timeout`, and never past the run's deadline."""
    wait = min(options.fetch_timeout, MAX_WAIT)
    if options.run_deadline is not None:
        wait = min(wait, max(options.run_deadline - time.monotonic(), 0.0))
    return wait


def load_urls(urls: Sequence[str], options: Options | Mapping[str, Options]) -> dict[str, list[Document] | BriefingError]:
    """The documents of each http(s) URL (a feed's entries or one page), or the error that stopped it.

    Args:
        urls: the URLs, in order; duplicates are read once.
        options: see `feeds.load_remote`; `run_deadline` bounds every wait. A mapping gives each URL its own
            (its source's `language`).

    Returns:
        Each URL, in input order, with its documents or its error.
    """
    unique = list(dict.fromkeys(urls))
    if not unique:  # (a run without URLs need not load the feed reader)
        return {}
    from .feeds import load_remote

    def load(url: str) -> list[Document] | BriefingError:
        try:
            return load_remote(url, options if isinstance(options, Options) else options[url])
        except BriefingError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=min(MAX_FEEDS, len(unique))) as pool:
        return dict(zip(unique, pool.map(load, unique)))
