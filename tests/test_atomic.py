"""Output paths: what sits at `--output` (or `send --dry-run FILE`) is written the right way and never replaced.

A regular file is replaced atomically; a symbolic link is written through to its target and stays a link;
a character device or a named pipe is written to directly; anything else is refused with `Error:`.
Device nodes are made with mknod where the test may (root); named pipes with os.mkfifo.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.atomic import output_target, write_all_atomic, write_atomic
from briefing.cli import app
from briefing.errors import DeliveryError

TEXT = ("Storm hits the coast\n\nA powerful storm struck the northern coast on Monday, flooding several towns. "
        "Emergency crews rescued dozens of residents from their homes overnight.\n")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def article(tmp_path: Path, cli_isolation: Path) -> Path:
    """One good article, with the CLI kept away from the user's folders."""
    path = tmp_path / "storm.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def build(*args: str | Path) -> tuple[int, str, str]:
    """Run `briefing build` in-process; an escaped exception fails the test."""
    result = CliRunner().invoke(app, ["build", *map(str, args), "--no-history", "--date", "2025-01-02"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception escaped the CLI: {result.exception!r}")
    return result.exit_code, result.stdout, result.stderr


def null_device(path: Path) -> Path:
    """A character device node equal to /dev/null at `path` (needs root)."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.chmod(path, 0o666)  # mknod's mode is cut by the umask
    return path


def test_regular_file_is_replaced_atomically(tmp_path: Path, article: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old\n")
    target.chmod(0o640)
    code, _, err = build(article, "--output", target)
    assert code == 0, err
    assert "A powerful storm" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the user's permissions are kept
    assert not list(tmp_path.glob(".*.tmp"))


def test_symlink_is_written_through_and_stays_a_link(tmp_path: Path, article: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "real.md"
    real.write_text("old\n")
    link = tmp_path / "out" / "today.md"
    link.parent.mkdir()
    link.symlink_to(real)
    code, _, err = build(article, "--output", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "A powerful storm" in real.read_text()
    assert sorted(p.name for p in link.parent.iterdir()) == ["today.md"]  # no temp file beside the link
    assert sorted(p.name for p in elsewhere.iterdir()) == ["real.md"]


def test_dangling_symlink_creates_its_target(tmp_path: Path, article: Path) -> None:
    link = tmp_path / "today.md"
    link.symlink_to(tmp_path / "target.md")
    code, _, err = build(article, "--output", link)
    assert code == 0, err
    assert link.is_symlink() and "A powerful storm" in (tmp_path / "target.md").read_text()


def test_symlink_loop_is_refused(tmp_path: Path, article: Path) -> None:
    loop = tmp_path / "loop.md"
    loop.symlink_to(loop)
    code, _, err = build(article, "--output", loop)
    assert code == 1
    assert err == f"Error: could not write {loop}: a symbolic link loop\n"
    assert loop.is_symlink()


def test_named_pipe_is_written_to_not_replaced(tmp_path: Path, article: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there; the briefing fits the pipe buffer
    try:
        code, _, err = build(article, "--output", fifo)
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert b"A powerful storm" in received
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["pipe.md", "storm.txt"]


def test_named_pipe_without_reader_is_an_error_not_a_hang(tmp_path: Path, article: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    code, _, err = build(article, "--output", fifo)
    assert code == 1
    assert err == f"Error: could not write {fifo}: it is a named pipe and nothing reads from it\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_character_device_is_written_directly(tmp_path: Path, article: Path) -> None:
    device = null_device(tmp_path / "null.md")
    code, _, err = build(article, "--output", device)
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_symlink_to_a_device_stays_a_link_to_the_device(tmp_path: Path, article: Path) -> None:
    device = null_device(tmp_path / "null")
    link = tmp_path / "out.md"
    link.symlink_to(device)
    code, _, err = build(article, "--output", link)
    assert code == 0, err
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_send_dry_run_to_a_device_keeps_the_device(tmp_path: Path, article: Path) -> None:
    device = null_device(tmp_path / "mail.eml")
    result = CliRunner().invoke(app, ["send", str(article), "--to", "a@example.org", "--from", "b@example.org",
                                      "--dry-run", str(device), "--date", "2025-01-02"])
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def restore_dev_null() -> bool:
    """Make /dev/null the null device again if something replaced it (root only); True if it had to."""
    if IS_ROOT and not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
        os.unlink("/dev/null")
        null_device(Path("/dev/null"))
        return True
    return False


@pytest.fixture
def dev_null_guard() -> object:
    """Start from a real /dev/null (another program on a shared machine may have broken it) and put it
    back should a broken write replace it (root only)."""
    restore_dev_null()
    if not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
        pytest.skip("/dev/null is not a character device on this machine")
    yield None
    if restore_dev_null():
        pytest.fail("/dev/null was replaced by a regular file")


def test_dev_null_as_output_stays_a_character_device(article: Path, dev_null_guard: object) -> None:
    code, _, err = build(article, "--output", "/dev/null")
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_stdout_through_proc_fd_link_is_written_through(tmp_path: Path, article: Path) -> None:
    # /proc/self/fd/N is a link to whatever the descriptor is: here a regular file opened by this process
    out = tmp_path / "held.md"
    with open(out, "wb") as held:
        link = f"/proc/self/fd/{held.fileno()}"
        if not os.path.islink(link):
            pytest.skip("no /proc/self/fd")
        code, _, err = build(article, "--output", link)
    assert code == 0, err
    assert "A powerful storm" in out.read_text()


def test_block_devices_sockets_and_directories_are_refused(tmp_path: Path) -> None:
    import socket

    sock_path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        with pytest.raises(DeliveryError, match="it is a socket"):
            write_atomic(sock_path, "x")
    finally:
        server.close()
    with pytest.raises(DeliveryError, match="it is a directory"):
        write_atomic(tmp_path, "x")
    if IS_ROOT:
        block = tmp_path / "disk"
        os.mknod(block, stat.S_IFBLK | 0o600, os.makedev(7, 200))
        with pytest.raises(DeliveryError, match="it is a block device"):
            write_atomic(block, "x")
        assert stat.S_ISBLK(os.lstat(block).st_mode)


def test_refused_target_leaves_every_other_file_untouched(tmp_path: Path) -> None:
    good = tmp_path / "a.md"
    good.write_text("old\n")
    fifo = tmp_path / "b.html"
    os.mkfifo(fifo)
    with pytest.raises(DeliveryError, match="nothing reads from it"):
        write_all_atomic({good: "new\n", fifo: "<p>new</p>"})
    assert good.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.html"]


def test_output_target_kinds(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("x")
    link = tmp_path / "link.md"
    link.symlink_to("real.md")
    assert output_target(real) == ("atomic", real)
    assert output_target(tmp_path / "new.md") == ("atomic", tmp_path / "new.md")
    assert output_target(link) == ("atomic", Path(os.path.realpath(real)))
    assert output_target(Path("/dev/null")) == ("direct", Path("/dev/null"))
