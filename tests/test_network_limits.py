"""Network and stream limits through the CLI: malformed URLs, compression bombs, slow DNS, bytes held,
the fetch cache's bounds, streams that never end, and the run-wide deadline.

Servers are real sockets on 127.0.0.1 (and 127.0.0.2-4 for other hosts); DNS delays are simulated by
patching the resolver. Each run happens in a thread with a generous hang guard; the tests assert what
happened (messages, what was kept), never how long it took.
"""
from __future__ import annotations

import gc
import gzip
import json
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing.cli import app

from conftest import LoopbackServer, RecordedRequest

DATE = "2025-01-02"
HANG_GUARD = 30.0  # seconds a run may take before the test calls it hung (every deadline here is 1-2 s)
GOOD = ("A powerful storm struck the northern coast on Monday, flooding several towns. "
        "Emergency crews rescued dozens of residents from their homes overnight. "
        "Officials said the damage to roads and bridges would take weeks to repair.")
BAD_HOSTS = ["http://[evil.example]/x", "http://[::1", "https://[]/"]


@pytest.fixture(autouse=True)
def isolated(cli_isolation: Path) -> Path:
    """Every run here happens in tmp_path with HOME and the XDG folders there."""
    return cli_isolation


def cli(*args: str | Path, guard: float = HANG_GUARD) -> tuple[int, str, str]:
    """`briefing ...` in-process in a thread: (exit code, stdout, stderr); fails the test if it hangs or raises."""
    outcome: list[Any] = []

    def run() -> None:
        outcome.append(CliRunner().invoke(app, [str(a) for a in args]))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(guard)
    assert not thread.is_alive(), f"the run did not end within {guard} s"
    result = outcome[0]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("Warning: ", "Error: ", "wrote ")), line
    return result.exit_code, result.stdout, result.stderr


def build(*inputs: str | Path, config: Path, fmt: str = "md") -> tuple[int, str, str]:
    """`briefing build INPUTS --config CONFIG -o - -f FMT` (no history, fixed date)."""
    return cli("build", *inputs, "--config", config, "--no-history", "--output", "-", "--format", fmt,
               "--date", DATE, "--words", "400")


def config_file(tmp_path: Path, **values: Any) -> Path:
    """A briefing.toml with these settings (the cache in tmp_path)."""
    values.setdefault("cache_dir", str(tmp_path / "http-cache"))
    path = tmp_path / "briefing.toml"
    path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()), encoding="utf-8")
    return path


def article(sentence: str, extra: str = "", head: str = "") -> str:
    """A small article page."""
    return (f"<html><head><title>Page</title>{head}</head><body><article><p>{sentence}</p>"
            "<p>The report was confirmed by two officials on Sunday afternoon in the capital city.</p>"
            f"{extra}</article></body></html>")


