"""What a run loads: commands that rank nothing import no numpy or scipy, and the public names import cleanly."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from briefing import Document, Options

HEAVY = ("numpy", "scipy")


def modules_after(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh interpreter holds after running `briefing ARGS` (in an empty folder)."""
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n'))\n"
        f"sys.argv = ['briefing', *{list(args)!r}]\n"
        "from briefing.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    lines = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    assert lines, done.stderr
    return set(json.loads(lines[-1].removeprefix("MODULES ")))


def loaded(modules: set[str], package: str) -> bool:
    """Whether `package` or any of its submodules is among `modules`."""
    return any(name == package or name.startswith(package + ".") for name in modules)


@pytest.mark.parametrize("args", [("--help",), ("build", "--help"), ("init", "example.toml", "--quiet")])
def test_commands_that_rank_nothing_import_no_numpy_or_scipy(tmp_path: Path, args: tuple[str, ...]) -> None:
    modules = modules_after(tmp_path, *args)
    assert "briefing.cli" in modules  # the command ran
    assert [package for package in HEAVY if loaded(modules, package)] == []


def test_a_json_build_of_plain_documents_loads_no_templates_or_feed_reader(tmp_path: Path) -> None:
    docs = tmp_path / "day.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": "The council approved the new city budget on Monday evening."})
                    + "\n", encoding="utf-8")
    modules = modules_after(tmp_path, "build", str(docs), "--format", "json", "--output", "-", "--quiet")
    assert loaded(modules, "numpy")  # it ranked
    assert [p for p in ("jinja2", "briefing.sources.feeds", "briefing.outputs.mail") if loaded(modules, p)] == []


def test_the_summarize_subpackage_imports_as_a_module() -> None:
    done = subprocess.run([sys.executable, "-c", "import briefing.summarize.pipeline as p; print(p.build_briefing.__name__)"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "build_briefing\n"), done.stderr


def test_the_old_summarize_function_still_works_with_a_deprecation_warning() -> None:
    from briefing import summarize, summarize_items

    docs = [Document("a", "Storm floods the old town of Paris on Monday night and firefighters rescue residents."),
            Document("b", "The council approved the new city budget on Monday evening after a long debate.")]
    with pytest.warns(DeprecationWarning, match="summarize_items"):
        old = summarize(docs, Options(words=40, date="2024-03-18"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = summarize_items(docs, Options(words=40, date="2024-03-18"))
    assert old == new and new
