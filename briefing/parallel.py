"""Use every core: an order-keeping process-pool map whose results are those of the serial loop.

Stages that work on independent parts (documents in chunks, stories) hand a pure top-level function and
its inputs to `parallel_map`. Small inputs stay in this process: starting workers costs more than it saves.
The result is the same list the serial `[func(x) for x in items]` gives, in the same order, since each
call is the same pure function on the same input; only where it runs changes.
"""
from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import BriefingError

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)

# Environment variable that caps the workers (1 = always serial), e.g. on a shared machine.
WORKERS_ENV = "BRIEFING_WORKERS"
# A day of fewer documents is worked in this process: forking workers and pickling their inputs and results
# cost more CPU than they save wall time (2,225 BBC articles: 0.45 s more CPU with two workers).
PARALLEL_MIN_DOCUMENTS = 5000


def available_workers() -> int:
    """Cores this process may use (its CPU affinity), capped by $BRIEFING_WORKERS when set."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    cap = os.environ.get(WORKERS_ENV, "").strip()
    if cap.isdigit() and int(cap) > 0:
        cores = min(cores, int(cap))
    return max(1, cores)


def parallel_map(func: Callable[[T], R], items: Sequence[T], workers: int | None = None, serial_below: int = 2) -> list[R]:
    """`[func(item) for item in items]`, computed by a pool of worker processes when it is worth it.

    Args:
        func: a picklable (module-level) pure function.
        items: its inputs (picklable).
        workers: processes to use (default: `available_workers()`); 1 runs serially here.
        serial_below: fewer items than this run serially here.
    Returns:
        The results in the order of `items`, equal to the serial loop's.

    >>> parallel_map(abs, [-2, 3, -1], workers=1)
    [2, 3, 1]
    """
    workers = min(workers or available_workers(), len(items))
    if workers <= 1 or len(items) < serial_below:
        return [func(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Forked workers start at once and inherit the loaded modules and the logging set-up (their warnings
    # reach stderr like the parent's); elsewhere the platform's default start method is used.
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_quiet_on_interrupt) as pool:
            return list(pool.map(func, items))
    except BrokenProcessPool as exc:  # a worker was killed (out of memory, kill -9)
        raise BriefingError(f"a worker process ended abruptly ({exc}); with {WORKERS_ENV}=1 the work is done in "
                            f"this one process") from None
    except (OSError, PermissionError) as exc:  # no processes allowed here (a sandbox): same answer, serially
        log.debug("parallel_map: running serially (%s)", exc)
        return [func(item) for item in items]


def _quiet_on_interrupt() -> None:
    """In a worker: end at once and silently on Ctrl-C or SIGTERM, which a terminal or service manager sends to
    every process of the job; the parent unwinds and says so, once (a worker waiting for work printed a
    KeyboardInterrupt traceback from inside multiprocessing)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_now)


def _exit_now(signum: int, frame: object) -> None:
    """End this worker process now, with the exit status of a process killed by `signum`."""
    os._exit(128 + signum)


def chunks(items: Sequence[T], parts: int) -> list[Sequence[T]]:
    """`items` cut into about `parts` contiguous slices of near-equal size (none empty), in order."""
    if not items:
        return []
    size = -(-len(items) // max(1, parts))
    return [items[i : i + size] for i in range(0, len(items), size)]


__all__ = ["PARALLEL_MIN_DOCUMENTS", "WORKERS_ENV", "available_workers", "chunks", "parallel_map"]
