"""Deadlines: a fetch ends at its deadline whatever the server does, and parsing one page is bounded.

The servers here are real sockets on 127.0.0.1 that drip one byte at a time, in the headers or in the
body, for far longer than the fetch may take. The tests assert what happened (the client gave up and
hung up before the server was done, with a "timed out" reason), with a generous join as a hang guard.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from briefing.errors import FetchError
from briefing.options import Options
from briefing.sources.fetch import fetch_many, fetch_one

DRIP_BYTES = 2_000  # at DRIP_GAP seconds a byte: 100 s, far past any deadline here
DRIP_GAP = 0.05
HANG_GUARD = 60.0  # seconds a test waits before calling the fetch hung


@dataclass
class DripServer:
    """A TCP server that answers every connection with `head`, then drips `drip` one byte at a time."""

    head: bytes
    drip: bytes
    sent: list[int] = field(default_factory=list)  # bytes of `drip` sent before each client hung up
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str = "/") -> str:
        """The server's URL."""
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        """Accept connections until stopped; each gets its own dripping thread."""
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        """Read the request, send the head, then one byte of `drip` every DRIP_GAP seconds."""
        count = 0
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(self.head)
                for byte in self.drip:
                    if self.stop.wait(DRIP_GAP):
                        break
                    conn.sendall(bytes([byte]))
                    count += 1
            except OSError:
                pass  # the client hung up
        self.sent.append(count)

    def close(self) -> None:
        """Stop serving and dripping."""
        self.stop.set()
        self.sock.close()


@pytest.fixture
def drip() -> Iterator[list[DripServer]]:
    """Make drip servers with `drip.append(DripServer(...))`; all are stopped afterwards."""
    servers: list[DripServer] = []
    yield servers
    for server in servers:
        server.close()


