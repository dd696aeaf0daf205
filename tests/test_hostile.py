"""The second red-team round (issue 13): hostile input and faults end in a clear line, never a traceback.

Servers are real ones on 127.0.0.1 (http.server, aiosmtpd); inputs are real files, FIFOs and folders.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli import app

from conftest import LoopbackServer, smtp_on_loopback

DATE = "2025-01-02"
SENTENCES = ("A powerful storm struck the northern coast on Monday, flooding several towns.",
             "Emergency crews rescued dozens of residents from their homes overnight.",
             "Officials said the damage to roads and bridges would take weeks to repair.")
TEXT = "Storm hits the coast\n\n" + " ".join(SENTENCES) + "\n"


def cli(*args: str | Path, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr); an escaped exception fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception escaped the CLI: {result.exception!r}\n{result.stderr}")
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def article(tmp_path: Path, cli_isolation: Path) -> Path:
    """One good article in tmp_path (the CLI runs there, away from the user's folders)."""
    path = tmp_path / "storm.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def page(sentence: str) -> str:
    """A small article page."""
    return (f"<html><head><title>Page</title></head><body><article><p>{sentence}</p><p>The report was "
            f"confirmed by two officials on Sunday afternoon in the capital city.</p></article></body></html>")


def rss(links: list[str]) -> str:
    """An RSS feed whose entries link to `links`, each with a fallback description."""
    items = "".join(f"<item><title>Entry {n}</title><link>{link}</link><description>The fallback text of entry "
                    f"number {n} describes the local election results in some detail.</description></item>"
                    for n, link in enumerate(links, start=1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>{items}</channel></rss>'


# ---------------------------------------------------------------- item 7: redirects do not widen the guard


def test_redirect_of_the_typed_feed_url_does_not_widen_the_private_guard(tmp_path: Path, cli_isolation: Path) -> None:
    with LoopbackServer() as typed, LoopbackServer() as final, LoopbackServer() as other:
        other.route("/secret", page("The secret page on another port of the final host must stay unread."))
        final.route("/own", page("The page on the final host must not be fetched either, it was not typed."))
        final.route("/feed.xml", rss([other.url("/secret", host="localhost"), final.url("/own", host="localhost")]),
                    content_type="application/rss+xml")
        typed.redirect("/feed", final.url("/feed.xml", host="localhost"))
        code, out, err = cli("build", typed.url("/feed"), "--no-history", "--output", "-", "--date", DATE,
                             "--since", "100000w")
        assert code == 0, err
        assert other.hits("/secret") == 0 and final.hits("/own") == 0
        assert "secret page" not in out
        assert len(re.findall(r"Warning: Refused http://localhost:\d+/(secret|own): .*loopback", err)) == 2, err


# ---------------------------------------------------------------- item 6: every recipient gets the message


class Inbox:
    """aiosmtpd handler keeping each message's envelope recipients; refuses addresses at refused.example."""

    def __init__(self) -> None:
        self.recipients: list[list[str]] = []

    async def handle_RCPT(self, server: object, session: object, envelope: object, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        """Accept every recipient except those at refused.example."""
        if address.endswith("@refused.example"):
            return "550 no such user here"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        """Keep who the message went to."""
        self.recipients.append(list(envelope.rcpt_tos))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def inbox() -> object:
    """A real SMTP server on 127.0.0.1: (Inbox, port)."""
    handler = Inbox()
    with smtp_on_loopback(handler) as port:
        yield handler, port


@pytest.mark.parametrize("to", [["a@example.org, c@example.org"], ["a@example.org; c@example.org"],
                                ["a@example.org", "c@example.org"], ['"Doe, Ann" <a@example.org>;c@example.org']])
def test_every_listed_recipient_receives_the_message(article: Path, inbox: tuple[Inbox, int], to: list[str]) -> None:
    handler, port = inbox
    args = [a for address in to for a in ("--to", address)]
    code, _, err = cli("send", article, *args, "--from", "b@example.org", "--smtp-host", "127.0.0.1",
                       "--smtp-port", str(port), "--no-history", "--date", DATE)
    assert code == 0, err
    assert handler.recipients == [["a@example.org", "c@example.org"]]
    assert err.strip().endswith("c@example.org") and "a@example.org" in err


def test_addresses_run_together_are_an_error_not_a_silent_drop(article: Path, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    code, _, err = cli("send", article, "--to", "a@example.org c@example.org", "--from", "b@example.org",
                       "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--no-history", "--date", DATE)
    assert code == 1
    assert err == ("Error: --to 'a@example.org c@example.org' is not one e-mail address; "
                   "separate several with commas\n")
    assert handler.recipients == []


def test_a_refused_recipient_is_a_clear_error(article: Path, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    code, _, err = cli("send", article, "--to", "a@example.org, x@refused.example", "--from", "b@example.org",
                       "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--date", DATE,
                       "--history", "h.sqlite")
    assert code == 1
    assert err.startswith(f"Error: 127.0.0.1:{port} refused x@refused.example (550 no such user here); "
                          "the message went only to a@example.org"), err
    assert handler.recipients == [["a@example.org"]]


# ---------------------------------------------------------------- item 8: terminal escapes


def test_control_characters_from_a_feed_are_escaped_in_warnings(tmp_path: Path, cli_isolation: Path) -> None:
    feed = tmp_path / "evil.rss"
    feed.write_text(rss(["ftp://evil.example/\x1b]0;owned\x07\x1b[2J"]), encoding="utf-8")
    code, _, err = cli("build", feed, "--no-history", "--output", "-", "--date", DATE, "--since", "100000w")
    assert code == 0, err
    assert "\x1b" not in err and "\x07" not in err
    assert "refused link ftp://evil.example/\\x1b]0;owned\\x07\\x1b[2J" in err


# ---------------------------------------------------------------- item 5: no tracebacks


def run_briefing(*args: str | Path, cwd: Path, close_stdin: bool) -> subprocess.CompletedProcess[str]:
    """`python -m briefing ...` in a subprocess, optionally with file descriptor 0 closed (`<&-`)."""
    env = {**os.environ, "HOME": str(cwd / "home"), "XDG_DATA_HOME": str(cwd / "home" / "data"),
           "XDG_CACHE_HOME": str(cwd / "home" / "cache")}
    return subprocess.run([sys.executable, "-m", "briefing", *map(str, args)], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=120, close_fds=True,
                          preexec_fn=(lambda: os.close(0)) if close_stdin else None, stdin=None)


@pytest.mark.parametrize("inputs", [["storm.txt"], ["storm.txt", "-"]])
def test_closed_stdin_is_not_a_traceback(tmp_path: Path, article: Path, inputs: list[str]) -> None:
    done = run_briefing("build", *inputs, "--no-history", "--output", "-", "--date", DATE, cwd=tmp_path,
                        close_stdin=True)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert SENTENCES[0] in done.stdout
    if "-" in inputs:
        assert "Warning: stdin: skipped: standard input is closed" in done.stderr


def test_control_characters_in_titles_never_break_a_publish(tmp_path: Path, article: Path) -> None:
    site = tmp_path / "site"
    code, _, err = cli("publish", article, "--site", site, "--title", "A\x01B\x1b[31m", "--no-history",
                       "--date", DATE)
    assert code == 0, err
    assert json.loads((site / f"{DATE}.json").read_text())["title"] == "AB[31m"
    # a stored page edited by hand (or written by an older version) must not break later publishes
    stored = json.loads((site / f"{DATE}.json").read_text())
    stored["title"] = "Old\x01day\x0b"
    stored["sections"][0]["items"][0]["text"] += "\x02"
    (site / "2025-01-01.json").write_text(json.dumps(stored), encoding="utf-8")
    code, _, err = cli("publish", article, "--site", site, "--no-history", "--date", "2025-01-03")
    assert code == 0, err
    feed = (site / "feed.xml").read_text()
    assert "Oldday" in feed and "\x01" not in feed


def test_jsonl_title_and_source_with_control_characters_publish(tmp_path: Path, cli_isolation: Path) -> None:
    line = {"text": " ".join(SENTENCES), "title": "T\x01itle\x1b", "source": "Wire\x07"}
    data = tmp_path / "docs.jsonl"
    data.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, _, err = cli("publish", data, "--site", tmp_path / "site", "--no-history", "--date", DATE)
    assert code == 0, err


def test_deeply_nested_json_line_is_skipped_and_good_lines_kept(tmp_path: Path, cli_isolation: Path) -> None:
    deep = '{"text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}"
    good = json.dumps({"text": " ".join(SENTENCES)})
    path = tmp_path / "docs.jsonl"
    path.write_text(good + "\n" + deep + "\n", encoding="utf-8")
    for source, stdin in ((path, None), ("-", path.read_bytes())):  # by name, and sniffed as JSONL on stdin
        code, out, err = cli("build", source, "--no-history", "--output", "-", "--date", DATE, stdin=stdin)
        assert code == 0, err
        assert ":2: skipped: JSON nested too deeply" in err
        assert any(sentence in out for sentence in SENTENCES)
        assert "skipped" in err


@pytest.mark.parametrize("option", [["--since", "99999999999w"], ["--since", "520000w"],
                                    ["--date", "9999-12-31"], ["--date", "0001-01-01"]])
def test_extreme_dates_and_windows_are_not_tracebacks(tmp_path: Path, cli_isolation: Path, option: list[str]) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_text(rss(["ftp://x.example/a"]).replace(  # one dated entry, one without a date (always kept)
        "<item>", "<item><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate>", 1) + "", encoding="utf-8")
    feed.write_text(feed.read_text().replace("</channel>", "<item><title>Undated</title><description>"
                                             + " ".join(SENTENCES) + "</description></item></channel>"))
    code, out, err = cli("build", feed, "--no-history", "--output", "-", *option)
    if option == ["--since", "99999999999w"]:
        assert code == 1 and err.startswith("Error: Invalid duration '99999999999w': at most 10000 years")
    else:
        assert code == 0, err
        assert SENTENCES[0] in out


def test_directory_tree_a_thousand_levels_deep(tmp_path: Path, cli_isolation: Path) -> None:
    deepest = tmp_path / "tree"
    deepest.mkdir()
    fd = os.open(deepest, os.O_RDONLY)
    try:  # make the chain relative to an open folder, so no path ever gets too long for the OS
        for _ in range(1_000):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("storm.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as stream:
            stream.write(TEXT)
    finally:
        os.close(fd)
    os.chdir(tmp_path)
    try:
        code, out, err = cli("build", "tree", "--no-history", "--output", "-", "--date", DATE)
    finally:
        remove_chain(deepest)
    assert code == 0, err
    assert SENTENCES[0] in out


def remove_chain(top: Path) -> None:
    """Remove a chain of folders named d (with files at the bottom) without recursion or long paths."""
    fds = [os.open(top, os.O_RDONLY)]
    while "d" in os.listdir(fds[-1]):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    for name in os.listdir(fds[-1]):
        os.unlink(name, dir_fd=fds[-1])
    os.close(fds.pop())
    while fds:
        os.rmdir("d", dir_fd=fds[-1])
        os.close(fds.pop())


# ---------------------------------------------------------------- item 10: clear messages


def test_utf16_without_bom_is_read_as_text(tmp_path: Path, cli_isolation: Path) -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(TEXT.encode(encoding))
        code, out, err = cli("build", path, "--no-history", "--output", "-", "--date", DATE)
        assert code == 0, err
        assert SENTENCES[0] in out and "binary" not in err


def test_symlink_loop_and_dangling_link_say_what_they_are(tmp_path: Path, cli_isolation: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    code, _, err = cli("build", tmp_path / "a.txt", "--no-history")
    assert (code, err) == (1, f"Error: {tmp_path / 'a.txt'} is a symbolic link that loops back on itself\n")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    code, _, err = cli("build", tmp_path / "gone.txt", "--no-history")
    assert (code, err) == (1, f"Error: {tmp_path / 'gone.txt'} is a symbolic link to {tmp_path / 'nowhere.txt'}, "
                              "which does not exist\n")


def test_config_with_a_utf8_bom_is_read(tmp_path: Path, article: Path) -> None:
    config = tmp_path / "briefing.toml"
    config.write_bytes(b"\xef\xbb\xbfwords = 12\n")
    code, out, err = cli("build", article, "--config", config, "--no-history", "--output", "-", "--date", DATE)
    assert code == 0, err
    assert SENTENCES[0] in out and SENTENCES[1] not in out


def test_unset_variable_in_a_config_path_is_an_error(tmp_path: Path, article: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFING_NOT_SET", raising=False)
    monkeypatch.setenv("BRIEFING_OUT", str(tmp_path / "out"))
    config = tmp_path / "briefing.toml"
    config.write_text('output_dir = "${BRIEFING_OUT}/daily"\n')
    code, _, err = cli("build", article, "--config", config, "--no-history", "--date", DATE)
    assert code == 0, err
    assert (tmp_path / "out" / "daily" / f"briefing-{DATE}.md").is_file()
    config.write_text('output_dir = "${BRIEFING_NOT_SET}/daily"\n')
    code, _, err = cli("build", article, "--config", config, "--no-history", "--date", DATE)
    assert code == 1
    assert err == (f'Error: {config}: output_dir: environment variable BRIEFING_NOT_SET in '
                   f'"${{BRIEFING_NOT_SET}}/daily" is not set\n')
    assert not list(tmp_path.rglob("${*"))


def test_missing_template_file_is_named_as_missing(tmp_path: Path, article: Path) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text('template = "mine.html.j2"\n')
    code, _, err = cli("build", article, "--config", config, "--no-history", "--date", DATE)
    assert code == 1
    assert err == (f"Error: template {tmp_path / 'mine.html.j2'} not found; check the --template path "
                   "(or template in briefing.toml)\n")


# ---------------------------------------------------------------- item 11: FIFOs as inputs


def test_fifo_without_writer_is_skipped_not_waited_for(tmp_path: Path, article: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    config = tmp_path / "briefing.toml"
    config.write_text("fetch_timeout = 0.5\n")
    code, out, err = cli("build", fifo, article, "--config", config, "--no-history", "--output", "-",
                         "--date", DATE)
    assert code == 0, err
    assert f"Warning: {fifo}: skipped: nothing came through this pipe or device in 0.5 s" in err
    assert SENTENCES[0] in out


def test_fifo_with_a_writer_is_read(tmp_path: Path, cli_isolation: Path) -> None:
    import threading

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w", encoding="utf-8") as stream:  # blocks until the briefing opens it
            stream.write(TEXT)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    code, out, err = cli("build", fifo, "--no-history", "--output", "-", "--date", DATE)
    thread.join(10)
    assert code == 0, err
    assert SENTENCES[0] in out
