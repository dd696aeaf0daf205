"""Every module-level regular expression of briefing runs in (near) linear time on adversarial input (issue 26).

Text, HTML, feeds and metadata are untrusted, and a pattern that backtracks catastrophically is a denial of
service (`ingest._FEED` once took 10 s on 8 KB of comments and never finished on 64 KB). Hypothesis builds inputs
the way such attacks are built: a prefix, a short "pump" repeated thousands of times, and a suffix that makes the
match fail, all drawn from the pattern's own characters. Each search must finish before a deadline that is
generous (seconds, where a linear pattern needs milliseconds), so the test shows a hang, not a speed.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import briefing

DEADLINE = 5.0  # seconds for one search over PUMPED characters
PUMPED = 4_000


def module_patterns() -> dict[str, re.Pattern[Any]]:
    """Every compiled pattern held at module level in a briefing module, by dotted name."""
    found = {}
    for info in pkgutil.walk_packages(briefing.__path__, "briefing."):
        if info.name == "briefing.__main__":  # runs the CLI when imported
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and getattr(module, name) is value:
                found[f"{info.name}.{name}"] = value
    return dict(sorted(found.items()))


PATTERNS = module_patterns()


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Fail the test when the block runs longer than `seconds` (SIGALRM; re checks signals while matching)."""
    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(what)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except TimeoutError:
        pytest.fail(f"{what} took longer than {seconds} s: catastrophic backtracking")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def alphabet(pattern: re.Pattern[Any]) -> str:
    """The characters an attack on this pattern would use: its own, plus spaces, letters, digits, quotes."""
    source = pattern.pattern.decode("latin-1") if isinstance(pattern.pattern, bytes) else pattern.pattern
    return "".join(sorted(set(source) | set(" \t\n-<>!?\"'.:aA1é“")))


def test_patterns_are_found() -> None:
    assert "briefing.sources.ingest._FEED" in PATTERNS and len(PATTERNS) > 20


@pytest.mark.parametrize("name", list(PATTERNS))
@settings(max_examples=12, deadline=None, derandomize=True)
@given(data=st.data())
@example(data=None)
def test_pattern_is_linear_on_pumped_input(name: str, data: st.DataObject | None) -> None:
    pattern = PATTERNS[name]
    chars = st.text(alphabet(pattern), min_size=1, max_size=8)
    if data is None:  # the attack of issue 26 on the feed sniffer: a doctype, then comments
        prefix, pump, suffix = "<!DOCTYPE html>", "<!-- a -- b -->\n", "<html>"
    else:
        prefix, pump, suffix = data.draw(chars), data.draw(chars), data.draw(chars)
    subject: str | bytes = prefix + pump * (PUMPED // len(pump)) + suffix
    if isinstance(pattern.pattern, bytes):
        subject = subject.encode("utf-8")
    with deadline(DEADLINE, f"{name}.search on {pump!r} x {PUMPED // len(pump)}"):
        pattern.search(subject)  # type: ignore[arg-type]
        pattern.match(subject)  # type: ignore[arg-type]
