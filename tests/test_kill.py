"""A publish that fails or is killed midway leaves the site and the history as they were; concurrent publishes
both land.

The SIGKILL tests run `python -m briefing publish` in a child process and kill it at chosen moments of its
write phase (found by watching the site folder for the temp files that atomic writes create).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest
from typer.testing import CliRunner

from briefing.cli import app

# SIGKILL, SIGSTOP and waitpid(WUNTRACED) are POSIX; so is the site lock these tests rely on.
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="POSIX signals needed")

DATES = ("2025-03-01", "2025-03-02")
NEW_DATE = "2025-03-03"
ATOM = "{http://www.w3.org/2005/Atom}"
ARTICLES = {
    "2025-03-01": "The city council approved the new budget for schools on Monday evening. "
                  "Teachers welcomed the extra money for books and buildings across the district.",
    "2025-03-02": "A storm brought heavy rain and strong winds to the northern coast overnight. "
                  "Several roads were closed and ferries stayed in port until the afternoon.",
    "2025-03-03": "The national football team won the regional cup final after extra time on Sunday. "
                  "Thousands of fans celebrated in the main square until late in the night.",
    "2025-03-04": "Scientists at the university announced a new method for recycling plastic bottles. "
                  "The process uses less energy and could be used in factories within five years.",
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Home, data, cache and working folders inside tmp_path, for in-process and child runs alike."""
    home = tmp_path / "home"
    home.mkdir()
    values = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
              "XDG_CONFIG_HOME": str(home / "config")}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return dict(os.environ, **values)


def article(folder: Path, date: str) -> Path:
    """The input article of one date."""
    path = folder / "articles" / f"{date}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLES[date] + "\n", encoding="utf-8")
    return path


def publish_args(folder: Path, site: Path, history: Path, date: str, *extra: str) -> list[str]:
    """Arguments of one `publish` run."""
    return ["publish", str(article(folder, date)), "--site", str(site), "--history", str(history), "--date", date,
            "--quiet", *extra]


def publish(folder: Path, site: Path, history: Path, date: str, *extra: str) -> tuple[int, str]:
    """Publish in-process; (exit code, stderr)."""
    result = CliRunner().invoke(app, publish_args(folder, site, history, date, *extra))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


def snapshot(*paths: Path) -> dict[str, bytes]:
    """The bytes of every file in the given folders or files (hidden files included)."""
    files: dict[str, bytes] = {}
    for path in paths:
        for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if p.is_file():
                files[str(p)] = p.read_bytes()
    return files


def history_dates(history: Path) -> dict[str, int]:
    """Items per date in a history file, after checking the file's integrity."""
    with sqlite3.connect(history) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return dict(db.execute("SELECT date, count(*) FROM items GROUP BY date").fetchall())


def feed_dates(site: Path) -> list[str]:
    """The dates of the entries of the site's Atom feed (it must parse)."""
    root = ElementTree.fromstring((site / "feed.xml").read_bytes())
    return sorted(e.findtext(f"{ATOM}title", "").rsplit(" ", 1)[-1] for e in root.findall(f"{ATOM}entry"))


