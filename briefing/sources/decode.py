"""Bytes to text: capped reads, BOMs, strict UTF-8, charset detection, and refusing binary data."""
from __future__ import annotations

import codecs
import json
import logging
import os
import re
import select
import stat
import time
from pathlib import Path
from typing import IO

from ..errors import InputError

log = logging.getLogger(__name__)

_SNIFF_BYTES = 65_536
_DETECT_BYTES = 262_144  # charset detection looks at this much; the rest is decoded with its answer
_MAX_BAD_CHARS = 0.1  # share of control/replacement characters above which data is not text
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_MAGIC = (b"\x89PNG", b"\x1f\x8b", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF-", b"\x7fELF",
          b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"BZh9", b"OggS", b"RIFF", b"\x00asm", b"SQLite format 3")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")


def read_bytes_capped(path: str | Path, max_bytes: int, wait: float = 15.0) -> bytes:
    """Read at most `max_bytes` of a file, warning when the file was longer.

    A named pipe or a character device (`<(command)`, `/dev/stdin`, a FIFO) is read without blocking
    for ever: all of its waits together last at most `wait` seconds (see `read_stream_capped`).

    Args:
        path: the file.
        max_bytes: how many bytes to read at most; memory use stays within this bound.
        wait: seconds a pipe or device may take to deliver everything.

    Returns:
        The file's first `max_bytes` bytes (or all of it).

    Raises:
        InputError: a pipe or device did not finish within `wait` seconds.
        OSError: the file cannot be opened or read.
    """
    mode = os.stat(path).st_mode
    if (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)) and hasattr(select, "poll"):
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO that has no writer would block
        try:
            return _read_fd(fd, max_bytes, wait, str(path))
        finally:
            os.close(fd)
    with open(path, "rb") as stream:
        return read_stream_capped(stream, max_bytes, str(path))


def read_stream_capped(stream: IO[bytes], max_bytes: int, name: str, wait: float | None = None) -> bytes:
    """Read at most max_bytes from a stream, warning when more was left.

    With `wait`, a stream on a pipe or device (stdin fed by `sleep 60 |`, a FIFO that drips) gets
    `wait` seconds for everything, every wait counted, instead of blocking until its writer is done.

    Raises:
        InputError: a pipe or device did not finish within `wait` seconds.
    """
    fd = _pipe_fd(stream) if wait is not None else None
    if fd is not None and wait is not None:
        return _read_fd(fd, max_bytes, wait, name)
    data = stream.read(max_bytes)
    if stream.read(1):
        log.warning("%s: larger than %d bytes; only the first %d bytes were read (truncated)", name, max_bytes,
                    max_bytes)
    return data


def _pipe_fd(stream: IO[bytes]) -> int | None:
    """The file descriptor of a stream that is a pipe or a device (None for a regular file or no descriptor)."""
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both OSError and ValueError
        return None
    return fd if (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)) and hasattr(select, "poll") else None


def _read_fd(fd: int, max_bytes: int, wait: float, name: str) -> bytes:
    """Read a pipe or device until its writer closes it or max_bytes, all within `wait` seconds in total."""
    limit = min(max(wait, 0.0), 86_400.0 * 365)
    deadline = time.monotonic() + limit
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            if not chunks:
                raise InputError(f"{name}: nothing came through this pipe or device in {limit:g} s")
            raise InputError(f"{name}: the pipe or device was still sending after {limit:g} s ({size} bytes); "
                             "stopped reading")
        try:
            chunk = os.read(fd, min(65_536, max_bytes + 1 - size))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    if size > max_bytes:
        log.warning("%s: larger than %d bytes; only the first %d bytes were read (truncated)", name,
                    max_bytes, max_bytes)
    return data[:max_bytes]


def decode_bytes(data: bytes, name: str) -> str:
    """Decode text of unknown encoding: BOM, then strict UTF-8, then charset detection.

    Args:
        data: the raw bytes (may end mid-character when a file was truncated).
        name: the file's name, for error messages.

    Returns:
        The decoded text.

    Raises:
        InputError: the data is binary (an image, an archive, NUL bytes) or in no detectable encoding.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _check_text(codecs.getincrementaldecoder(encoding)("replace").decode(data), name)
    if not data.startswith(_MAGIC) and b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return _check_text(utf16, name)
    if data.startswith(_MAGIC) or b"\x00" in data:
        raise InputError(f"{name}: binary data (an image, archive or the like), not text")
    try:
        # final=False: a file cut at max_bytes may end inside a character; drop that fragment
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        text = _decode_detected(data, name)
    return _check_text(text, name)


def _utf16_without_bom(data: bytes) -> str | None:
    """Text of UTF-16 without a byte order mark (zero bytes at every other position), else None."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if not sample or len(sample) < 4:
        return None
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if zeros_odd > 0.3 and zeros_even < 0.05:
        encoding = "utf-16-le"
    elif zeros_even > 0.3 and zeros_odd < 0.05:
        encoding = "utf-16-be"
    else:
        return None
    text = data[: len(data) - len(data) % 2].decode(encoding, errors="replace")
    return text if len(_BAD_CHARS.findall(text[:_SNIFF_BYTES])) <= _MAX_BAD_CHARS * len(text[:_SNIFF_BYTES]) else None


def _decode_detected(data: bytes, name: str) -> str:
    """Decode non-UTF-8 bytes with the encoding charset-normalizer finds (preferring cp1252 on ties)."""
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    sample = data[:_DETECT_BYTES]
    best = from_bytes(sample).best()
    western = sample.decode("cp1252", errors="replace")
    # short Western texts often tie with look-alike code pages (cp775, cp1250, mac_*); cp1252 is likelier
    if best is None or mess_ratio(western) <= mess_ratio(str(best)):
        if best is None and mess_ratio(western) > 0.2:
            raise InputError(f"{name}: no known text encoding fits (binary data?)")
        encoding = "cp1252"
    else:
        encoding = best.encoding
    return data.decode(encoding, errors="replace")


def _check_text(text: str, name: str) -> str:
    """Reject decoded text that is mostly control or replacement characters."""
    sample = text[:_SNIFF_BYTES]
    if sample and len(_BAD_CHARS.findall(sample)) > _MAX_BAD_CHARS * len(sample):
        raise InputError(f"{name}: binary data (mostly control characters), not text")
    return text


def looks_like_jsonl(data: bytes) -> bool:
    """True when every non-empty line is a JSON object (and there is at least one)."""
    lines = [line for line in data.splitlines() if line.strip()]
    if not lines or not lines[0].lstrip(codecs.BOM_UTF8 + b" \t").startswith(b"{"):
        return False
    return all(_is_json_object(line) for line in lines)


def json_array_lines(data: bytes) -> list[bytes] | None:
    """A JSON array of objects (JSONL's documents exported as one array) as JSONL lines, else None."""
    if not data.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"["):
        return None
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(found, list) or not found or not all(isinstance(item, dict) for item in found):
        return None
    return [json.dumps(item).encode() for item in found]


def _is_json_object(line: bytes) -> bool:
    """Whether a line holds one JSON object (one nested too deeply to parse counts: it is skipped later)."""
    try:
        return isinstance(json.loads(line), dict)
    except RecursionError:
        return line.lstrip(codecs.BOM_UTF8 + b" \t").startswith(b"{")
    except ValueError:
        return False
