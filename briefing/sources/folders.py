"""The files a folder input holds: walked without recursion, in sorted order, hidden entries and unreadable ones
skipped with a warning (a folder nobody may list, an entry nobody may stat), never fatal."""
from __future__ import annotations

import logging
from collections.abc import Container, Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def walk_folder(root: Path, suffixes: Container[str]) -> Iterator[Path]:
    """Readable files under root whose lower-cased suffix is in `suffixes`, recursively, in sorted order, hidden
    files and folders skipped.

    The walk keeps its own stack of folders (no recursion), so a tree thousands of folders deep is fine.
    """
    stack = [iter(_entries(root))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
        elif entry.name.startswith("."):
            continue
        else:
            try:  # pathlib raises EACCES (a folder we may list but not enter, /proc/1/cwd): skip, do not die
                folder, found = entry.is_dir() and not entry.is_symlink(), entry.is_file()
            except OSError as exc:
                log.warning("%s: skipped: %s", entry, exc.strerror or exc)
                continue
            if folder:
                stack.append(iter(_entries(entry)))
            elif found and entry.suffix.lower() in suffixes:
                yield entry


def _entries(folder: Path) -> list[Path]:
    """A folder's entries sorted by name ([] with a warning when it cannot be listed)."""
    try:
        return sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        log.warning("%s: skipped: %s", folder, exc.strerror)
        return []
