"""`briefing init`: the commented starter `briefing.toml`."""
from __future__ import annotations

import re
from pathlib import Path

from .config import DEFAULT_CONFIG_NAME
from .errors import ConfigError, DeliveryError, InputError
from .atomic import write_atomic
from .outputs.templates import builtin_templates
from .options import Options, user_path
from .sources.decode import read_bytes_capped

__all__ = ["config_with_opml", "example_config", "write_example_config"]


def example_config() -> str:
    """The text of the commented example config that `briefing init` writes.

    Returns:
        TOML text; it loads through `load_config` unchanged.
    """
    return (builtin_templates() / "briefing.toml").read_text(encoding="utf-8")


def config_with_opml(opml: Path) -> str:
    """The example config with its `sources` replaced by the feeds of an OPML subscription list.

    Each feed is a table with its URL and the name (and folder, as `category`) the feed reader gave it,
    written with tomli-w, so any title or URL (control characters, emoji, quotes) stays valid TOML.

    Args:
        opml: a feed reader's OPML export.
    Returns:
        TOML text listing each feed as `{ url = "...", name = "...", category = "..." }`.
    Raises:
        InputError: the file cannot be read or lists no feeds.
    """
    import tomli_w

    from .sources.opml import read_opml

    defaults = Options()
    try:  # as `build` reads it: /dev/zero stops at max_bytes, a pipe nobody writes at fetch_timeout
        data = read_bytes_capped(user_path(opml), defaults.max_bytes, wait=defaults.fetch_timeout)
    except OSError as exc:
        raise InputError(f"cannot read {opml}: {exc.strerror or exc}") from None
    lines = []
    for sub in read_opml(data, str(opml)):
        fields = {"url": sub.url, "name": sub.title, "category": sub.category}
        # tomli-w writes each `key = value` line; joined, they make the entry's inline table.
        pairs = tomli_w.dumps({k: v for k, v in fields.items() if v}).strip().replace("\n", ", ")
        lines.append(f"    {{ {pairs} }},")
    text = example_config()
    block = re.compile(r"^sources = \[\n.*?^\]\n", re.S | re.M)
    listed = (f"# The feeds of {tomli_w.dumps({'x': Path(opml).name})[4:].strip()}, with the names and folders your "
              "feed reader gave them;\n# this list replaces the OPML file (edit it here).\n")
    return block.sub(lambda _: listed + "sources = [\n" + "\n".join(lines) + "\n]\n", text, count=1)


def write_example_config(path: Path, force: bool = False, opml: Path | None = None) -> Path:
    """Write the commented example `briefing.toml`.

    Args:
        path: the file to write, or a directory to write `briefing.toml` into.
        force: overwrite an existing file.
        opml: a feed reader's OPML export: its feeds become the config's `sources`.
    Returns:
        The path written.
    Raises:
        ConfigError: the file exists and `force` is false, or it cannot be written.
    """
    target = user_path(path)
    if target.is_dir():
        target = target / DEFAULT_CONFIG_NAME
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; edit it, or use --force to replace it with the example")
    text = config_with_opml(opml) if opml is not None else example_config()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)  # an interrupted run never leaves half a file
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    except DeliveryError as exc:
        raise ConfigError(str(exc)) from None
    return target
