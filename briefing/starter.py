"""`briefing init`: the commented starter `briefing.toml`."""
from __future__ import annotations

from pathlib import Path

from .config import DEFAULT_CONFIG_NAME
from .errors import ConfigError, DeliveryError
from .atomic import write_atomic
from .outputs.templates import builtin_templates

__all__ = ["example_config", "write_example_config"]


def example_config() -> str:
    """The text of the commented example config that `briefing init` writes.

    Returns:
        TOML text; it loads through `load_config` unchanged.
    """
    return (builtin_templates() / "briefing.toml").read_text(encoding="utf-8")


def write_example_config(path: Path, force: bool = False) -> Path:
    """Write the commented example `briefing.toml`.

    Args:
        path: the file to write, or a directory to write `briefing.toml` into.
        force: overwrite an existing file.
    Returns:
        The path written.
    Raises:
        ConfigError: the file exists and `force` is false, or it cannot be written.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / DEFAULT_CONFIG_NAME
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; edit it, or use --force to replace it with the example")
    text = example_config()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)  # an interrupted run never leaves half a file
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    except DeliveryError as exc:
        raise ConfigError(str(exc)) from None
    return target
