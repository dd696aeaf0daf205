"""HTTP layer: concurrent, size-capped, cached fetching with a guard against private addresses.

URLs the user typed are fetched as given. Links found inside feeds are untrusted: they must be
http(s) and must not resolve to a private, loopback, link-local, multicast or reserved address,
unless the feed itself lives on that host or `Options.allow_private` is set. Every redirect hop
of an untrusted link is checked the same way, and the connection goes to the address that was
checked (so a second DNS answer cannot swap in another one).
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ..errors import DeliveryError, FetchError
from ..options import Options

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


def fetch_one(url: str, options: Options, *, allow_private_for: set[str] | None = None) -> Response:
    """Fetch one URL, following at most 5 redirects, or raise FetchError.

    Args:
        url: an http(s) URL.
        options: uses `fetch_timeout`, `max_bytes`, `cache_dir`, `allow_private`.
        allow_private_for: None when the user gave the URL (fetched as given). A set of host
            names when the URL is an untrusted link: private addresses are refused except on
            these hosts.

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
    urls: Iterable[str], options: Options, *, allow_private_for: set[str] | None = None
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
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
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


def _fetch(client: httpx.Client, url: str, options: Options, allow_private_for: set[str] | None) -> Response:
    """Fetch one URL with manual redirects, so every hop gets the scheme and address checks."""
    import httpx

    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        pinned = _check_target(current, url, options, allow_private_for)
        cached = _cache_read(cache_dir(options), current)
        try:
            response = _request(client, current, pinned, cached, options, url)
        except httpx.TimeoutException:
            raise FetchError(f"Could not fetch {url}: timed out after {options.fetch_timeout:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise FetchError(f"Could not fetch {url}: {_one_line(exc)}") from None
        if isinstance(response, Response):
            return replace(response, url=url)
        current = response  # a redirect target
    raise FetchError(f"Could not fetch {url}: more than {MAX_REDIRECTS} redirects")


def _request(
    client: httpx.Client,
    url: str,
    pinned: str | None,
    cached: Response | None,
    options: Options,
    original: str,
) -> Response | str:
    """One request: the response, or the absolute URL it redirects to."""
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    target = url
    if pinned is not None:
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
    request = client.build_request("GET", target, headers=headers, extensions=extensions)
    deadline = time.monotonic() + options.fetch_timeout
    response = client.send(request, stream=True)
    try:
        status = response.status_code
        if status in _REDIRECT_CODES and "location" in response.headers:
            return urljoin(url, response.headers["location"])
        if status == 304 and cached is not None:
            return replace(cached, final_url=url, from_cache=True)
        if status != 200:
            reason = f"HTTP {status} {response.reason_phrase}".strip()
            raise FetchError(f"Could not fetch {original}: {reason}")
        body = _read_capped(response, options.max_bytes, deadline, original)
    finally:
        response.close()
    result = Response(
        url=url,
        final_url=url,
        status_code=status,
        headers={k.lower(): v for k, v in response.headers.items()},
        content=body,
    )
    if "etag" in result.headers or "last-modified" in result.headers:
        _cache_write(cache_dir(options), url, result)
    return result


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


# ---------------------------------------------------------------- address checks


def _check_target(url: str, original: str, options: Options, allow_private_for: set[str] | None) -> str | None:
    """Refuse bad schemes and, for untrusted links, private addresses; return the address to pin."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"Refused {original}: only http and https links are fetched")
    if allow_private_for is None or options.allow_private:
        return None
    host = parts.hostname.lower()
    if host in {h.lower() for h in allow_private_for}:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"Refused {original}: bad port") from None
    addresses = _resolve(host, port, original)
    for address in addresses:
        reason = _private_reason(address)
        if reason:
            raise FetchError(f"Refused {original}: {host} resolves to {reason} address {address}")
    return str(addresses[0])


def _resolve(host: str, port: int, original: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Could not fetch {original}: cannot resolve {host} ({_one_line(exc)})") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchError(f"Could not fetch {original}: {host} has no address")
    return list(dict.fromkeys(addresses))


def _private_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address must not be reached from an untrusted link ("" when it may be)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
        # e.g. 100.64.0.0/10 (carrier-grade NAT) is neither private nor global
        ("non-global", not address.is_global),
    )
    return next((name for name, hit in checks if hit), "")


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