def feed_xml(links: list[str], title: str = "Local News") -> str:
    """An RSS feed whose entries link to `links`, each with a fallback description."""
    items = "".join(
        f"<item><title>Entry {n}</title><link>{link}</link><description>The fallback text of entry number {n} "
        "describes the local election results in some detail for every reader.</description></item>"
        for n, link in enumerate(links, start=1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


def good_file(folder: Path) -> Path:
    """A readable article file."""
    path = folder / "storm.txt"
    path.write_text("Storm hits the coast\n\n" + GOOD + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1: bracketed hosts and one bad source


@pytest.mark.parametrize("url", BAD_HOSTS)
def test_malformed_url_as_the_only_input_is_one_error_line(tmp_path: Path, url: str) -> None:
    code, out, err = build(url, config=config_file(tmp_path))
    assert code == 1 and out == ""
    assert err == f"Error: Refused {url}: not a valid URL (a bad host in [brackets] or a bad port)\n"


def test_malformed_urls_in_jsonl_feed_links_and_canonical_links_are_warnings(
        tmp_path: Path, http_server: LoopbackServer) -> None:
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"text": f"{GOOD} Line {n} adds its own detail about the harbour.",
                                          "url": url, "id": f"j{n}"}) + "\n"
                             for n, url in enumerate(BAD_HOSTS)), encoding="utf-8")
    feed_file = tmp_path / "local.rss"
    feed_file.write_text(feed_xml(BAD_HOSTS), encoding="utf-8")
    # a remote feed whose page names a malformed canonical link, and a page typed on the command line that does
    for n, bad in enumerate(BAD_HOSTS):
        http_server.route(f"/page{n}", article(f"The ferry number {n} sailed again after the winter repairs were done.",
                                               head=f'<link rel="canonical" href="{bad}">'))
    http_server.route("/feed.xml", feed_xml([http_server.url(f"/page{n}") for n in range(3)], "Harbour News"),
                      content_type="application/rss+xml")
    code, out, err = build(jsonl, feed_file, http_server.url("/feed.xml"), http_server.url("/page0"),
                           good_file(tmp_path), config=config_file(tmp_path), fmt="json")
    assert code == 0, err
    briefing = json.loads(out)
    assert briefing["sections"]
    assert all(f"refused link {bad} (only http and https" in err for bad in BAD_HOSTS), err
    assert all(http_server.hits(f"/page{n}") >= 1 for n in range(3))
    # the pages' text was used (their canonical links were ignored, not fatal)
    assert "ferry number" in out


def test_one_bad_source_among_good_ones_warns_and_the_briefing_is_built(tmp_path: Path,
                                                                        http_server: LoopbackServer) -> None:
    http_server.route("/fine", article("The harbour authority approved the new ferry terminal on Saturday."))
    http_server.route("/bomb", gzip.compress(gzip.compress(b"\0" * 5_000_000)),
                      headers={"Content-Encoding": "gzip, gzip"})
    http_server.route("/bad-canonical", article("The council voted to extend the tram line to the airport by 2030.",
                                                head='<link rel="canonical" href="http://[::1">'))
    code, out, err = build(good_file(tmp_path), http_server.url("/fine"), "http://[evil.example]/x",
                           http_server.url("/bomb"), http_server.url("/bad-canonical"),
                           config=config_file(tmp_path, max_bytes=1_000_000))
    assert code == 0, err
    assert "ferry terminal" in out and "storm struck" in out and "tram line" in out
    warnings = [line for line in err.splitlines() if line.startswith("Warning: ")]
    assert any("[evil.example]" in w and "not a valid URL" in w for w in warnings), err
    assert any("/bomb" in w and "decoded response larger than 1000000 bytes" in w for w in warnings), err


# ---------------------------------------------------------------- 2: compression bombs


def gzip_of_zeros(size: int) -> bytes:
    """gzip of `size` zero bytes, made a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1_000_000
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


def test_double_gzip_bomb_stops_at_the_cap_on_decoded_bytes(tmp_path: Path, http_server: LoopbackServer) -> None:
    import tracemalloc

    bomb = gzip.compress(gzip_of_zeros(300_000_000))  # ~300 KB -> ~300 MB -> ~1 KB on the wire
    http_server.route("/bomb", bomb, headers={"Content-Encoding": "gzip, gzip"})
    url = http_server.url("/bomb")
    tracemalloc.start()
    try:
        code, _, err = build(url, config=config_file(tmp_path, max_bytes=5_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 1
    assert err == f"Error: Could not fetch {url}: decoded response larger than 5000000 bytes\n"
    assert peak < 60_000_000, peak  # the cap plus a little; expanding the bomb would need 300 MB


def test_gzip_and_deflate_layers_are_decoded(tmp_path: Path, http_server: LoopbackServer) -> None:
    page = article("The museum reopened its east wing after a long restoration of the painted ceiling.").encode()
    http_server.route("/gz", gzip.compress(gzip.compress(page)), headers={"Content-Encoding": "gzip, gzip"})
    http_server.route("/raw-deflate", zlib.compress(page)[2:-4], headers={"Content-Encoding": "deflate"})
    http_server.route("/br", page, headers={"Content-Encoding": "br"})
    code, out, err = build(http_server.url("/gz"), http_server.url("/raw-deflate"), http_server.url("/br"),
                           config=config_file(tmp_path))
    assert code == 0, err
    assert "museum reopened" in out
    assert err.count("Warning: ") == 2, err  # the raw-deflate copy is the same text; br was never asked for
    assert "unsupported Content-Encoding 'br'" in err


# ---------------------------------------------------------------- 9: DNS inside the deadline


@pytest.fixture
def slow_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names ending in .slow.test take 60 s to resolve (until the test ends); every name asked is recorded."""
    real = socket.getaddrinfo
    release = threading.Event()
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(host))
        if str(host).endswith(".slow.test"):
            release.wait(60)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield asked
    release.set()


