"""Golden files: the seeds briefing must come out byte for byte as in tests/golden/seeds.{md,html,json}.

A change in ranking, splitting, normalisation or the templates shows up here as a diff to review.
When the change is intended, regenerate the files explicitly and commit them with the change:

    python -m pytest tests/test_golden.py --update-golden

(`--update-golden` is registered in tests/conftest.py; without it the test only compares.)
The options are fixed: `build seeds/ --words 180 --date 2022-03-19 --title "Seeds briefing" --no-history`.
"""
from __future__ import annotations

import difflib
import html as markup
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli import app

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
GOLDEN = Path(__file__).resolve().parent / "golden"
DATE = "2022-03-19"
FORMATS = ("md", "html", "json")
OPTIONS = ("--words", "180", "--date", DATE, "--title", "Seeds briefing", "--no-history")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The three formats built once from seeds/ with the fixed options, by format."""
    root = tmp_path_factory.mktemp("golden")
    logger = logging.getLogger("briefing")
    handlers, level = list(logger.handlers), logger.level
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.setenv("XDG_DATA_HOME", str(root / "home" / "data"))
        mp.setenv("XDG_CACHE_HOME", str(root / "home" / "cache"))
        # Run from the repository so that the input is named exactly as in the documented command.
        mp.chdir(REPO)
        args = ["build", "seeds/", *OPTIONS, *(a for f in FORMATS for a in ("--format", f)), "--output", f"{root}/out/"]
        result = CliRunner().invoke(app, args)
    logger.handlers[:] = handlers
    logger.setLevel(level)
    assert result.exit_code == 0, result.stderr
    assert not (root / "home").exists()
    yield {fmt: (root / "out" / f"briefing-{DATE}.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_seeds_golden(fmt: str, built: dict[str, str], request: pytest.FixtureRequest) -> None:
    golden = GOLDEN / f"seeds.{fmt}"
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(built[fmt], encoding="utf-8", newline="")
        pytest.skip(f"rewrote {golden.relative_to(REPO)}")
    assert golden.is_file(), f"{golden} is missing: run pytest tests/test_golden.py --update-golden"
    expected = golden.read_text(encoding="utf-8")
    if built[fmt] != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), built[fmt].splitlines(True),
                                            f"golden/seeds.{fmt}", "now", n=1))
        pytest.fail(f"seeds.{fmt} differs from the golden file (if intended: pytest --update-golden):\n{diff[:4000]}")


def test_golden_files_agree_with_each_other() -> None:
    """The golden files themselves say the same briefing (catches a partial or hand-edited update)."""
    data = json.loads((GOLDEN / "seeds.json").read_text(encoding="utf-8"))
    md = (GOLDEN / "seeds.md").read_text(encoding="utf-8")
    html = (GOLDEN / "seeds.html").read_text(encoding="utf-8")
    assert data["title"] == "Seeds briefing" and data["date"] == DATE
    items = [i["text"] for s in data["sections"] for i in s["items"]]
    assert len(items) >= 4 and sum(len(t.split()) for t in items) <= 180
    assert md.startswith("# Seeds briefing\n")
    assert "<h1>Seeds briefing</h1>" in html
    for text in items:
        words = text.split()[:6]
        assert " ".join(words) in md.replace("\\", ""), text
        assert words[0] in markup.unescape(html)  # an item may open with a quotation mark (&quot; in HTML)
