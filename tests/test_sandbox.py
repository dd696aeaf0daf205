"""User templates run with bounded resources: recursion, loops, value sizes and output size all stop with `Error:`.

Each hostile template here would otherwise recurse until RecursionError, run for hours or ask for gigabytes.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli import app
from briefing.outputs.sandbox import MAX_DEPTH, MAX_OUTPUT, MAX_STEPS, MAX_STRING

TEXT = ("Storm hits the coast\n\nA powerful storm struck the northern coast on Monday, flooding several towns. "
        "Emergency crews rescued dozens of residents from their homes overnight.\n")

# template source -> the end of the one Error line it must give
HOSTILE = {
    "recursive-macro": ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
                        f"line 1: calls nested more than {MAX_DEPTH} deep (a macro calling itself?)"),
    "self-extends": ('{% extends "NAME" %}', "nests too deeply (does it extend or include itself?)"),
    "self-include": ('{% include "NAME" %}', "nests too deeply (does it extend or include itself?)"),
    "huge-repeat": ('{{ "x" * 10000000000 }}', f"line 1: the template built a value longer than {MAX_STRING} characters"),
    "huge-list": ("{{ [1] * 10000000000 }}", f"line 1: the template built a value longer than {MAX_STRING} characters"),
    "huge-center": ('{{ "x"|center(10000000000) }}', f"line 1: argument 10000000000 is larger than {MAX_STRING}"),
    "huge-ljust": ('{{ "x".ljust(10000000000) }}', f"line 1: argument 10000000000 is larger than {MAX_STRING}"),
    "huge-concat": ('{% set a = "x" * 4000000 %}{{ a ~ a }}',
                    f"line 1: the template built a value longer than {MAX_STRING} characters"),
    "huge-power": ("{{ 7 ** 1000000000 }}", "line 1: ** 1000000000 makes too large a number"),
    "nested-loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                     f"line 1: the template ran more than {MAX_STEPS} loop steps and calls"),
    "huge-output": ('{% for i in range(100000) %}{{ "y" * 1000 }}{% endfor %}',
                    f"the template's output is larger than {MAX_OUTPUT} characters"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_user_template_is_stopped_with_one_error_line(tmp_path: Path, cli_isolation: Path, name: str) -> None:
    article = tmp_path / "storm.txt"
    article.write_text(TEXT, encoding="utf-8")
    template = tmp_path / f"{name}.md.j2"
    source, expected = HOSTILE[name]
    template.write_text(source.replace("NAME", template.name), encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(article), "--template", str(template), "--no-history",
                                      "--output", "-", "--date", "2025-01-02"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    separator = ", " if expected.startswith("line") else " " if expected.startswith("nests") else ": "
    assert result.stderr == f"Error: template {template}{separator}{expected}\n"
    assert result.stdout == ""


def test_ordinary_loops_and_filters_still_work(tmp_path: Path, cli_isolation: Path) -> None:
    article = tmp_path / "storm.txt"
    article.write_text(TEXT, encoding="utf-8")
    template = tmp_path / "mine.md.j2"
    template.write_text("# {{ title }}\n{% for section in sections %}{% for item in section.items %}"
                        "{{ loop.index }}/{{ loop.length }} {{ item.text|upper }}\n{% endfor %}{% endfor %}"
                        '{{ ("ab" * 3) ~ "!" }} {{ [1, 2]|join(",") }} {{ 2 ** 10 }}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(article), "--template", str(template), "--no-history",
                                      "--output", "-", "--date", "2025-01-02", "--title", "Mine"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Mine\n1/")
    assert "A POWERFUL STORM" in result.stdout and "ababab! 1,2 1024" in result.stdout
