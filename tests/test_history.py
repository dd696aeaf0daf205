"""The history of published items: round trip, rebuilds, date windows, repeats, corruption, two runs at once."""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from briefing.errors import BriefingError, DeliveryError, InputError
from briefing.outputs.history import SCHEMA_VERSION, History, default_history_path
from briefing.summarize.dedupe import filter_repeats
from briefing.models import Briefing, Item, Section, SourceRef


def _briefing(date: str, *texts: str, title: str = "Briefing") -> Briefing:
    """A one-section briefing whose items cite document "d<n>"."""
    items = tuple(
        Item(text=t, score=1.0 - n / 10, sources=(SourceRef(document=f"d{n}", sentence=n, url=f"https://x.test/{n}"),))
        for n, t in enumerate(texts)
    )
    return Briefing(title=title, date=date, sections=(Section(title=None, items=items),))


def test_default_history_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # beside the config file; else beside (never inside) the site; else in the current folder
    assert default_history_path(tmp_path / "news" / "briefing.toml") == tmp_path / "news" / ".briefing" / "history.sqlite"
    assert default_history_path(None, tmp_path / "public") == tmp_path / ".public.briefing" / "history.sqlite"
    assert default_history_path(tmp_path / "briefing.toml", tmp_path / "public") == \
        tmp_path / ".briefing" / "history.sqlite"
    monkeypatch.chdir(tmp_path)
    assert default_history_path() == tmp_path / ".briefing" / "history.sqlite"


