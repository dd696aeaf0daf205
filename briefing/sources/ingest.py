"""Read inputs (files, directories, stdin, URLs) into normalised `Document`s.

Text and JSONL are read here (bytes are decoded by `briefing.sources.decode`); the main text of HTML and Markdown is extracted by `briefing.sources.htmltext`
(`document_from_html` is re-exported from here); RSS/Atom feeds and http(s) URLs go to `briefing.sources.feeds`.
Every document's text passes through `briefing.text.normalize.normalize_text`.
"""
from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from ..errors import BriefingError, InputError, NoInputError
from ..models import Document
from ..options import Options
from ..parallel import parallel_map
from ..text.languages import source_language
from .decode import decode_bytes, json_array_lines, looks_like_jsonl, read_bytes_capped, read_stream_capped
from .folders import walk_folder
from .documents import MAX_DOCUMENT_BYTES, URL_RE, document_from_text, make_document
from .htmltext import document_from_html, document_from_markdown
from .jsonfeed import is_json_feed
from .opml import XML_PROLOG
from .remote import load_urls, stream_wait, with_run_deadline

log = logging.getLogger(__name__)

KINDS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
         ".jsonl": "jsonl", ".xml": "feed", ".rss": "feed", ".atom": "feed", ".opml": "opml"}
MAX_JSONL_LINE_BYTES = MAX_DOCUMENT_BYTES + 65_536  # one JSONL object (text plus metadata)
_SNIFF_BYTES = 65_536
_FEED = re.compile(XML_PROLOG + rb"<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>/]", re.I)  # linear: see XML_PROLOG
_HTML = re.compile(r"^\s*(?:<!doctype\s+html|<html|<head|<body|<!--)|<(?:body|p|div|article|h1)[\s>]", re.I)
_META_FIELDS = ("id", "title", "url", "source", "date", "language")
# A folder of JSONL files this big in all is read by worker processes, one file each.
PARALLEL_MIN_BYTES = 20_000_000


@dataclass
class _Tally:
    """What one load_documents call tried and skipped (for the final error message)."""

    files: int = 0
    skipped_files: int = 0
    urls: int = 0
    skipped_docs: int = 0
    errors: list[BriefingError] = field(default_factory=list)


def load_documents(inputs: Sequence[str], options: Options, stdin: IO[bytes] | None = None, *,
                   languages: Sequence[tuple[str, str]] = ()) -> list[Document]:
    """Read every input into documents with unique ids, in input order.

    Args:
        inputs: file paths, directories (read recursively), http(s) URLs, or "-" for stdin.
        options: pipeline options (`max_bytes` caps each file or response; `language` is that of every document
            that declares none: no detection).
        stdin: the stream "-" reads; defaults to `sys.stdin.buffer`.
        languages: (source, tag) pairs of briefing.toml: `language` for the inputs of that source (or folder).

    Returns:
        The documents, each with normalised, non-empty text. Unreadable inputs are skipped with a warning.

    Raises:
        InputError: a path does not exist or a URL has an unsupported scheme.
        NoInputError: nothing usable remained, e.g. "no readable articles in seeds/ (3 files skipped)".

    Example:
        >>> docs = load_documents(["seeds/"], Options())  # doctest: +SKIP
    """
    if not inputs:
        raise NoInputError("no inputs given; pass files, directories, URLs or - for stdin")
    options = with_run_deadline(options)  # every fetch and stream read of this run ends by then
    tally = _Tally()
    docs: list[Document] = []
    # URLs are fetched together (like an OPML file's feeds); a lone URL's failure is the run's one Error line.
    per_input = {item: _input_options(item, options, languages) for item in inputs}
    remote = _load_urls([i for i in inputs if i.lower().startswith(("http://", "https://"))], per_input, tally,
                        len(inputs) > 1)
    for item in inputs:
        docs.extend(remote[item] if item in remote else _load_input(item, per_input[item], stdin, tally))
    if docs:
        if any(doc.url for doc in docs):  # (documents without a link need not load the feed reader)
            from .feeds import unique_by_url

            # The same article reached through two feeds (or a feed and a URL) counts once.
            docs = unique_by_url(docs)
        return _unique_ids(_unique_texts(docs))
    if len(inputs) == 1 and len(tally.errors) == 1:
        raise tally.errors[0]  # the one input's own error says most
    names = ", ".join(inputs[:3]) + (f" and {len(inputs) - 3} more" if len(inputs) > 3 else "")
    raise NoInputError(f"no readable articles in {names} ({_skip_summary(tally, options.quiet)})")


