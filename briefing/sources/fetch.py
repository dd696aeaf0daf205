"""HTTP layer: concurrent, size-capped, cached fetching with a guard against private addresses.

URLs the user typed are fetched as given. Links found inside feeds are untrusted: they must be
http(s) and must not resolve to a private, loopback, link-local, multicast or reserved address,
unless they are on the exact origin of the feed the user typed or `Options.allow_private` is set
(`briefing.sources.addresses`). Every redirect hop is checked the same way, and the connection goes
to the address that was checked (so a second DNS answer cannot swap in another one).

Every fetch has one deadline, `Options.fetch_timeout` seconds for the whole URL (redirects, headers
and body together): httpx's timeouts count each read on its own, so a server that drips a byte at a
time would never trip them. A watchdog shuts the connection down when the deadline passes.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ..errors import DeliveryError, FetchError
from ..options import Options
from .addresses import TrustedOrigins, check_target

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
MAX_CONNECTIONS = 8  # global limit on requests in flight
MAX_PER_HOST = 2  # be polite to each publisher
_CHUNK = 65_536
_REDIRECT_CODES = {301, 302, 303, 307, 308}
_CACHE_FORMAT = 1


@dataclass(frozen=True)
class Response:
    """A finished HTTP response (status 200), possibly served from the on-disk cache."""

    url: str  # the URL that was asked for
    final_url: str  # after redirects
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""
    from_cache: bool = False
    address: str | None = None  # the IP address it was fetched from (pins the origin for its links)
    seconds: float = 0.0  # how long the fetch took: reading the page may take the rest of fetch_timeout

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ("" when missing)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def user_agent() -> str:
    """The User-Agent header: `briefing/<version> (+https://github.com/briefing)`."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("briefing")
    except PackageNotFoundError:  # running from a source checkout
        ver = "dev"
    return f"briefing/{ver} (+https://github.com/briefing)"


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


def fetch_one(url: str, options: Options, *, allow_private_for: TrustedOrigins | None = None) -> Response:
    """Fetch one URL, following at most 5 redirects, or raise FetchError.

    Args:
        url: an http(s) URL.
        options: uses `fetch_timeout`, `max_bytes`, `cache_dir`, `allow_private`.
        allow_private_for: None when the user gave the URL (fetched as given). For an untrusted
            link, the trusted origins ("host:port" -> the address to connect to, or None):
            private addresses are refused except on these (see `addresses.check_target`).

    Returns:
        The response (status 200, or the cached body after a 304).

    Example:
        >>> fetch_one("https://example.com/feed.xml", Options()).content_type  # doctest: +SKIP
        'application/rss+xml'
    """
    result = fetch_many([url], options, allow_private_for=allow_private_for)[url]
    if isinstance(result, Exception):
        raise result
    return result


def fetch_many(
    urls: Iterable[str], options: Options, *, allow_private_for: TrustedOrigins | None = None
) -> dict[str, Response | FetchError]:
    """Fetch several URLs concurrently (8 at once, 2 per host); failures become FetchError values.

    Args:
        urls: http(s) URLs; duplicates are fetched once.
        options: see `fetch_one`.
        allow_private_for: see `fetch_one`.

    Returns:
        A dict from each URL to its Response or to the FetchError that explains the failure.
    """
    import httpx

    unique = list(dict.fromkeys(urls))
    if not unique:
        return {}
    host_locks: dict[str, threading.BoundedSemaphore] = {
        _host_key(u): threading.BoundedSemaphore(MAX_PER_HOST) for u in unique
    }
    # No keep-alive: each request opens its own connection, which its deadline watchdog may shut down.
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=0)
    timeout = httpx.Timeout(options.fetch_timeout)
    headers = {"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"}
    with httpx.Client(limits=limits, timeout=timeout, headers=headers, follow_redirects=False) as client:

        def work(url: str) -> Response | FetchError:
            with host_locks[_host_key(url)]:
                try:
                    return _fetch(client, url, options, allow_private_for)
                except FetchError as exc:
                    return exc

        with ThreadPoolExecutor(max_workers=min(MAX_CONNECTIONS, len(unique))) as pool:
            return dict(zip(unique, pool.map(work, unique)))


def _host_key(url: str) -> str:
    """The lower-case host of a URL (for the per-host limit)."""
    return (urlsplit(url).hostname or "").lower()


def _fetch(client: httpx.Client, url: str, options: Options, allow_private_for: TrustedOrigins | None) -> Response:
    """Fetch one URL with manual redirects, so every hop gets the scheme and address checks."""
    import httpx

    current = url
    deadline = _Deadline(options.fetch_timeout)
    for _hop in range(MAX_REDIRECTS + 1):
        if time.monotonic() >= deadline.at:
            raise FetchError(f"Could not fetch {url}: timed out after {options.fetch_timeout:g} s")
        pinned = check_target(current, url, options, allow_private_for)
        cached = _cache_read(cache_dir(options), current)
        try:
            with deadline.watch():
                response = _request(client, current, pinned, cached, options, url, deadline)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError) as exc:
            if deadline.expired or isinstance(exc, httpx.TimeoutException):
                raise FetchError(f"Could not fetch {url}: timed out after {options.fetch_timeout:g} s") from None
            raise FetchError(f"Could not fetch {url}: {_one_line(exc)}") from None
        if isinstance(response, Response):
            return replace(response, url=url, seconds=options.fetch_timeout - deadline.remaining())
        current = response  # a redirect target
    raise FetchError(f"Could not fetch {url}: more than {MAX_REDIRECTS} redirects")


