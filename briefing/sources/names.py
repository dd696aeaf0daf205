"""Outlet names the user gave: a `name` (and `category`) on an entry of `sources` in briefing.toml, or a feed's
`text`/`title` (and folder) in an OPML export. They win over a feed's own title everywhere."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..errors import ConfigError, InputError
from ..models import Document
from .documents import clean_field
from .opml import is_opml, read_opml
from ..options import user_path

__all__ = ["Outlets", "name_outlets", "parse_sources", "subscription_names"]

# {source (path or URL, as read): (name, category)}
Outlets = dict[str, tuple[str | None, str | None]]
_SOURCE_KEYS = frozenset({"url", "path", "name", "category"})


def parse_sources(value: Any, shown: str, resolve: Callable[[str], str]) -> tuple[tuple[str, ...], Outlets]:
    """The `sources` of briefing.toml: paths and URLs, each a string or a table naming its outlet.

    Args:
        value: the TOML value: a string, or a list of strings and tables such as
            `{ url = "https://example.org/rss", name = "Northern Herald", category = "World" }` (`path` for a file).
        shown: the config file's name, for messages.
        resolve: makes a source absolute (paths against the config's folder; URLs unchanged).
    Returns:
        (the sources, the names and categories given to some of them).
    Raises:
        ConfigError: an entry is neither a string nor such a table.
    """
    sources: list[str] = []
    outlets: Outlets = {}
    for entry in value if isinstance(value, list) else [value]:
        where = entry if isinstance(entry, str) else entry.get("url", entry.get("path")) if isinstance(entry, dict) else None
        if not isinstance(where, str) or (isinstance(entry, dict) and (
                set(entry) - _SOURCE_KEYS or ("url" in entry) == ("path" in entry)
                or not all(isinstance(entry.get(k, ""), str) for k in ("name", "category")))):
            got = "a table" if isinstance(entry, dict) else json.dumps(entry, ensure_ascii=False, default=str)[:60]
            raise ConfigError(f'{shown}: an entry of sources is a string or a table such as {{ url = "https://example.org/'
                              f'feed.xml", name = "Northern Herald", category = "World" }}; got {got}')
        source = resolve(where)
        sources.append(source)
        if isinstance(entry, dict) and (entry.get("name") or entry.get("category")):
            outlets[source] = (clean_field(entry.get("name")), clean_field(entry.get("category")))
    return tuple(sources), outlets


def subscription_names(inputs: Sequence[str]) -> Outlets:
    """The names and folders the user gave feeds in the OPML files among `inputs`, by feed URL.

    Args:
        inputs: a run's inputs (paths, URLs); local OPML files among them are read (others are left alone).
    Returns:
        {feed URL: (name, category)}; the first OPML file that lists a feed wins. A file that cannot be read
        gives nothing here (reading the inputs reports it).
    """
    names: Outlets = {}
    for item in inputs:
        path = user_path(item)
        if "://" in item or item == "-" or not path.is_file():
            continue
        try:
            with path.open("rb") as file:
                head = file.read(65_536)
                if path.suffix.lower() != ".opml" and not is_opml(head):
                    continue
                subs = read_opml(head + file.read(), item)
        except (OSError, InputError):
            continue
        for sub in subs:
            names.setdefault(sub.url, (sub.title, sub.category))
    return names


def name_outlets(documents: Sequence[Document], names: Mapping[str, tuple[str | None, str | None]]) -> list[Document]:
    """Give documents the outlet names (and categories) the user chose, which win over the feeds' own titles.

    Args:
        documents: the documents read (each knows the source it came from: `Document.path`, the feed's URL for
            a feed's entries).
        names: {source: (name, category)}, from `parse_sources` and `subscription_names`; a name given to a
            folder names every document in it.
    Returns:
        The documents, renamed where a name applies (names are cleaned to one line, like all metadata).

    >>> [d.source for d in name_outlets([Document("a", "Text.", source="Feed title", path="https://x.example/rss")],
    ...                                  {"https://x.example/rss": ("Mine", None)})]
    ['Mine']
    """
    cleaned = {source: (clean_field(name), clean_field(category)) for source, (name, category) in names.items()}
    folders = [(key.rstrip("/") + "/", value) for key, value in cleaned.items() if "://" not in key]
    renamed = []
    for doc in documents:
        where = doc.path or ""
        found = cleaned.get(where) or next((v for prefix, v in folders if where.startswith(prefix)), None)
        if found is not None:
            doc = replace(doc, source=found[0] or doc.source, category=found[1] or doc.category)
        renamed.append(doc)
    return renamed
