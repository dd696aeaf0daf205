"""The `briefing.toml` config file: read, validate, merge with the command line, and write the example.

Precedence is command line > config file > defaults in `Options`. Only the CLI calls `merge_options`;
the pipeline stages never read the file themselves.
"""
from __future__ import annotations

import dataclasses
import os
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .configvalues import check_number, convert_value, show_value
from .errors import ConfigError, InputError
from .options import ALGORITHMS, FORMATS, Options, user_path
from .sources.decode import read_bytes_capped
from .text.languages import checked_tag, source_tables

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_CONFIG_NAME = "briefing.toml"
MAX_CONFIG_BYTES = 1_000_000  # a config of a thousand feeds is about 100 KB
SECURITY_MODES = ("plain", "starttls", "ssl")

# Options fields that describe one run rather than a standing setup; the CLI sets them.
_RUN_ONLY = {"date": "--date", "output": "--output"}
_INTERNAL = frozenset({"run_deadline"})  # Options fields a run sets for itself; no config key
# Options fields (and `site`) holding paths, resolved against the config file's directory.
_PATH_KEYS = frozenset({"output_dir", "template", "history", "cache_dir", "site"})
_CHOICES: dict[str, tuple[str, ...]] = {"algorithm": ALGORITHMS, "formats": FORMATS}
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# `sender` is the Python name of the TOML key "from" (a keyword in Python).
_EMAIL_KEYS = {
    "to": "list",
    "from": "str",
    "smtp_host": "str",
    "smtp_port": "int",
    "smtp_user": "str",
    "smtp_password_env": "str",
    "security": "str",
    "smtp_timeout": "float",
    "bcc": "list",
    "unsubscribe": "str",
    "send_empty": "bool",
}


@dataclass(frozen=True)
class EmailConfig:
    """The `[email]` table. None (or an empty `to`) means "not set here"; `briefing send` picks defaults."""

    to: tuple[str, ...] = ()
    sender: str | None = None  # the "from" key
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password_env: str | None = None  # name of the environment variable holding the password
    security: str | None = None  # "plain" | "starttls" | "ssl"
    smtp_timeout: float | None = None  # seconds for a whole SMTP conversation (default 60)
    bcc: tuple[str, ...] = ()  # recipients who do not see each other (nor appear in To:)
    unsubscribe: str | None = None  # a mailto: or https: address, sent as List-Unsubscribe
    send_empty: bool = True  # False: no mail on a quiet day (nothing new since the last briefing)


@dataclass(frozen=True)
class Config:
    """A validated config file. `options` holds only the `Options` fields the file sets (paths absolute)."""

    sources: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    source_languages: tuple[tuple[str, str], ...] = ()  # (source, tag): `{ url = "...", language = "he" }`
    site: str | None = None
    site_url: str | None = None  # the site's public URL, for absolute links and ids in feed.xml
    email: EmailConfig = field(default_factory=EmailConfig)
    path: Path | None = None  # the file it was read from
    outlets: dict[str, tuple[str | None, str | None]] = field(default_factory=dict, hash=False)  # names given sources


def _option_kinds() -> dict[str, str]:
    """Map each `Options` field that a config file may set to its value kind: bool, int, float, str or list."""
    hints = typing.get_type_hints(Options)
    kinds: dict[str, str] = {}
    for f in dataclasses.fields(Options):
        if f.name in _RUN_ONLY or f.name in _INTERNAL:
            continue
        kind = _kind_of(hints[f.name])
        if kind is not None:  # a field of a type TOML cannot express is left to the CLI
            kinds[f.name] = kind
    return kinds


