"""Stage 3, outputs: rendering (Markdown, HTML, JSON, e-mail), files, the static site, e-mail and the history."""
from ..atomic import write_atomic
from .files import format_for_output, write_outputs
from .mail import build_message, send_message, write_eml
from .render import render_briefing
from .site import publish_site

__all__ = ["build_message", "format_for_output", "publish_site", "render_briefing", "send_message", "write_atomic",
           "write_eml", "write_outputs"]