def test_slow_name_lookup_ends_at_the_fetch_deadline_and_says_so(tmp_path: Path, slow_dns: list[str]) -> None:
    url = "http://news.slow.test/story"
    code, _, err = build(url, config=config_file(tmp_path, fetch_timeout=1))
    assert code == 1
    assert err == f"Error: Could not fetch {url}: timed out after 1 s looking up the address of news.slow.test\n"


def test_feed_links_with_slow_lookups_end_together(tmp_path: Path, http_server: LoopbackServer,
                                                   slow_dns: list[str]) -> None:
    links = [f"http://site{n}.slow.test/a" for n in range(3)]
    http_server.route("/feed.xml", feed_xml(links), content_type="application/rss+xml")
    # three lookups of 60 s each, one after another, would take minutes; each ends at the 1 s deadline
    code, out, err = build(http_server.url("/feed.xml"), config=config_file(tmp_path, fetch_timeout=1),
                           )
    assert code == 0, err
    assert "fallback text of entry number" in out
    for n in range(3):
        assert f"timed out after 1 s looking up the address of site{n}.slow.test; using the feed text" in err


# ---------------------------------------------------------------- 10: bytes held at once


def test_feed_pages_are_extracted_as_they_arrive_not_all_held(tmp_path: Path, http_server: LoopbackServer) -> None:
    from briefing.sources.fetch import Response
    from briefing.sources.limits import MAX_CONNECTIONS

    held: list[int] = []

    def page(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        # how many fetched responses (each holding a whole body) are alive while this page is asked for
        held.append(sum(1 for obj in gc.get_objects() if isinstance(obj, Response)))
        number = request.path.rsplit("/", 1)[-1]
        body = article(f"Report {number} says the bridge on road {number} reopened to traffic today.",
                       extra="<p>" + "padding words " * 2_000 + "</p>")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    count = 3 * MAX_CONNECTIONS
    for n in range(count):
        http_server.handler(f"/p/{n}", page)
    http_server.route("/feed.xml", feed_xml([http_server.url(f"/p/{n}") for n in range(count)]),
                      content_type="application/rss+xml")
    code, out, err = build(http_server.url("/feed.xml"), config=config_file(tmp_path))
    assert code == 0, err
    assert len(held) == count
    assert max(held) <= MAX_CONNECTIONS, held  # all pages held at once would reach count - 1


# ---------------------------------------------------------------- 11: the fetch cache's bounds


def test_fetch_cache_keeps_to_its_size_cap_and_age_limit(tmp_path: Path, http_server: LoopbackServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.sources import httpcache

    monkeypatch.setattr(httpcache, "CACHE_MAX_BYTES", 1_000_000)
    cache = tmp_path / "http-cache"
    cache.mkdir()
    now = time.time()
    for n in range(30):  # 1.5 MB of entries from earlier runs: 5 of them 40 days old, the rest recent
        entry = cache / f"{n:064x}.cache"
        entry.write_bytes(b'{"format": 1, "url": "x"}\n' + b"x" * 50_000)
        age = 40 * 86_400 if n < 5 else (30 - n) * 60
        os.utime(entry, (now - age, now - age))
    http_server.route("/page", article("The library extended its opening hours for the exam season this year."),
                      headers={"ETag": '"v1"'})
    code, out, err = build(http_server.url("/page"), config=config_file(tmp_path))
    assert code == 0, err
    left = {p.name: p.stat() for p in cache.glob("*.cache")}
    assert sum(s.st_size for s in left.values()) <= 1_000_000
    assert not any(f"{n:064x}.cache" in left for n in range(5))  # too old
    assert all(s.st_mtime > now - 31 * 86_400 for s in left.values())
    assert f"{29:064x}.cache" in left  # the most recently used earlier entry stays
    assert len(left) < 31 and any(p.read_bytes().endswith(b"exam season this year.</p>"
                                                         b"<p>The report was confirmed by two officials on Sunday "
                                                         b"afternoon in the capital city.</p></article></body></html>")
                                  for p in cache.glob("*.cache"))


# ---------------------------------------------------------------- 12: streams


def test_stdin_pipe_that_never_sends_ends_at_the_deadline(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = config_file(tmp_path, fetch_timeout=1)
    import briefing

    package = str(Path(briefing.__file__).resolve().parent.parent)  # the briefing under test, wherever it is
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "home" / "c"),
           "PYTHONPATH": os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))}
    with subprocess.Popen([sys.executable, "-m", "briefing", "build", "-", "--config", str(config), "--no-history",
                           "--output", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, cwd=tmp_path) as proc:  # like `sleep 60 | briefing build -`: stdin stays open
        try:
            proc.wait(timeout=HANG_GUARD)  # stdin is never written to nor closed while it runs
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("briefing waited for stdin past its deadline")
        assert proc.stderr is not None
        err = proc.stderr.read()
    assert proc.returncode == 1
    assert b"Warning: stdin: skipped: nothing came through this pipe or device in 1 s" in err
    assert err.decode().splitlines()[-1].startswith("Error: no readable articles in -")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe in tmp_path."""
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    return path


def test_fifo_input_that_drips_ends_at_one_deadline(tmp_path: Path, fifo: Path) -> None:
    stop = threading.Event()

    def drip() -> None:
        fd = os.open(fifo, os.O_WRONLY)  # waits for the reader
        try:
            for byte in GOOD.encode():
                if stop.wait(0.2):  # each gap is far shorter than the deadline; the whole drip far longer
                    break
                os.write(fd, bytes([byte]))
        except OSError:
            pass  # the reader gave up
        finally:
            os.close(fd)

    writer = threading.Thread(target=drip, daemon=True)
    writer.start()
    try:
        code, _, err = build(fifo, config=config_file(tmp_path, fetch_timeout=1))
    finally:
        stop.set()
        writer.join(5)
    assert code == 1
    assert f"Warning: {fifo}: skipped: the pipe or device was still sending after 1 s" in err
    assert err.splitlines()[-1].startswith(f"Error: no readable articles in {fifo}")


def test_fifo_output_whose_reader_never_reads_is_an_error(tmp_path: Path, fifo: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    from briefing import atomic

    monkeypatch.setattr(atomic, "PIPE_WAIT", 1.0)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that is there but never reads
    try:
        fcntl.fcntl(reader, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)  # a one-page pipe: the page fills it
        seeds = Path(__file__).resolve().parent.parent / "seeds"  # a briefing of some 30 KB, far more than 4 KB
        code, _, err = cli("build", seeds, "--config", config_file(tmp_path), "--no-history", "--words", "1000",
                           "--format", "html", "--output", fifo, "--date", DATE)
    finally:
        os.close(reader)
    assert code == 1
    assert err.startswith(f"Error: could not write {fifo}: its reader took no more data for 1 s (4096 of "), err


# ---------------------------------------------------------------- 15: feeds together, one run deadline


class SilentServers:
    """TCP servers on several loopback addresses that accept connections and never answer; they count them."""

    def __init__(self, hosts: list[str]) -> None:
        self.lock = threading.Lock()
        self.open: dict[str, int] = dict.fromkeys(hosts, 0)
        self.most_per_host: dict[str, int] = dict.fromkeys(hosts, 0)
        self.most = 0
        self.stop = threading.Event()
        self.socks = [socket.create_server((host, 0)) for host in hosts]
        self.ports = {host: s.getsockname()[1] for host, s in zip(hosts, self.socks)}
        for host, sock in zip(hosts, self.socks):
            threading.Thread(target=self._serve, args=(host, sock), daemon=True).start()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.ports[host]}{path}"

    def _serve(self, host: str, sock: socket.socket) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=self._hold, args=(host, conn), daemon=True).start()

    def _hold(self, host: str, conn: socket.socket) -> None:
        with self.lock:
            self.open[host] += 1
            self.most_per_host[host] = max(self.most_per_host[host], self.open[host])
            self.most = max(self.most, sum(self.open.values()))
        with conn:
            conn.settimeout(0.05)
            while not self.stop.is_set():
                try:
                    if conn.recv(1024) == b"":
                        break  # the client hung up
                except socket.timeout:
                    continue
                except OSError:
                    break
        with self.lock:
            self.open[host] -= 1

    def close(self) -> None:
        self.stop.set()
        for sock in self.socks:
            sock.close()


@pytest.fixture
def silent() -> Iterator[SilentServers]:
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
    try:
        servers = SilentServers(hosts)
    except OSError:
        pytest.skip("this machine has no 127.0.0.2-4 loopback addresses")
    yield servers
    servers.close()


def opml(urls: list[str]) -> str:
    """An OPML subscription list of these feeds."""
    lines = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="{url}"/>' for n, url in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><body>{lines}</body></opml>'


def test_opml_feeds_are_fetched_together_within_per_host_limits(tmp_path: Path, silent: SilentServers,
                                                                http_server: LoopbackServer) -> None:
    http_server.route("/good.xml", feed_xml([]).replace(
        "</channel>", f"<item><title>Good</title><description>{GOOD}</description></item></channel>"),
        content_type="application/rss+xml")
    feeds = [silent.url("127.0.0.1", f"/feed{n}.xml") for n in range(5)]
    feeds += [silent.url(host, "/feed.xml") for host in ("127.0.0.2", "127.0.0.3", "127.0.0.4")]
    feeds.append(http_server.url("/good.xml", host="localhost"))
    subs = tmp_path / "subs.opml"
    subs.write_text(opml(feeds), encoding="utf-8")
    code, out, err = build(subs, config=config_file(tmp_path, fetch_timeout=1))
    assert code == 0, err
    assert "storm struck" in out
    assert all(f"Could not fetch {url}: timed out after 1 s" in err for url in feeds[:-1]), err
    assert silent.most >= 4, silent.most  # one silent feed after another would keep one connection open
    assert silent.most_per_host["127.0.0.1"] == 2  # five feeds on one host, two at a time


def test_run_deadline_uses_what_arrived_and_warns_about_the_rest(tmp_path: Path, silent: SilentServers) -> None:
    feeds = [silent.url(host, f"/feed{n}.xml") for n in range(3) for host in ("127.0.0.1", "127.0.0.2")]
    subs = tmp_path / "subs.opml"
    subs.write_text(opml(feeds), encoding="utf-8")
    # every feed would wait 60 s for its fetch deadline; the run's deadline ends them all after 2 s
    code, out, err = build(subs, good_file(tmp_path), config=config_file(tmp_path, fetch_timeout=60, run_timeout=2))
    assert code == 0, err
    assert "storm struck" in out
    for url in feeds:
        assert f"Warning: {url}: skipped: Could not fetch {url}: the run's time limit (run_timeout 2 s) ran out" in err


def test_run_timeout_is_a_checked_config_key(tmp_path: Path) -> None:
    code, _, err = build(good_file(tmp_path), config=config_file(tmp_path, run_timeout=0))
    assert code == 1 and err == f"Error: {tmp_path / 'briefing.toml'}: run_timeout must be greater than 0, got 0\n"
