"""Exceptions. The CLI turns any BriefingError into a one-line `Error: ...` and exit code 1."""
from __future__ import annotations


class BriefingError(Exception):
    """Base class: something the user can fix (bad input, bad option, unreachable server)."""


class InputError(BriefingError):
    """An input could not be read or holds nothing usable."""


class NoInputError(InputError):
    """No usable document remained after reading every input."""


class ConfigError(BriefingError):
    """The config file is missing, malformed, or has an unknown key or a wrong type."""


class FetchError(BriefingError):
    """A URL or feed could not be fetched (timeout, HTTP error, refused address)."""


class TemplateError(BriefingError):
    """A template could not be loaded or rendered."""


class DeliveryError(BriefingError):
    """Writing, publishing or sending the briefing failed."""
