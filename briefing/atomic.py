"""Atomic file writes: a temp file beside the target, fsync, then rename, so a reader (or a crash) never
sees half a file, and several files can be replaced all or nothing."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from .errors import DeliveryError

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Replace a file in one step: write a temp file beside it, fsync, then rename over it.

    On any failure the old file is untouched and the temp file is removed. New files get the
    usual permissions (0666 minus the umask), so a published site stays readable by a web server.

    Args:
        path: the file to write.
        data: text (written as UTF-8) or bytes.

    Raises:
        DeliveryError: the data cannot be encoded or the file cannot be written.
    """
    write_all_atomic({Path(path): data})


def write_all_atomic(files: Mapping[Path, str | bytes]) -> None:
    """Write several files all or nothing: every temp file is written and fsynced before any is renamed.

    If one cannot be written (disk full, permissions, a folder in the way), every temp file is removed
    and no target is touched. The renames then run in the given order.

    Raises:
        DeliveryError: a file cannot be encoded or written (nothing was replaced).
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_stage(Path(path), data), Path(path)))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException as exc:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise DeliveryError(f"could not write {exc.filename or 'output'}: {exc.strerror or exc}") from exc
        raise
    for directory in {path.parent for _, path in staged}:
        _fsync_dir(directory)


def _stage(path: Path, data: str | bytes) -> Path:
    """Write `data` to a fsynced temp file beside `path` (with `path`'s permissions) and return it."""
    try:
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except UnicodeEncodeError as exc:
        raise DeliveryError(f"could not write {path}: the text is not valid Unicode ({exc.reason})") from exc
    if path.is_dir():  # os.replace would fail only after other files were already renamed
        raise DeliveryError(f"could not write {path}: it is a directory")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise DeliveryError(f"could not write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)  # keep the permissions the user gave the file
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise DeliveryError(f"could not write {path}: {exc.strerror or exc}") from exc
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry to disk so a rename survives a crash (best effort; not on every OS)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def checked_date(date: str) -> str:
    """The date if it is a real YYYY-MM-DD date (it becomes part of file names), else DeliveryError."""
    try:
        if _DATE_RE.match(date):
            dt.date.fromisoformat(date)
            return date
    except ValueError:
        pass
    raise DeliveryError(f"briefing date {date!r} is not a YYYY-MM-DD date; pass --date YYYY-MM-DD")


def make_dir(directory: Path) -> None:
    """Create a directory (and parents) or raise DeliveryError."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(f"could not create directory {directory}: {exc.strerror or exc}") from exc
