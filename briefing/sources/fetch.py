"""HTTP layer: concurrent, size-capped, cached fetching with a guard against private addresses.

URLs the user typed are fetched as given. Links found inside feeds are untrusted: they must be
http(s) and must not resolve to a private, loopback, link-local, multicast or reserved address,
unless they are on the exact origin of the feed the user typed or `Options.allow_private` is set
(`briefing.sources.addresses`). Every redirect hop is checked the same way, and the connection goes
to the address that was checked (so a second DNS answer cannot swap in another one).

Every fetch has one deadline, `Options.fetch_timeout` seconds for the whole URL (name lookup,
redirects, headers and body together), and none outlives the run's deadline (`Options.run_deadline`):
httpx's timeouts count each read on its own, so a server that drips a byte at a time would never trip
them. A watchdog shuts the connection down when the deadline passes, and the name lookup runs in a
worker thread that is abandoned at the deadline.

At most 8 requests are in flight in the whole process, at most 2 per host, whoever asks. The body is
decoded here (gzip, deflate, in any number of layers) a bounded piece at a time, so `max_bytes` and the
deadline hold for the decoded bytes as they stream: a small compressed bomb stops at the cap.
"""
from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import FetchError
from ..options import Options
from .addresses import TrustedOrigins, check_target, join_url, split_url
from .encoding import content_layers, decoded
from .httpcache import cache_dir, cache_read, cache_touch, cache_write
from .limits import MAX_CONNECTIONS, on_parse_thread, run_out, slot, tls_context

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
_CHUNK = 65_536
_REDIRECT_CODES = {301, 302, 303, 307, 308}
T = TypeVar("T")



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
    deadline: float = math.inf  # time.monotonic() at which this URL's time budget ends (for work on its body)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ("" when missing)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def time_left(self) -> float:
        """Seconds left of this URL's budget (for parsing its body); 0.0 once it has passed."""
        return max(self.deadline - time.monotonic(), 0.0)


def user_agent() -> str:
    """The User-Agent header: `briefing/<version> (+https://github.com/briefing)`."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("briefing")
    except PackageNotFoundError:  # running from a source checkout
        ver = "dev"
    return f"briefing/{ver} (+https://github.com/briefing)"


def fetch_one(url: str, options: Options, *, allow_private_for: TrustedOrigins | None = None) -> Response:
    """Fetch one URL, following at most 5 redirects, or raise FetchError.

    Args:
        url: an http(s) URL.
        options: uses `fetch_timeout`, `run_deadline`, `max_bytes`, `cache_dir`, `allow_private`.
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
    return fetch_each(urls, options, _same, allow_private_for=allow_private_for)


def _same(response: Response) -> Response:
    """The response itself (what `fetch_many` keeps of each)."""
    return response


def fetch_each(
    urls: Iterable[str], options: Options, use: Callable[[Response], T], *,
    allow_private_for: TrustedOrigins | None = None,
) -> dict[str, T | FetchError]:
    """Fetch several URLs concurrently and keep only `use(response)` of each, made as each arrives.

    A body is only held while its URL has one of the process's 8 request slots, so at most 8 bodies
    (each at most `max_bytes`) are held at once, however many URLs and callers there are. `use` (e.g.
    extracting a page's text) runs on the process's one parsing thread (`limits.on_parse_thread`), with
    `Response.time_left()` of the URL's budget; the body is dropped when it returns.

    Args:
        urls: http(s) URLs; duplicates are fetched once.
        options: see `fetch_one`.
        use: what to keep of a response; a FetchError it raises becomes that URL's value.
        allow_private_for: see `fetch_one`.

    Returns:
        A dict from each URL to `use(response)` or to the FetchError that explains the failure.
    """
    import httpx

    unique = list(dict.fromkeys(urls))
    if not unique:
        return {}
    # No keep-alive: each request opens its own connection, which its deadline watchdog may shut down.
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=0)
    timeout = httpx.Timeout(options.fetch_timeout)
    # Accept-Encoding is what `encoding.decoded` can decode; httpx's own decoding is never used (iter_raw).
    headers = {"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"}
    with httpx.Client(limits=limits, timeout=timeout, headers=headers, follow_redirects=False,
                      verify=tls_context()) as client:

        def work(url: str) -> T | FetchError:
            try:
                with slot(_host_key(url), url, options):
                    response = _fetch(client, url, options, allow_private_for)
                    # the body is held (and its slot kept) until it is parsed, on the one parsing thread
                    return response if use is _same else on_parse_thread(use, response)  # type: ignore[return-value]
            except FetchError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=min(MAX_CONNECTIONS, len(unique))) as pool:
            return dict(zip(unique, pool.map(work, unique)))


