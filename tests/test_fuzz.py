"""Fuzzing the CLI with hypothesis: random bytes, random JSONL structures and random metadata, e-mail addresses,
config numbers, stored site pages and history rows.

Whatever the input, a run ends with exit 0 or 1, every stderr line is `Warning: …`, `Error: …` or `wrote …`
(no traceback, no raw control characters), and what is written parses.
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Callable
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


def run(args: list[str], stdin: bytes | None = None, files: dict[str, str] | None = None,
        prepare: Callable[[str], None] | None = None) -> tuple[int, str, str]:
    """Run the CLI in a fresh temporary folder with HOME there; check the invariants of every run.

    `files` are written into the folder first (relative names), and `prepare(folder)` is called before the run.
    """
    with tempfile.TemporaryDirectory() as folder:
        for name, content in (files or {}).items():
            Path(folder, name).parent.mkdir(parents=True, exist_ok=True)
            Path(folder, name).write_text(content, encoding="utf-8", errors="surrogatepass")
        if prepare is not None:
            prepare(folder)
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


# ---------------------------------------------------------------- issue 23: addresses, config numbers, stored pages, history

FUZZ_FEW = settings(FUZZ, max_examples=25)
ADDRESS = st.one_of(
    TEXT,
    st.builds(lambda local, domain, sep: f"{local}@{domain}{sep}", st.text(min_size=1, max_size=12),
              st.text(min_size=1, max_size=12), st.sampled_from(["", ",", ";", "\x0b", "\x85", "\u2028", " x@y.z"])),
)


@FUZZ_FEW
@given(to=ADDRESS, sender=ADDRESS)
def test_random_addresses_through_send(to: str, sender: str) -> None:
    if not to.strip("-") or not sender.strip("-") or "\x00" in to + sender:  # argv cannot hold a NUL
        return
    code, _, err = run(["send", "-", "--to", to, "--from", sender, "--dry-run", "@DIR@/out.eml", "--no-history"],
                       stdin=(json.dumps({"text": GOOD}) + "\n").encode())
    if code == 1:
        assert err.splitlines()[-1].startswith("Error: ")


NUMBER = st.one_of(st.integers(min_value=-2**63, max_value=2**63 - 1), st.floats(allow_nan=True, allow_infinity=True))
NUMBER_KEYS = ["words", "sentences", "min_words", "max_words", "duplicate_threshold", "fetch_timeout", "max_bytes",
               "email.smtp_port", "email.smtp_timeout"]


def toml_number(value: int | float) -> str:
    """A number as TOML writes it (inf, -inf, nan; floats always with a point or exponent)."""
    if isinstance(value, float):
        text = repr(value)
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(text, text if any(c in text for c in ".en") else text + ".0")
    return str(value)


@FUZZ_FEW
@given(key=st.sampled_from(NUMBER_KEYS), value=NUMBER)
def test_random_config_numbers(key: str, value: int | float) -> None:
    table, _, name = key.rpartition(".")
    config = (f"[{table}]\n" if table else "") + f"{name} = {toml_number(value)}\n"
    code, _, err = run(["build", "-", "--config", "@DIR@/briefing.toml", "--no-history", "--output", "-"],
                       stdin=(json.dumps({"text": GOOD}) + "\n").encode(), files={"briefing.toml": config})
    if code == 1:
        assert err.splitlines()[-1].startswith("Error: ")


STORED_PAGE = st.one_of(
    JSON,
    st.fixed_dictionaries({"title": FIELD, "date": FIELD, "sections": st.lists(st.fixed_dictionaries(
        {"title": FIELD, "items": st.lists(st.fixed_dictionaries(
            {"text": FIELD, "score": JSON, "sources": st.one_of(JSON, st.lists(st.dictionaries(
                st.sampled_from(["document", "sentence", "title", "url", "source", "text", "copies"]), JSON)))}),
            max_size=3)}), max_size=2), "documents": JSON}),
)


@FUZZ_FEW
@given(page=STORED_PAGE)
def test_random_stored_site_pages_never_break_a_publish(page: Any) -> None:
    stored = json.dumps(page, allow_nan=True)
    code, _, err = run(["publish", "-", "--site", "@DIR@/site", "--no-history", "--date", "2025-01-02"],
                       stdin=(json.dumps({"text": GOOD}) + "\n").encode(), files={"site/2025-01-01.json": stored})
    assert code == 0, err


SQL_VALUE = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.floats(allow_nan=False),
                      st.text(max_size=40), st.binary(max_size=64),
                      st.builds(lambda n: zlib.compress(b"word " * n), st.integers(min_value=0, max_value=1000)))


@FUZZ_FEW
@given(text=SQL_VALUE, date=SQL_VALUE, sources=SQL_VALUE, sentences=SQL_VALUE, seen_date=SQL_VALUE)
def test_random_history_rows(text: Any, date: Any, sources: Any, sentences: Any, seen_date: Any) -> None:
    def plant(folder: str) -> None:
        from briefing.outputs.history import History

        with History(f"{folder}/h.sqlite"):
            pass
        with sqlite3.connect(f"{folder}/h.sqlite") as db:
            db.execute("INSERT INTO items (date, title, position, text, sources, recorded_at) VALUES (?, 't', 0, ?, ?, 'x')",
                       (date if date is not None else "2025-01-01", text if text is not None else "", sources or "[]"))
            db.execute("INSERT INTO seen (date, title, sentences) VALUES (?, 't', ?)",
                       (seen_date if seen_date is not None else "2025-01-01", sentences if sentences is not None else b""))

    code, _, err = run(["build", "-", "--history", "@DIR@/h.sqlite", "--output", "-", "--date", "2025-01-02"],
                       stdin=(json.dumps({"text": GOOD}) + "\n").encode(), prepare=plant)
    assert code == 0, err
