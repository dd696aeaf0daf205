"""The third red-team round (issue 23), outputs side: planted site pages and histories, hostile templates,
addresses and config numbers, a dripping SMTP server, failing renames, killed runs, undecodable file names,
terminal and bidi controls, and Markdown that a linkify renderer would turn into links.

Every case runs through the CLI as a user meets it; servers are real ones on 127.0.0.1 (aiosmtpd, a raw
socket), failures are real (a killed process, a file size limit) except the failing rename, which is injected
(EIO cannot be provoked on demand).
"""
from __future__ import annotations

import errno
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import html5lib
import pytest


from conftest import LoopbackServer, smtp_on_loopback
from test_hostile import SENTENCES, TEXT, cli  # the same story, and the same in-process CLI runner

DATE = "2025-01-02"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def article(tmp_path: Path, cli_isolation: Path) -> Path:
    """The storm article in tmp_path, where the CLI runs."""
    (tmp_path / "storm.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path / "storm.txt"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in a folder (hidden ones too) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---------------------------------------------------------------- item 3: planted site pages

def _stored_page(item: dict[str, object]) -> str:
    """A stored day page (YYYY-MM-DD.json) holding one item."""
    return json.dumps({"title": "Old", "date": "2024-12-30", "sections": [{"title": None, "items": [item]}],
                       "documents": [{"id": "d"}]})


GOOD_SOURCE = {"document": "d", "sentence": 0}
PLANTED = {
    "100k levels deep": '{"title": "Old", "date": "2024-12-30", "sections": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "sentence 1e999": _stored_page({"text": "Old news.", "score": 1, "sources": [{"document": "d", "sentence": 1e999}]}),
    "score NaN": _stored_page({"text": "Old news.", "score": float("nan"), "sources": [GOOD_SOURCE]}),
    "no sources": _stored_page({"text": "Old news.", "score": 1, "sources": []}),
    "sources not a list": _stored_page({"text": "Old news.", "score": 1, "sources": 7}),
    "text an object": _stored_page({"text": {"a": 1}, "score": 1, "sources": [GOOD_SOURCE]}),
}


@pytest.mark.parametrize("page", list(PLANTED.values()), ids=list(PLANTED))
def test_a_planted_site_page_never_breaks_a_publish(tmp_path: Path, article: Path, page: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "2024-12-30.json").write_text(page, encoding="utf-8")
    code, _, err = cli("publish", article, "--site", site, "--date", DATE, "--no-history")
    assert code == 0, err
    assert (site / f"{DATE}.html").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"{DATE}.html" in index
    # a page that is not a briefing is named in a warning; one that is (its bad parts dropped) stays listed
    assert "2024-12-30.json: skipped in the site index" in err or "2024-12-30.html" in index


def test_a_deep_page_is_named_in_the_warning(tmp_path: Path, article: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "2024-12-30.json").write_text(PLANTED["100k levels deep"], encoding="utf-8")
    code, _, err = cli("publish", article, "--site", site, "--date", DATE, "--no-history")
    assert code == 0
    assert f"Warning: {site / '2024-12-30.json'}: skipped in the site index (nested too deeply)" in err


# ---------------------------------------------------------------- item 4: a crafted history

def _published_history(tmp_path: Path, article: Path) -> Path:
    """A history holding one published day (the day before DATE)."""
    history = tmp_path / "h.sqlite"
    code, _, err = cli("publish", article, "--site", tmp_path / "site", "--history", history, "--date", "2025-01-01")
    assert code == 0, err
    return history


def test_history_text_stored_as_a_blob_is_skipped(tmp_path: Path, article: Path) -> None:
    history = _published_history(tmp_path, article)
    with sqlite3.connect(history) as db:
        db.execute("UPDATE items SET text = CAST(text AS BLOB)")
        db.execute("INSERT INTO items (date, title, position, text, sources, recorded_at) "
                   "VALUES ('2025-01-01', 'x', 9, 42, '[]', 'now')")
    other = tmp_path / "other.txt"
    other.write_text("Rain\n\nHeavy rain fell across the southern valley on Tuesday, closing two schools. "
                     "Farmers said the water would help the late harvest this year.\n", encoding="utf-8")
    code, out, err = cli("build", other, "--history", history, "--date", DATE, "-o", "-")
    assert code == 0, err
    assert "Heavy rain fell" in out


def test_a_zlib_bomb_in_the_history_is_skipped_not_inflated(tmp_path: Path, article: Path) -> None:
    history = _published_history(tmp_path, article)
    bomb = zlib.compress(b"a" * 40_000_000, 9)  # 40 MB of one word from about 40 KB
    assert len(bomb) < 100_000
    with sqlite3.connect(history) as db:
        db.execute("UPDATE seen SET sentences = ?", (bomb,))
        db.execute("INSERT INTO seen (date, title, sentences) VALUES ('2024-12-31', 't', 'not a blob')")
    code, out, err = cli("build", article, "--history", history, "--date", DATE, "-o", "-", "--title", "Next")
    assert code in (0, 1) and "Traceback" not in err
    assert f"Warning: history file {history}: a day's record of what its articles said is damaged or larger" in err


# ---------------------------------------------------------------- item 5: a template changing a dict in a loop

def test_a_template_changing_a_dict_while_looping_is_an_error(tmp_path: Path, article: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text('{% set d = {"a": 1} %}{% for k in d %}{% set _ = d.update({k ~ "x": 1}) %}{% endfor %}',
                        encoding="utf-8")
    code, _, err = cli("build", article, "--template", template, "-o", "-", "--no-history")
    assert code == 1
    assert err == f"Error: template {template}, line 1: dictionary changed size during iteration\n"


# ---------------------------------------------------------------- item 6: addresses

class Inbox:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bool]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        """Keep sender, recipients and whether SMTPUTF8 was used."""
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.smtp_utf8))  # type: ignore[attr-defined]
        return "250 OK"


