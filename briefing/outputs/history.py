"""The history of published items (SQLite), so that a briefing leaves out what earlier ones already said.

One row per published item. WAL mode plus a busy timeout let two runs share the file at once: readers
never block, and a writer waits for the other writer instead of failing.
"""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from types import TracebackType

from ..errors import DeliveryError, InputError
from ..models import Briefing, SourceRef

HISTORY_FILE_NAME = ".briefing-history.sqlite"
# Marks the file as a briefing history ("BRFG"), so another program's SQLite file is not written into.
_APPLICATION_ID = 0x42524647
# Seconds a run waits for another run's write to finish before giving up.
_BUSY_TIMEOUT = 30.0

# MIGRATIONS[n] takes the schema from user_version n to n + 1. Append; never edit a shipped step.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL,          -- YYYY-MM-DD of the briefing
            title TEXT NOT NULL,         -- the briefing's title
            position INTEGER NOT NULL,   -- 0-based order of the item in the briefing
            text TEXT NOT NULL,
            sources TEXT NOT NULL,       -- JSON list of SourceRef objects
            recorded_at TEXT NOT NULL    -- UTC time of the run that recorded it
        )""",
        "CREATE INDEX items_date ON items (date, title)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


def default_history_path(output_dir: str | None) -> Path:
    """Where the history lives when no --history FILE is given.

    Args:
        output_dir: the configured output directory, if any.
    Returns:
        `<output_dir>/.briefing-history.sqlite`, else `history.sqlite` in the user's data folder
        (e.g. ~/.local/share/briefing on Linux).
    """
    if output_dir:
        return Path(output_dir).expanduser() / HISTORY_FILE_NAME
    from platformdirs import user_data_dir

    return Path(user_data_dir("briefing")) / "history.sqlite"


class History:
    """The history file, opened (and created or migrated) on construction. Use it as a context manager.

    >>> with History(tmp_path / "h.sqlite") as history:  # doctest: +SKIP
    ...     history.record(briefing)
    ...     history.published_texts(before="2024-05-02")
    """

    def __init__(self, path: str | Path) -> None:
        """Open or create the history at `path`.

        Args:
            path: the SQLite file; missing parent folders are created.
        Raises:
            InputError: the file is not a briefing history, is corrupt, or cannot be opened.
        """
        self.path = Path(path).expanduser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) below.
            self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._open_error(exc) from None
        try:
            self._prepare()
        except sqlite3.Error as exc:
            self._db.close()
            raise self._open_error(exc) from None
        except InputError:
            self._db.close()
            raise

    def _open_error(self, exc: Exception) -> InputError:
        """The user-facing error for a history file that cannot be used."""
        reason = getattr(exc, "strerror", None) or str(exc)
        if "locked" in reason:  # another run holds it past the busy timeout: the file itself is fine
            return InputError(f"history file {self.path} is in use by another briefing run ({reason}); "
                              "try again when it has finished, or run with --no-history")
        return InputError(
            f"history file {self.path} cannot be used ({reason}); move it away, "
            "name another file with --history FILE, or run with --no-history"
        )

    def _prepare(self) -> None:
        """Check the file is ours, switch to WAL, and bring its schema up to date."""
        version, app_id, tables = self._db.execute(
            # One statement, so the three values come from one consistent snapshot of the file.
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT application_id FROM pragma_application_id), "
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table')"
        ).fetchone()
        if app_id not in (0, _APPLICATION_ID) or (version == 0 and tables):
            raise InputError(
                f"{self.path} is an SQLite file of another program, not a briefing history; "
                "name another file with --history FILE, or run with --no-history"
            )
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("BEGIN IMMEDIATE")  # one run at a time creates or migrates the schema
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"history file {self.path} was written by a newer version of briefing; "
                    "upgrade briefing, or run with --no-history"
                )
            for step in _MIGRATIONS[version:]:
                for statement in step:
                    self._db.execute(statement)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already done so."""
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def published_texts(self, before: str | None = None, days: int | None = 30) -> list[str]:
        """The texts of items published in earlier briefings, newest briefing first.

        Args:
            before: a YYYY-MM-DD date; only items of briefings dated strictly before it count, so
                rebuilding a day's briefing does not leave out that day's own items.
            days: only briefings from the last `days` days before `before` (or today); None for all.
        Returns:
            The item texts.
        Raises:
            InputError: the file cannot be read.
        """
        clauses: list[str] = []
        params: list[str] = []
        if before is not None:
            clauses.append("date < ?")
            params.append(before)
        if days is not None:
            reference = _dt.date.fromisoformat(before[:10]) if before else _dt.date.today()
            clauses.append("date >= ?")
            params.append((reference - _dt.timedelta(days=days)).isoformat())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT text FROM items {where} ORDER BY date DESC, title, position"
        try:
            return [row[0] for row in self._db.execute(query, params)]
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None

    def record(self, briefing: Briefing) -> None:
        """Store every item of `briefing`, replacing an earlier record of the same date and title.

        All rows go in one transaction, so a crash leaves either the old record or the new one.

        Args:
            briefing: the briefing that was just delivered.
        Raises:
            DeliveryError: the history could not be written.
        """
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        rows = [
            (briefing.date, briefing.title, position, item.text, json.dumps([_citation(s) for s in item.sources]), now)
            for position, item in enumerate(briefing.items)
        ]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM items WHERE date = ? AND title = ?", (briefing.date, briefing.title))
                self._db.executemany(
                    "INSERT INTO items (date, title, position, text, sources, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            raise DeliveryError(
                f"could not record the briefing in history file {self.path} ({exc}); "
                "the briefing itself was delivered; run with --no-history to skip the history"
            ) from None

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> History:
        """Use the open history in a `with` block."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the history at the end of the `with` block."""
        self.close()


def _citation(ref: SourceRef) -> dict[str, object]:
    """A source as stored in the history: where it was said (its evidence text is the item's own concern)."""
    return {k: v for k, v in asdict(ref).items() if k != "text"}


__all__ = ["HISTORY_FILE_NAME", "SCHEMA_VERSION", "History", "default_history_path"]
