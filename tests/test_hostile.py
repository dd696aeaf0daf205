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

from conftest import LoopbackServer

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
