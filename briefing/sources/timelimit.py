"""Bound the time of CPU-bound work in this thread (extracting one page's text), wherever it runs.

A page's text extraction is pure Python over an lxml tree, so it cannot be cancelled from outside and
`signal.alarm` only works in the main thread. Instead a timer thread raises `_OutOfTime` inside the
working thread when its time is up (CPython's `PyThreadState_SetAsyncExc`, delivered between two bytecodes,
so a long lxml call finishes first). `_OutOfTime` derives from BaseException, so the extractor's own
`except Exception` blocks cannot swallow it; `run_within` turns it into `TimeoutError`.
"""
from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class _OutOfTime(BaseException):
    """Raised asynchronously in the working thread when its time is up."""


def run_within(seconds: float | None, work: Callable[[], T]) -> T:
    """`work()`, stopped when it runs longer than `seconds` (None: no limit).

    Args:
        seconds: the time allowed; zero or less fails at once.
        work: the function to run in this thread.

    Returns:
        What `work` returned.

    Raises:
        TimeoutError: `work` ran out of time (it was interrupted; its partial state is discarded).

    Example:
        >>> run_within(5.0, lambda: sum(range(10)))
        45
    """
    if seconds is None:
        return work()
    if seconds <= 0:
        raise TimeoutError
    target = threading.get_ident()
    lock = threading.Lock()
    done = False

    def interrupt() -> None:
        """Raise _OutOfTime in the working thread, unless it has already finished."""
        with lock:
            if not done:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_OutOfTime))

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    try:
        try:
            timer.start()  # inside the try: a short limit can expire before start() returns
            result = work()
        finally:
            with lock:  # after this, interrupt() raises nothing
                done = True
            timer.cancel()
            _checkpoint()  # an exception raised just before is delivered here, still inside the try
    except _OutOfTime:
        raise TimeoutError from None
    return result


def _checkpoint() -> None:
    """A Python call: CPython delivers a pending asynchronous exception when it starts."""