def _request(
    client: httpx.Client,
    url: str,
    pinned: str,
    cached: Response | None,
    options: Options,
    original: str,
    deadline: _Deadline,
) -> Response | str:
    """One request: the response, or the absolute URL it redirects to."""
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    # Connect to the checked address, keep the real name for Host and TLS.
    parts = urlsplit(url)
    target = str(_httpx_url(url).copy_with(host=pinned))
    headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    if parts.scheme == "https":
        extensions["sni_hostname"] = parts.hostname
    if cached is not None:
        if "etag" in cached.headers:
            headers["If-None-Match"] = cached.headers["etag"]
        if "last-modified" in cached.headers:
            headers["If-Modified-Since"] = cached.headers["last-modified"]
    extensions["trace"] = deadline.trace
    request = client.build_request("GET", target, headers=headers, extensions=extensions,
                                   timeout=deadline.remaining())
    response = client.send(request, stream=True)
    try:
        status = response.status_code
        if status in _REDIRECT_CODES and "location" in response.headers:
            return urljoin(url, response.headers["location"])
        if status == 304 and cached is not None:
            return replace(cached, final_url=url, from_cache=True, address=pinned)
        if status != 200:
            reason = f"HTTP {status} {response.reason_phrase}".strip()
            raise FetchError(f"Could not fetch {original}: {reason}")
        body = _read_capped(response, options.max_bytes, deadline.at, original)
    finally:
        response.close()
    result = Response(
        url=url,
        final_url=url,
        status_code=status,
        headers={k.lower(): v for k, v in response.headers.items()},
        content=body,
        address=pinned,
    )
    if "etag" in result.headers or "last-modified" in result.headers:
        _cache_write(cache_dir(options), url, result)
    return result


class _Deadline:
    """One fetch's deadline: the time left for each request, and a watchdog that shuts the connection down.

    The connection's socket comes from httpx's `trace` extension (the connect and TLS events); when the
    deadline passes, `socket.shutdown` wakes the read that is waiting, whatever the server is sending.
    """

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (a small positive number once the deadline has passed)."""
        return max(self.at - time.monotonic(), 0.001)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx trace hook: remember the socket of each new connection (and of its TLS layer)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.append(sock)
                    if not self.expired:
                        return
                self._shutdown()  # the deadline passed while connecting

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        """Shut the request's connection down if it is still running at the deadline."""
        timer = threading.Timer(self.remaining(), self._fire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            with self._lock:
                self._sockets.clear()

    def _fire(self) -> None:
        """The deadline has passed: mark it and shut every open socket of this fetch down."""
        with self._lock:
            self.expired = True
        self._shutdown()

    def _shutdown(self) -> None:
        """Shut down (not close: another thread may be reading) the sockets of this fetch."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _httpx_url(url: str) -> httpx.URL:
    """Parse a URL with httpx (kept separate so the import stays lazy)."""
    import httpx

    return httpx.URL(url)


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float, url: str) -> bytes:
    """Read the body, aborting when it grows past max_bytes or the request outlives its timeout."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"Could not fetch {url}: response larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"Could not fetch {url}: response larger than {max_bytes} bytes")
        # Read timeouts reset on every byte; a slow drip must still end.
        if time.monotonic() > deadline:
            raise FetchError(f"Could not fetch {url}: timed out while reading")
        chunks.append(chunk)
    return b"".join(chunks)


def _one_line(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# ---------------------------------------------------------------- cache


def _cache_path(directory: Path, url: str) -> Path:
    """Where the cached response for a URL lives."""
    return directory / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".cache")


def _cache_read(directory: Path, url: str) -> Response | None:
    """The cached response for a URL, or None (a missing or damaged entry is ignored)."""
    try:
        data = _cache_path(directory, url).read_bytes()
        head, body = data.split(b"\n", 1)
        meta = json.loads(head)
        if meta.get("format") != _CACHE_FORMAT or meta.get("url") != url:
            return None
        return Response(url=url, final_url=url, status_code=200, headers=dict(meta["headers"]), content=body)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_write(directory: Path, url: str, response: Response) -> None:
    """Store body + validators atomically (temp file + os.replace); a failed write is not fatal."""
    keep = ("etag", "last-modified", "content-type")
    meta = {
        "format": _CACHE_FORMAT,
        "url": url,
        "headers": {k: v for k, v in response.headers.items() if k in keep},
    }
    from ..atomic import write_atomic

    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(_cache_path(directory, url), json.dumps(meta).encode("utf-8") + b"\n" + response.content)
    except (OSError, DeliveryError):
        pass  # the cache is an optimisation; the fetched body is still good
