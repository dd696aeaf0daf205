"""Where a briefing setup keeps its private state (the history, the site's lock), never inside a served site.

One briefing folder has one state folder, `.briefing/` beside its `briefing.toml`, so `build`, `publish` and
`send` run from one config share one history and two folders never share theirs. Without a config file, a
site keeps its state in a hidden sibling folder (`public/` -> `.public.briefing/`), and other runs use
`.briefing/` in the current folder. State files are never created through a symlink: a link planted where the
state should be is refused instead of followed out of the folder.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import DeliveryError
from ..options import user_path

__all__ = ["HISTORY_FILE_NAME", "LEGACY_HISTORY_NAME", "STATE_DIR_NAME", "adopt_legacy_history", "default_history_path", "open_nofollow", "private_dir",
           "refuse_symlink", "site_state_dir", "state_dir"]

STATE_DIR_NAME = ".briefing"
HISTORY_FILE_NAME = "history.sqlite"
# Where briefing before 0.x kept a folder's history: inside the site (served!) or the output folder.
LEGACY_HISTORY_NAME = ".briefing-history.sqlite"


def state_dir(config: str | Path | None = None, site: str | Path | None = None, cwd: Path | None = None) -> Path:
    """The state folder of a setup: beside its config file, else beside its site, else in the current folder.

    Args:
        config: the config file in use, if any.
        site: the site folder being published, if any (used only without a config file).
        cwd: the current folder (default: the process's).
    Returns:
        The folder path (not created).

    >>> state_dir(config="/news/briefing.toml").as_posix()
    '/news/.briefing'
    >>> state_dir(site="/srv/www/public").as_posix()
    '/srv/www/.public.briefing'
    """
    if config is not None:
        return Path(os.path.abspath(user_path(config))).parent / STATE_DIR_NAME
    if site is not None:
        return site_state_dir(site)
    return Path(os.path.abspath(cwd or Path.cwd())) / STATE_DIR_NAME


def site_state_dir(site: str | Path) -> Path:
    """The hidden sibling folder that holds a site's lock (and, without a config, its history): never inside it.

    >>> site_state_dir("/srv/www/public/").as_posix()
    '/srv/www/.public.briefing'
    """
    path = Path(os.path.abspath(user_path(site)))
    return path.parent / f".{path.name}.briefing"


def default_history_path(config: str | Path | None = None, site: str | Path | None = None,
                         cwd: Path | None = None) -> Path:
    """Where the history lives when no history file is named: `history.sqlite` in the state folder.

    >>> default_history_path(config="/news/briefing.toml").as_posix()
    '/news/.briefing/history.sqlite'
    """
    return state_dir(config, site, cwd) / HISTORY_FILE_NAME


def private_dir(path: Path) -> Path:
    """Create the state folder `path` (mode 0700, parents as needed) unless it exists; refuse a symlink.

    Raises:
        DeliveryError: `path` is a symlink or not a folder, or cannot be created.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise DeliveryError(f"cannot create the state folder {path}: {exc.strerror or exc}") from None
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode) or not stat.S_ISDIR(mode):
        raise DeliveryError(f"{path} should be briefing's state folder but is a symlink or a file; "
                            "move it away (briefing keeps its history and lock there)")
    return path


def refuse_symlink(path: Path) -> None:
    """Raise DeliveryError when `path` is a symlink (state is never written through one)."""
    if path.is_symlink():
        raise DeliveryError(f"{path} is a symlink; briefing does not write its state through symlinks; "
                            "remove the link or name a real file")


def open_nofollow(path: Path) -> int:
    """Open (creating, mode 0600) a state file for writing without following a symlink; return the descriptor.

    Raises:
        DeliveryError: the file is a symlink or cannot be opened.
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    refuse_symlink(path)
    try:
        return os.open(path, flags, 0o600)
    except OSError as exc:
        raise DeliveryError(f"cannot open {path}: {exc.strerror or exc}") from None


def adopt_legacy_history(target: Path, folders: list[Path]) -> Path | None:
    """Move a history that an older briefing kept in `folders` (a site, an output folder) to `target`.

    Nothing happens when `target` exists or no folder holds a legacy history. The copy goes through SQLite's
    backup API (so a write-ahead log is folded in), then the old file and its side files are removed.

    Returns:
        The legacy file that was moved, or None.
    Raises:
        DeliveryError: the state folder cannot be created or the old file cannot be read.
    """
    import contextlib
    import sqlite3

    if target.exists() or target.is_symlink():
        return None
    for folder in folders:
        legacy = folder / LEGACY_HISTORY_NAME
        if legacy.is_symlink() or not legacy.is_file():
            continue
        private_dir(target.parent)
        try:
            with contextlib.closing(sqlite3.connect(legacy)) as old, contextlib.closing(sqlite3.connect(target)) as new:
                old.backup(new)
        except sqlite3.Error as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            raise DeliveryError(f"cannot move the old history {legacy} to {target} ({exc}); "
                                "move it yourself or name it with --history FILE") from None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                legacy.with_name(legacy.name + suffix).unlink()
        return legacy
    return None
