"""End-to-end tests of the `briefing` command line, run in-process through typer's CliRunner.

Every run uses `--no-history` (or a history file in tmp_path), the current directory is tmp_path, and
HOME/XDG_* point into tmp_path, so no test writes into the user's data or cache folders (checked after
each test). typer 0.29 vendors its own click, whose CliRunner always captures `result.stdout` and
`result.stderr` separately (`result.output` is both, interleaved); there is no `mix_stderr`.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from briefing.cli import app
from briefing.summarize.dedupe import similarity
from briefing.text.normalize import normalize_text
from briefing.options import Options
from conftest import isolate

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
DATE = "2022-03-19"
ARABIC_SHARE = "مشاركة"


@pytest.fixture(autouse=True)
def _isolated(cli_isolation: Path) -> None:
    """Every test here runs away from the user's folders (see conftest.cli_isolation)."""


def invoke(*args: str, input: str | bytes | None = None) -> Result:  # noqa: A002 (click's name)
    """Run `briefing ARGS...` in-process."""
    return CliRunner().invoke(app, list(args), input=input)


def ok(result: Result) -> Result:
    """Assert a run succeeded (showing its stderr when it did not)."""
    assert result.exit_code == 0, f"exit {result.exit_code}\nstderr: {result.stderr}\nexception: {result.exception!r}"
    return result


def error_line(result: Result) -> str:
    """Assert a clean failure and return its one `Error: ...` line.

    Clean means: a non-zero exit through SystemExit (not a crash), nothing on stdout, no traceback, and
    exactly one line starting with `Error: ` on stderr, which is its last line. Warning lines and click's
    `Usage:`/`Try ...` lines may come before it.
    """
    assert result.exit_code != 0, f"expected a failure, got exit 0; stdout: {result.stdout[:300]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, f"want one 'Error: ' line, stderr was:\n{result.stderr}"
    assert lines[-1] == errors[0], f"the error must be the last line, stderr was:\n{result.stderr}"
    return errors[0]


def items_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """All items of a JSON briefing, in reading order."""
    return [item for section in data["sections"] for item in section["items"]]


# ---------------------------------------------------------------- help


def _commands() -> dict[str, Any]:
    """The app's commands by name (typer 0.29 vendors click, so these are `typer._click` commands)."""
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def test_app_lists_every_command() -> None:
    result = ok(invoke("--help"))
    for name in ("build", "publish", "send", "init", "eval"):
        assert name in _commands()
        assert re.search(rf"^\W*{name}\b", result.stdout, re.MULTILINE), f"{name} missing from --help"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_has_help(name: str) -> None:
    command = _commands()[name]
    assert command.help and command.help.strip(), f"{name} has no help text"
    result = ok(invoke(name, "--help"))
    assert command.help.strip().splitlines()[0] in " ".join(result.stdout.split())
    undocumented = [p.name for p in command.params if p.param_type_name == "option" and not getattr(p, "help", None)]
    assert not undocumented, f"{name}: options without help: {undocumented}"


