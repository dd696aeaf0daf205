"""Tests for briefing.sources.timelimit: work in this thread is stopped at its time limit."""
from __future__ import annotations

import threading
import time

import pytest

from briefing.sources.timelimit import run_within


def spin(flag: list[bool]) -> int:
    """Busy Python work that only ends when interrupted (or after a minute)."""
    end = time.monotonic() + 60
    n = 0
    while time.monotonic() < end:
        n += 1
        try:
            pass
        except Exception:  # an extractor's broad handler must not swallow the interruption
            flag.append(True)
    return n


def test_work_that_finishes_returns_its_value() -> None:
    assert run_within(10.0, lambda: "done") == "done"
    assert run_within(None, lambda: 3) == 3


@pytest.mark.parametrize("in_thread", [False, True])
def test_work_past_its_time_raises_timeout_error(in_thread: bool) -> None:
    outcome: list[object] = []
    swallowed: list[bool] = []

    def job() -> None:
        try:
            run_within(0.2, lambda: spin(swallowed))
        except TimeoutError as exc:
            outcome.append(exc)

    if in_thread:  # no signals needed: it works off the main thread too
        thread = threading.Thread(target=job, daemon=True)
        thread.start()
        thread.join(30)
    else:
        job()
    assert outcome and isinstance(outcome[0], TimeoutError) and not swallowed


def test_no_time_left_fails_at_once() -> None:
    with pytest.raises(TimeoutError):
        run_within(0.0, lambda: "never")


def test_finished_work_is_never_interrupted_later() -> None:
    finished = 0
    for _ in range(300):  # the timer firing just as the work ends must not leak into the caller
        try:
            run_within(0.0005, lambda: sum(range(2000)))
            finished += 1
        except TimeoutError:
            pass
    for _ in range(100_000):  # a leaked interruption would be raised here, in plain Python code
        pass
    time.sleep(0.05)
    assert finished > 0