@pytest.mark.parametrize("link", ["", "-wal"])
def test_history_is_never_opened_through_a_symlink(tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside.sqlite"
    path = tmp_path / "state" / "history.sqlite"
    path.parent.mkdir()
    (path.parent / f"history.sqlite{link}").symlink_to(outside)
    with pytest.raises(InputError, match="symlink"):
        History(path)
    assert not outside.exists()


def test_clear_forgets_everything(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History(path) as history:
        history.record(_briefing("2024-05-01", "Floods closed the Paris metro on Monday.", "The Louvre stayed shut."))
        history.record_seen("2024-05-01", "T", [("flood", "paris", "metro")])
        assert history.summary() == (1, 2, "2024-05-01", "2024-05-01")
        assert history.seen_sentences(before="2024-05-02")
        assert history.clear() == 2
        assert history.published_texts(days=None) == [] and history.summary() == (0, 0, None, None)
        assert history.seen_sentences(before="2024-05-02") == []


def test_record_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.sqlite"  # the folder is created
    with History(path) as history:
        assert history.published_texts() == []
        history.record(_briefing("2024-05-01", "Floods closed the Paris metro on Monday.", "The Louvre stayed shut."))
    with History(path) as history:  # it persisted
        assert history.published_texts(before="2024-05-02") == [
            "Floods closed the Paris metro on Monday.",
            "The Louvre stayed shut.",
        ]
    with sqlite3.connect(path) as db:
        sources, title = db.execute("SELECT sources, title FROM items WHERE position = 1").fetchone()
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert json.loads(sources) == [
        {"document": "d1", "sentence": 1, "title": None, "url": "https://x.test/1", "source": None}
    ]
    assert title == "Briefing"


def test_rebuilding_a_date_replaces_its_items(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        history.record(_briefing("2024-05-01", "First draft item one.", "First draft item two."))
        history.record(_briefing("2024-05-01", "Rebuilt item."))
        history.record(_briefing("2024-05-01", "Another briefing's item.", title="Tech"))
        assert sorted(history.published_texts(before="2024-05-02")) == ["Another briefing's item.", "Rebuilt item."]


def test_published_texts_excludes_the_date_itself_and_old_briefings(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        history.record(_briefing("2024-03-01", "Very old news."))
        history.record(_briefing("2024-04-30", "Yesterday's news."))
        history.record(_briefing("2024-05-01", "Today's news."))
        assert history.published_texts(before="2024-05-01") == ["Yesterday's news."]
        assert history.published_texts(before="2024-05-01", days=None) == ["Yesterday's news.", "Very old news."]
        assert history.published_texts(before="2024-05-02", days=2) == ["Today's news.", "Yesterday's news."]
        assert history.published_texts(before="2024-05-02", days=1) == ["Today's news."]


def test_paraphrase_of_a_published_sentence_is_a_repeat(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        history.record(_briefing("2024-05-01", "Police said 200,000 people were at the stadium on Sunday."))
        published = history.published_texts(before="2024-05-02")
    candidates = [
        "More than 200,000 people were at the stadium on Sunday, police said.",
        "The central bank raised interest rates by a quarter point.",
    ]
    assert filter_repeats(candidates, published, 0.5) == [False, True]
    assert filter_repeats(candidates, [], 0.5) == [True, True]


def test_corrupt_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database\x00\xff" * 200)
    with pytest.raises(InputError) as caught:
        History(path)
    message = str(caught.value)
    assert str(path) in message and "--no-history" in message
    assert isinstance(caught.value, BriefingError)
    assert path.read_bytes().startswith(b"this is not a database")  # left untouched


def test_another_programs_database_is_not_written_into(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    db.close()
    with pytest.raises(InputError, match="another program.*--no-history"):
        History(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InputError, match="newer version of briefing"):
        History(path)


def test_record_failure_is_a_delivery_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(path).close()
    with History(path) as history:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TRIGGER no_writes BEFORE INSERT ON items BEGIN SELECT RAISE(ABORT, 'read only'); END")
        db.close()
        with pytest.raises(DeliveryError, match="could not record"):
            history.record(_briefing("2024-05-02", "New item."))
        history.record(_briefing("2024-05-01"))  # an empty briefing inserts nothing and still works
        assert history.published_texts(before="2024-05-03") == []


def test_two_runs_writing_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"  # created by the two threads themselves, at the same moment
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(date: str) -> None:
        """One run: open the fresh history, then record and read many times."""
        try:
            start.wait()
            with History(path) as history:
                for n in range(30):
                    history.record(_briefing(date, *(f"Item {k} of round {n} on {date}." for k in range(5))))
                    history.published_texts(before="2024-05-03")
        except BaseException as exc:  # reported below: an exception in a thread would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(date,)) for date in ("2024-05-01", "2024-05-02")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with History(path) as history:
        texts = history.published_texts(before="2024-05-03")
    assert len(texts) == 10  # each date's last round only: rebuilds replaced the earlier rounds
    assert all("of round 29 " in text for text in texts)


def test_what_earlier_days_articles_said_is_kept_for_a_week(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        history.record_seen("2024-05-01", "Morning", [("bridg", "council"), ("crack", "wall")])
        assert history.seen_sentences(before="2024-05-02") == [("bridg", "council"), ("crack", "wall")]
        assert history.seen_sentences(before="2024-05-01") == []  # a rebuilt day never sees its own articles
        history.record_seen("2024-05-09", "Morning", [("rate", "bank")])
        # Recording 2024-05-09 forgot 2024-05-01 (more than a week earlier): the file stays small.
        assert history.seen_sentences(before="2024-05-10", days=30) == [("rate", "bank")]


def test_a_first_version_history_gains_the_articles_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, date TEXT NOT NULL, title TEXT NOT NULL, position INTEGER "
               "NOT NULL, text TEXT NOT NULL, sources TEXT NOT NULL, recorded_at TEXT NOT NULL)")
    db.execute("INSERT INTO items (date, title, position, text, sources, recorded_at) "
               "VALUES ('2024-05-01', 'M', 0, 'Rates rose on Monday.', '[]', 'x')")
    db.execute("PRAGMA user_version = 1")
    db.execute("PRAGMA application_id = 1112688199")
    db.commit()
    db.close()
    with History(path) as history:
        assert history.published_texts(before="2024-05-02") == ["Rates rose on Monday."]
        history.record_seen("2024-05-01", "M", [("rate",)])
        assert history.seen_sentences(before="2024-05-02") == [("rate",)]


@pytest.mark.parametrize("folder", ["/", ".", "here"])
def test_a_folder_named_as_the_history_is_one_error_line(tmp_path: Path, cli_isolation: Path, folder: str) -> None:
    """Red team 8: `--history /` and `--history .` were a ValueError traceback; `--history some-folder/` an error
    saying to check the free space. Now one `Error:` line that says it is a folder, for build and for history."""
    from test_hostile import TEXT, cli

    (tmp_path / "storm.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "here").mkdir()
    for args in (("build", "storm.txt", "-o", "out.md"), ("history",)):
        code, _, stderr = cli(*args, "--history", folder)
        assert code == 1 and stderr.count("\n") == 1, stderr
        assert stderr.startswith("Error: history file") and "is a folder" in stderr, stderr
    assert not (tmp_path / "out.md").exists()


def test_a_damaged_history_is_not_blamed_on_the_disk(tmp_path: Path, cli_isolation: Path) -> None:
    """Red team 8: a history cut in half said "cannot be written (database disk image is malformed); check the free
    space, the file size limit and the folder's permissions": the word "disk" in SQLite's message. It is damaged."""
    from test_hostile import TEXT, cli

    (tmp_path / "storm.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "h.sqlite"
    with History(path) as history:
        for day in range(1, 29):
            history.record(_briefing(f"2025-01-{day:02d}", *(f"Item {n} of day {day}. " * 40 for n in range(20))))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    code, _, stderr = cli("build", "storm.txt", "-o", "out.md", "--history", path)
    assert code == 1 and stderr.count("\n") == 1, stderr
    assert "malformed" in stderr and "move it away" in stderr and "free space" not in stderr, stderr


def test_a_briefing_dated_in_the_first_week_of_year_1_reads_and_records_its_history(tmp_path: Path,
                                                                                 cli_isolation: Path) -> None:
    """Red team 8: `--date 0001-01-01` with a history was an OverflowError traceback (its 30-day and 7-day windows
    reach before year 1), after the briefing was written. The windows now start at year 1."""
    from test_hostile import TEXT, cli

    (tmp_path / "storm.txt").write_text(TEXT, encoding="utf-8")
    for day in ("0001-01-01", "0001-01-03"):
        code, _, stderr = cli("build", "storm.txt", "-o", f"{day}.md", "--history", "h.sqlite", "--date", day)
        assert code == 0, stderr
    with History(tmp_path / "h.sqlite") as history:
        assert history.published_texts(before="0001-01-02")  # the first day's items were recorded ...
        assert history.seen_sentences(before="0001-01-02")  # ... and what its articles said
    assert "Nothing new" in (tmp_path / "0001-01-03.md").read_text(encoding="utf-8")  # and read back
