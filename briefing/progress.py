"""A progress bar on stderr for long runs: rich, shown only on a terminal, only after a short delay.

Short runs (the common case) never import rich and never draw anything; `--quiet` and a redirected
stderr turn the bar off entirely. A timer opens the bar after the delay even in the middle of one long
step (its elapsed time then keeps ticking). State lives in one `Progress` object per run.
"""
from __future__ import annotations

import re
import sys
import threading
from types import TracebackType
from typing import IO, Any

# Seconds a run must have taken before the bar appears (a quick briefing should not flash one).
DELAY = 1.5


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: str) -> str:
    r"""Text safe to print on a terminal: control characters (ESC, BEL, newlines, bidi overrides) escaped.

    Untrusted text (a feed's link, a file name, a server's reply) could otherwise move the cursor,
    retitle the window or fake further lines.

    >>> for_terminal("see http://x/\x1b[2J\x07 now")
    'see http://x/\\x1b[2J\\x07 now'
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def wanted(quiet: bool, stream: IO[str] | None = None) -> bool:
    """Whether to show progress: not asked to be quiet, and the stream (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return not quiet and stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


class Progress:
    """Steps of a long run, drawn as a transient rich bar once `delay` seconds have passed.

    >>> with Progress("ranking", total=3, enabled=False) as bar:
    ...     bar.advance()
    """

    def __init__(
        self, description: str, total: int, enabled: bool, stream: IO[str] | None = None, delay: float = DELAY
    ) -> None:
        self._description = description
        self._total = total
        self._enabled = enabled
        self._stream = stream
        self._delay = delay
        self._done = 0
        self._bar: Any = None
        self._task: Any = None
        self._closed = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        if enabled:
            self._timer = threading.Timer(delay, self._open)
            self._timer.daemon = True
            self._timer.start()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def expect(self, total: int) -> None:
        """Set the number of steps once it is known (e.g. after grouping stories)."""
        with self._lock:
            self._total = total
            if self._bar is not None:
                self._bar.update(self._task, total=total)

    def advance(self, description: str | None = None) -> None:
        """One step done; `description` names the next one."""
        with self._lock:
            self._done += 1
            if description is not None:
                self._description = description
            if self._bar is not None:
                self._bar.update(self._task, completed=self._done, description=self._description)

    def _open(self) -> None:
        """Start drawing, from the timer thread (rich is imported only now: short runs never pay for it)."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        with self._lock:
            if self._closed:
                return
            console = Console(file=self._stream if self._stream is not None else sys.stderr)
            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._description, total=self._total, completed=self._done)

    def close(self) -> None:
        """Remove the bar (it is transient: the terminal is left as it was); a pending timer is cancelled."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()  # a bar being opened right now is finished, then stopped below
        with self._lock:
            self._closed = True
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