def _input_options(item: str, options: Options, languages: Sequence[tuple[str, str]]) -> Options:
    """The options one input is read with: `language` is its source's (briefing.toml) unless the run sets one."""
    tag = None if options.language else source_language(item, languages)
    return options.replace(language=tag) if tag else options


def _skip_summary(tally: _Tally, quiet: bool = False) -> str:
    """A short account of what was skipped, e.g. '3 files skipped; see the warnings above' (under --quiet,
    which prints no warning: 'run without --quiet to see why')."""
    why = "run without --quiet to see why" if quiet else "see the warnings above"
    if not tally.files and not tally.errors:
        if tally.urls:
            return f"the feeds had no entries to use; {why}"
        return "no .txt, .md, .html, .jsonl, .xml, .rss, .atom or .opml files found"
    parts = [f"{n} {_plural(n, what)} skipped" for n, what in ((tally.skipped_files, "file"), (len(tally.errors), "URL"),
                                                               (tally.skipped_docs, "document")) if n]
    return "; ".join(parts or ["nothing had text"]) + f"; {why}"


def _plural(n: int, word: str) -> str:
    """`word` with an s unless n is 1."""
    return word if n == 1 else word + "s"


def _load_input(item: str, options: Options, stdin: IO[bytes] | None, tally: _Tally) -> list[Document]:
    """Documents from one command-line input."""
    if item == "-":
        tally.files += 1
        try:
            stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
            if stream is None:  # started with stdin closed (`<&-`)
                raise InputError("stdin: standard input is closed")
            data = read_stream_capped(stream, options.max_bytes, "stdin", wait=stream_wait(options))
            return _from_bytes(data, None, name="stdin", stem="stdin", path="-", options=options, tally=tally)
        except (OSError, BriefingError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix("stdin: ")
            log.warning("stdin: skipped: %s", reason)
            tally.skipped_files += 1
            return []
    if URL_RE.match(item):  # (http and https URLs were read by load_documents)
        raise InputError(f"{item}: unsupported URL scheme; use an http:// or https:// URL or a file path")
    path = Path(item)
    if not path.exists():
        if path.is_symlink():
            try:
                os.stat(path)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise InputError(f"{item} is a symbolic link that loops back on itself") from None
            raise InputError(f"{item} is a symbolic link to {os.readlink(path)}, which does not exist") from None
        raise InputError(f"{item} does not exist; check the path")
    if not path.is_dir():
        return _load_file(path, options, tally)
    files = list(walk_folder(path, KINDS))
    if not files:
        log.warning("%s: no .txt, .md, .html, .jsonl or feed files found in this directory", item)
    if _worth_parallel(files):
        return _load_in_parallel(files, options, tally)
    return [doc for file in files for doc in _load_file(file, options, tally)]


def _load_urls(urls: Sequence[str], options: Options | Mapping[str, Options], tally: _Tally,
               warn: bool = True) -> dict[str, list[Document]]:
    """Documents from the http(s) URLs the user named (directly or in an OPML list); failures are warnings."""
    found: dict[str, list[Document]] = {}
    for url, result in load_urls(urls, options).items():
        tally.urls += 1
        if isinstance(result, BriefingError):
            if warn:
                log.warning("%s: skipped: %s", url, result)
            tally.errors.append(result)
            result = []
        found[url] = result
    return found


def _worth_parallel(files: Sequence[Path]) -> bool:
    """Whether a folder is a big JSONL dump (a firehose day in shards) worth reading on every core."""
    if len(files) < 2 or any(KINDS.get(f.suffix.lower()) != "jsonl" for f in files):
        return False
    try:
        return sum(f.stat().st_size for f in files) >= PARALLEL_MIN_BYTES
    except OSError:
        return False


def _load_in_parallel(files: Sequence[Path], options: Options, tally: _Tally) -> list[Document]:
    """`_load_file` of each file in worker processes, merged in file order (the serial result)."""
    docs: list[Document] = []
    for file_docs, part in parallel_map(_load_file_alone, [(f, options) for f in files]):
        docs.extend(file_docs)
        tally.files += part.files
        tally.skipped_files += part.skipped_files
        tally.skipped_docs += part.skipped_docs
        tally.errors.extend(part.errors)
    return docs


def _load_file_alone(job: tuple[Path, Options]) -> tuple[list[Document], _Tally]:
    """One file's documents and its own tally (a worker's job)."""
    tally = _Tally()
    return _load_file(job[0], job[1], tally), tally


def _load_file(path: Path, options: Options, tally: _Tally) -> list[Document]:
    """Documents from one file; a file that cannot be read is skipped with a warning."""
    tally.files += 1
    name, kind = str(path), KINDS.get(path.suffix.lower())
    try:
        if kind == "jsonl":
            with path.open("rb") as stream:
                lines = _iter_lines(stream, options.max_bytes, name)
                docs = _from_jsonl(lines, name, tally, language=options.language)
        else:
            cap = options.max_bytes if kind in (None, "feed") else min(options.max_bytes, MAX_DOCUMENT_BYTES)
            data = read_bytes_capped(path, cap, wait=stream_wait(options))
            docs = _from_bytes(data, kind, name=name, stem=path.stem, path=name, options=options, tally=tally)
    except (OSError, BriefingError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix(f"{name}: ")
        log.warning("%s: skipped: %s", name, reason)
        tally.skipped_files += 1
        return []
    if not docs:
        tally.skipped_files += 1
    return docs


def _from_bytes(data: bytes, kind: str | None, *, name: str, stem: str, path: str, options: Options,
                tally: _Tally) -> list[Document]:
    """Documents from one input's bytes; `kind` None means sniff the content."""
    from .opml import is_opml, read_opml

    if kind == "opml" or (kind in (None, "feed") and is_opml(data)):  # subscriptions: read every feed they list
        found = _load_urls([sub.url for sub in read_opml(data, name)], options, tally)
        return [doc for docs in found.values() for doc in docs]
    if kind != "jsonl" and (_FEED.match(data[:_SNIFF_BYTES]) or is_json_feed(data)):
        from .feeds import documents_from_feed

        return documents_from_feed(data, location=path, options=options)
    if kind == "feed":
        raise InputError("not an RSS or Atom feed")
    if kind is None and looks_like_jsonl(data):
        return _from_jsonl(enumerate(data.splitlines(), start=1), name, tally, path=path, language=options.language)
    if kind is None and (objects := json_array_lines(data)) is not None:  # `[{"text": …}, …]`: JSONL's documents
        return _from_jsonl(enumerate(objects, start=1), name, tally, path=path, language=options.language)
    if len(data) > MAX_DOCUMENT_BYTES:
        log.warning("%s: only the first %d bytes were read (the rest was truncated)", name, MAX_DOCUMENT_BYTES)
        data = data[:MAX_DOCUMENT_BYTES]
    text = "" if kind == "html" else decode_bytes(data, name)  # a page is decoded by its own <meta charset>
    if kind == "html" or (kind is None and _HTML.search(text[:_SNIFF_BYTES])):
        doc = document_from_html(data, id=stem, path=path, budget=options.fetch_timeout,
                                 default_language=options.language)
    elif kind == "markdown":
        doc = document_from_markdown(text, id=stem, path=path, default_language=options.language,
                                     budget=options.fetch_timeout)
    else:
        doc = document_from_text(text, id=stem, path=path, default_language=options.language)
    if doc is None:
        log.warning("%s: skipped: %s", name, "no article text found" if (text or data).strip() else "empty file")
        return []
    return [doc]


def _unique_texts(docs: list[Document]) -> list[Document]:
    """Drop a document whose text repeats an earlier one from the same publisher (or with none), with a warning.

    The same text from two named publishers stays: a wire story carried by two outlets is corroboration.
    The same text twice from one place (a file copied into two folders, an article republished) is not.
    """
    seen: dict[str, dict[str | None, Document]] = {}
    out = []
    shared_paths = {path for path, n in Counter(doc.path for doc in docs).items() if n > 1}

    def where(doc: Document) -> str:
        """The document's file, with its id when the file (JSONL, a feed) holds several documents."""
        if not doc.path:
            return f"id {doc.id}"
        return f"{doc.path} (id {doc.id})" if doc.path in shared_paths else doc.path

    for doc in docs:
        digest = hashlib.sha1(" ".join(doc.text.split()).encode("utf-8", "replace")).hexdigest()
        earlier_by_source = seen.setdefault(digest, {})
        earlier = earlier_by_source.get(doc.source) or earlier_by_source.get(None)
        if earlier is None and doc.source is None and earlier_by_source:
            earlier = next(iter(earlier_by_source.values()))
        if earlier is not None:
            log.warning("%s: skipped: same text as %s", where(doc), where(earlier))
            continue
        earlier_by_source[doc.source] = doc
        out.append(doc)
    return out


def _unique_ids(docs: list[Document]) -> list[Document]:
    """Give later duplicates of an id a -2, -3, ... suffix so that every id is unique."""
    seen: set[str] = set()
    out = []
    for doc in docs:
        new, n = doc.id, 1
        while new in seen:
            n += 1
            new = f"{doc.id}-{n}"
        seen.add(new)
        out.append(doc if new == doc.id else replace(doc, id=new))
    return out


# --- JSONL ----------------------------------------------------------------------------------------


def _iter_lines(stream: IO[bytes], max_bytes: int, name: str) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) pairs; an over-long line comes as None; stops after max_bytes."""
    total = 0
    for number in range(1, sys.maxsize):
        line = stream.readline(MAX_JSONL_LINE_BYTES)
        if not line:
            return
        total += len(line)
        too_long = len(line) == MAX_JSONL_LINE_BYTES and not line.endswith(b"\n")
        while too_long and total <= max_bytes and (rest := stream.readline(_SNIFF_BYTES)):
            total += len(rest)  # skip the rest of the over-long line without holding it
            if rest.endswith(b"\n"):
                break
        if total > max_bytes:
            log.warning("%s: larger than %d bytes; lines from %d on were not read (truncated)", name, max_bytes,
                        number)
            return
        yield number, None if too_long else line


def _from_jsonl(lines: Iterable[tuple[int, bytes | None]], name: str, tally: _Tally,
                path: str | None = None, language: str | None = None) -> list[Document]:
    """Documents from JSONL lines; bad lines are skipped with a warning naming the line. A record that declares
    no language has `language` when given (the run's or the source's), else a detected one."""
    docs = []
    for number, line in lines:
        if line is not None and not line.strip():
            continue
        try:
            doc = _jsonl_document(line, number, path or name, language)
        except InputError as exc:
            log.warning("%s:%d: skipped: %s", name, number, exc)
            tally.skipped_docs += 1
            continue
        if doc is None:
            log.warning("%s:%d: skipped: no text after normalisation", name, number)
            tally.skipped_docs += 1
        else:
            docs.append(doc)
    return docs


def _jsonl_document(line: bytes | None, number: int, name: str, language: str | None = None) -> Document | None:
    """One JSONL line as a Document (None when its text is empty)."""
    if line is None:
        raise InputError(f"line longer than {MAX_JSONL_LINE_BYTES} bytes")
    try:
        obj = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise InputError("JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise InputError("not a JSON object")
    if not isinstance(obj.get("text"), str):
        raise InputError('no string "text" field')
    meta: dict[str, Any] = {}
    for key in _META_FIELDS:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f'"{key}" must be a string or null, not {type(value).__name__}')
        meta[key] = value
    return make_document(obj["text"], id=meta.pop("id") or str(number), path=name, name=f"{name}:{number}",
                         guess_title=False, default_language=language, **meta)