def fetch_in_thread(url: str, options: Options) -> BaseException | None:
    """fetch_one in a thread; fails the test if it is still running after HANG_GUARD seconds."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            fetch_one(url, options)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (handed back to the test)
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the fetch did not end at its deadline"
    return outcome[0]


HEAD_DRIP = (b"HTTP/1.1 200 OK\r\n", b"X-Padding: " + b"a" * DRIP_BYTES)
BODY_DRIP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % DRIP_BYTES,
             b"<p>" + b"b" * (DRIP_BYTES - 3))


@pytest.mark.parametrize("where", ["headers", "body"])
def test_dripping_server_is_cut_off_at_the_deadline(drip: list[DripServer], tmp_path: Path, where: str) -> None:
    head, body = HEAD_DRIP if where == "headers" else BODY_DRIP
    server = DripServer(head, body)
    drip.append(server)
    options = Options(fetch_timeout=0.5, cache_dir=str(tmp_path / "cache"))
    error = fetch_in_thread(server.url("/slow"), options)
    assert isinstance(error, FetchError)
    assert str(error) == f"Could not fetch {server.url('/slow')}: timed out after 0.5 s"
    server.stop.wait(1.0)  # let the server notice the hang-up
    assert server.sent and server.sent[0] < DRIP_BYTES  # the client hung up long before the server was done


def test_one_deadline_covers_every_redirect_hop(drip: list[DripServer], http_server, tmp_path: Path) -> None:
    server = DripServer(*BODY_DRIP)
    drip.append(server)
    http_server.redirect("/a", http_server.url("/b"))
    http_server.redirect("/b", server.url("/slow"))
    options = Options(fetch_timeout=0.5, cache_dir=str(tmp_path / "cache"))
    error = fetch_in_thread(http_server.url("/a"), options)
    assert isinstance(error, FetchError) and "timed out" in str(error)


def test_dripping_links_in_a_feed_all_end(drip: list[DripServer], tmp_path: Path) -> None:
    server = DripServer(*HEAD_DRIP)
    drip.append(server)
    options = Options(fetch_timeout=0.5, cache_dir=str(tmp_path / "cache"), allow_private=True)
    urls = [server.url(f"/{n}") for n in range(12)]  # more than the 8 fetched at once
    outcome: dict[str, object] = {}
    thread = threading.Thread(target=lambda: outcome.update(fetch_many(urls, options)), daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive()
    assert all(isinstance(outcome[u], FetchError) and "timed out" in str(outcome[u]) for u in urls)


# ---------------------------------------------------------------- parse budget for HTML

PARAGRAPHS = ("<p>A powerful storm struck the northern coast on Monday, flooding several towns across the region.</p>"
              "<p>Emergency crews rescued dozens of residents from their homes overnight as the rivers rose.</p>")


def build_in_thread(*args: str) -> tuple[int, str, str]:
    """`briefing build ...` in-process in a thread; fails the test if it is still running after HANG_GUARD s."""
    from typer.testing import CliRunner

    from briefing.cli import app

    outcome: list[tuple[int, str, str]] = []

    def run() -> None:
        result = CliRunner().invoke(app, ["build", *args, "--no-history", "--output", "-", "--date", "2025-01-02"])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        outcome.append((result.exit_code, result.stdout, result.stderr))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "parsing the page did not end"
    assert outcome, "the run raised"
    return outcome[0]


def test_tag_with_200000_attributes_is_cut_with_a_warning(tmp_path: Path, cli_isolation: Path) -> None:
    attrs = " ".join(f'a{i}="v{i}"' for i in range(200_000))
    page = tmp_path / "attrs.html"
    page.write_text(f"<html><head><title>T</title></head><body><div {attrs}>x</div><article>{PARAGRAPHS}"
                    "</article></body></html>", encoding="utf-8")
    code, out, err = build_in_thread(str(page))
    assert code == 0, err
    assert "A powerful storm struck" in out
    assert f"Warning: {page}: a tag longer than 20000 characters was cut to its name" in err


def test_paragraphs_inside_200000_nested_divs_keep_their_text(tmp_path: Path, cli_isolation: Path) -> None:
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "<div>" * 200_000 + PARAGRAPHS + "</div>" * 200_000 + "</body></html>",
                    encoding="utf-8")
    code, out, err = build_in_thread(str(page))
    assert code == 0, err
    assert "A powerful storm struck" in out and "Emergency crews rescued" in out
    assert f"Warning: {page}: markup nested more than 256 levels deep" in err


def test_page_with_too_many_elements_is_read_paragraph_by_paragraph(tmp_path: Path, cli_isolation: Path) -> None:
    from briefing.sources.htmltext import MAX_ELEMENTS

    page = tmp_path / "many.html"
    page.write_text("<html><body>" + "<span></span>" * MAX_ELEMENTS + f"<article>{PARAGRAPHS}</article>"
                    "</body></html>", encoding="utf-8")
    code, out, err = build_in_thread(str(page))
    assert code == 0, err
    assert "A powerful storm struck" in out
    assert f"Warning: {page}: {MAX_ELEMENTS + 5} HTML elements is more than {MAX_ELEMENTS}" in err


def test_publish_waits_for_a_held_site_lock_only_so_long(tmp_path: Path, cli_isolation: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    from typer.testing import CliRunner

    from briefing import atomic
    from briefing.cli import app

    monkeypatch.setattr(atomic, "LOCK_WAIT", 0.5)
    site = tmp_path / "site"
    site.mkdir()
    article = tmp_path / "storm.txt"
    article.write_text("Storm\n\nA powerful storm struck the northern coast on Monday, flooding several towns. "
                       "Emergency crews rescued dozens of residents from their homes overnight.\n")
    from briefing.outputs.state import private_dir, site_state_dir

    lock = private_dir(site_state_dir(site)) / "lock"  # where a publish of this site takes its lock
    with open(lock, "a") as held:  # another publish that hangs while holding the lock
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        outcome: list[object] = []
        thread = threading.Thread(target=lambda: outcome.append(CliRunner().invoke(
            app, ["publish", str(article), "--site", str(site), "--no-history", "--date", "2025-01-02"])), daemon=True)
        thread.start()
        thread.join(HANG_GUARD)
        assert not thread.is_alive(), "publish waited for ever for the lock"
    result = outcome[0]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (f"Error: {site} is locked by another briefing run that has not finished in 0.5 s; "  # type: ignore[attr-defined]
                             "try again later\n")
    assert not (site / "2025-01-02.html").exists()
