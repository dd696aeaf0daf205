"""Stage 3, outputs: rendering (Markdown, HTML, JSON, e-mail), files, the static site, e-mail and the history.

The names below load on first use (PEP 562): writing a JSON file needs neither Jinja2 nor the e-mail modules.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..atomic import write_atomic
    from .files import format_for_output, write_outputs
    from .mail import build_message, send_message, write_eml
    from .render import render_briefing
    from .site import publish_site

_LAZY = {
    "build_message": "briefing.outputs.mail",
    "format_for_output": "briefing.outputs.files",
    "publish_site": "briefing.outputs.site",
    "render_briefing": "briefing.outputs.render",
    "send_message": "briefing.outputs.mail",
    "write_atomic": "briefing.atomic",
    "write_eml": "briefing.outputs.mail",
    "write_outputs": "briefing.outputs.files",
}

__all__ = ["build_message", "format_for_output", "publish_site", "render_briefing", "send_message", "write_atomic",
           "write_eml", "write_outputs"]


def __getattr__(name: str) -> Any:
    """Import the names of `_LAZY` when first used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'briefing.outputs' has no attribute {name!r}")
