"""Network and stream limits, measured: time and peak memory of `briefing build` against hostile servers.

Each case runs `briefing build` in a child process (the servers run here, on 127.0.0.x), so the child's
peak RSS is its own. `--src DIR` runs the briefing found in DIR (e.g. an exported older tree) instead of
the installed one, for before/after tables.

    python benchmarks/bench_network.py                       # this tree
    python benchmarks/bench_network.py --src /tmp/base-tree  # another tree
    python benchmarks/bench_network.py --case bomb --case dns # some cases only

Cases: bomb (10 KB of `Content-Encoding: gzip, gzip` that expands to 1 GB, max_bytes 50 MB), dns (a
name that takes 30 s to resolve, fetch_timeout 5 s), dns-feed (a feed whose 3 links take 30 s each to
resolve), silent (an OPML file of 10 feeds that never answer, on 10 loopback addresses, fetch_timeout
5 s), many (an OPML file of 2,000 small feeds on one host), pages (a feed of 20 links to 10 MB pages),
cache (the fetch cache's size after two runs of `pages` with ETags).
"""
from __future__ import annotations

import argparse
import gzip
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIMIT = 300.0  # seconds any one run may take here
# The child: an optional slow resolver for names ending in .slow.test, then the CLI.
CHILD = """
import atexit, os, resource, socket, sys, time
atexit.register(lambda: open("rss.txt", "w").write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
real = socket.getaddrinfo
def slow(host, *args, **kwargs):
    if str(host).endswith(".slow.test"):
        time.sleep(30)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return real(host, *args, **kwargs)
socket.getaddrinfo = slow
from briefing.cli import app
app(sys.argv[1:], prog_name="briefing")
"""


class Routes(BaseHTTPRequestHandler):
    """Serves `routes[path] = (headers, body)`; `silent` paths are never answered."""

    routes: dict[str, tuple[dict[str, str], bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/silent"):
            time.sleep(LIMIT)
            return
        headers, body = self.routes.get(self.path, ({}, b""))
        self.send_response(200 if self.path in self.routes else 404)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


def serve(host: str = "127.0.0.1") -> str:
    """Start a server on host; its base URL."""
    httpd = ThreadingHTTPServer((host, 0), Routes)
    httpd.daemon_threads = True
    httpd.handle_error = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://{host}:{httpd.server_address[1]}"


def feed(links: list[str], text: str = "") -> bytes:
    """An RSS feed with these links (and the text as each entry's description)."""
    items = "".join(f"<item><title>Entry {n}</title><link>{link}</link><description>Entry {n} of the feed says the "
                    f"harbour reopened on Monday after repairs. {text}</description></item>"
                    for n, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()


def opml(urls: list[str]) -> bytes:
    """An OPML list of these feeds."""
    lines = "".join(f'<outline type="rss" text="F{n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><body>{lines}</body></opml>'.encode()


def run(src: str | None, work: Path, *args: str, **config: object) -> tuple[float, float, int, str]:
    """`briefing build ARGS` in a child: (seconds, peak RSS in MB, exit code, last stderr line)."""
    (work / "briefing.toml").write_text("".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in
                                                {"cache_dir": str(work / "cache"), **config}.items()))
    env = {**os.environ, "HOME": str(work), "XDG_CACHE_HOME": str(work / "xdg")}
    if src:
        env["PYTHONPATH"] = src
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, "build", *args, "--config", str(work / "briefing.toml"),
                               "--no-history", "--output", "-", "--date", "2025-01-02"], cwd=work, env=env,
                              capture_output=True, timeout=LIMIT)
        code, err = proc.returncode, proc.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        code, err = -1, f"still running after {LIMIT:g} s (killed)"
    seconds = time.monotonic() - start
    rss_file = work / "rss.txt"
    rss = int(rss_file.read_text()) / 1024 if rss_file.exists() else float("nan")
    rss_file.unlink(missing_ok=True)
    last = (err.strip().splitlines() or [""])[-1][:110]
    return seconds, rss, code, last


def gzip_of_zeros(size: int) -> bytes:
    """gzip of `size` zero bytes, built a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1_000_000
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", help="run the briefing package found in this folder")
    parser.add_argument("--case", action="append", help="run only these cases")
    opts = parser.parse_args()
    cases = opts.case or ["bomb", "dns", "dns-feed", "silent", "many", "pages", "cache"]
    base = serve()
    print("| case | seconds | peak RSS MB | exit | last stderr line |\n|---|---|---|---|---|")
    for case in cases:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            args: list[str] = []
            config: dict[str, object] = {}
            if case == "bomb":
                Routes.routes["/bomb"] = ({"Content-Encoding": "gzip, gzip"},
                                          gzip.compress(gzip_of_zeros(1_000_000_000)))
                args = [base + "/bomb"]
            elif case == "dns":
                args, config = ["http://news.slow.test/"], {"fetch_timeout": 5}
            elif case == "dns-feed":
                Routes.routes["/dns-feed"] = ({"Content-Type": "application/rss+xml"},
                                              feed([f"http://s{n}.slow.test/a" for n in range(3)]))
                args, config = [base + "/dns-feed"], {"fetch_timeout": 5}
            elif case == "silent":
                urls = []
                for n in range(10):
                    try:
                        urls.append(serve(f"127.0.0.{n + 1}") + f"/silent{n}")
                    except OSError:
                        urls.append(base + f"/silent{n}")
                (work / "silent.opml").write_bytes(opml(urls))
                args, config = [str(work / "silent.opml")], {"fetch_timeout": 5}
            elif case == "many":
                for n in range(2000):
                    Routes.routes[f"/f{n}"] = ({"Content-Type": "application/rss+xml"}, feed([""], f"Feed {n}."))
                (work / "many.opml").write_bytes(opml([f"{base}/f{n}" for n in range(2000)]))
                args = [str(work / "many.opml")]
            elif case in ("pages", "cache"):
                # pages: 20 pages of 10 MB; cache: two days of 20 different pages of 5 MB, each with an ETag
                size, days = (580_000, ["a"]) if case == "pages" else (290_000, ["b", "c"])
                padding = b"<p>" + b"filler words here " * size + b"</p>"
                for day in days:
                    for n in range(20):
                        Routes.routes[f"/{day}{n}"] = ({"Content-Type": "text/html", "ETag": f'"{n}"'},
                                                       b"<html><body><article><p>Page %d says the bridge reopened "
                                                       b"on Monday after a week of repairs to its deck.</p>" % n
                                                       + padding + b"</article></body></html>")
                    Routes.routes[f"/{day}"] = ({"Content-Type": "application/rss+xml"},
                                                feed([f"{base}/{day}{n}" for n in range(20)]))
                args, config = [base + f"/{days[0]}"], {"fetch_timeout": 60}
            seconds, rss, code, last = run(opts.src, work, *args, **config)
            if case == "cache":
                run(opts.src, work, base + "/c", **config)
                size = sum(p.stat().st_size for p in (work / "cache").glob("*")) / 1e6
                last = f"cache folder after 2 runs: {size:.1f} MB"
            print(f"| {case} | {seconds:.1f} | {rss:.0f} | {code} | {last.replace('|', '/')} |", flush=True)


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    main()