SEPARATORS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028"]


@pytest.mark.parametrize("option", ["--from", "--to"])
@pytest.mark.parametrize("char", SEPARATORS, ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
def test_an_address_with_a_separator_is_a_clear_error(article: Path, option: str, char: str) -> None:
    inbox = Inbox()
    value = f"a{char}b@example.org"
    args = {"--from": "s@example.org", "--to": "r@example.org", option: value}
    with smtp_on_loopback(inbox) as port:
        code, _, err = cli("send", article, "--from", args["--from"], "--to", args["--to"], "--smtp-host",
                           "127.0.0.1", "--smtp-port", str(port), "--no-history", "--date", DATE)
    assert code == 1
    assert err.startswith(f"Error: {option} 'a") and f"is not an e-mail address: it holds the control character " \
        f"U+{ord(char):04X}" in err, err
    assert inbox.envelopes == []


@pytest.mark.parametrize("utf8", [True, False], ids=["server offers SMTPUTF8", "server does not"])
def test_an_international_address_is_sent_with_smtputf8_or_refused_clearly(article: Path, utf8: bool) -> None:
    inbox = Inbox()
    with smtp_on_loopback(inbox, enable_SMTPUTF8=utf8) as port:
        code, _, err = cli("send", article, "--to", "jöhn@exämple.org", "--from", "Brief <b@exämple.org>",
                           "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--no-history", "--date", DATE)
    if utf8:
        assert code == 0, err
        assert inbox.envelopes == [("b@xn--exmple-cua.org", ["jöhn@xn--exmple-cua.org"], True)]
    else:
        assert code == 1
        assert err == (f"Error: could not send email via 127.0.0.1:{port}: the server does not accept addresses "
                       "with non-ASCII names (it does not offer SMTPUTF8); use an ASCII address or a server that "
                       "supports SMTPUTF8\n")
        assert inbox.envelopes == []


def test_an_ascii_address_at_an_international_domain_needs_no_smtputf8(article: Path) -> None:
    inbox = Inbox()
    with smtp_on_loopback(inbox) as port:
        code, _, err = cli("send", article, "--to", "john@exämple.org", "--from", "b@example.org",
                           "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--no-history", "--date", DATE)
    assert code == 0, err
    assert inbox.envelopes == [("b@example.org", ["john@xn--exmple-cua.org"], False)]


# ---------------------------------------------------------------- item 7: numbers in the config

@pytest.mark.parametrize("setting, message", [
    ("fetch_timeout = inf", "fetch_timeout must be a finite number, got inf"),
    ("fetch_timeout = 1e300", "fetch_timeout must be at most 86,400, got 1e+300"),
    ("fetch_timeout = nan", "fetch_timeout must be a finite number, got nan"),
    ("fetch_timeout = -1.0", "fetch_timeout must be greater than 0, got -1.0"),
    ("duplicate_threshold = nan", "duplicate_threshold must be a finite number, got nan"),
    ("words = 9223372036854775807", "words must be at most 1,000,000, got 9223372036854775807"),
    ("max_bytes = -5", "max_bytes must be greater than 0, got -5"),
    ("min_words = -1", "min_words must be 0 or more, got -1"),
    ("[email]\nsmtp_timeout = inf", "email.smtp_timeout must be a finite number, got inf"),
    ("[email]\nsmtp_timeout = -3", "email.smtp_timeout must be greater than 0, got -3"),
])
def test_every_config_number_is_checked(tmp_path: Path, article: Path, setting: str, message: str) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text(setting + "\n", encoding="utf-8")
    code, _, err = cli("build", article, "--config", config, "-o", "-", "--no-history")
    assert code == 1
    assert err == f"Error: {config}: {message}\n"


# ---------------------------------------------------------------- item 8: stdout closed

def test_building_to_a_closed_stdout_is_a_clear_error(tmp_path: Path, article: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "briefing", "build", str(article), "-o", "-", "--no-history"],
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, timeout=120,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 1
    assert proc.stderr.decode() == ("Error: standard output is closed, so --output - has nowhere to write; "
                                    "give a file or folder with --output\n")


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_stdout_that_cannot_encode_the_briefing_gets_utf8_not_a_traceback(tmp_path: Path, fmt: str) -> None:
    """PYTHONIOENCODING=ascii (or a cp1252 console): the seeds' curly quotes were a UnicodeEncodeError traceback."""
    seed = REPO / "seeds" / "000_1ac7351754abf07b.txt"

    def run(**env: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "briefing", "build", str(seed), "-f", fmt, "-o", "-",
                               "--no-history", "--date", DATE], capture_output=True, cwd=tmp_path, timeout=120,
                              env={**os.environ, "HOME": str(tmp_path), **env})

    utf8, ascii_ = run(PYTHONIOENCODING="utf-8"), run(PYTHONIOENCODING="ascii")
    assert utf8.returncode == 0 and "“" in utf8.stdout.decode("utf-8")
    assert (ascii_.returncode, ascii_.stderr, ascii_.stdout) == (0, utf8.stderr, utf8.stdout)


