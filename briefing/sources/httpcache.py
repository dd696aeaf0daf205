"""The on-disk HTTP cache: one file per URL (validators + body), bounded in size and age.

A fetch that got an ETag or Last-Modified stores the body here, and the next fetch of the URL asks the
server whether it changed (a 304 answer reuses the stored body). The folder never holds more than
`CACHE_MAX_BYTES`: entries older than `CACHE_MAX_AGE` days go first, then the least recently used. It is
trimmed the first time a process writes to it and again after each further tenth of the cap written.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeliveryError
from ..options import Options

CACHE_MAX_BYTES = 100_000_000  # the whole folder
CACHE_MAX_AGE = 30.0  # days since an entry was last fetched or confirmed (304)
_FORMAT = 1
_KEEP_HEADERS = ("etag", "last-modified", "content-type")
_lock = threading.Lock()
_written: dict[Path, int] = {}  # bytes written to each folder since this process last trimmed it


@dataclass(frozen=True)
class CachedBody:
    """A stored response: its body and the headers kept with it (lower-case names)."""

    headers: dict[str, str]
    content: bytes


def cache_dir(options: Options) -> Path:
    """The HTTP cache directory: `options.cache_dir` or the user cache dir / briefing / http.

    Args:
        options: uses `cache_dir`.

    Returns:
        The directory (not created).
    """
    if options.cache_dir:
        return Path(options.cache_dir)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("briefing")) / "http"


def cache_read(directory: Path, url: str) -> CachedBody | None:
    """The cached response for a URL, or None (a missing or damaged entry is ignored)."""
    try:
        data = _path(directory, url).read_bytes()
        head, body = data.split(b"\n", 1)
        meta = json.loads(head)
        if meta.get("format") != _FORMAT or meta.get("url") != url:
            return None
        return CachedBody({str(k): str(v) for k, v in dict(meta["headers"]).items()}, body)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def cache_touch(directory: Path, url: str) -> None:
    """Mark an entry as used now (the server confirmed it with a 304), so it is evicted last."""
    with contextlib.suppress(OSError):
        os.utime(_path(directory, url))


def cache_write(directory: Path, url: str, headers: dict[str, str], content: bytes) -> None:
    """Store body + validators atomically, then keep the folder within its bounds; a failed write is not fatal."""
    meta = {"format": _FORMAT, "url": url, "headers": {k: v for k, v in headers.items() if k in _KEEP_HEADERS}}
    entry = json.dumps(meta).encode("utf-8") + b"\n" + content
    if len(entry) > CACHE_MAX_BYTES // 10:
        return  # one entry may not crowd out a tenth of the cache
    from ..atomic import write_atomic

    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(_path(directory, url), entry)
    except (OSError, DeliveryError):
        return  # the cache is an optimisation; the fetched body is still good
    with _lock:
        since = _written.get(directory)
        due = since is None or since + len(entry) > CACHE_MAX_BYTES // 10
        _written[directory] = 0 if due else (since or 0) + len(entry)
    if due:
        trim_cache(directory)


def trim_cache(directory: Path) -> None:
    """Delete entries older than CACHE_MAX_AGE days, then the least recently used until 90% of CACHE_MAX_BYTES."""
    entries: list[tuple[float, int, Path]] = []
    with contextlib.suppress(OSError):
        for path in directory.glob("*.cache"):
            with contextlib.suppress(OSError):
                info = path.stat()
                entries.append((info.st_mtime, info.st_size, path))
    entries.sort()
    total = sum(size for _, size, _ in entries)
    oldest = time.time() - CACHE_MAX_AGE * 86_400
    for mtime, size, path in entries:
        if mtime >= oldest and total <= CACHE_MAX_BYTES * 9 // 10:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size


def _path(directory: Path, url: str) -> Path:
    """Where the cached response for a URL lives."""
    return directory / (hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest() + ".cache")
