"""Which addresses a fetch may reach: the scheme check, the private-address guard and address pinning.

Every fetch resolves its host once and connects to exactly the address that was checked, so a second
DNS answer (DNS rebinding) cannot swap in another one. URLs the user typed may reach any address. Links
found inside feeds are untrusted: they must not reach a private, loopback, link-local, multicast or
reserved address, except on the exact origin (host and port) of the feed the user typed, and there only
at the address that feed was fetched from. A redirect never widens that: the origin is the typed URL's.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Mapping
from urllib.parse import SplitResult, urljoin, urlsplit

from ..errors import FetchError
from ..options import Options

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# origin ("host:port", see `origin`) -> the address it was fetched from (None: resolve it when asked)
TrustedOrigins = Mapping[str, "str | None"]


def split_url(url: str) -> SplitResult | None:
    """`urlsplit` of a URL, or None when Python cannot parse it (a bracketed host that is no IP address, a bad port).

    >>> split_url("http://[evil.example]/x"), split_url("http://[::1"), split_url("https://[]/")
    (None, None, None)
    >>> split_url("http://[::1]:8080/a").hostname
    '::1'
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        return None
    return parts


def is_http(url: str) -> bool:
    """Whether a string is a well-formed http(s) URL with a host.

    >>> is_http("https://example.org/a"), is_http("ftp://example.org/"), is_http("http://[example.org]/")
    (True, False, False)
    """
    parts = split_url(url)
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def join_url(base: str, link: str) -> str | None:
    """`link` resolved against `base`, or None when either cannot be parsed.

    >>> join_url("https://example.org/news/", "a.html"), join_url("https://example.org/", "http://[::1")
    ('https://example.org/news/a.html', None)
    """
    try:
        joined = urljoin(base, link)
    except ValueError:
        return None
    return joined if split_url(joined) is not None else None


def origin(url: str) -> str:
    """The origin a URL's private-address permission is keyed on: lower-case host and effective port.

    >>> origin("HTTP://Example.org/feed"), origin("https://[::1]:8443/x")
    ('example.org:80', '::1:8443')
    """
    parts = split_url(url)
    if parts is None:
        return ":0"
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def check_target(url: str, original: str, options: Options, trusted: TrustedOrigins | None,
                 wait: float | None = None, limit: float | None = None) -> str:
    """Refuse bad schemes and, for untrusted links, private addresses; return the address to connect to.

    Args:
        url: the URL about to be requested (a redirect hop or the original).
        original: the URL the caller asked for (named in messages).
        options: `allow_private` lets untrusted links reach private addresses.
        trusted: None when the user typed the URL; else the origins whose private addresses untrusted
            links may reach, each pinned to the address it was fetched from.
        wait: seconds the name lookup may take (None: as long as the system resolver takes).
        limit: the whole fetch's time limit, named in the message when the lookup times out.

    Raises:
        FetchError: a malformed URL, a scheme other than http(s), a name that does not resolve in
            time, or a private address reached from an untrusted link.
    """
    parts = split_url(url)
    if parts is None:
        raise FetchError(f"Refused {original}: not a valid URL (a bad host in [brackets] or a bad port)")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"Refused {original}: only http and https links are fetched")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname.lower()
    pinned = (trusted or {}).get(origin(url))
    if pinned is not None:
        return pinned
    addresses = resolve(host, port, original, wait, limit)
    if trusted is not None and not options.allow_private and origin(url) not in trusted:
        for address in addresses:
            reason = private_reason(address)
            if reason:
                raise FetchError(f"Refused {original}: {host} resolves to {reason} address {address}")
    return str(addresses[0])


def resolve(host: str, port: int, original: str, wait: float | None = None,
            limit: float | None = None) -> list[Address]:
    """Every address a host name resolves to (an IP literal resolves to itself).

    The system resolver has no timeout of its own, so with `wait` the lookup runs in a worker thread
    and is abandoned (the thread ends when the resolver returns) after `wait` seconds.

    Raises:
        FetchError: the name does not resolve, or not within `wait` seconds.
    """
    answer: list[object] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            answer.append(exc)

    if wait is None:
        lookup()
    else:
        worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
        worker.start()
        worker.join(max(wait, 0.0))
    if not answer:
        after = f" after {limit:g} s" if limit is not None else ""
        raise FetchError(f"Could not fetch {original}: timed out{after} looking up the address of {host}")
    infos = answer[0]
    if isinstance(infos, BaseException):
        raise FetchError(f"Could not fetch {original}: cannot resolve {host} ({_one_line(infos)})") from None
    assert isinstance(infos, list)
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchError(f"Could not fetch {original}: {host} has no address")
    return list(dict.fromkeys(addresses))


def private_reason(address: Address) -> str:
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


def _one_line(exc: BaseException) -> str:
    """An exception as one short line."""
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]