# ---------------------------------------------------------------- item 13: a dripping SMTP server

@pytest.fixture
def dripping_smtp() -> Iterator[int]:
    """A server on 127.0.0.1 that sends its SMTP greeting one byte every half second, for ever."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                greeting = b"220 " + b"x" * 10_000
                for byte in greeting:
                    if stop.wait(0.5):
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_a_dripping_smtp_server_cannot_hold_the_run_past_smtp_timeout(tmp_path: Path, article: Path,
                                                                      dripping_smtp: int) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text(f'[email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {dripping_smtp}\nsmtp_timeout = 2\n',
                      encoding="utf-8")
    started = time.monotonic()
    code, _, err = cli("send", article, "--config", config, "--to", "a@example.org", "--from", "b@example.org",
                       "--no-history", "--date", DATE)
    assert time.monotonic() - started < 20  # a generous guard: without the deadline it waits 5,000 s
    assert code == 1
    assert err == (f"Error: could not send email via 127.0.0.1:{dripping_smtp}: the server did not finish within "
                   "2 s (email.smtp_timeout)\n")


# ---------------------------------------------------------------- item 14: template work

TEMPLATE_WORK = {
    '{% set big = ("x" * 4999999)|list %}{% for i in range(99999) %}{% if "y" in big %}y{% endif %}{% endfor %}':
        "the template went through more than 100000000 characters or items",
    "{{ lipsum(4999999) }}": "lipsum(4999999, ..., max=100) would make more than 100000 words",
    '{{ "%3000000000s" % "x" }}': "the template would build a value of 3000000000 characters",
    '{{ "{:>3000000000}".format("x") }}': "the template would build a value of 3000000000 characters",
    '{{ "%900000000s"|format("x") }}': "the template would build a value of 900000000 characters",
    '{% set big = "x" * 4999999 %}{{ big.replace("x", "yyyyyyyyyy") }}':
        "the template would build a value of 49999990 characters",
    '{% set big = "x" * 4999999 %}{{ big|replace("x", "yyyyyyyyyy") }}':
        "the template would build a value of 49999990 characters",
    '{% for i in range(99999) %}{% set x = "x" * 4999999 %}{% endfor %}':
        "the template went through more than 100000000 characters or items",
}


@pytest.mark.parametrize("source, message", list(TEMPLATE_WORK.items()), ids=range(len(TEMPLATE_WORK)))
def test_template_work_is_bounded_before_it_is_done(tmp_path: Path, article: Path, source: str, message: str) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text(source, encoding="utf-8")
    started = time.monotonic()
    code, _, err = cli("build", article, "--template", template, "-o", "-", "--no-history")
    assert time.monotonic() - started < 60  # a generous guard: unbounded, these take minutes or gigabytes
    assert code == 1
    assert err.startswith(f"Error: template {template}, line 1: {message}"), err


def test_a_template_within_the_bounds_still_renders(tmp_path: Path, article: Path) -> None:
    template = tmp_path / "t.html.j2"
    template.write_text('{% set big = "x" * 1000 %}{% for i in range(1000) %}{% if "y" in big %}!{% endif %}'
                        '{% endfor %}{{ "%5s|" % "a" }}{{ "{:>4}".format("b") }}{{ big.replace("x", "yy")|length }} '
                        '{{ lipsum(2, False, 5, 10)|length > 0 }}', encoding="utf-8")
    code, out, err = cli("build", article, "--template", template, "-f", "html", "-o", "-", "--no-history")
    assert code == 0, err
    assert out.startswith("    a|   b2000 True")


# ---------------------------------------------------------------- items 17 and 18: all or none

def fail_rename_of(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make the rename onto a file called `name` fail with EIO (a disk error), as a faulty disk would."""
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
        if Path(dst).name == name:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(src))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_several_formats_are_written_all_or_none(tmp_path: Path, article: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    code, _, err = cli("build", article, "-f", "md", "-f", "html", "-f", "json", "-o", f"{out}/", "--date", DATE,
                       "--no-history", "--title", "First")
    assert code == 0, err
    before = snapshot(out)
    fail_rename_of(monkeypatch, f"briefing-{DATE}.html")
    code, _, err = cli("build", article, "-f", "md", "-f", "html", "-f", "json", "-o", f"{out}/", "--date", DATE,
                       "--no-history", "--title", "Second")
    assert code == 1
    assert err == f"Error: could not write {out / f'briefing-{DATE}.html'}: Input/output error\n"
    assert snapshot(out) == before  # the .md renamed first is back as it was; no temp or backup file is left


def test_an_interrupt_between_two_renames_puts_the_first_back(tmp_path: Path, article: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C landing after the .md was renamed and before the .html was: the .md got its old text back (the
    renames were undone only for an OSError, and the backups were then deleted)."""
    out = tmp_path / "out"
    args = ["build", article, "-f", "md", "-f", "html", "-o", f"{out}/", "--date", DATE, "--no-history"]
    code, _, err = cli(*args, "--title", "First")
    assert code == 0, err
    before = snapshot(out)
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str], *rest: object, **kwargs: object) -> None:
        real(src, dst)
        if Path(dst).suffix == ".md":
            signal.raise_signal(signal.SIGINT)  # a real SIGINT: Python's handler raises KeyboardInterrupt here

    monkeypatch.setattr(os, "replace", replace)
    code, _, err = cli(*args, "--title", "Second")
    assert (code, err) == (1, "Error: interrupted\n")
    assert snapshot(out) == before


def test_publish_is_all_or_none_when_the_feed_cannot_be_renamed(tmp_path: Path, article: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    code, _, err = cli("publish", article, "--site", site, "--date", "2025-01-01", "--no-history")
    assert code == 0, err
    before = snapshot(site)
    other = tmp_path / "rain.txt"
    other.write_text("Rain\n\nHeavy rain fell across the southern valley on Tuesday, closing two schools. "
                     "Farmers said the water would help the late harvest this year.\n", encoding="utf-8")
    fail_rename_of(monkeypatch, "feed.xml")
    code, _, err = cli("publish", other, "--site", site, "--date", DATE, "--no-history")
    assert code == 1
    assert err == f"Error: could not write {site / 'feed.xml'}: Input/output error\n"
    assert snapshot(site) == before  # no day page, no new index, the day before not relinked


# ---------------------------------------------------------------- item 19: a killed run's temp files

_KILLED_AT_RENAME = """
import os, signal, sys
def replace(src, dst, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from briefing.cli import main
main()
"""


def test_temp_files_of_a_killed_build_are_removed_by_the_next(tmp_path: Path, article: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = out / ".notes.txt.tmp"  # a file of someone else's naming stays
    mine.write_text("keep", encoding="utf-8")
    args = ["build", str(article), "-f", "md", "-f", "html", "-o", f"{out}/", "--date", DATE, "--no-history"]
    proc = subprocess.run([sys.executable, "-c", _KILLED_AT_RENAME, *args], cwd=tmp_path, capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL
    left = [p.name for p in out.iterdir() if p.name.endswith(".tmp") and p != mine]
    assert len(left) == 2, left
    code, _, err = cli(*args)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [".notes.txt.tmp", f"briefing-{DATE}.html", f"briefing-{DATE}.md"]


# ---------------------------------------------------------------- item 20: an undecodable file name

def test_an_undecodable_file_name_survives_every_output(tmp_path: Path, cli_isolation: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"bad\xff\xfename.txt"), "wb") as handle:
        handle.write(TEXT.encode())
    shown = "bad\ufffd\ufffdname"
    for fmt in ("json", "md", "html"):
        code, out, err = cli("build", folder, "-f", fmt, "-o", "-", "--no-history", "--date", DATE)
        assert code == 0, err
        assert shown in (json.loads(out)["documents"][0]["id"] if fmt == "json" else out), fmt
    code, _, err = cli("publish", folder, "--site", tmp_path / "site", "--date", DATE, "--history", tmp_path / "h.sqlite")
    assert code == 0, err
    assert shown in (tmp_path / "site" / f"{DATE}.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- item 21: terminal and bidi controls

def test_sources_never_prints_terminal_controls_from_feeds_or_opml(tmp_path: Path, cli_isolation: Path,
                                                                  http_server: LoopbackServer) -> None:
    evil = "Evil \x1b[31mred\x1b]8;;http://x.example/\x07link\x1b]8;;\x07\x1b]0;title\x07"
    http_server.route("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>{evil}</title><item>'
                      '<title>t</title><link>http://x.example/a</link></item></channel></rss>',
                      content_type="application/rss+xml")
    opml = tmp_path / "subs.opml"
    opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body><outline text="{evil}" xmlUrl="'
                    f'{http_server.url("/feed.xml")}" type="rss"/></body></opml>', encoding="utf-8")
    code, out, err = cli("sources", opml, http_server.url("/feed.xml"))
    assert "\x1b" not in out and "\x07" not in out and "\x1b" not in err
    assert out.count("\\x1b]0;title\\x07") == 2, out  # both titles are listed, escaped


BIDI = "\u202e\u2066"


def test_bidi_controls_from_a_stored_page_reach_no_output(tmp_path: Path, article: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "2025-01-01.json").write_text(json.dumps({
        "title": f"Old{BIDI}news", "date": "2025-01-01",
        "sections": [{"title": f"Sec{BIDI}tion", "items": [{"text": f"Evil {BIDI}text here.", "score": 1,
                                                            "sources": [{"document": "d", "title": f"T{BIDI}"}]}]}],
        "documents": [{"id": "d", "title": f"Doc{BIDI}"}]}), encoding="utf-8")
    code, _, err = cli("publish", article, "--site", site, "--date", DATE, "--no-history", "--title", f"New{BIDI}")
    assert code == 0, err
    for name in ("2025-01-01.html", f"{DATE}.html", "index.html", "feed.xml", f"{DATE}.md"):
        text = (site / name).read_text(encoding="utf-8")
        assert not any(ch in text for ch in BIDI), name
    assert "Evil text here." in (site / "feed.xml").read_text(encoding="utf-8")


def test_bidi_controls_reach_neither_subject_nor_text_part(tmp_path: Path, cli_isolation: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": " ".join(SENTENCES).replace("storm", f"storm{BIDI}"),
                                  "title": f"Storm{BIDI}", "source": f"Wire{BIDI}"}) + "\n", encoding="utf-8")
    eml = tmp_path / "out.eml"
    code, _, err = cli("send", source, "--to", "a@example.org", "--from", "b@example.org", "--dry-run", eml,
                       "--title", f"Daily{BIDI}", "--date", DATE, "--no-history")
    assert code == 0, err
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert str(message["Subject"]) == f"Daily — {DATE}"
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert not any(ch in part.get_content() for ch in BIDI), part.get_content_type()


# ---------------------------------------------------------------- item 22: Markdown links under linkify

LINKY = ["//evil.example/report", "//127.0.0.1/x", "mailto:t@evil.example", "evil.xn--p1ai", "EVIL.XN--P1AI/path"]


def test_markdown_makes_no_links_under_a_linkify_renderer(tmp_path: Path, cli_isolation: Path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    pytest.importorskip("linkify_it")
    import markdown

    texts = ["Flood maps for the river valley were published at {} by the regional water agency yesterday.",
             "Teachers protested against the school budget, sharing a petition at {} during the long weekend.",
             "The harbour will close for repairs in March, according to a notice posted at {} this morning.",
             "Commuters complained that new bus timetables listed at {} leave villages without evening service.",
             "A new hospital wing opened in the north with a guide for visiting families at {} and leaflets."]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": text.format(word), "title": " ".join(LINKY), "source": word}) + "\n"
                              for word, text in zip(LINKY, texts)), encoding="utf-8")
    code, out, err = cli("build", source, "-f", "md", "-o", "-", "--no-history", "--sentences", "9", "--no-stories")
    assert code == 0, err
    for html in (markdown_it.MarkdownIt("gfm-like").render(out), markdown.markdown(out)):
        tree = html5lib.parse(html, namespaceHTMLElements=False)
        assert [a.get("href") for a in tree.iter("a")] == [], html
        page_text = "".join(tree.itertext())
        for word in LINKY:
            assert word in page_text  # still there, as text


# ---------------------------------------------------------------- minor: history not writable after a publish

def test_a_history_that_cannot_be_written_after_a_publish_says_the_site_was_published(tmp_path: Path,
                                                                                       article: Path) -> None:
    import resource

    site, history = tmp_path / "site", tmp_path / "h.sqlite"

    def limit_file_size() -> None:
        # site pages are a few KB; a new history needs its 32 KB shared-memory file
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))

    proc = subprocess.run([sys.executable, "-m", "briefing", "publish", str(article), "--site", str(site),
                           "--history", str(history), "--date", DATE], capture_output=True, cwd=tmp_path,
                          timeout=120, preexec_fn=limit_file_size)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.startswith(f"Error: the site {site} was published, but the history {history} was not updated"), err
    assert "move it away" not in err
    assert (site / f"{DATE}.html").is_file()