def _host_key(url: str) -> str:
    """The lower-case host of a URL (for the per-host limit)."""
    parts = split_url(url)
    return ((parts.hostname if parts else None) or "").lower()


def _fetch(client: httpx.Client, url: str, options: Options, allow_private_for: TrustedOrigins | None) -> Response:
    """Fetch one URL with manual redirects, so every hop gets the scheme and address checks."""
    import httpx

    current = url
    deadline = _Deadline(options.fetch_timeout, options.run_deadline)
    for _hop in range(MAX_REDIRECTS + 1):
        if time.monotonic() >= deadline.at:
            raise FetchError(f"Could not fetch {url}: {deadline.reason(options)}")
        pinned = check_target(current, url, options, allow_private_for, wait=deadline.remaining(),
                              limit=deadline.limit)
        cached = cache_read(cache_dir(options), current)
        try:
            with deadline.watch():
                response = _request(client, current, pinned, cached, options, url, deadline)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError, zlib.error) as exc:
            if deadline.expired or isinstance(exc, httpx.TimeoutException):
                raise FetchError(f"Could not fetch {url}: {deadline.reason(options)}") from None
            raise FetchError(f"Could not fetch {url}: {_one_line(exc)}") from None
        if isinstance(response, Response):
            return replace(response, url=url, deadline=deadline.at)
        current = response  # a redirect target
    raise FetchError(f"Could not fetch {url}: more than {MAX_REDIRECTS} redirects")


def _request(
    client: httpx.Client,
    url: str,
    pinned: str,
    cached: Any,
    options: Options,
    original: str,
    deadline: _Deadline,
) -> Response | str:
    """One request: the response, or the absolute URL it redirects to (`cached`: a `httpcache.CachedBody`)."""
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    # Connect to the checked address, keep the real name for Host and TLS.
    parts = split_url(url)
    if parts is None:
        raise FetchError(f"Could not fetch {original}: not a valid URL")
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
            hop = join_url(url, response.headers["location"])
            if hop is None:
                raise FetchError(f"Could not fetch {original}: it redirects to a malformed URL")
            return hop
        if status == 304 and cached is not None:
            cache_touch(cache_dir(options), url)
            return Response(url, url, 200, cached.headers, cached.content, from_cache=True, address=pinned)
        if status != 200:
            reason = f"HTTP {status} {response.reason_phrase}".strip()
            raise FetchError(f"Could not fetch {original}: {reason}")
        body = _read_capped(response, options.max_bytes, deadline, original, options)
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
        cache_write(cache_dir(options), url, result.headers, result.content)
    return result


class _Deadline:
    """One fetch's deadline: the time left for each request, and a watchdog that shuts the connection down.

    It is `seconds` from now, or the run's deadline (`run_at`, a `time.monotonic()` value) if that
    comes first. The connection's socket comes from httpx's `trace` extension (the connect and TLS
    events); when the deadline passes, `socket.shutdown` wakes the read that is waiting, whatever the
    server is sending.
    """

    def __init__(self, seconds: float, run_at: float | None = None) -> None:
        self.limit = seconds
        own = time.monotonic() + seconds
        self.at = own if run_at is None else min(own, run_at)
        self.by_run = self.at < own
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (a small positive number once the deadline has passed)."""
        return max(self.at - time.monotonic(), 0.001)

    def reason(self, options: Options) -> str:
        """Why the fetch stopped at this deadline, for the message."""
        return run_out(options) if self.by_run else f"timed out after {self.limit:g} s"

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


def _read_capped(response: httpx.Response, max_bytes: int, deadline: _Deadline, url: str,
                 options: Options) -> bytes:
    """Read and decode the body, aborting when the decoded bytes grow past max_bytes or the deadline passes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"Could not fetch {url}: response larger than {max_bytes} bytes")
    try:
        layers = content_layers(response.headers.get("content-encoding", ""))
    except ValueError as exc:
        raise FetchError(f"Could not fetch {url}: {exc}") from None
    chunks: list[bytes] = []
    size = 0
    for chunk in decoded(response.iter_raw(_CHUNK), layers):
        size += len(chunk)
        if size > max_bytes:
            what = "decoded response" if layers else "response"
            raise FetchError(f"Could not fetch {url}: {what} larger than {max_bytes} bytes")
        # Read timeouts reset on every byte; a slow drip (or a long decompression) must still end.
        if time.monotonic() > deadline.at:
            raise FetchError(f"Could not fetch {url}: {deadline.reason(options)} while reading")
        chunks.append(chunk)
    return b"".join(chunks)


def _one_line(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
