"""Shared pytest fixtures."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from briefing.models import Briefing, Document, Sentence


# ---------------------------------------------------------------- loopback HTTP server


@dataclass(frozen=True)
class RecordedRequest:
    """One request the loopback server received."""

    method: str
    path: str  # path with query string
    headers: dict[str, str]  # lower-case names


# A dynamic route: gets the request, returns (status, headers, body).
RouteHandler = Callable[[RecordedRequest], "tuple[int, dict[str, str], bytes]"]


class LoopbackServer:
    """A real HTTP/1.0 server on 127.0.0.1 with routes registered by the test.

    `server.route("/a", "<html>…", content_type="text/html")` serves a fixed body;
    `server.handler("/b", func)` serves whatever `func(request)` returns; `server.url("/a")`
    is the absolute URL; `server.hits("/a")` counts requests; `server.requests` records them.
    Unknown paths get a 404.
    """

    def __init__(self) -> None:
        self._routes: dict[str, RouteHandler] = {}
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0  # most requests handled at the same time
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A client that gave up (timeout, size cap) leaves a broken pipe; that is expected.
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.port: int = self._httpd.server_address[1]
        # A short poll interval keeps shutdown (fixture teardown) fast.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """The absolute URL of a path (host may be "localhost" to reach it under another name)."""
        return f"http://{host}:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        send_length: bool = True,
    ) -> None:
        """Serve a fixed response at `path` (optionally after `delay` seconds or without a Content-Length)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        extra = {"Content-Type": content_type, **(headers or {})}
        if send_length:
            extra["Content-Length"] = str(len(data))

        def fixed(_request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
            if delay:
                time.sleep(delay)
            return status, extra, data

        self.handler(path, fixed)

    def handler(self, path: str, func: RouteHandler) -> None:
        """Serve `func(request)` at `path` (matched with its query string first, then without)."""
        with self._lock:
            self._routes[path] = func

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect `path` to `location`."""
        self.route(path, status=status, headers={"Location": location})

    def hits(self, path: str) -> int:
        """How many requests asked for `path` (with or without a query string)."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path or r.path.split("?", 1)[0] == path)

    def _dispatch(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        """Record the request and find its route."""
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            func = self._routes.get(request.path) or self._routes.get(request.path.split("?", 1)[0])
        try:
            if func is None:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            return func(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        """A request handler class bound to this server's routes."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                """Answer from the routes."""
                request = RecordedRequest(
                    "GET", self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                status, headers, body = server._dispatch(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Keep test output quiet."""

        return Handler

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 (random port); register routes with `.route()`/`.handler()`."""
    with LoopbackServer() as server:
        yield server


# ---------------------------------------------------------------- loopback SMTP server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_on_loopback(handler: object, **kwargs: Any) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with `handler`, for the block: its port."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield int(controller.port)
    finally:
        controller.stop()


# ---------------------------------------------------------------- hand-built briefings


def make_briefing(
    title: str = "Morning Briefing",
    date: str = "2025-03-14",
    *,
    item_text: str | None = None,
    doc_url: str | None = None,
    titled: bool = True,
) -> Briefing:
    """A small Briefing built by hand: two sections, three documents, one item corroborated by two outlets.

    `item_text` replaces the first item's text and `doc_url` the first document's URL (for hostile input);
    `titled=False` makes a single untitled section.
    """
    from briefing.models import Briefing, Document, Item, Section, SourceRef

    docs = (
        Document("a", "Rates rise again.", title="Central bank raises rates", url=doc_url or "https://news.example/a",
                 source="Example News", date="2025-03-14"),
        Document("b", "Rates rise.", title="Rates up a quarter point", url="https://wire.example/b?x=1&y=2",
                 source="Wire Service", date="2025-03-14"),
        Document("c", "Storm.", title="Storm heads north", url="http://weather.example/c", source=None),
    )
    refs = {d.id: SourceRef(d.id, 0, d.title, d.url, d.source) for d in docs}
    first = Item(item_text or "The central bank raised its main rate by a quarter point on Friday.", 0.91,
                 (refs["a"], SourceRef("b", 2, docs[1].title, docs[1].url, docs[1].source)))
    second = Item("Markets had expected the move after weeks of strong data.", 0.55, (refs["a"],))
    third = Item("A storm is moving north and will reach the coast by Sunday.", 0.73, (refs["c"],))
    sections: tuple[Section, ...]
    if titled:
        sections = (Section("Central bank raises rates", (first, second)), Section("Storm heads north", (third,)))
    else:
        sections = (Section(None, (first, second, third)),)
    return Briefing(title=title, date=date, sections=sections, documents=docs)


# ---------------------------------------------------------------- golden files


def pytest_addoption(parser: pytest.Parser) -> None:
    """`pytest --update-golden` rewrites tests/golden/* from the current output (see tests/test_golden.py)."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Regenerate the golden files in tests/golden/ instead of comparing against them.")
    # `pytest --update-floor` raises tests/quality_floor.json to the current ROUGE (see tests/test_quality_gate.py).
    parser.addoption("--update-floor", action="store_true", default=False,
                     help="Raise tests/quality_floor.json to the current ROUGE recall (never lowers it).")


# ---------------------------------------------------------------- hand-built sentences


def make_corpus(docs: dict[str, list[str]]) -> tuple[list[Sentence], dict[str, Document]]:
    """Sentences and Documents from `{doc_id: [sentence, ...]}`, numbered as the splitter would number them.

    Documents keep their insertion order as `doc_position`; each gets title "Title <id>",
    source "Outlet <id>" and URL https://<id>.example/ so citations can be checked.
    """
    from briefing.models import Document, Sentence

    sentences: list[Sentence] = []
    documents: dict[str, Document] = {}
    for position, (doc_id, texts) in enumerate(docs.items()):
        documents[doc_id] = Document(doc_id, " ".join(texts), title=f"Title {doc_id}", url=f"https://{doc_id}.example/",
                                     source=f"Outlet {doc_id}")
        sentences.extend(Sentence(text, doc_id, index, 0, position) for index, text in enumerate(texts))
    return sentences, documents


def isolate(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """Point HOME and the XDG folders into `root`, work in `root`; return the fake home."""
    home = root / "home"
    for var, sub in (("HOME", ""), ("XDG_DATA_HOME", ".local/share"), ("XDG_CACHE_HOME", ".cache"),
                     ("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.chdir(root)
    return home


@pytest.fixture
def cli_isolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run the CLI in tmp_path with HOME/XDG there; restore the `briefing` logger; fail if it wrote home."""
    import logging

    home = isolate(monkeypatch, tmp_path)
    logger = logging.getLogger("briefing")
    handlers, level = list(logger.handlers), logger.level
    yield home
    logger.handlers[:] = handlers
    logger.setLevel(level)
    written = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert not written, f"the CLI wrote into the user's folders: {written}"