def test_python_dash_m_briefing_help(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "briefing", "--help"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Usage: briefing" in done.stdout  # prog_name, not "__main__.py"
    assert "build" in done.stdout and "Traceback" not in done.stderr


def test_cli_leaves_library_logging_as_it_found_it() -> None:
    logger = logging.getLogger("briefing")
    handlers, level = list(logger.handlers), logger.level
    ok(invoke("build", "--no-history", "--quiet", str(SEEDS), "--output", "-"))
    assert logger.level == level
    assert logger.handlers == handlers


# ---------------------------------------------------------------- the seeds briefing


@pytest.fixture(scope="module")
def seeds_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`build seeds/ --words 180 --format json --output -`, parsed (built once for the tests below)."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("seeds"))
        result = ok(invoke("build", f"{SEEDS}/", "--words", "180", "--format", "json", "--output", "-",
                           "--no-history", "--date", DATE))
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_seeds_briefing_has_enough_items(seeds_json: dict[str, Any]) -> None:
    assert seeds_json["date"] == DATE
    assert len(items_of(seeds_json)) >= 4


def test_seeds_items_are_extracted_verbatim(seeds_json: dict[str, Any]) -> None:
    texts = [normalize_text(path.read_text(encoding="utf-8")) for path in SEED_FILES]
    for item in items_of(seeds_json):
        assert any(item["text"] in text for text in texts), f"not in any seed: {item['text']!r}"


def test_seeds_items_are_not_near_duplicates(seeds_json: dict[str, Any]) -> None:
    threshold = Options().duplicate_threshold
    for a, b in itertools.combinations(items_of(seeds_json), 2):
        assert similarity(a["text"], b["text"]) < threshold, (a["text"], b["text"])


def test_seeds_briefing_credits_both_outlets(seeds_json: dict[str, Any]) -> None:
    ids = {path.stem for path in SEED_FILES}
    assert {d["id"] for d in seeds_json["documents"]} == ids
    assert any({s["document"] for s in item["sources"]} == ids for item in items_of(seeds_json))
    for item in items_of(seeds_json):
        assert item["sources"] and all(s["document"] in ids for s in item["sources"])


def test_seeds_briefing_skips_share_buttons(seeds_json: dict[str, Any]) -> None:
    assert any(ARABIC_SHARE in path.read_text(encoding="utf-8") for path in SEED_FILES)  # the test has teeth
    assert ARABIC_SHARE not in json.dumps(seeds_json, ensure_ascii=False)


def test_seeds_briefing_respects_word_budget(seeds_json: dict[str, Any]) -> None:
    assert sum(len(item["text"].split()) for item in items_of(seeds_json)) <= 180


def test_seeds_json_follows_the_contract(seeds_json: dict[str, Any]) -> None:
    assert set(seeds_json) == {"title", "date", "sections", "documents"}
    assert seeds_json["title"] == "Briefing"
    for section in seeds_json["sections"]:
        assert set(section) == {"title", "story", "articles", "outlets", "items"}
        for item in section["items"]:
            assert set(item) == {"text", "score", "sources"} and isinstance(item["score"], float)
            for source in item["sources"]:
                assert set(source) == {"document", "sentence", "title", "url", "source", "text"}
                assert isinstance(source["sentence"], int) and source["sentence"] >= 0
    for doc in seeds_json["documents"]:
        assert set(doc) == {"id", "title", "url", "source", "date", "language", "story"}


def test_sentences_budget_gives_that_many_items() -> None:
    result = ok(invoke("build", str(SEEDS), "--sentences", "3", "--format", "json", "--output", "-", "--no-history"))
    assert len(items_of(json.loads(result.stdout))) == 3


def test_stdin_input() -> None:
    text = SEED_FILES[0].read_text(encoding="utf-8")
    result = ok(invoke("build", "-", "--words", "60", "--format", "json", "--output", "-", "--no-history", input=text))
    items = items_of(json.loads(result.stdout))
    assert items and all(item["text"] in normalize_text(text) for item in items)


# ---------------------------------------------------------------- output files


def test_all_formats_to_dated_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = ok(invoke("build", str(SEEDS), "--no-history", "--date", DATE, "--format", "md", "--format", "html",
                       "--format", "json", "--output", f"{out}/"))
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"briefing-{DATE}.html", f"briefing-{DATE}.json", f"briefing-{DATE}.md"]
    md = (out / f"briefing-{DATE}.md").read_text(encoding="utf-8")
    html = (out / f"briefing-{DATE}.html").read_text(encoding="utf-8")
    data = json.loads((out / f"briefing-{DATE}.json").read_text(encoding="utf-8"))
    assert md.startswith("# Briefing\n") and "Saturday 19 March 2022" in md
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html
    assert data["date"] == DATE and data["title"] == "Briefing"
    first = items_of(data)[0]["text"]
    assert first[:40] in html and first[:40] in md.replace("\\", "")
    assert result.stdout == ""  # the briefing went to files; progress goes to stderr


def test_default_output_is_dated_file_in_current_directory(tmp_path: Path) -> None:
    ok(invoke("build", str(SEEDS), "--no-history", "--date", DATE))
    assert (tmp_path / f"briefing-{DATE}.md").is_file()


def test_output_file_md(tmp_path: Path) -> None:
    ok(invoke("build", str(SEEDS), "--no-history", "--date", DATE, "--output", "brief.md"))
    assert (tmp_path / "brief.md").read_text(encoding="utf-8").startswith("# Briefing")


