"""Robustness and security of the whole CLI: broken inputs, hostile text, atomic outputs, network limits.

Every input here is written by the test into tmp_path; servers (HTTP, SMTP) are real ones on 127.0.0.1.
"""
from __future__ import annotations

import codecs
import email
import email.policy
import gzip
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import html5lib
import markdown
import pytest
from typer.testing import CliRunner

from briefing.cli import app
from briefing.outputs.render import safe_url

from conftest import LoopbackServer, free_port, smtp_on_loopback

DATE = "2025-01-02"
GOOD_SENTENCES = (
    "A powerful storm struck the northern coast on Monday, flooding several towns.",
    "Emergency crews rescued dozens of residents from their homes overnight.",
    "Officials said the damage to roads and bridges would take weeks to repair.",
)
GOOD_TEXT = "Storm hits the coast\n\n" + " ".join(GOOD_SENTENCES) + "\n"


# ---------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Run:
    """The outcome of one CLI run."""

    code: int
    stdout: str
    stderr: str

    def warnings(self) -> list[str]:
        """The `Warning: ...` lines on stderr."""
        return [line for line in self.stderr.splitlines() if line.startswith("Warning: ")]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every run away from the real home, data, cache and config folders and any ./briefing.toml."""
    home = tmp_path / "home"
    home.mkdir()
    for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def cli(*args: str | Path, stdin: bytes | None = None) -> Run:
    """Run the CLI in-process; a traceback or an escaped exception fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception escaped the CLI: {result.exception!r}\n{result.stderr}")
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return Run(result.exit_code, result.stdout, result.stderr)


def write(path: Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (relative name -> hash)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def parse_html(text: str) -> ElementTree.Element:
    """Parse HTML as a browser would (html5lib), without namespaces."""
    return html5lib.parse(text, namespaceHTMLElements=False)


def assert_html_safe(text: str, allowed_links: set[str] | None = None) -> ElementTree.Element:
    """No script-capable element, no event handler, no javascript:/data: URL; links only to allowed_links."""
    root = parse_html(text)
    for tag in ("script", "iframe", "object", "embed", "img", "svg", "form", "base", "meta[@http-equiv]"):
        assert root.find(f".//{tag}") is None, f"<{tag}> element in output"
    for el in root.iter():
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name}={value!r}"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                stripped = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not stripped.startswith(("javascript:", "data:", "vbscript:", "file:")), value
                if allowed_links is not None and not value.startswith("#") and el.tag == "a" and ":" in value:
                    assert value in allowed_links, f"unexpected link {value!r}"
    return root


def text_of(el: ElementTree.Element) -> str:
    """All text inside an element, whitespace collapsed."""
    return " ".join("".join(el.itertext()).split())


def good_article(folder: Path) -> Path:
    """The one good article every corpus holds."""
    return write(folder / "good.txt", GOOD_TEXT)


