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
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..errors import FetchError
from ..options import Options

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# origin ("host:port", see `origin`) -> the address it was fetched from (None: resolve it when asked)
TrustedOrigins = Mapping[str, "str | None"]


def origin(url: str) -> str:
    """The origin a URL's private-address permission is keyed on: lower-case host and effective port.

    >>> origin("HTTP://Example.org/feed"), origin("https://[::1]:8443/x")
    ('example.org:80', '::1:8443')
    """
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        port = 0
    return f"{(parts.hostname or '').lower()}:{port}"


def check_target(url: str, original: str, options: Options, trusted: TrustedOrigins | None) -> str:
    """Refuse bad schemes and, for untrusted links, private addresses; return the address to connect to.

    Args:
        url: the URL about to be requested (a redirect hop or the original).
        original: the URL the caller asked for (named in messages).
        options: `allow_private` lets untrusted links reach private addresses.
        trusted: None when the user typed the URL; else the origins whose private addresses untrusted
            links may reach, each pinned to the address it was fetched from.

    Raises:
        FetchError: a scheme other than http(s), a bad port, a name that does not resolve, or a
            private address reached from an untrusted link.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"Refused {original}: only http and https links are fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"Refused {original}: bad port") from None
    host = parts.hostname.lower()
    pinned = (trusted or {}).get(origin(url))
    if pinned is not None:
        return pinned
    addresses = resolve(host, port, original)
    if trusted is not None and not options.allow_private and origin(url) not in trusted:
        for address in addresses:
            reason = private_reason(address)
            if reason:
                raise FetchError(f"Refused {original}: {host} resolves to {reason} address {address}")
    return str(addresses[0])


def resolve(host: str, port: int, original: str) -> list[Address]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Could not fetch {original}: cannot resolve {host} ({_one_line(exc)})") from None
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
