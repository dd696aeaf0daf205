"""Issue 25: when the run's language is given (`--language`, a source's `language` in briefing.toml), the
documents read from that input are not sent to the language detector at all (its model takes a second to
load); every other document is still detected as before."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing import Options, load_documents
from briefing.cli import app
from briefing.text import languages

DATA = Path(__file__).resolve().parent / "data" / "multilingual"


def _articles() -> list[tuple[str, str]]:
    """(title, body) of the Czech test articles."""
    outlets = json.loads((DATA / "cs.json").read_text(encoding="utf-8"))["outlets"]
    return [(o["title"], "\n\n".join(" ".join(p) for p in o["paragraphs"])) for o in outlets]


def _no_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any call of the detector fails the run."""
    def refuse(text: str) -> str:
        raise AssertionError(f"the language was detected: {text[:40]!r}")

    monkeypatch.setattr(languages, "detect_language", refuse)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the (real) detector is asked about, from now on."""
    asked: list[str] = []
    real: Callable[[str], str] = languages.detect_language

    def count(text: str) -> str:
        asked.append(text)
        return real(text)

    monkeypatch.setattr(languages, "detect_language", count)
    return asked


def _inputs(folder: Path) -> dict[str, Path]:
    """The same articles as a text file, a JSONL file and an RSS feed file (none declares a language)."""
    folder.mkdir(parents=True, exist_ok=True)
    (title, body), *rest = _articles()
    text = folder / "zprava.txt"
    text.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    jsonl = folder / "zpravy.jsonl"
    jsonl.write_text("".join(json.dumps({"id": f"j{n}", "title": t, "text": b}, ensure_ascii=False) + "\n"
                             for n, (t, b) in enumerate(rest)), encoding="utf-8")
    feed = folder / "kanal.xml"
    items = "".join(f"<item><title>{t}</title><guid>f{n}</guid><description>{b}</description>"
                    "<pubDate>Tue, 04 Mar 2025 08:00:00 GMT</pubDate></item>" for n, (t, b) in enumerate(rest))
    feed.write_text(f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Zprávy</title>'
                    f"{items}</channel></rss>", encoding="utf-8")
    return {"text": text, "jsonl": jsonl, "feed": feed}


@pytest.mark.parametrize("kind", ["text", "jsonl", "feed"])
def test_given_language_is_not_detected(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _inputs(tmp_path)[kind]
    options: dict[str, Any] = {"quiet": True, "date": "2025-03-04", "since": "2d"}
    asked = _counting(monkeypatch)
    detected = load_documents([str(path)], Options(**options))
    assert detected and len(asked) == len(detected)  # without a language given, each document is detected
    assert {d.language for d in detected} == {"cs"}
    _no_detection(monkeypatch)
    given = load_documents([str(path)], Options(**options, language="sk"))  # (wrong, so a detection would show)
    assert [d.text for d in given] == [d.text for d in detected]
    assert {d.language for d in given} == {"sk"}


def test_cli_language_skips_detection(tmp_path: Path, cli_isolation: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _inputs(tmp_path / "in")
    args = ["build", str(paths["text"]), str(paths["jsonl"]), "--format", "json", "--output", "-", "--quiet",
            "--no-history"]
    _no_detection(monkeypatch)
    result = CliRunner().invoke(app, [*args, "--language", "cs"])
    assert result.exit_code == 0, result.stderr
    assert {d["language"] for d in json.loads(result.stdout)["documents"]} == {"cs"}
    result = CliRunner().invoke(app, args)  # without it, the detector is asked (and here refuses)
    assert result.exit_code != 0
    assert isinstance(result.exception, AssertionError)


def test_source_language_skips_detection_for_that_source_only(tmp_path: Path, cli_isolation: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _inputs(tmp_path / "in")
    feed = paths.pop("feed").rename(tmp_path / "kanal.xml")
    title, body = _articles()[-1]
    alone = tmp_path / "jinde.txt"
    alone.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    config = tmp_path / "briefing.toml"
    config.write_text(f'sources = [{{ path = "{feed}", language = "cs" }}, {{ path = "{tmp_path / "in"}", '
                      f'language = "sk" }}, "{alone}"]\n', encoding="utf-8")
    asked = _counting(monkeypatch)
    result = CliRunner().invoke(app, ["build", "--config", str(config), "--format", "json", "--output", "-",
                                      "--quiet", "--no-history", "--date", "2025-03-04", "--since", "2d"])
    assert result.exit_code == 0, result.stderr
    # The feed is `cs` and the folder's text and JSONL files `sk`; only the file listed without one is detected.
    assert [text.split("\n")[0] for text in asked] == [title]
    assert {d["language"] for d in json.loads(result.stdout)["documents"]} == {"cs", "sk"}


def test_remote_source_language_skips_detection(http_server: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (title, body), *_ = _articles()
    http_server.route("/a", f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                            + "".join(f"<p>{p}</p>" for p in body.split("\n\n")) + "</article></body></html>")
    http_server.route("/feed", '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Z</title>'
                               f"<item><title>{title}</title><link>{http_server.url('/a')}</link><description>"
                               "Souhrn.</description><pubDate>Tue, 04 Mar 2025 08:00:00 GMT</pubDate></item>"
                               "</channel></rss>", content_type="application/rss+xml")
    _no_detection(monkeypatch)
    options = Options(quiet=True, date="2025-03-04", since="2d", cache_dir=str(tmp_path / "cache"))
    urls = [http_server.url("/feed"), http_server.url("/a")]
    documents = load_documents(urls, options, languages=[(urls[0], "cs"), (urls[1], "cs")])
    assert [d.language for d in documents] == ["cs"]  # the page, read through the feed and by itself, counts once
    assert len(documents[0].text.split()) > 40