def index_dates(site: Path) -> list[str]:
    """The dates the index page links to (it must parse)."""
    root = html5lib.parse((site / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    return sorted(a.get("href", "")[:-5] for a in root.iter("a") if a.get("href", "").endswith(".html"))


@pytest.fixture
def two_date_site(tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A site and history holding the briefings of two dates (the pristine copy to start each run from)."""
    site, history = tmp_path / "pristine" / "site", tmp_path / "pristine" / "history.sqlite"
    for date in DATES:
        code, stderr = publish(tmp_path, site, history, date)
        assert code == 0, stderr
    assert index_dates(site) == list(DATES) and feed_dates(site) == list(DATES)
    return site, history


def fresh_copy(pristine: tuple[Path, Path], target: Path) -> tuple[Path, Path]:
    """A copy of the two-date site and its history under target."""
    site, history = target / "site", target / "history.sqlite"
    shutil.copytree(pristine[0], site)
    shutil.copy2(pristine[1], history)
    return site, history


# ---------------------------------------------------------------- (a) a template that fails while rendering


def test_failing_template_leaves_site_and_history_byte_identical(tmp_path: Path,
                                                                  two_date_site: tuple[Path, Path]) -> None:
    site, history = two_date_site
    before = snapshot(site, history)
    # compiles fine, raises ZeroDivisionError only while rendering
    template = tmp_path / "fails.html.j2"
    template.write_text("<html><body>{{ items[0].text }} {{ 1 // (item_count - item_count) }}</body></html>")
    for date in (NEW_DATE, DATES[1]):  # a new date, and republishing an existing one
        code, stderr = publish(tmp_path, site, history, date, "--template", str(template))
        assert code == 1 and stderr.startswith(f"Error: template {template}") and "division" in stderr, stderr
        assert snapshot(site, history) == before
    code, stderr = publish(tmp_path, site, history, NEW_DATE)
    assert code == 0, stderr
    assert index_dates(site) == [*DATES, NEW_DATE] and feed_dates(site) == [*DATES, NEW_DATE]


def test_publish_that_cannot_write_one_file_leaves_the_site_unchanged(tmp_path: Path,
                                                                      two_date_site: tuple[Path, Path]) -> None:
    site, history = fresh_copy(two_date_site, tmp_path / "unwritable")
    # feed.xml cannot be replaced (a folder stands in for a full disk or a permission error)
    (site / "feed.xml").unlink()
    (site / "feed.xml" / "keep").mkdir(parents=True)
    before = snapshot(site, history)
    # republish the second date from another article: its pages would change
    (tmp_path / "articles").mkdir(exist_ok=True)
    (tmp_path / "articles" / f"{DATES[1]}.txt").write_text(ARTICLES[NEW_DATE] + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["publish", str(tmp_path / "articles" / f"{DATES[1]}.txt"), "--site", str(site),
                                      "--history", str(history), "--date", DATES[1], "--quiet"])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: could not write {site / 'feed.xml'}")
    assert snapshot(site, history) == before


# ---------------------------------------------------------------- (b) SIGKILL during the write phase

# Runs the real CLI in the child, but first wraps os.replace (the commit step of every atomic write) and
# sqlite3.connect so that the child stops itself (SIGSTOP) at a chosen point; the test then SIGKILLs it there.
# Nothing else changes: the child writes exactly as a normal publish does.
_CHILD = """
import os, signal, sqlite3, sys
# Ctrl-C raises KeyboardInterrupt, as in a terminal (a job a shell starts in the background inherits
# SIGINT ignored, and Python then keeps ignoring it).
signal.signal(signal.SIGINT, signal.default_int_handler)
site, stop = os.path.realpath(sys.argv.pop(1)), sys.argv.pop(1)
kind, _, number = stop.partition(":")
counts = {"replace": 0, "connect": 0}

def pause(what):
    counts[what] += 1
    if what == kind and counts[what] == int(number):
        os.kill(os.getpid(), signal.SIGSTOP)

real_replace, real_connect = os.replace, sqlite3.connect

def replace(src, dst, *args, **kwargs):
    if os.path.dirname(os.path.realpath(dst)) == site:
        pause("replace")
    return real_replace(src, dst, *args, **kwargs)

def connect(*args, **kwargs):
    pause("connect")
    return real_connect(*args, **kwargs)

os.replace, sqlite3.connect = replace, connect
from briefing.cli import main
main()
"""
# Where to stop: before the n-th rename into the site (pages html, md, json, then index.html, feed.xml),
# or at the second opening of the history (every site file written, the items not yet recorded).
STOP_POINTS = {
    "before renaming the day's HTML": "replace:1",
    "before renaming the day's JSON": "replace:3",
    "before renaming index.html": "replace:4",
    "before renaming feed.xml": "replace:5",
    "before recording the history": "connect:2",
}


def kill_when_stopped(proc: subprocess.Popen[bytes]) -> bool:
    """Wait until the child stops itself, then SIGKILL it; True when it did stop (rather than exit)."""
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        proc.returncode = os.waitstatus_to_exitcode(status)
        return False
    proc.kill()
    proc.wait()
    return proc.returncode == -9


def kill_at_first_temp_file(proc: subprocess.Popen[bytes], site: Path) -> None:
    """Without any hook: SIGKILL the child as soon as a temp file shows up in the site folder."""
    deadline = time.monotonic() + 60  # a guard against a hung child, not a timing assertion
    while proc.poll() is None and time.monotonic() < deadline:
        if any(name.endswith(".tmp") for name in os.listdir(site)):
            break
    proc.kill()
    proc.wait()


def check_consistent(site: Path, history: Path, before: dict[str, bytes], reference: dict[str, bytes]) -> set[str]:
    """Old files as they were (index/feed: old or the finished new version), new pages whole or absent.

    Returns the names of the files (and "history") that already hold the new state.
    """
    changed = set()
    for name, data in before.items():
        path = Path(name)
        if path.name in ("index.html", "feed.xml") or path == history:
            continue
        if path.name == f"{DATES[-1]}.html":  # the day before links to the new day: old, or whole and new
            assert path.read_bytes() in (data, reference[path.name]), f"{path.name} half-written"
            continue
        assert path.read_bytes() == data, f"{path.name} changed"
    if (site / "index.html").read_bytes() != before[str(site / "index.html")]:
        assert (site / "index.html").read_bytes() == reference["index.html"], "index.html half-written"
        changed.add("index.html")
    if (site / "feed.xml").read_bytes() != before[str(site / "feed.xml")]:
        assert feed_dates(site) == [*DATES, NEW_DATE], "feed.xml half-written"
        changed.add("feed.xml")
    for suffix in ("html", "md", "json"):
        page = site / f"{NEW_DATE}.{suffix}"
        if page.exists():
            assert page.read_bytes() == reference[page.name], f"{page.name} half-written"
            changed.add(page.name)
    recorded = history_dates(history)
    assert recorded.keys() >= set(DATES) and recorded.keys() <= {*DATES, NEW_DATE}
    if NEW_DATE in recorded:
        changed.add("history")
    return changed


def recover_and_check(tmp_path: Path, site: Path, history: Path, reference: dict[str, bytes], label: str) -> None:
    """Whatever a kill left behind (temp files, a lock), the next publish succeeds and completes the site."""
    code, stderr = publish(tmp_path, site, history, NEW_DATE)
    assert code == 0, f"{label}: {stderr}"
    assert index_dates(site) == [*DATES, NEW_DATE] and feed_dates(site) == [*DATES, NEW_DATE], label
    for name in (f"{NEW_DATE}.html", f"{NEW_DATE}.md", f"{NEW_DATE}.json", "index.html"):
        assert (site / name).read_bytes() == reference[name], (label, name)
    assert history_dates(history).keys() == {*DATES, NEW_DATE}


def test_sigkill_during_publish_never_leaves_half_written_files(tmp_path: Path, env: dict[str, str],
                                                                two_date_site: tuple[Path, Path]) -> None:
    # the finished result of publishing NEW_DATE, to compare the killed runs' files with
    ref_site, ref_history = fresh_copy(two_date_site, tmp_path / "reference")
    code, stderr = publish(tmp_path, ref_site, ref_history, NEW_DATE)
    assert code == 0, stderr
    reference = {p.name: p.read_bytes() for p in ref_site.iterdir() if p.is_file()}
    pages = [f"{NEW_DATE}.html", f"{NEW_DATE}.md", f"{NEW_DATE}.json", "index.html", "feed.xml"]
    for n, (label, stop) in enumerate(STOP_POINTS.items()):
        site, history = fresh_copy(two_date_site, tmp_path / f"run{n}")
        before = snapshot(site, history)
        args = publish_args(tmp_path, site, history, NEW_DATE)
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(site), stop, *args], env=env, cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert kill_when_stopped(proc), f"{label}: the child never reached its stop point: {proc.stderr.read()!r}"
        proc.stderr.close()
        done = len(pages) if stop.startswith("connect") else int(stop.partition(":")[2]) - 1
        assert check_consistent(site, history, before, reference) == set(pages[:done]), label
        recover_and_check(tmp_path, site, history, reference, label)

    site, history = fresh_copy(two_date_site, tmp_path / "unhooked")
    before = snapshot(site, history)
    proc = subprocess.Popen([sys.executable, "-m", "briefing", *publish_args(tmp_path, site, history, NEW_DATE)],
                            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_at_first_temp_file(proc, site)
    check_consistent(site, history, before, reference)
    recover_and_check(tmp_path, site, history, reference, "unhooked")


@pytest.mark.parametrize(("signum", "said"), [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated")],
                         ids=["ctrl-c", "sigterm"])
def test_ctrl_c_during_publish_is_one_error_line_and_leaves_no_temp_file(tmp_path: Path, env: dict[str, str],
                                                                         two_date_site: tuple[Path, Path],
                                                                         signum: int, said: str) -> None:
    """Ctrl-C, or the SIGTERM a service manager or `timeout` sends (which ended the run at once, with no message,
    a temp file left and the day pages renamed under the old index), before index.html is renamed."""
    ref_site, ref_history = fresh_copy(two_date_site, tmp_path / "reference")
    assert publish(tmp_path, ref_site, ref_history, NEW_DATE)[0] == 0
    reference = {p.name: p.read_bytes() for p in ref_site.iterdir() if p.is_file()}
    site, history = fresh_copy(two_date_site, tmp_path / "interrupted")
    before = snapshot(site, history)
    args = publish_args(tmp_path, site, history, NEW_DATE)
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(site), "replace:4", *args], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    proc.send_signal(signum)  # delivered when it runs again: just before index.html is renamed
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode()) == (1, f"Error: {said}\n")
    # The three day pages renamed before it are undone: the site is as it was (all or none, as for a disk error).
    assert check_consistent(site, history, before, reference) == set()
    assert snapshot(site, history) == before
    assert not [p.name for p in site.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- two publishes at once


def test_concurrent_publishes_to_one_site_both_land(tmp_path: Path, env: dict[str, str],
                                                     two_date_site: tuple[Path, Path]) -> None:
    site, history = fresh_copy(two_date_site, tmp_path / "concurrent")
    dates = (NEW_DATE, "2025-03-04")
    procs = [subprocess.Popen([sys.executable, "-m", "briefing", *publish_args(tmp_path, site, history, date)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for date in dates]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    everything = [*DATES, *dates]
    assert index_dates(site) == everything and feed_dates(site) == everything
    for date in everything:
        assert json.loads((site / f"{date}.json").read_text(encoding="utf-8"))["date"] == date
    assert history_dates(history).keys() == set(everything)
    assert not [p.name for p in site.iterdir() if p.name.endswith(".tmp")]