def test_output_html_file_with_format(tmp_path: Path) -> None:
    ok(invoke("build", str(SEEDS), "--no-history", "--format", "html", "--output", "brief.html"))
    assert "<html" in (tmp_path / "brief.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "marker"), [("brief.html", "<html"), ("brief.json", '"sections"')])
def test_output_file_suffix_picks_format(tmp_path: Path, name: str, marker: str) -> None:
    ok(invoke("build", str(SEEDS), "--no-history", "--output", name))
    assert marker in (tmp_path / name).read_text(encoding="utf-8")


def test_template_replaces_builtin(tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text("CUSTOM {{ title }} n={{ items|length }}\n"
                        "{% for item in items %}* {{ item.text }} {{ item.refs|join(',') }}\n{% endfor %}",
                        encoding="utf-8")
    result = ok(invoke("build", str(SEEDS), "--no-history", "--date", DATE, "--sentences", "2", "--title", "Mine",
                       "--template", str(template), "--output", "-"))
    lines = result.stdout.splitlines()
    assert lines[0] == "CUSTOM Mine n=2"
    assert len(lines) == 3 and all(line.startswith("* ") for line in lines[1:])
    assert "## Sources" not in result.stdout  # nothing of the built-in template is left


# ---------------------------------------------------------------- errors


def test_error_no_input() -> None:
    assert error_line(invoke("build", "--no-history")) == (
        "Error: no input: name files, directories, URLs or '-' (or list sources in briefing.toml)")


def test_error_missing_path() -> None:
    assert error_line(invoke("build", "--no-history", "nope.txt")) == "Error: nope.txt does not exist; check the path"


def test_error_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = invoke("build", "--no-history", "empty.txt")
    assert error_line(result) == "Error: no readable articles in empty.txt (1 file skipped; see the warnings above)"
    assert "Warning: empty.txt: skipped: empty file" in result.stderr.splitlines()


def test_error_binary_file_only(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    result = invoke("build", "--no-history", "photo.txt")
    assert error_line(result) == "Error: no readable articles in photo.txt (1 file skipped; see the warnings above)"
    assert any(line.startswith("Warning: photo.txt: skipped: binary") for line in result.stderr.splitlines())


def test_binary_file_among_good_ones_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    result = ok(invoke("build", "--no-history", "photo.txt", str(SEED_FILES[0]), "--output", "-"))
    assert result.stdout.startswith("# Briefing")
    assert any(line.startswith("Warning: photo.txt: skipped") for line in result.stderr.splitlines())


def test_error_unknown_format() -> None:
    result = invoke("build", "--no-history", str(SEEDS), "--format", "pdf")
    assert error_line(result) == "Error: unknown format 'pdf': choose from md, html, json"


@pytest.mark.parametrize(("value", "message"), [
    ("2022-13-01", "Error: invalid date '2022-13-01': no such day"),
    ("yesterday", "Error: invalid date 'yesterday': use YYYY-MM-DD, e.g. 2024-03-18"),
])
def test_error_bad_date(value: str, message: str) -> None:
    assert error_line(invoke("build", "--no-history", str(SEEDS), "--date", value)) == message


def test_error_budget_below_shortest_sentence_names_words() -> None:
    line = error_line(invoke("build", "--no-history", str(SEEDS), "--words", "5"))
    assert "--words" in line, line


def test_error_bad_since_even_without_feeds() -> None:
    result = invoke("build", "--no-history", str(SEEDS), "--since", "bogus", "--output", "-")
    assert error_line(result) == ("Error: Invalid duration 'bogus': use a number and a unit m, h, d or w, e.g. 90m, 24h, 2d, \"3 days\", 1w; "
                                  "a date such as 2024-05-01; or last (since the last briefing)")


def test_error_stdout_with_two_formats() -> None:
    result = invoke("build", "--no-history", str(SEEDS), "-f", "md", "-f", "html", "--output", "-")
    assert error_line(result) == "Error: --output - takes exactly one --format (got md, html); use --output DIR/ for several"


@pytest.mark.parametrize("quiet", [[], ["--quiet"]], ids=["loud", "quiet"])
def test_nothing_readable_points_to_the_warnings_only_when_they_were_printed(tmp_path: Path, quiet: list[str]) -> None:
    """Under --quiet the error said "see the warnings above" above no warning."""
    for name in ("empty.txt", "blank.txt"):
        (tmp_path / name).write_text(" \n" if name == "blank.txt" else "", encoding="utf-8")
    result = invoke("build", "--no-history", str(tmp_path / "empty.txt"), str(tmp_path / "blank.txt"), "-o", "-", *quiet)
    line = error_line(result)
    warnings = [w for w in result.stderr.splitlines() if w.startswith("Warning: ")]
    assert len(warnings) == (0 if quiet else 2), result.stderr
    assert line.endswith("run without --quiet to see why)" if quiet else "see the warnings above)"), line


@pytest.mark.parametrize(("args", "message"), [
    (["-f", "md", "-f", "html", "--output", "b.md"], "--output b.md takes exactly one --format (got md, html)"),
    (["--output", "-", "--graph", "day.png"], "--graph day.png: name a .graphml or .gexf file"),
], ids=["formats", "graph"])
def test_a_wrong_command_line_fails_before_any_input_is_read(tmp_path: Path, args: list[str], message: str) -> None:
    """These were found only after every input had been read and ranked (minutes for a day of feeds); a file
    that is read warns, so no warning means nothing was read."""
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = invoke("build", "--no-history", str(SEEDS), str(tmp_path / "empty.txt"), *args)
    line = error_line(result)
    assert line.startswith(f"Error: {message}"), line
    assert result.stderr.splitlines() == [line]
    assert not (tmp_path / "b.md").exists()


@pytest.mark.parametrize(("args", "option"), [(["--words", "0"], "--words"), (["--sentences", "0"], "--sentences"),
                                              (["--template", "missing.md.j2"], "--template")],
                         ids=["words0", "sentences0", "missing-template"])
def test_error_usage_is_one_line(args: list[str], option: str) -> None:
    """click's own usage errors: `Usage:`/`Try` lines may precede it, but the error is one plain line (no rich panel)."""
    result = invoke("build", "--no-history", str(SEEDS), *args)
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith(f"Error: Invalid value for '{option}'"), line
    assert not any(ch in result.stderr for ch in "╭│╰"), result.stderr


def test_error_history_not_a_briefing_history(tmp_path: Path) -> None:
    (tmp_path / "other.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    line = error_line(invoke("build", str(SEEDS), "--history", "other.sqlite", "--output", "-"))
    assert line.startswith("Error: ") and "--no-history" in line


def test_no_stories_gives_one_untitled_section(tmp_path: Path) -> None:
    events = {
        "flood": "Heavy rain flooded the old town of Paris on Monday night. Firefighters rescued forty residents "
                 "from flooded homes near the river. The city opened three shelters for families.",
        "flood2": "Floods hit central Paris after a night of heavy rain. Forty residents were rescued by "
                  "firefighters from homes near the river. Shelters opened across the city for families.",
        "bank": "The central bank raised its main interest rate by a quarter point on Tuesday. Economists had "
                "expected the rise after inflation reached four percent. Mortgage rates are expected to follow.",
    }
    for name, text in events.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    args = ("build", "--no-history", str(tmp_path), "--format", "json", "--output", "-", "--date", DATE)
    with_stories = json.loads(ok(invoke(*args)).stdout)
    without = json.loads(ok(invoke(*args, "--no-stories")).stdout)
    assert len(with_stories["sections"]) == 2 and all(s["title"] for s in with_stories["sections"])
    assert len(without["sections"]) == 1 and without["sections"][0]["title"] is None


# ---------------------------------------------------------------- publish --site-url


def feed_of(site: Path) -> Any:
    """The site's feed.xml, parsed (and well-formed)."""
    import feedparser

    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_publish_with_site_url_gives_absolute_feed_links(tmp_path: Path) -> None:
    import html5lib

    site, base = tmp_path / "site", "https://example.org/news/"
    for date in ("2022-03-19", "2022-03-20"):
        ok(invoke("publish", str(SEEDS), "--site", str(site), "--site-url", base, "--date", date, "--no-history"))
    feed = feed_of(site)
    pages = [f"{base}2022-03-20.html", f"{base}2022-03-19.html"]
    assert [e.link for e in feed.entries] == pages
    # Ids never depend on --site-url (issue 24): a run without it must not make every entry new again.
    assert [e.id for e in feed.entries] == ["urn:briefing:site:2022-03-20", "urn:briefing:site:2022-03-19"]
    assert feed.feed.id == "urn:briefing:site:feed"
    assert {(link.rel, link.href) for link in feed.feed.links} == {("alternate", f"{base}index.html"),
                                                                   ("self", f"{base}feed.xml")}
    # The pages themselves stay relative, so the folder can be moved or served from anywhere.
    index = html5lib.parse((site / "index.html").read_text(encoding="utf-8"))
    hrefs = [a.get("href") for a in index.iter("{http://www.w3.org/1999/xhtml}a") if a.get("href", "").startswith("2022")]
    assert hrefs == ["2022-03-20.html", "2022-03-19.html"]


def test_publish_site_url_from_config_and_command_line_wins(tmp_path: Path) -> None:
    (tmp_path / "briefing.toml").write_text(
        f'sources = ["{SEEDS.as_posix()}"]\nsite = "public"\nsite_url = "https://config.example/daily"\n', encoding="utf-8")
    ok(invoke("publish", "--date", DATE, "--no-history"))
    assert [e.link for e in feed_of(tmp_path / "public").entries] == [f"https://config.example/daily/{DATE}.html"]
    ids = [e.id for e in feed_of(tmp_path / "public").entries]
    ok(invoke("publish", "--date", DATE, "--no-history", "--site-url", "http://cli.example/"))
    assert [e.link for e in feed_of(tmp_path / "public").entries] == [f"http://cli.example/{DATE}.html"]
    assert [e.id for e in feed_of(tmp_path / "public").entries] == ids


def test_publish_without_site_url_keeps_relative_links(tmp_path: Path) -> None:
    ok(invoke("publish", str(SEEDS), "--site", "site", "--date", DATE, "--no-history"))
    [entry] = feed_of(tmp_path / "site").entries
    assert entry.link == f"{DATE}.html" and entry.id.startswith("urn:briefing:")


@pytest.mark.parametrize("url", ["example.org/news", "ftp://example.org/", "https://example.org/?a=1", "",
                                 # a control character was an lxml ValueError traceback while writing feed.xml
                                 "https://example.org/\x1b[2J", "https://example.org/\u202enews",
                                 'https://example.org/"><script>x</script>'])
def test_publish_rejects_a_site_url_that_is_not_http(tmp_path: Path, url: str) -> None:
    line = error_line(invoke("publish", str(SEEDS), "--site", "site", "--site-url", url, "--no-history"))
    assert line == (f"Error: --site-url {url!r} is not an http:// or https:// address; "
                    "give the site's public URL, e.g. https://example.org/briefing/")
    assert not (tmp_path / "site").exists()


def test_version() -> None:
    import briefing

    assert ok(invoke("--version")).stdout == f"briefing {briefing.__version__}\n"


@pytest.mark.parametrize("args", [
    ("build", "{a}", "-o", "{p}/out.md"), ("build", "{a}", "-o", "out.md", "--history", "{p}/h.sqlite"),
    ("build", "{a}", "-o", "out.md", "--config", "{p}/briefing.toml"), ("build", "{p}/news", "-o", "out.md"),
    ("build", "{a}", "-o", "out.md", "--no-history", "--graph", "{p}/g.gexf"), ("publish", "{a}", "--site", "{p}/site"),
    ("history", "--history", "{p}/h.sqlite"), ("sources", "--config", "{p}/briefing.toml"),
], ids=["output", "history", "config", "input", "graph", "site", "history-command", "sources"])
def test_a_path_under_an_unknown_users_home_is_one_error_line(tmp_path: Path, cli_isolation: Path,
                                                              args: tuple[str, ...]) -> None:
    """Red team 8: `~nosuchuser/...` (a typo the shell leaves as it is) was pathlib's RuntimeError traceback
    ("Could not determine home directory") for every path option; now one Error line naming the path."""
    from test_hostile import TEXT, cli

    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    home = "~no-such-user-rt8"
    code, _, stderr = cli(*(a.format(a="a.txt", p=home) for a in args))
    assert code == 1 and stderr.startswith(f"Error: {home}/") and stderr.count("\n") == 1, stderr
    assert "no such user" in stderr
