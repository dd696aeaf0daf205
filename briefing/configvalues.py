"""Values of `briefing.toml` checked one by one: types, and numbers finite, in range and within bounds."""
from __future__ import annotations

import datetime as _dt
import json
import math
from typing import Any

from .errors import ConfigError

_POSITIVE = frozenset({"words", "sentences", "max_words", "max_bytes", "fetch_timeout", "email.smtp_timeout"})
_NON_NEGATIVE = frozenset({"min_words"})
_FRACTION = frozenset({"duplicate_threshold"})
# The largest size of each number (others: _MAX_NUMBER): beyond any real setup, small enough that nothing overflows.
_MAXIMA: dict[str, float] = {"words": 1_000_000, "sentences": 100_000, "min_words": 10_000, "max_words": 100_000,
                             "max_bytes": 10**12, "fetch_timeout": 86_400, "email.smtp_timeout": 86_400}
_MAX_NUMBER = 10**9


def check_number(dotted: str, converted: Any, value: Any, shown: str) -> None:
    """A number must be finite, in its range (_POSITIVE, _NON_NEGATIVE, _FRACTION) and within _MAXIMA."""
    if isinstance(converted, bool) or not isinstance(converted, (int, float)):
        return
    limit = _MAXIMA.get(dotted, _MAX_NUMBER)
    problem = ("a finite number" if not math.isfinite(converted)
               else "greater than 0" if dotted in _POSITIVE and converted <= 0
               else "0 or more" if dotted in _NON_NEGATIVE and converted < 0
               else "between 0.0 and 1.0" if dotted in _FRACTION and not 0.0 <= converted <= 1.0
               else f"at most {limit:,}" if abs(converted) > limit else None)
    if problem:
        raise ConfigError(f"{shown}: {dotted} must be {problem}, got {show_value(value)}")


def convert_value(dotted: str, kind: str, value: Any, shown: str) -> Any:
    """Check `value` against `kind` and return it in the form `Options` uses (lists become tuples)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)  # TOML booleans are not numbers
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and is_number and isinstance(value, int):
        return value
    if kind == "float" and is_number:
        return float(value)
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "list" and isinstance(value, str):
        return (value,)  # a single string counts as a list of one
    if kind == "list" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{shown}: {dotted} must be {KIND_NAMES[kind]}, got {show_value(value)}")


KIND_NAMES = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string",
               "list": "a list of strings"}


def show_value(value: Any) -> str:
    """A TOML-like rendering of a user's value for error messages, kept short."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        return "a table"
    elif isinstance(value, (_dt.date, _dt.time)):
        text = value.isoformat()
    elif isinstance(value, list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
