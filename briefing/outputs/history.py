"""The history of published items (SQLite), so that a briefing leaves out what earlier ones already said.

One row per published item. WAL mode plus a busy timeout let two runs share the file at once: readers
never block, and a writer waits for the other writer instead of failing.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import sqlite3
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from types import TracebackType

from ..errors import DeliveryError, InputError
from ..models import Briefing, SourceRef
from .state import HISTORY_FILE_NAME, default_history_path, refuse_symlink
from ..options import user_path

log = logging.getLogger(__name__)
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
    (
        # What each day's articles said, for novelty: one row per briefing, its articles' sentences as
        # content words (one sentence per line, zlib-compressed). Only the last NOVELTY_DAYS days are kept.
        """CREATE TABLE seen (
            date TEXT NOT NULL,
            title TEXT NOT NULL,
            sentences BLOB NOT NULL,
            PRIMARY KEY (date, title)
        )""",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)
# Days of articles kept for novelty: yesterday's news is old news; last month's is background again.
NOVELTY_DAYS = 7
# Largest decompressed `seen` row read back; a larger one (a zlib bomb planted in the file) is skipped. The 690
# articles of benchmarks/data/multinews_val250.jsonl make a 1.5 MB row, so this is a day of about 7,000 articles.
MAX_SEEN_BYTES = 16_000_000


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
        self.path = user_path(path)
        if self.path.is_dir():  # `/`, `.` or a folder: SQLite's error would blame the disk
            raise InputError(f"history file {self.path} is a folder; name a file in it, such as "
                             f"{self.path / HISTORY_FILE_NAME}, or run with --no-history")
        try:
            for name in ("", "-wal", "-shm", "-journal"):  # SQLite's own side files, too
                refuse_symlink(self.path.with_name(self.path.name + name))
        except DeliveryError as exc:
            raise InputError(str(exc)) from None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) below.
            self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._open_error(exc) from None
        try:
            self._prepare_when_free()
        except sqlite3.Error as exc:
            self._db.close()
            raise self._open_error(exc) from None
        except InputError:
            self._db.close()
            raise

    def _prepare_when_free(self) -> None:
        """`_prepare`, tried again while another run holds the file (up to the busy timeout).

        Switching a new file to WAL needs the file to itself and SQLite does not wait for that (it fails at
        once with "database is locked"), so two runs creating one history at the same moment retry here.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT
        while True:
            try:
                self._prepare()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _open_error(self, exc: Exception) -> InputError:
        """The user-facing error for a history file that cannot be used."""
        reason = getattr(exc, "strerror", None) or str(exc)
        if "locked" in reason:  # another run holds it past the busy timeout: the file itself is fine
            return InputError(f"history file {self.path} is in use by another briefing run ({reason}); "
                              "try again when it has finished, or run with --no-history")
        damaged = any(word in reason for word in ("malformed", "not a database", "corrupt"))
        if not damaged and any(word in reason for word in ("disk", "full", "readonly", "read-only", "unable to open")):
            # the file may be fine: the disk, a file size limit (ulimit -f) or the folder's permissions stop it
            return InputError(f"history file {self.path} cannot be written ({reason}); check the free space, "
                              "the file size limit and the folder's permissions, or run with --no-history")
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
            clauses.append("date >= ?")
            params.append(_days_before(before or _dt.date.today().isoformat(), days))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT text FROM items {where} ORDER BY date DESC, title, position"
        try:
            # A row whose text is not text (a BLOB, a number planted in the file) says nothing: it is skipped.
            return [row[0] for row in self._db.execute(query, params) if isinstance(row[0], str)]
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None

    def seen_sentences(self, before: str, days: int = NOVELTY_DAYS) -> list[tuple[str, ...]]:
        """Content words of the sentences of the articles of briefings dated in the `days` days before `before`.

        Raises:
            InputError: the file cannot be read.
        """
        start = _days_before(before, days)
        try:
            blobs = self._db.execute("SELECT sentences FROM seen WHERE date < ? AND date >= ? ORDER BY date",
                                     (before, start)).fetchall()
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        found: list[tuple[str, ...]] = []
        for (blob,) in blobs:
            text = _inflate(blob)
            if text is None:  # a damaged or planted row costs only its day's novelty
                log.warning("history file %s: a day's record of what its articles said is damaged or larger than "
                            "%d bytes; skipped", self.path, MAX_SEEN_BYTES)
                continue
            found.extend(tuple(line.split()) for line in text.split("\n") if line)
        return found

    def record_seen(self, date: str, title: str, sentences: Sequence[Sequence[str]]) -> None:
        """Store what a day's articles said (content words per sentence) and forget days older than NOVELTY_DAYS.

        Raises:
            DeliveryError: the history could not be written.
        """
        blob = zlib.compress("\n".join(" ".join(words) for words in sentences if words).encode("utf-8"), 6)
        oldest = _days_before(date, NOVELTY_DAYS)
        with self._writing(f"could not record the day's articles in history file {self.path}"):
            self._db.execute("INSERT OR REPLACE INTO seen (date, title, sentences) VALUES (?, ?, ?)",
                             (date, title, blob))
            self._db.execute("DELETE FROM seen WHERE date < ?", (oldest,))

    @contextlib.contextmanager
    def _writing(self, failure: str, advice: str = "") -> Iterator[None]:
        """One write transaction: committed at the end of the block, rolled back on any error.

        An SQLite error becomes a DeliveryError: `failure`, the reason in brackets, then `advice`.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            raise DeliveryError(f"{failure} ({exc}){advice}") from None

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
        with self._writing(f"could not record the briefing in history file {self.path}",
                           "; the briefing itself was delivered; run with --no-history to skip the history"):
            self._db.execute("DELETE FROM items WHERE date = ? AND title = ?", (briefing.date, briefing.title))
            self._db.executemany(
                "INSERT INTO items (date, title, position, text, sources, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def summary(self) -> tuple[int, int, str | None, str | None]:
        """How much the history holds: (briefings, items, first date, last date).

        Raises:
            InputError: the file cannot be read.
        """
        try:
            row = self._db.execute(
                "SELECT count(DISTINCT date || char(0) || title), count(*), min(date), max(date) FROM items").fetchone()
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        return int(row[0]), int(row[1]), row[2], row[3]

    def last_briefing(self, before: str) -> _dt.datetime | None:
        """When the last briefing dated before `before` (YYYY-MM-DD) was made, for `--since last`; None if none.

        That is when it was recorded (UTC), but never later than the end of its own date, so that a briefing
        rebuilt for a past day counts as made on that day.

        Raises:
            InputError: the file cannot be read.
        """
        try:
            row = self._db.execute("SELECT date, max(recorded_at) FROM items WHERE date < ? GROUP BY date "
                                   "ORDER BY date DESC LIMIT 1", (before,)).fetchone()
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        if row is None:
            return None
        try:
            day = _dt.date.fromisoformat(str(row[0])[:10])
            end = _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc) + _dt.timedelta(days=1)
        except (ValueError, OverflowError):
            return None
        try:
            recorded = _dt.datetime.fromisoformat(str(row[1]))
            recorded = recorded if recorded.tzinfo else recorded.replace(tzinfo=_dt.timezone.utc)
        except ValueError:
            return end
        return min(recorded, end)

    def clear(self) -> int:
        """Forget every recorded briefing and what its articles said (the file stays, empty).

        Returns how many items were removed.

        Raises:
            DeliveryError: the history could not be written.
        """
        failure = f"could not clear history file {self.path}"
        with self._writing(failure):
            with contextlib.closing(self._db.execute("DELETE FROM items")) as cursor:
                removed = cursor.rowcount
            self._db.execute("DELETE FROM seen")  # what earlier days' articles said, too
        try:
            self._db.execute("VACUUM")  # the forgotten text does not linger in free pages
        except sqlite3.Error as exc:
            raise DeliveryError(f"{failure} ({exc})") from None
        return int(removed)

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


def _days_before(day: str, days: int) -> str:
    """The date `days` days before `day` (YYYY-MM-DD...), or year 1's first day when that is earlier."""
    start = _dt.date.fromisoformat(day[:10])
    return (start - _dt.timedelta(days=min(days, start.toordinal() - 1))).isoformat()


def _inflate(blob: object) -> str | None:
    """A `seen` row's text, decompressed at most MAX_SEEN_BYTES far (a zlib bomb stops there); None when damaged."""
    if not isinstance(blob, bytes):
        return None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(blob, MAX_SEEN_BYTES + 1)
        return None if len(data) > MAX_SEEN_BYTES else data.decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None


def _citation(ref: SourceRef) -> dict[str, object]:
    """A source as stored in the history: where it was said (its evidence text is the item's own concern)."""
    return {k: v for k, v in asdict(ref).items() if k not in ("text", "copies")}  # [scale] copies: see the JSON briefing


__all__ = ["HISTORY_FILE_NAME", "NOVELTY_DAYS", "SCHEMA_VERSION", "History", "default_history_path"]