def _kind_of(hint: Any) -> str | None:
    """The value kind of a type hint such as `int | None` or `tuple[str, ...]`, or None if unsupported."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            return None
        hint = args[0]
    simple = {bool: "bool", int: "int", float: "float", str: "str"}
    if hint in simple:
        return simple[hint]
    if typing.get_origin(hint) is tuple and typing.get_args(hint) == (str, ...):
        return "list"
    return None


def config_keys() -> dict[str, list[str]]:
    """Every key a config file may hold, by table ("" is the top level).

    Returns:
        {"": [option keys..., "sources", "site", "site_url"], "email": ["to", "from", ...]}
    """
    return {"": [*_option_kinds(), "sources", "site", "site_url"], "email": list(_EMAIL_KEYS)}


def load_config(path: str | Path) -> Config:
    """Read and validate a config file.

    Args:
        path: the TOML file, e.g. "briefing.toml".
    Returns:
        A `Config` with relative paths (sources, output_dir, template, history, cache_dir, site) made
        absolute against the file's directory.
    Raises:
        ConfigError: the file is missing or unreadable, is not TOML, or has an unknown key, a wrong
        type, a bad value, or a password in it.

    >>> load_config("briefing.toml").options["words"]  # doctest: +SKIP
    250
    """
    shown = str(path)
    file = user_path(path)
    try:  # capped, and a pipe or device within fetch_timeout: `--config /dev/zero` or a FIFO cannot hang the run
        if file.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"config file {shown} is larger than {MAX_CONFIG_BYTES:,} bytes; not a briefing config")
        raw = read_bytes_capped(file, MAX_CONFIG_BYTES, wait=Options().fetch_timeout)
    except FileNotFoundError:
        raise ConfigError(f'config file {shown} not found (create one with "briefing init")') from None
    except (OSError, InputError) as exc:
        raise ConfigError(f"cannot read config file {shown}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # editors on Windows often save a BOM
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not a UTF-8 text file; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())  # one line even if the parser's message is not
        raise ConfigError(f"{shown}: not valid TOML: {message}") from None
    return _parse(data, file.resolve().parent, shown, file)


def _parse(data: dict[str, Any], base: Path, shown: str, file: Path) -> Config:
    """Validate the parsed TOML tables and build the `Config`."""
    kinds = _option_kinds()
    top_keys = [*kinds, "sources", "site", "site_url", "email"]
    options: dict[str, Any] = {}
    sources: tuple[str, ...] = ()
    source_languages: tuple[tuple[str, str], ...] = ()
    outlets: dict[str, tuple[str | None, str | None]] = {}
    site: str | None = None
    site_url: str | None = None
    email = EmailConfig()
    for key, value in data.items():
        _refuse_password(key, shown)
        if key in kinds:
            options[key] = _check_option(key, kinds[key], value, shown, base)
        elif key == "sources":
            from .sources.names import parse_sources  # strings, or tables naming the outlet (and its language)

            value, tagged = source_tables(value if isinstance(value, list) else [value], f"{shown}: sources")
            sources, outlets = parse_sources(value, shown, lambda s: _resolve_source(s, base, f"{shown}: sources"))
            source_languages = tuple((_resolve_source(s, base, f"{shown}: sources"), tag) for s, tag in tagged)
        elif key == "site":
            site = _resolve_path(convert_value(key, "str", value, shown), base, f"{shown}: site")
        elif key == "site_url":
            from .outputs.site import is_site_url  # lazily: the site pulls in Jinja2

            site_url = convert_value(key, "str", value, shown)
            if not is_site_url(site_url):
                raise ConfigError(f'{shown}: site_url must be the http:// or https:// address where the site is '
                                  f'published, e.g. "https://example.org/briefing/"; got {show_value(value)}')
        elif key == "email":
            if not isinstance(value, dict):
                raise ConfigError(f"{shown}: email must be a table ([email]), got {show_value(value)}")
            email = _parse_email(value, shown)
        else:
            raise ConfigError(f"{shown}: {_unknown(key, top_keys)}")
    # A history file named in the config means the user wants the history used.
    if "history" in options and "use_history" not in options:
        options["use_history"] = True
    return Config(sources=sources, options=options, site=site, site_url=site_url, email=email, path=file.resolve(),
                  outlets=outlets, source_languages=source_languages)


def _check_option(key: str, kind: str, value: Any, shown: str, base: Path) -> Any:
    """Type-check, range-check and (for paths) resolve one option value."""
    converted = convert_value(key, kind, value, shown)
    choices = _CHOICES.get(key)
    if choices is not None:
        for choice in converted if kind == "list" else (converted,):
            if choice not in choices:
                raise ConfigError(f"{shown}: {key} must be one of {', '.join(choices)}; got {show_value(choice)}")
    check_number(key, converted, value, shown)
    if key == "language":
        converted = checked_tag(converted, f"{shown}: language")
    if key == "since":
        from .options import parse_since  # the parser the feed reader uses, so both agree on the format

        try:
            parse_since(converted)
        except ConfigError:
            raise ConfigError(f'{shown}: since must be a duration such as "24h", "3 days" or "1w", a date such as '
                              f'"2024-05-01", or "last"; got {show_value(value)}') from None
    if key in _PATH_KEYS:
        return _resolve_path(converted, base, f"{shown}: {key}")
    return converted


def _parse_email(table: dict[str, Any], shown: str) -> EmailConfig:
    """Validate the `[email]` table."""
    from email.utils import parseaddr  # lazy: pulls in socket; start-up time is measured

    values: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"email.{key}"
        _refuse_password(dotted, shown)
        if key not in _EMAIL_KEYS:
            raise ConfigError(f"{shown}: {_unknown(key, list(_EMAIL_KEYS), prefix='email.', elsewhere=[*_option_kinds(), 'sources', 'site', 'site_url'])}")
        converted = convert_value(dotted, _EMAIL_KEYS[key], value, shown)
        if key in ("to", "bcc", "from"):
            for address in converted if key != "from" else (converted,):
                if "@" not in parseaddr(address)[1]:
                    raise ConfigError(f"{shown}: {dotted} must hold email addresses, got {show_value(address)}")
        elif key == "smtp_timeout":
            check_number(dotted, converted, value, shown)
        elif key == "smtp_port" and not 0 < converted < 65536:
            raise ConfigError(f"{shown}: {dotted} must be a port number from 1 to 65535, got {show_value(value)}")
        elif key == "unsubscribe" and not re.match(r"(?:mailto:[^@\s<>]+@|https://)[^\s<>]+\Z", converted, re.I):
            raise ConfigError(f"{shown}: {dotted} must be a mailto: or https:// address, got {show_value(value)}")
        elif key == "security" and converted not in SECURITY_MODES:
            raise ConfigError(f"{shown}: {dotted} must be one of {', '.join(SECURITY_MODES)}; got {show_value(value)}")
        elif key == "smtp_password_env" and not _ENV_NAME_RE.match(converted):
            raise ConfigError(
                f"{shown}: {dotted} must be the name of an environment variable (e.g. BRIEFING_SMTP_PASSWORD), "
                "not the password itself"
            )
        values["sender" if key == "from" else key] = converted
    return EmailConfig(**values)


def _refuse_password(dotted: str, shown: str) -> None:
    """Refuse keys that would put a password in the file (it may be shared or committed)."""
    name = dotted.rsplit(".", 1)[-1].lower()
    if name != "smtp_password_env" and ("password" in name or name in ("pass", "passwd", "pwd", "secret")):
        raise ConfigError(
            f"{shown}: {dotted}: passwords do not belong in the config file; put the password in an environment "
            'variable and give its name as email.smtp_password_env (e.g. smtp_password_env = "BRIEFING_SMTP_PASSWORD")'
        )


def _unknown(key: str, known: list[str], prefix: str = "", elsewhere: list[str] | None = None) -> str:
    """The message for an unknown key, with a suggestion when one is close (in its table, else in `elsewhere`)."""
    message = f'unknown key "{prefix}{key}"'
    if not prefix and key in _RUN_ONLY:
        return message + f" ({key} is set on the command line with {_RUN_ONLY[key]})"
    if not prefix and key in _EMAIL_KEYS:
        return message + f' (did you mean "email.{key}"? it belongs in the [email] table)'
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return message + f' (did you mean "{prefix}{close[0]}"?)'
    top = difflib.get_close_matches(key, elsewhere or [], n=1)
    if top:  # a key appended after the [email] table lands in it
        return message + f' (did you mean "{top[0]}"? top-level keys go before the [email] table)'
    return message + f" (known keys: {', '.join(prefix + k for k in known)})"


def _resolve_path(value: str, base: Path, where: str = "path") -> str:
    """`value` with ~ and $VAR / ${VAR} expanded, made absolute against `base` when relative.

    An unset variable is an error: left alone it would create a folder literally named `${HOME}`.
    """
    expanded = os.path.expandvars(value)
    unset = re.search(r"\$(\w+|\{[^}]*\})", expanded)
    if unset:
        raise ConfigError(f"{where}: environment variable {unset.group(1).strip('{}')} in {show_value(value)} is not set")
    path = user_path(expanded)
    return str(path if path.is_absolute() else (base / path))


def _resolve_source(value: str, base: Path, where: str = "sources") -> str:
    """A source entry: URLs and "-" (stdin) stay as they are; paths are resolved like other paths."""
    if value == "-" or re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value):
        return value
    return _resolve_path(value, base, where)


def find_default_config(cwd: Path) -> Path | None:
    """The config file used when --config is not given.

    Args:
        cwd: the directory to look in (normally the current directory).
    Returns:
        `cwd / "briefing.toml"` if that file exists, else None.
    """
    candidate = Path(cwd) / DEFAULT_CONFIG_NAME
    return candidate if candidate.is_file() else None


def merge_options(base: Options, config: Config, overrides: dict[str, Any]) -> Options:
    """Combine defaults, the config file and the command line (command line > file > defaults).

    Within each layer, setting `words` without `sentences` clears a `sentences` budget from a lower
    layer (otherwise `sentences` would silently win), and setting `history` without `use_history`
    turns the history on.

    Args:
        base: the defaults, normally `Options()`.
        config: a loaded config file (`Config()` when there is none).
        overrides: the CLI values the user actually set, by `Options` field name.
    Returns:
        The merged `Options`.
    Raises:
        TypeError: an override names no `Options` field (a bug in the caller).

    >>> merge_options(Options(), Config(options={"words": 100, "title": "A"}), {"words": 50}).words
    50
    """
    result = base
    for layer in (config.options, overrides):
        changes = dict(layer)
        if "words" in changes and "sentences" not in changes:
            changes["sentences"] = None
        if changes.get("history") is not None and "use_history" not in changes:
            changes["use_history"] = True
        result = result.replace(**changes)
    return result


def merge_email(email: EmailConfig, overrides: dict[str, Any]) -> EmailConfig:
    """The `[email]` settings with the CLI values the user actually set on top.

    Args:
        email: `config.email`.
        overrides: by `EmailConfig` field name (`sender` for --from); None values are ignored.
    Returns:
        The merged `EmailConfig`.
    """
    changes: dict[str, Any] = {k: (tuple(v) if k in ("to", "bcc") else v) for k, v in overrides.items() if v is not None}
    return dataclasses.replace(email, **changes)


__all__ = ["Config", "EmailConfig", "SECURITY_MODES", "config_keys", "find_default_config", "load_config", "merge_email",
           "merge_options"]
