"""Fuzzing the CLI with hypothesis: random bytes, random JSONL structures, random metadata and random URLs.

Whatever the input, a run ends with exit 0 or 1, every stderr line is `Warning: …`, `Error: …` or `wrote …`
(no traceback, no raw control characters), and what is written parses.
"""
from __future__ import annotations

import html
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from briefing.cli import app

GOOD = ("A powerful storm struck the northern coast on Monday, flooding several towns. "
        "Emergency crews rescued dozens of residents from their homes overnight.")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def run(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run the CLI in a fresh temporary folder with HOME there; check the invariants of every run."""
    with tempfile.TemporaryDirectory() as folder:
        old = os.getcwd()
        env = {"HOME": folder, "XDG_DATA_HOME": f"{folder}/d", "XDG_CACHE_HOME": f"{folder}/c",
               "XDG_CONFIG_HOME": f"{folder}/g", "XDG_STATE_HOME": f"{folder}/s"}
        os.chdir(folder)
        try:
            result = CliRunner(env=env).invoke(app, [a.replace("@DIR@", folder) for a in args], input=stdin)
        finally:
            os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("Warning: ", "Error: ", "wrote ")), line
        assert not any(ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 for ch in line), repr(line)
    return result.exit_code, result.stdout, result.stderr


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(["txt", "html", "md", "jsonl", "xml", "rss", ""]))
def test_random_bytes_as_a_file_or_stdin(data: bytes, suffix: str) -> None:
    if suffix:
        with tempfile.NamedTemporaryFile(suffix=f".{suffix}", delete=False) as handle:
            handle.write(data)
        try:
            run(["build", handle.name, "--no-history", "--output", "-"])
        finally:
            os.unlink(handle.name)
    else:
        run(["build", "-", "--no-history", "--output", "-"], stdin=data)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELD = st.one_of(st.none(), st.text(max_size=60), JSON)


@st.composite
def jsonl_line(draw: st.DrawFn) -> str:
    """One JSONL line: a document with fields of random types, a random JSON value, or a broken line."""
    kind = draw(st.sampled_from(["document", "value", "broken", "deep"]))
    if kind == "document":
        record: dict[str, Any] = {key: draw(FIELD) for key in ("title", "url", "source", "date", "id", "language")
                                  if draw(st.booleans())}
        record["text"] = draw(st.one_of(st.just(GOOD), st.text(max_size=200), JSON))
        return json.dumps(record)
    if kind == "value":
        return json.dumps(draw(JSON))
    if kind == "deep":
        depth = draw(st.integers(min_value=500, max_value=50_000))
        return '{"text": ' + "[" * depth + "]" * depth + "}"
    return draw(st.text(max_size=80)).replace("\n", " ")


@FUZZ
@given(lines=st.lists(jsonl_line(), min_size=1, max_size=8), good_first=st.booleans())
def test_random_jsonl_structures(lines: list[str], good_first: bool) -> None:
    if good_first:
        lines = [json.dumps({"text": GOOD}), *lines]
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        handle.write("\n".join(lines).encode("utf-8", "surrogatepass"))
    try:
        code, out, err = run(["build", handle.name, "--no-history", "--output", "-", "--format", "json"])
    finally:
        os.unlink(handle.name)
    if code == 0:
        json.loads(out)
    if good_first:  # the good line is read whatever the other lines hold
        assert code == 0, err


TEXT = st.text(st.characters(codec="utf-8"), max_size=80)


@FUZZ
@given(title=TEXT, doc_title=TEXT, source=TEXT, url=TEXT, date=TEXT)
def test_random_metadata_through_publish(title: str, doc_title: str, source: str, url: str, date: str) -> None:
    record = {"text": GOOD, "title": doc_title, "source": source, "url": url, "date": date}
    args = ["publish", "-", "--site", "@DIR@/site", "--no-history", "--date", "2025-01-02"]
    if title.strip("-") and "\x00" not in title:  # a NUL cannot be passed in argv at all
        args += ["--title", title]
    code, _, err = run(args, stdin=(json.dumps(record) + "\n").encode())
    assert code == 0, err


@FUZZ
@given(title=TEXT, doc_title=TEXT, url=TEXT)
def test_random_metadata_in_html_output_stays_text(title: str, doc_title: str, url: str) -> None:
    record = {"text": GOOD, "title": doc_title, "url": url}
    args = ["build", "-", "--no-history", "--output", "-", "--format", "html", "--date", "2025-01-02"]
    if title.strip("-") and "\x00" not in title:
        args += ["--title", title]
    code, out, err = run(args, stdin=(json.dumps(record) + "\n").encode())
    assert code == 0, err
    root = html5lib.parse(out, namespaceHTMLElements=False)
    assert root.find(".//script") is None
    for link in root.iter("a"):
        assert link.get("href", "").startswith(("http://", "https://", "#")), link.get("href")


def test_fuzz_helpers_see_a_broken_run() -> None:
    # the invariants above can fail: an unknown option is a usage error with exit code 2
    result = CliRunner().invoke(app, ["build", "--no-such-option"])
    assert result.exit_code == 2
    assert Path(".").exists()


# ---------------------------------------------------------------- URLs

URL_PART = st.text(st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=20)


@st.composite
def fuzzed_url(draw: st.DrawFn) -> str:
    """A URL-like string: a scheme, a host (bracketed, empty, with a port, or random) and a random path."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", "file", ""]))
    host = draw(st.one_of(
        st.sampled_from(["[evil.example]", "[::1", "[]", "[v1.x]", "[::1]:99999", "::1]", "a]b", "[::1]:0",
                         "127.0.0.1:0", "xn--", "%5B::1%5D", "user@[x]", ""]),
        URL_PART))
    return f"{scheme}://{host}/{draw(URL_PART)}" if scheme else draw(URL_PART) + host


def no_resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
    """The resolver while fuzzing: no name resolves, so nothing ever leaves the machine."""
    import socket

    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (fuzzing: offline)")


@FUZZ
@given(url=fuzzed_url())
def test_random_urls_as_input_feed_link_and_canonical_link(url: str) -> None:
    import socket
    from unittest import mock

    from conftest import LoopbackServer

    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Fuzz</title><item><title>One</title>'
            f"<link>{html.escape(url)}</link><description>{GOOD}</description></item></channel></rss>")
    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as handle:
        handle.write(feed.encode("utf-8", "surrogatepass"))
    real = socket.getaddrinfo
    with LoopbackServer() as server, mock.patch.object(
            socket, "getaddrinfo", lambda host, *a, **k: real(host, *a, **k) if host == "127.0.0.1" else no_resolver(host)):
        server.route("/page", f'<html><head><link rel="canonical" href="{html.escape(url)}"></head><body><article>'
                     f"<p>{GOOD}</p></article></body></html>")
        try:
            code, _, err = run(["build", handle.name, server.url("/page"), "--no-history", "--output", "-"])
            assert code == 0, err  # a bad link or canonical link never costs the good text
            if url.strip("-") and "\x00" not in url:  # the URL alone: a warning-free Error, or a briefing
                run(["build", url, "--no-history", "--output", "-"])
        finally:
            os.unlink(handle.name)
