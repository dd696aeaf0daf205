"""Tests for briefing.sources.fetch against a real loopback HTTP server."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from briefing.errors import FetchError
from briefing.sources.addresses import private_reason
from briefing.sources.fetch import fetch_many, fetch_one
from briefing.options import Options


@pytest.fixture
def options(tmp_path: Path) -> Options:
    """Fast timeouts, a small size cap and a cache inside tmp_path."""
    return Options(fetch_timeout=0.3, max_bytes=50_000, cache_dir=str(tmp_path / "cache"))


def test_fetch_one_returns_body_headers_and_user_agent(http_server, options):
    http_server.route("/page", "<p>hello</p>")
    response = fetch_one(http_server.url("/page"), options)
    assert response.status_code == 200
    assert response.content == b"<p>hello</p>"
    assert response.content_type == "text/html"
    assert not response.from_cache
    assert http_server.requests[0].headers["user-agent"].startswith("briefing/")
    assert "(+https://github.com/briefing)" in http_server.requests[0].headers["user-agent"]


def test_http_error_names_the_url(http_server, options):
    url = http_server.url("/missing")
    with pytest.raises(FetchError, match=r"HTTP 404") as info:
        fetch_one(url, options)
    assert url in str(info.value)
    assert "\n" not in str(info.value)


def test_slow_response_times_out(http_server, options):
    http_server.route("/slow", "late", delay=1.0)
    with pytest.raises(FetchError, match="timed out"):
        fetch_one(http_server.url("/slow"), options)


@pytest.mark.parametrize("send_length", [True, False])
def test_oversized_response_is_aborted(http_server, options, send_length):
    http_server.route("/big", b"x" * 200_000, send_length=send_length)
    with pytest.raises(FetchError, match="larger than 50000 bytes"):
        fetch_one(http_server.url("/big"), options)


def test_redirects_are_followed(http_server, options):
    http_server.redirect("/old", "/new")
    http_server.route("/new", "moved here")
    response = fetch_one(http_server.url("/old"), options)
    assert response.content == b"moved here"
    assert response.url == http_server.url("/old")
    assert response.final_url == http_server.url("/new")


def test_redirect_loop_stops_after_five_hops(http_server, options):
    http_server.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_one(http_server.url("/loop"), options)
    assert http_server.hits("/loop") == 6


def test_etag_cache_sends_if_none_match_and_reuses_body(http_server, options, tmp_path):
    def etagged(request):
        if request.headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        body = b"<rss>cached body</rss>"
        return 200, {"ETag": '"v1"', "Content-Type": "application/rss+xml", "Content-Length": str(len(body))}, body

    http_server.handler("/etag", etagged)
    first = fetch_one(http_server.url("/etag"), options)
    second = fetch_one(http_server.url("/etag"), options)
    assert first.content == second.content == b"<rss>cached body</rss>"
    assert not first.from_cache and second.from_cache
    assert second.content_type == "application/rss+xml"
    sent = [r.headers.get("if-none-match") for r in http_server.requests]
    assert sent == [None, '"v1"']
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1 and not files[0].name.startswith(".tmp")


def test_last_modified_cache_sends_if_modified_since(http_server, options):
    stamp = "Wed, 01 May 2024 10:00:00 GMT"

    def dated(request):
        if request.headers.get("if-modified-since") == stamp:
            return 304, {}, b""
        return 200, {"Last-Modified": stamp, "Content-Length": "4"}, b"body"

    http_server.handler("/dated", dated)
    fetch_one(http_server.url("/dated"), options)
    assert fetch_one(http_server.url("/dated"), options).content == b"body"
    assert http_server.requests[1].headers.get("if-modified-since") == stamp


def test_fetch_many_maps_each_url_and_limits_per_host(http_server, options):
    options = options.replace(fetch_timeout=5.0)
    for n in range(6):
        http_server.route(f"/p{n}", f"page {n}", delay=0.1)
    urls = [http_server.url(f"/p{n}") for n in range(6)] + [http_server.url("/nope")]
    results = fetch_many(urls + urls[:1], options)
    assert list(results) == urls
    assert [results[u].content for u in urls[:6]] == [f"page {n}".encode() for n in range(6)]
    assert isinstance(results[urls[6]], FetchError)
    assert http_server.max_in_flight <= 2
    assert http_server.hits("/p0") == 1  # duplicates fetched once


def test_file_urls_are_never_read(options):
    with pytest.raises(FetchError, match="only http and https"):
        fetch_one("file:///etc/passwd", options)
    with pytest.raises(FetchError, match="only http and https"):
        fetch_one("file:///etc/passwd", options, allow_private_for={})


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.255.255.1/", "private"),
        ("http://[::1]:9/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_untrusted_links_to_private_addresses_are_refused_before_connecting(options, url, kind):
    # The refusal names the address class; a connection attempt would instead time out or be refused.
    with pytest.raises(FetchError, match=rf"Refused .*resolves to {kind} address"):
        fetch_one(url, options, allow_private_for={"127.0.0.1:1": None})


def test_untrusted_loopback_link_is_refused_unless_allowed(http_server, options):
    http_server.route("/secret", "internal")
    url = http_server.url("/secret", host="localhost")
    with pytest.raises(FetchError, match="Refused"):
        fetch_one(url, options, allow_private_for={"127.0.0.1:1": None})
    assert http_server.hits("/secret") == 0
    assert fetch_one(url, options, allow_private_for={f"localhost:{http_server.port}": None}).content == b"internal"
    assert fetch_one(url, options.replace(allow_private=True), allow_private_for={}).content == b"internal"
    assert http_server.hits("/secret") == 2


def test_redirect_of_untrusted_link_to_private_address_is_refused(http_server, options):
    http_server.redirect("/hop", "http://169.254.169.254/latest/meta-data/")
    result = fetch_many([http_server.url("/hop")], options, allow_private_for={f"127.0.0.1:{http_server.port}": None})
    error = result[http_server.url("/hop")]
    assert isinstance(error, FetchError)
    assert "link-local" in str(error) and http_server.url("/hop") in str(error)


def test_user_urls_are_fetched_as_given(http_server, options):
    http_server.route("/mine", "ok")
    assert fetch_one(http_server.url("/mine", host="localhost"), options).content == b"ok"


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "224.0.0.1", "240.0.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "ff02::1", "::ffff:10.0.0.1"],
)
def test_private_reason_flags_non_public_addresses(address):
    assert private_reason(ipaddress.ip_address(address)) != ""


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_private_reason_allows_public_addresses(address):
    assert private_reason(ipaddress.ip_address(address)) == ""


def test_checked_address_is_pinned_while_host_header_keeps_the_name(http_server, options):
    # A public name would be pinned the same way; loopback stands in because tests stay offline.
    import httpx

    from briefing.sources.fetch import _Deadline, _request

    http_server.route("/pinned", "pinned body")
    url = http_server.url("/pinned", host="localhost")
    with httpx.Client() as client:
        response = _request(client, url, "127.0.0.1", None, options, url, _Deadline(5.0))
    assert response.content == b"pinned body"
    assert response.final_url == url
    assert http_server.requests[0].headers["host"] == f"localhost:{http_server.port}"


def test_trusted_origin_is_host_and_port_and_pinned_to_its_address(http_server, options):
    # the permission is for one origin: the same host on another port is an untrusted private address
    http_server.route("/page", "own origin")
    own = f"127.0.0.1:{http_server.port}"
    assert fetch_one(http_server.url("/page"), options, allow_private_for={own: None}).content == b"own origin"
    with pytest.raises(FetchError, match="loopback"):
        fetch_one(http_server.url("/page"), options, allow_private_for={"127.0.0.1:1": None})
    # a trusted name connects to the address it is pinned to, never to a fresh DNS answer
    pinned = {f"localhost:{http_server.port}": "127.0.0.1"}
    response = fetch_one(http_server.url("/page", host="localhost"), options, allow_private_for=pinned)
    assert response.content == b"own origin" and response.address == "127.0.0.1"
    unreachable = {f"localhost:{http_server.port}": "127.0.0.2"}  # a pin elsewhere is where it goes
    with pytest.raises(FetchError):
        fetch_one(http_server.url("/page", host="localhost"), options.replace(fetch_timeout=2.0),
                  allow_private_for={**unreachable, f"127.0.0.2:{http_server.port}": None})