def png_bytes() -> bytes:
    """A real, tiny 1x1 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- bad files among good ones

# name -> (file contents, pattern the warning line must match after "Warning: <path>")
SKIPPED: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", r": skipped: empty file$"),
    "blank.md": (b"  \n\n\t\n", r": skipped: (empty file|no article text found)$"),
    "image.png": (png_bytes(), r": skipped: binary data"),
    "image-named.txt": (png_bytes(), r": skipped: binary data"),
    "archive.txt": (gzip.compress(GOOD_TEXT.encode() * 20), r": skipped: binary data"),
    "nul.md": (b"Some words\x00\x00\x01\x02 and more\x00", r": skipped: binary data"),
    "nobody.html": (b"<!DOCTYPE html><html><head><title>Nothing here</title></head></html>",
                    r": skipped: no article text found$"),
    "scripts-only.html": (b"<html><body><script>var a = 'This is not an article sentence at all.';</script>"
                          b"<nav>Home | News | Sport</nav></body></html>", r": skipped: no article text found$"),
    "feed.xml": (b"this is not XML, it only has an XML name", r": skipped: not an RSS or Atom feed$"),
    "feed.rss": (b"\x89PNG\r\n\x1a\n garbage", r": skipped: (not an RSS or Atom feed|binary data)"),
}


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_bad_file_is_skipped_with_one_warning(tmp_path: Path, name: str) -> None:
    data, reason = SKIPPED[name]
    good, bad = good_article(tmp_path / "in"), write(tmp_path / "in" / name, data)
    run = cli("build", good, bad, "--no-history", "--output", "-", "--date", DATE, "--words", "200")
    assert run.code == 0, run.stderr
    [warning] = run.warnings()
    assert re.match(rf"Warning: {re.escape(str(bad))}{reason}", warning), warning
    for sentence in GOOD_SENTENCES:
        assert sentence in run.stdout


# name -> (bytes, a sentence that must be in the briefing, decoded correctly)
DECODED: dict[str, tuple[bytes, str]] = {
    "cp1252.txt": ("The new café on the square opened on Tuesday to long queues of “curious” neighbours.\n"
                   .encode("cp1252"), "The new café on the square opened on Tuesday to long queues of “curious” neighbours."),
    "latin1.txt": ("Der Bürgermeister von Zürich stellte am Montag einen neuen Plan für die Altstadt vor.\n"
                   .encode("latin-1"), "Der Bürgermeister von Zürich stellte am Montag einen neuen Plan für die Altstadt vor."),
    "utf16le.txt": (codecs.BOM_UTF16_LE + "The committee published its naïve report on Thursday after long delays.\n"
                    .encode("utf-16-le"), "The committee published its naïve report on Thursday after long delays."),
    "utf16be.md": (codecs.BOM_UTF16_BE + "# Report\n\nThe ministry confirmed the naïve plan would be dropped next spring.\n"
                   .encode("utf-16-be"), "The ministry confirmed the naïve plan would be dropped next spring."),
    "utf8bom.txt": (codecs.BOM_UTF8 + "The museum in Malmö reopened its doors to visitors after two years.\n".encode(),
                    "The museum in Malmö reopened its doors to visitors after two years."),
    # cut in the middle of the two-byte "é": the fragment is dropped or replaced, the rest is kept
    "truncated.txt": ("The mayor of Zürich announced a new plan for the old city centre today. Residents said caf"
                      .encode() + "é".encode("utf-8")[:1],
                      "The mayor of Zürich announced a new plan for the old city centre today."),
}


@pytest.mark.parametrize("name", sorted(DECODED))
def test_text_in_other_encodings_is_decoded(tmp_path: Path, name: str) -> None:
    data, sentence = DECODED[name]
    good, other = good_article(tmp_path / "in"), write(tmp_path / "in" / name, data)
    run = cli("build", good, other, "--no-history", "--output", "-", "--format", "json", "--date", DATE,
              "--words", "300")
    assert run.code == 0, run.stderr
    assert run.warnings() == []
    items = [i["text"] for s in json.loads(run.stdout)["sections"] for i in s["items"]]
    assert sentence in items
    assert not any("\ufffd" in text or "Ã" in text for text in items)  # no mojibake, no replacement characters


def test_jsonl_bad_lines_are_skipped_one_warning_each(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "ok", "text": "The parliament passed the budget bill late on Wednesday night."}),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "notext", "title": "A title but no text"}),
        json.dumps({"id": "numtext", "text": 42}),
        "[1, 2, 3]",
        json.dumps({"id": "badtitle", "text": "A sentence that would be fine on its own here.", "title": ["x"]}),
        "",
        json.dumps({"id": "ok2", "text": "The central bank kept its main interest rate unchanged on Thursday."}),
    ]
    docs = write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n")
    run = cli("build", docs, "--no-history", "--output", "-", "--format", "json", "--date", DATE)
    assert run.code == 0, run.stderr
    warned = {int(m.group(1)) for w in run.warnings() if (m := re.match(rf"Warning: {re.escape(str(docs))}:(\d+): skipped: ", w))}
    assert warned == {2, 3, 4, 5, 6} and len(run.warnings()) == 5, run.stderr
    briefing = json.loads(run.stdout)
    assert {d["id"] for d in briefing["documents"]} == {"ok", "ok2"}


def test_one_long_line_without_punctuation_does_not_break_the_run(tmp_path: Path) -> None:
    words = " ".join(f"word{i % 997}" for i in range(10_000))
    line = write(tmp_path / "oneline.txt", (words * 2)[:50_000])
    run = cli("build", good_article(tmp_path), line, "--no-history", "--output", "-", "--format", "json",
              "--date", DATE)
    assert run.code == 0, run.stderr
    briefing = json.loads(run.stdout)
    items = [i for s in briefing["sections"] for i in s["items"]]
    assert all(len(i["text"].split()) <= 80 for i in items)  # the run-on is never one giant item
    assert GOOD_SENTENCES[0] in [i["text"] for i in items]


def mixed_folder(folder: Path) -> Path:
    """A folder tree holding the good article, every skipped file (in a subfolder) and every decodable one."""
    good_article(folder)
    for name, (data, _) in SKIPPED.items():
        write(folder / "sub" / name, data)
    for name, (data, _) in DECODED.items():
        write(folder / name, data)
    return folder


COMMANDS = {
    "build": lambda out: ["build", "--output", str(out / "briefing.md")],
    "publish": lambda out: ["publish", "--site", str(out / "site")],
    "send": lambda out: ["send", "--to", "a@example.org", "--from", "b@example.org", "--dry-run", str(out / "b.eml")],
}


def command_output(command: str, out: Path) -> str:
    """The briefing text a command produced (Markdown file, site page, or the e-mail's text part)."""
    if command == "build":
        return (out / "briefing.md").read_text(encoding="utf-8")
    if command == "publish":
        return (out / "site" / f"{DATE}.md").read_text(encoding="utf-8")
    message = email.message_from_bytes((out / "b.eml").read_bytes(), policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_folder_of_bad_and_good_files_through_every_command(tmp_path: Path, command: str) -> None:
    folder, out = mixed_folder(tmp_path / "mixed"), tmp_path / "out"
    out.mkdir()  # send --dry-run does not create the .eml file's folder
    run = cli(*COMMANDS[command](out), folder, "--no-history", "--date", DATE, "--words", "400")
    assert run.code == 0, run.stderr
    warned = run.warnings()
    # *.png is not an article file type, so a directory walk passes it over silently
    expected = {name for name in SKIPPED if not name.endswith(".png")}
    assert {Path(w.split(":", 2)[1].strip()).name for w in warned} == expected, run.stderr
    assert len(warned) == len(expected)
    text = command_output(command, out)
    assert "café" in text and "Zürich" in text and "naïve" in text and "Ã" not in text
    assert " ".join(GOOD_SENTENCES[1].split()) in text


def test_binary_stdin_is_skipped_and_the_rest_used(tmp_path: Path) -> None:
    run = cli("build", "-", good_article(tmp_path), "--no-history", "--output", "-", "--date", DATE,
              stdin=gzip.compress(b"x" * 1000))
    assert run.code == 0, run.stderr
    assert run.warnings() == ["Warning: stdin: skipped: binary data (an image, archive or the like), not text"]
    assert GOOD_SENTENCES[0] in run.stdout


LAUGHS = "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
HOSTILE_FEEDS = {
    # exponential entity expansion ("billion laughs"): 10^8 copies of "lol" if expanded
    "laughs.rss": f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lol">{LAUGHS}]><rss version="2.0"><channel>'
                  f"<title>&i;</title><item><title>&i;</title><description>The entry text &i; is here.</description>"
                  f"</item></channel></rss>",
    # external entity (XXE) reading a local file
    "xxe.atom": '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                '<feed xmlns="http://www.w3.org/2005/Atom"><title>T &xxe;</title><entry><title>E</title>'
                "<id>urn:x</id><summary>The secret file says &xxe; in this summary sentence.</summary></entry></feed>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FEEDS))
def test_feeds_with_entity_attacks_are_harmless(tmp_path: Path, name: str) -> None:
    feed = write(tmp_path / name, HOSTILE_FEEDS[name])
    run = cli("build", good_article(tmp_path), feed, "--no-history", "--output", "-", "--format", "json",
              "--date", DATE)
    assert run.code == 0, run.stderr
    assert "root:" not in run.stdout and "lollollol" not in run.stdout
    assert all(str(feed) in w for w in run.warnings())
    assert GOOD_SENTENCES[0] in run.stdout


def test_feed_without_entries_is_named_in_a_warning(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.rss", '<rss version="2.0"><channel><title>T</title></channel></rss>')
    run = cli("build", good_article(tmp_path), empty, "--no-history", "--output", "-", "--date", DATE)
    assert run.code == 0
    assert any(w.startswith(f"Warning: {empty}") for w in run.warnings()), run.stderr


def test_only_bad_inputs_give_one_error_line_and_keep_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ok = cli("build", good_article(tmp_path), "--no-history", "--format", "md", "--format", "html",
             "--format", "json", "--output", f"{out}/", "--date", DATE)
    assert ok.code == 0, ok.stderr
    before = snapshot(out)
    assert len(before) == 3
    bad = [write(tmp_path / "bad" / name, data) for name, (data, _) in SKIPPED.items()]
    run = cli("build", *bad, "--no-history", "--format", "md", "--format", "html", "--format", "json",
              "--output", f"{out}/", "--date", DATE)
    assert run.code == 1
    errors = [line for line in run.stderr.splitlines() if not line.startswith("Warning: ")]
    assert len(errors) == 1 and errors[0].startswith("Error: no readable articles in "), run.stderr
    assert len(run.warnings()) == len(bad)
    assert snapshot(out) == before

    site = tmp_path / "site"
    assert cli("publish", good_article(tmp_path), "--site", site, "--no-history", "--date", DATE).code == 0
    site_before = snapshot(site)
    failed = cli("publish", *bad, "--site", site, "--no-history", "--date", "2025-01-03")
    assert failed.code == 1 and failed.stderr.splitlines()[-1].startswith("Error: no readable articles in ")
    assert snapshot(site) == site_before
    eml = tmp_path / "b.eml"
    failed = cli("send", *bad, "--to", "a@example.org", "--from", "b@example.org", "--dry-run", eml, "--no-history")
    assert failed.code == 1 and failed.stderr.splitlines()[-1].startswith("Error: no readable articles in ")
    assert not eml.exists()

    single = cli("build", tmp_path / "bad" / "image.png", "--no-history", "--output", f"{out}/", "--date", DATE)
    assert single.code == 1 and single.stderr.strip().splitlines()[-1].startswith("Error: ")
    missing = cli("build", tmp_path / "nope.txt", "--no-history", "--output", f"{out}/", "--date", DATE)
    assert missing.code == 1 and missing.stderr.strip() == f"Error: {tmp_path / 'nope.txt'} does not exist; check the path"
    assert snapshot(out) == before


def test_failing_template_keeps_previous_outputs_and_history(tmp_path: Path) -> None:
    out, history = tmp_path / "out", tmp_path / "history.sqlite"
    good = good_article(tmp_path)
    assert cli("build", good, "--history", history, "--format", "html", "--format", "json", "--output", f"{out}/",
               "--date", DATE).code == 0
    before, history_before = snapshot(out), hashlib.sha256(history.read_bytes()).hexdigest()
    template = write(tmp_path / "broken.html.j2", "<p>{{ items[0].text }}</p>{{ no_such_variable }}")
    run = cli("build", good, "--history", history, "--format", "html", "--format", "json", "--output", f"{out}/",
              "--template", template, "--date", DATE)
    assert run.code == 1 and run.stderr.startswith("Error: template "), run.stderr
    assert "no_such_variable" in run.stderr
    assert snapshot(out) == before
    assert hashlib.sha256(history.read_bytes()).hexdigest() == history_before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left behind


def test_failed_write_of_one_format_keeps_every_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    formats = ["--format", "md", "--format", "html", "--format", "json"]
    assert cli("build", good_article(tmp_path), "--no-history", *formats, "--output", f"{out}/", "--date", DATE).code == 0
    # the JSON target cannot be replaced (a folder stands in for a full disk or a permission error)
    (out / f"briefing-{DATE}.json").unlink()
    (out / f"briefing-{DATE}.json" / "keep").mkdir(parents=True)
    before = snapshot(out)
    other = write(tmp_path / "other.txt", DECODED["utf8bom.txt"][0])
    run = cli("build", other, "--no-history", *formats, "--output", f"{out}/", "--date", DATE)
    assert run.code == 1 and run.stderr.startswith(f"Error: could not write {out / f'briefing-{DATE}.json'}")
    assert snapshot(out) == before


# ---------------------------------------------------------------- large inputs, bounded memory


POSIX_ONLY = pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs os.wait4 and resource limits (POSIX)")


# Runs `python -m briefing ARGS` as its own child and reports that child's exit code and peak RSS. A process
# forked from pytest starts with pytest's pages counted in its peak (Linux keeps ru_maxrss across exec), so
# the CLI is forked from this small launcher instead and measures only itself.
_LAUNCHER = """
import os, resource, sys
report, limit, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.executable, [sys.executable, "-m", "briefing", *args])
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as handle:
    handle.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_measured(args: list[str], cwd: Path, env: dict[str, str], limit_bytes: int) -> tuple[int, str, int]:
    """Run the CLI in a child process under an address-space cap; (exit code, stderr, peak RSS in bytes)."""
    out, err, report = cwd / "stdout.txt", cwd / "stderr.txt", cwd / "peak.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), str(limit_bytes), *args], cwd=cwd, env=env,
                       stdout=stdout, stderr=stderr, check=True)
    code, peak = map(int, report.read_text().split())
    return code, err.read_text(errors="replace"), peak * 1024


PARAGRAPH = ("The city council met on Tuesday to discuss the new transport plan for the region. "
             "Several members raised concerns about the cost of the proposed tram line. "
             "The mayor promised a public consultation before any final decision is taken.\n\n")
VOCABULARY = ("council transport plan region members concerns cost tram line mayor consultation decision storm coast "
              "flood town rescue residents damage repair bridge road school budget teacher market price energy "
              "factory worker union strike court judge ruling police officer report minister election vote party "
              "campaign hospital doctor patient vaccine river bank loan rate inflation").split()


def write_big_text(path: Path, size: int, varied: bool) -> None:
    """A real text file of about `size` bytes, written in 1 MB chunks.

    `varied`: the first 10 MB cycle through 5,000 different random news-like sentences (so sentences are
    similar to many others but rarely identical); otherwise, and after that, one paragraph repeats.
    """
    import random

    rng = random.Random(7)
    sentences = [f"The {' '.join(rng.choices(VOCABULARY, k=rng.randint(8, 18)))} on day {n}." for n in range(5000)]
    mixed = (" ".join(sentences[:2500]) + "\n\n" + " ".join(sentences[2500:]) + "\n\n").encode()
    repeated = (PARAGRAPH * (1_000_000 // len(PARAGRAPH) + 1))[:1_000_000].encode()
    written = 0
    with path.open("wb") as fh:
        while varied and written < min(size, 10_000_000):
            written += fh.write(mixed)
        while written < size:
            written += fh.write(repeated)


MEMORY_LIMIT = 1 << 30  # 1 GiB of resident memory
ADDRESS_SPACE = 3 << 29  # 1.5 GiB: a runaway child fails fast instead of pushing the machine into swap

@POSIX_ONLY
@pytest.mark.parametrize("megabytes, varied", [
    pytest.param(30, True, id="30MB-varied"),
    pytest.param(200, False, id="200MB-repeated"),
])
def test_huge_text_file_keeps_memory_bounded(tmp_path: Path, isolated: Path, megabytes: int, varied: bool) -> None:
    big = tmp_path / "big.txt"
    write_big_text(big, megabytes * 1_000_000, varied)
    good = good_article(tmp_path)
    env = dict(os.environ, HOME=str(isolated), XDG_DATA_HOME=str(isolated / "data"),
               XDG_CACHE_HOME=str(isolated / "cache"), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    code, stderr, peak = run_measured(["build", str(big), str(good), "--no-history", "--format", "json",
                                       "--output", str(tmp_path / "out.json"), "--date", DATE],
                                      tmp_path, env, ADDRESS_SPACE)
    assert "Traceback" not in stderr and "MemoryError" not in stderr, stderr[-2000:]
    assert code == 0, stderr[-2000:]
    assert peak < MEMORY_LIMIT, f"peak RSS {peak / 2**20:.0f} MiB"
    assert re.search(rf"Warning: {re.escape(str(big))}: .*truncated", stderr)
    items = [i["text"] for s in json.loads((tmp_path / "out.json").read_text())["sections"] for i in s["items"]]
    assert GOOD_SENTENCES[0] in items


@POSIX_ONLY
def test_huge_jsonl_line_is_skipped_with_bounded_memory(tmp_path: Path, isolated: Path) -> None:
    docs = tmp_path / "big.jsonl"
    with docs.open("w", encoding="utf-8") as fh:
        fh.write('{"id": "huge", "text": "')
        for _ in range(30):
            fh.write(PARAGRAPH.replace("\n", " ") * 4000)  # about 1 MB per write, 30 MB on one line
        fh.write('"}\n')
        fh.write(json.dumps({"id": "ok", "text": GOOD_TEXT}) + "\n")
    env = dict(os.environ, HOME=str(isolated), XDG_DATA_HOME=str(isolated / "data"),
               XDG_CACHE_HOME=str(isolated / "cache"), OPENBLAS_NUM_THREADS="1")
    code, stderr, peak = run_measured(["build", str(docs), "--no-history", "--output", str(tmp_path / "out.md"),
                                       "--date", DATE], tmp_path, env, ADDRESS_SPACE)
    assert code == 0, stderr[-2000:]
    warnings = [line for line in stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1
    assert re.fullmatch(rf"Warning: {re.escape(str(docs))}:1: skipped: line longer than \d+ bytes", warnings[0])
    assert peak < MEMORY_LIMIT // 4  # the over-long line is never held whole
    assert GOOD_SENTENCES[0] in (tmp_path / "out.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- hostile text

HOSTILE_DOCS = [
    {"id": "h1", "title": "<script>alert('title')</script> Reform vote", "url": "javascript:alert(1)",
     "source": "<img src=x onerror=alert(1)>Evil Corp",
     "text": "The minister said <script>alert('x')</script> the pension reform would pass this week. "
             "Critics posted [the memo](javascript:alert(1)) to protest the pension decision loudly. "
             "An image ![pic](data:image/png;base64,AAAA) of the pension protest was shared widely. "
             "Another link <a href=\"javascript:alert(2)\">here</a> appeared below the pension story. "
             "Reporters saw <img src=x onerror=alert(3)> in the official pension statement on Monday."},
    {"id": "h2", "title": "[t](http://evil.example) **bold** <b>x</b>", "url": "data:text/html,<script>alert(1)</script>",
     "source": "](javascript:alert(1))",
     "text": "Visit <http://evil.example/autolink> for the full story of the dock strike today. "
             "Hidden HTML <iframe src=\"http://evil.example\"></iframe> was found in the dock strike release. "
             "A reference link [strike][1] points elsewhere.\n\n[1]: javascript:alert(1)\n\n"
             "Raw &lt;script&gt; entities and &#106;avascript: text appeared in the dock strike notes. "
             "<!-- a comment --> The union said the dock strike would continue into next week."},
    {"id": "h3", "title": "Rain warning", "url": "https://good.example/a?x=1&y=\"><script>alert(1)</script>",
     "source": "Good Weather", "text": "The weather service warned of heavy rain across the region on Friday night. "
                                       "Farmers were told to protect their crops and livestock from the flooding."},
    {"id": "h4", "title": "File link", "url": "file:///etc/passwd", "source": "JAVASCRIPT:alert(1)",
     "text": "Investigators examined the leaked files for several weeks before publishing the story."},
]
HOSTILE_HTML = """<!DOCTYPE html><html><head><title>Page &lt;script&gt;</title>
<meta property="og:site_name" content="&lt;script&gt;alert(9)&lt;/script&gt;Site">
<link rel="canonical" href="javascript:alert(8)"><script>document.write('INJECTED SCRIPT TEXT')</script></head>
<body onload="alert(7)"><article><h1>Harbour fire</h1>
<p>A large fire broke out in the old harbour warehouse district on Sunday evening, officials said.</p>
<p>Firefighters <a href="javascript:alert(6)">fought the blaze</a> for six hours before it was under control.</p>
<p><img src="x" onerror="alert(5)">No one was injured in the harbour fire, according to the city.</p>
</article><script>alert('INJECTED TWO')</script></body></html>"""


HOSTILE_FEED = """<?xml version="1.0"?><rss version="2.0"><channel>
<title>&lt;script&gt;alert('publisher')&lt;/script&gt; Wire</title>
<item><title>&lt;img src=x onerror=alert(1)&gt; Port strike</title><link>javascript:alert('link')</link>
<description>&lt;p&gt;Dock workers &lt;script&gt;alert('INJECTED FEED')&lt;/script&gt;walked out at the main port
on Friday morning.&lt;/p&gt;&lt;p&gt;&lt;a href="javascript:alert(1)"&gt;Union leaders&lt;/a&gt; said the strike
would last until wages rise.&lt;/p&gt;</description></item>
<item><title><![CDATA[<b>Bold</b> [x](javascript:alert(1))]]></title><link>data:text/html,hi</link>
<description><![CDATA[Ferry services were cancelled along the coast on Friday because of the port strike.]]></description></item>
</channel></rss>"""


def hostile_inputs(folder: Path) -> list[Path]:
    """A JSONL file of hostile documents, a hostile HTML page and a hostile RSS feed."""
    jsonl = write(folder / "hostile.jsonl", "".join(json.dumps(d) + "\n" for d in HOSTILE_DOCS))
    return [jsonl, write(folder / "page.html", HOSTILE_HTML), write(folder / "wire.rss", HOSTILE_FEED)]


def safe_links() -> set[str]:
    """The only link targets allowed in outputs: the http(s) document URLs, made safe."""
    return {safe_url(d["url"]) for d in HOSTILE_DOCS if safe_url(d["url"])}


def check_markdown(md_text: str) -> None:
    """Markdown rendered to HTML has no element or link that article text could have injected."""
    html = markdown.markdown(md_text)
    root = assert_html_safe(html, allowed_links=safe_links())
    for tag in ("img", "script", "iframe", "b", "strong", "code", "blockquote"):
        assert root.find(f".//{tag}") is None, f"<{tag}> from Markdown"
    assert [text_of(em) for em in root.iter("em")] == ["Thursday 2 January 2025"]  # only the template's date line
    anchors = root.findall(".//a")
    assert {a.get("href") for a in anchors} <= safe_links() and len(anchors) <= len(safe_links())
    for phrase in ("[the memo](javascript:alert(1))", "<script>alert('x')</script>", "![pic](data:image/png"):
        assert phrase in text_of(root)  # shown literally, not interpreted


def check_html_page(html: str, items: list[str]) -> None:
    """Escaped, link-safe HTML whose item texts round-trip."""
    root = assert_html_safe(html, allowed_links=safe_links())
    shown = text_of(root)
    for item in items:
        assert " ".join(item.split()) in shown
    assert "INJECTED" not in shown


def test_hostile_text_is_escaped_in_every_build_format(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cli("build", *hostile_inputs(tmp_path), "--no-history", "--words", "600", "--format", "md",
              "--format", "html", "--format", "json", "--output", f"{out}/", "--date", DATE)
    assert run.code == 0, run.stderr
    briefing = json.loads((out / f"briefing-{DATE}.json").read_text(encoding="utf-8"))
    items = [i["text"] for s in briefing["sections"] for i in s["items"]]
    assert any("[the memo](javascript:alert(1))" in t for t in items)  # the hostile text did reach the briefing
    assert {d["url"] for d in briefing["documents"]} >= {"javascript:alert(1)", "file:///etc/passwd"}  # JSON keeps data
    check_html_page((out / f"briefing-{DATE}.html").read_text(encoding="utf-8"), items)
    check_markdown((out / f"briefing-{DATE}.md").read_text(encoding="utf-8"))


def test_hostile_text_is_escaped_in_the_published_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    run = cli("publish", *hostile_inputs(tmp_path), "--site", site, "--no-history", "--words", "600", "--date", DATE)
    assert run.code == 0, run.stderr
    items = [i["text"] for s in json.loads((site / f"{DATE}.json").read_text())["sections"] for i in s["items"]]
    check_html_page((site / f"{DATE}.html").read_text(encoding="utf-8"), items)
    check_markdown((site / f"{DATE}.md").read_text(encoding="utf-8"))
    assert_html_safe((site / "index.html").read_text(encoding="utf-8"), allowed_links=set())
    feed = ElementTree.fromstring((site / "feed.xml").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    [entry] = feed.findall(f"{atom}entry")
    content = entry.find(f"{atom}content")
    assert content is not None and content.get("type") == "html"
    check_html_page(content.text or "", items)


class Collector:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        """Keep the message."""
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    """A real SMTP server on 127.0.0.1."""
    handler = Collector()
    with smtp_on_loopback(handler) as port:
        yield handler, port


def check_email(raw: bytes) -> None:
    """Both parts of the briefing e-mail: escaped HTML, plain text with no unsafe link."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    root = assert_html_safe(html, allowed_links=safe_links())
    assert "INJECTED" not in text_of(root)
    assert "[the memo](javascript:alert(1))" in text_of(root)
    assert "\n" not in str(message["Subject"])


def test_hostile_text_is_escaped_in_email_dry_run(tmp_path: Path) -> None:
    eml = tmp_path / "out.eml"
    run = cli("send", *hostile_inputs(tmp_path), "--to", "reader@example.org", "--from", "bot@example.org",
              "--no-history", "--words", "600", "--dry-run", eml, "--date", DATE)
    assert run.code == 0, run.stderr
    check_email(eml.read_bytes())


def test_hostile_text_is_escaped_in_email_sent_over_smtp(tmp_path: Path, smtp_server: tuple[Collector, int]) -> None:
    handler, port = smtp_server
    history = tmp_path / "history.sqlite"
    run = cli("send", *hostile_inputs(tmp_path), "--to", "reader@example.org", "--from", "bot@example.org",
              "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--history", history, "--words", "600",
              "--date", DATE)
    assert run.code == 0, run.stderr
    [raw] = handler.messages
    check_email(raw)
    import sqlite3

    with sqlite3.connect(history) as db:  # recorded only after the server accepted the message
        assert db.execute("SELECT count(*) FROM items WHERE date = ?", (DATE,)).fetchone()[0] > 0


def test_send_to_a_closed_port_fails_cleanly_and_records_nothing(tmp_path: Path) -> None:
    port = free_port()
    history = tmp_path / "history.sqlite"
    run = cli("send", good_article(tmp_path), "--to", "a@example.org", "--from", "b@example.org", "--smtp-host",
              "127.0.0.1", "--smtp-port", str(port), "--history", history, "--date", DATE)
    assert run.code == 1
    assert run.stderr.strip() == f"Error: could not send email via 127.0.0.1:{port}: connection refused"
    if history.exists():  # opened to read earlier items, but nothing was recorded
        import sqlite3

        with sqlite3.connect(history) as db:
            assert db.execute("SELECT count(*) FROM items").fetchone() == (0,)


@pytest.mark.parametrize("template, message", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
    ("{{ items[0].text.__class__.__init__.__globals__ }}", "unsafe"),
    ("{% for s in sources %}{{ s.__dict__ }}{% endfor %}", "unsafe"),
])
def test_user_template_runs_in_the_sandbox(tmp_path: Path, template: str, message: str) -> None:
    path = write(tmp_path / "evil.html.j2", template)
    out = tmp_path / "out.html"
    run = cli("build", good_article(tmp_path), "--no-history", "--format", "html", "--template", path,
              "--output", out, "--date", DATE)
    assert run.code == 1 and run.stderr.startswith("Error: template ") and message in run.stderr, run.stderr
    assert not out.exists()


def test_user_html_template_autoescapes(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.html.j2", "<html><body>{% for i in items %}<p>{{ i.text }}</p>{% endfor %}"
                 "{% for s in sources %}<a href=\"{{ s.url }}\">{{ s.title }}</a>{% endfor %}</body></html>")
    out = tmp_path / "out.html"
    jsonl = hostile_inputs(tmp_path)[0]
    run = cli("build", jsonl, "--no-history", "--words", "600", "--format", "html", "--template", path,
              "--output", out, "--date", DATE)
    assert run.code == 0, run.stderr
    root = parse_html(out.read_text(encoding="utf-8"))
    assert root.find(".//script") is None and root.find(".//img") is None and root.find(".//iframe") is None
    # the template prints raw URLs (its own choice); escaping keeps each one whole inside its attribute
    assert sorted(a.get("href") or "" for a in root.iter("a")) == sorted(d["url"] for d in HOSTILE_DOCS)
    assert any("<script>" in text_of(p) for p in root.iter("p"))


def test_user_markdown_and_email_templates_escape_too(tmp_path: Path) -> None:
    inputs = hostile_inputs(tmp_path)
    md_template = write(tmp_path / "mine.md.j2", "{% for i in items %}- {{ i.text }}\n{% endfor %}"
                        "{% for s in sources %}- {{ s.title }} {{ s.url }} {{ s.source }}\n{% endfor %}")
    out = tmp_path / "out.md"
    run = cli("build", *inputs, "--no-history", "--words", "600", "--template", md_template, "--output", out,
              "--date", DATE)
    assert run.code == 0, run.stderr
    root = assert_html_safe(markdown.markdown(out.read_text(encoding="utf-8")), allowed_links=set())
    assert root.find(".//a") is None and "[the memo](javascript:alert(1))" in text_of(root)

    mail_template = write(tmp_path / "mail.html.j2", "<html><body>{% for i in items %}<p>{{ i.text }}</p>{% endfor %}"
                          "{% for s in sources %}<p>{{ s.title }} {{ s.source }}</p>{% endfor %}</body></html>")
    eml = tmp_path / "out.eml"
    run = cli("send", *inputs, "--to", "a@example.org", "--from", "b@example.org", "--no-history", "--words", "600",
              "--template", mail_template, "--dry-run", eml, "--date", DATE)
    assert run.code == 0, run.stderr
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    root = assert_html_safe(part.get_content(), allowed_links=set())
    assert "<script>alert('x')</script>" in text_of(root)


# ---------------------------------------------------------------- network


def config_file(tmp_path: Path, **values: Any) -> Path:
    """A briefing.toml with the given top-level settings (cache kept in tmp_path)."""
    values.setdefault("cache_dir", str(tmp_path / "http-cache"))
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    return write(tmp_path / "briefing.toml", "\n".join(lines) + "\n")


def article_html(sentence: str) -> str:
    """A small article page."""
    return (f"<html><head><title>Page</title></head><body><article><p>{sentence}</p>"
            f"<p>The report was confirmed by two officials on Sunday afternoon in the capital.</p></article></body></html>")


def test_slow_huge_and_looping_urls_are_skipped_with_warnings(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.route("/slow", article_html("This slow page should never be read by the briefing."), delay=3.0)
    http_server.route("/huge", "<html><body><p>" + "Big words here. " * 20_000 + "</p></body></html>")
    http_server.redirect("/loop", http_server.url("/loop"))
    http_server.route("/chunked", "<html><body><p>" + "Streamed words. " * 20_000 + "</p></body></html>",
                      send_length=False)
    http_server.route("/fine", article_html("The harbour authority approved the new ferry terminal on Saturday."))
    config = config_file(tmp_path, fetch_timeout=0.5, max_bytes=100_000)
    urls = [http_server.url(p) for p in ("/slow", "/huge", "/loop", "/chunked", "/fine")]
    run = cli("build", *urls, good_article(tmp_path), "--config", config, "--no-history", "--output", "-",
              "--words", "300", "--date", DATE)
    assert run.code == 0, run.stderr
    warnings = "\n".join(run.warnings())
    assert re.search(rf"{re.escape(urls[0])}.*timed out", warnings), warnings
    assert re.search(rf"{re.escape(urls[1])}.*larger than 100000 bytes", warnings), warnings
    assert re.search(rf"{re.escape(urls[2])}.*more than 5 redirects", warnings), warnings
    assert re.search(rf"{re.escape(urls[3])}.*larger than 100000 bytes", warnings), warnings
    assert len(run.warnings()) == 4
    assert "Streamed words" not in run.stdout and "Big words" not in run.stdout
    assert http_server.hits("/loop") == 6  # the first request and five redirects
    assert "ferry terminal" in run.stdout and GOOD_SENTENCES[0] in run.stdout


def feed_xml(links: list[str]) -> str:
    """An RSS feed whose entries link to `links`, each with a fallback description."""
    items = "".join(
        f"<item><title>Entry {n}</title><link>{link}</link><description>The fallback text of entry number {n} "
        f"describes the local election results in some detail.</description></item>"
        for n, link in enumerate(links, start=1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local News</title>{items}</channel></rss>'


def test_feed_file_links_to_local_addresses_are_never_fetched(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.route("/secret", article_html("Secret internal page text that must never leak into a briefing."))
    # link -> what the warning about it must say
    expected = {"file:///etc/passwd": r"refused link file:.*only http and https",
                "javascript:alert(1)": r"refused link javascript:alert\(1\) \(only http and https",
                http_server.url("/secret"): r"Refused http://127\.0\.0\.1:\d+/secret: .* loopback address",
                http_server.url("/secret", host="localhost"): r"Refused http://localhost:\d+/secret: .* loopback address",
                "http://[::1]:1/secret": r"Refused http://\[::1\]:1/secret: .* loopback address",
                "http://169.254.169.254/latest/": r"Refused http://169\.254\.169\.254/latest/: .* link-local address"}
    links = list(expected)
    feed = write(tmp_path / "local.rss", feed_xml(links))
    run = cli("build", feed, "--config", config_file(tmp_path, fetch_timeout=2.0), "--no-history",
              "--output", "-", "--format", "json", "--date", DATE)
    assert run.code == 0, run.stderr
    assert http_server.hits("/secret") == 0
    briefing = json.loads(run.stdout)
    assert "Secret internal" not in run.stdout and "root:" not in run.stdout
    assert len(run.warnings()) == len(links)
    for pattern in expected.values():
        assert [w for w in run.warnings() if re.search(pattern, w)], (pattern, run.stderr)
    assert briefing["sections"]  # built from the feed's own text


def test_remote_feed_may_link_to_its_own_host_only(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.route("/own", article_html("The own-host article says the bridge will reopen on Monday morning."))
    http_server.route("/other", article_html("The other-host article must not be fetched without permission."))
    # a link on the feed's own host that redirects to another loopback name is checked at every hop
    http_server.redirect("/hop", http_server.url("/other", host="localhost"))
    http_server.route("/feed.xml", feed_xml([http_server.url("/own"), http_server.url("/other", host="localhost"),
                                             http_server.url("/hop")]), content_type="application/rss+xml")
    feed_url = http_server.url("/feed.xml")
    run = cli("build", feed_url, "--config", config_file(tmp_path), "--no-history", "--output", "-", "--date", DATE)
    assert run.code == 0, run.stderr
    assert http_server.hits("/own") == 1 and http_server.hits("/hop") == 1 and http_server.hits("/other") == 0
    assert "bridge will reopen" in run.stdout and "other-host article" not in run.stdout
    assert len([w for w in run.warnings() if "/other" in w and "loopback" in w]) == 1
    assert len([w for w in run.warnings() if "/hop" in w and "loopback" in w]) == 1

    allowed = cli("build", feed_url, "--config", config_file(tmp_path, allow_private=True), "--no-history",
                  "--output", "-", "--date", DATE)
    assert allowed.code == 0, allowed.stderr
    assert http_server.hits("/other") == 2  # the direct link and the redirect
