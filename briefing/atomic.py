"""Opening outputs: atomic file writes (a temp file beside the target, fsync, then rename), so a reader (or a
crash) never sees half a file and several files can be replaced all or nothing.

What sits at an output path decides how it is written, and nothing but a regular file is ever replaced:
a regular file (or a new name) is replaced atomically; a symbolic link is written through to its target,
atomically in the target's folder, and stays a link; a character device (``/dev/null``, a terminal) or a
named pipe is written to directly, without a rename; a block device, a socket, a directory or a link loop
is refused with a DeliveryError.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import secrets
import shutil
import stat
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


def write_all_atomic(files: Mapping[Path, str | bytes], *, follow_links: bool = True) -> None:
    """Write several files all or nothing: every temp file is written and fsynced before any is renamed.

    `follow_links=False` is for files briefing keeps (a site's pages): each must be a regular file or absent, a
    link or device is refused, and the rename replaces the name itself, so nothing is ever written through a
    link planted in the folder (a cron job's `site/DAY.html -> /etc/passwd`).

    If one cannot be written (disk full, permissions, a folder in the way), every temp file is removed
    and no target is touched. The renames then run in the given order; if one fails (EIO, an immutable
    file), the ones already made are undone (each replaced file gets its old contents back, each new one is
    removed), so the targets stay as they were. Symbolic links are written through (the link stays),
    devices and named pipes are written to directly after the renames (see the module docstring). Temp files
    that a killed run left beside the targets are removed first.

    Raises:
        DeliveryError: a file cannot be encoded or written, or its path is a directory, a block
            device, a socket, a link loop or a named pipe nobody reads (nothing was replaced).
    """
    staged: list[tuple[Path, Path, Path]] = []  # (temp file, target, the name the user gave)
    direct: list[tuple[int, bytes, Path]] = []
    backups: dict[Path, Path | None] = {}  # target -> a copy of its old contents (None: it was new)
    try:
        for path, data in files.items():
            kind, target = output_target(Path(path)) if follow_links else _own_file(Path(path))
            if kind == "direct":
                direct.append((_open_direct(Path(path)), _encode(Path(path), data), Path(path)))
            else:
                if target.parent not in {t.parent for _, t, _ in staged}:
                    remove_stale_temp_files(target.parent)
                staged.append((_stage(target, data, shown=Path(path)), target, Path(path)))
        if len(staged) > 1:  # one rename is atomic by itself; several need a way back
            for _, target, shown in staged:
                backups[target] = _backup(target, shown)
        _rename_all(staged, backups)
    except BaseException as exc:
        for tmp in [tmp for tmp, _, _ in staged] + [b for b in backups.values() if b is not None]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for fd, _, _ in direct:
            with contextlib.suppress(OSError):
                os.close(fd)
        if isinstance(exc, OSError):
            raise DeliveryError(f"could not write {exc.filename or 'output'}: {exc.strerror or exc}") from exc
        raise
    for backup in backups.values():
        if backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(backup)
    for directory in {target.parent for _, target, _ in staged}:
        _fsync_dir(directory)
    _write_direct(direct)


def _rename_all(staged: list[tuple[Path, Path, Path]], backups: dict[Path, Path | None]) -> None:
    """Rename every temp file over its target; on a failure or an interrupt (Ctrl-C, SIGTERM), undo the renames
    already made and raise."""
    done: list[Path] = []
    for tmp, target, shown in staged:
        try:
            done.append(target)  # first: an interrupt arriving as the rename returns must undo it too
            os.replace(tmp, target)
        except BaseException as exc:
            if os.path.lexists(tmp):  # this one was not renamed
                done.pop()
            stuck = []
            for earlier in reversed(done):
                backup = backups.get(earlier)
                try:
                    if backup is None:
                        os.unlink(earlier)
                    else:
                        os.replace(backup, earlier)
                except OSError:
                    stuck.append(str(earlier))
            if not isinstance(exc, OSError):
                raise
            undone = f"; {', '.join(stuck)} could not be restored" if stuck else ""
            raise DeliveryError(f"could not write {shown}: {exc.strerror or exc}{undone}") from exc


def _backup(target: Path, shown: Path) -> Path | None:
    """A copy of `target`'s current contents beside it (a hard link when it can be), or None when it is new."""
    if not target.exists():
        return None
    backup = _temp_name(target)
    try:
        os.link(target, backup)
    except OSError:  # no hard links here (or an immutable file): copy it
        try:
            shutil.copy2(target, backup)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(backup)
            raise DeliveryError(f"could not write {shown}: cannot keep its old version ({exc.strerror or exc})") from exc
    return backup


# Our temp files: ".NAME.PID.RANDOM.tmp" beside the file NAME being written, by process PID.
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$")


def _temp_name(target: Path) -> Path:
    """A new temp file name beside `target`, naming this process (so a later run can tell it is stale)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Remove the temp files that a killed run left in `directory`: only files of our own naming
    (``.NAME.PID.RANDOM.tmp``) whose process is gone. Returns the ones removed (best effort)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False) or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (this one always does); unsure counts as alive."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True
    return True


def output_target(path: Path) -> tuple[str, Path]:
    """How an output path is written: ("atomic", the regular file to replace) or ("direct", path).

    A symbolic link resolves to its final target (which may not exist yet), so the temp file is made in
    the target's folder and the link itself is never replaced.

    >>> output_target(Path("/dev/null"))
    ('direct', PosixPath('/dev/null'))

    Raises:
        DeliveryError: the path is a directory, a block device, a socket or a symbolic link loop.
    """
    try:
        mode = os.stat(path).st_mode  # follows links
    except FileNotFoundError:
        mode = None
    except OSError as exc:  # ELOOP, ENOTDIR, EACCES
        reason = "a symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        raise DeliveryError(f"could not write {path}: {reason}") from None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return "direct", path
    if mode is not None and not stat.S_ISREG(mode):
        what = ("a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise DeliveryError(f"could not write {path}: it is {what}; give a file name, a folder or -")
    return "atomic", Path(os.path.realpath(path)) if os.path.islink(path) else path


def _own_file(path: Path) -> tuple[str, Path]:
    """("atomic", path) for a file briefing keeps, when it is absent or a regular file (not a link); else DeliveryError."""
    try:
        mode = os.lstat(path).st_mode  # the name itself, not what a link points to
    except FileNotFoundError:
        return "atomic", path
    except OSError as exc:
        raise DeliveryError(f"could not write {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise DeliveryError(f"could not write {path}: it is {what}, and briefing writes its site's files only as "
                            "regular files in the site folder; remove it")
    return "atomic", path


def _open_direct(path: Path) -> int:
    """Open a character device or named pipe for writing without blocking, or raise DeliveryError."""
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # no O_CREAT, no O_TRUNC: the device or pipe stays what it is
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO that nobody has open for reading would block for ever
            raise DeliveryError(f"could not write {path}: it is a named pipe and nothing reads from it") from None
        raise DeliveryError(f"could not write {path}: {exc.strerror or exc}") from None
    return fd


PIPE_WAIT = 60.0  # seconds all the writes to one named pipe or device may wait for its reader


def _write_direct(direct: list[tuple[int, bytes, Path]]) -> None:
    """Write each payload to its open device or pipe and close it; a reader that stops reading is an error.

    The descriptor stays non-blocking, and every wait for room in the pipe counts against one
    deadline, `PIPE_WAIT` seconds, so a reader that never reads cannot hold the run for ever.
    """
    import select
    import time

    for index, (fd, payload, path) in enumerate(direct):
        try:
            deadline = time.monotonic() + PIPE_WAIT
            view = memoryview(payload)
            while view:
                try:
                    view = view[os.write(fd, view):]
                    continue
                except BlockingIOError:
                    pass
                left = deadline - time.monotonic()
                poller = select.poll()
                poller.register(fd, select.POLLOUT)
                if left <= 0 or not poller.poll(left * 1000):
                    raise DeliveryError(f"could not write {path}: its reader took no more data for {PIPE_WAIT:g} s "
                                        f"({len(payload) - len(view)} of {len(payload)} bytes written)")
        except (OSError, DeliveryError) as exc:
            for later, _, _ in direct[index + 1:]:
                with contextlib.suppress(OSError):
                    os.close(later)
            if isinstance(exc, DeliveryError):
                raise
            raise DeliveryError(f"could not write {path}: {exc.strerror or exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)


def _encode(path: Path, data: str | bytes) -> bytes:
    """The bytes to write (text as UTF-8), or DeliveryError."""
    try:
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except UnicodeEncodeError as exc:
        raise DeliveryError(f"could not write {path}: the text is not valid Unicode ({exc.reason})") from exc


def _stage(path: Path, data: str | bytes, shown: Path | None = None) -> Path:
    """Write `data` to a fsynced temp file beside `path` (with `path`'s permissions) and return it.

    `path` is a regular file or a new name (see `output_target`); `shown` is the name the user gave.
    """
    payload = _encode(shown or path, data)
    tmp = _temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise DeliveryError(f"could not write {shown or path}: {exc.strerror or exc}") from exc
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


LOCK_WAIT = 300.0  # seconds a run waits for another run's lock before giving up


def wait_for_lock(fd: int, what: str | Path, wait: float | None = None) -> None:
    """Take an exclusive flock on `fd`, waiting at most `wait` seconds (default LOCK_WAIT), never for ever.

    A cron job whose previous run hangs must end with an error, not pile up behind it.

    Raises:
        DeliveryError: another process held the lock for the whole wait.
    """
    import fcntl
    import time

    limit = LOCK_WAIT if wait is None else wait
    deadline = time.monotonic() + limit
    pause = 0.01
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DeliveryError(f"{what} is locked by another briefing run that has not finished in "
                                    f"{limit:g} s; try again later") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


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
