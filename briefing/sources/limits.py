"""What every fetch in the process shares: at most 8 requests in flight, 2 per host, one thread that
parses fetched bodies, and one TLS context.

The limits are the process's, not one call's, so feeds read together (an OPML file) and the pages
each of them links to stay polite together. Waiting for a slot never outlasts the run's deadline.
"""
from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from ..errors import FetchError
from ..options import Options

if TYPE_CHECKING:
    import ssl

A = TypeVar("A")
R = TypeVar("R")

MAX_CONNECTIONS = 8  # global limit on requests in flight
MAX_PER_HOST = 2  # be polite to each publisher
_slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
_hosts_lock = threading.Lock()
_hosts: dict[str, threading.BoundedSemaphore] = {}
_worker: list[ThreadPoolExecutor] = []  # the one thread that parses fetched bodies (made when first needed)
if hasattr(os, "register_at_fork"):  # a forked child has no such thread: it makes its own
    os.register_at_fork(after_in_child=_worker.clear)


@functools.lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One TLS context (httpx's default: certifi's CA bundle) for every client; loading it takes ~35 ms each time."""
    import httpx

    return httpx.create_ssl_context()


@contextlib.contextmanager
def slot(host: str, url: str, options: Options) -> Iterator[None]:
    """Hold one of the process's request slots and one of the URL's host slots (waiting until the run's deadline)."""
    with _hosts_lock:
        per_host = _hosts.setdefault(host, threading.BoundedSemaphore(MAX_PER_HOST))
    if not per_host.acquire(timeout=_run_left(options)):
        raise FetchError(f"Could not fetch {url}: {run_out(options)}")
    try:
        if not _slots.acquire(timeout=_run_left(options)):
            raise FetchError(f"Could not fetch {url}: {run_out(options)}")
        try:
            yield
        finally:
            _slots.release()
    finally:
        per_host.release()


def _run_left(options: Options) -> float | None:
    """Seconds left before the run's deadline (None: no deadline)."""
    if options.run_deadline is None:
        return None
    return max(options.run_deadline - time.monotonic(), 0.0)


def run_out(options: Options) -> str:
    """The reason given for work not done because the run's deadline passed."""
    return f"the run's time limit (run_timeout {options.run_timeout:g} s) ran out"


def on_parse_thread(func: Callable[[A], R], arg: A) -> R:
    """`func(arg)` run on the process's one parsing thread, waited for (`func` must not call this itself).

    Parsing a page takes many times its bytes. One page at a time bounds that, and one thread does it
    (not each fetching thread in turn), so the memory freed after each page is reused for the next:
    each thread that parses gets its own malloc arena, and 8 arenas held 630 MB where one held 340 MB.
    """
    with _hosts_lock:
        if not _worker:
            _worker.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing-parse"))
    return _worker[0].submit(func, arg).result()
