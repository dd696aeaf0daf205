"""Write a rendered briefing to files or stdout: which formats go where, all written or none.

Everything is rendered before anything is written, so a failing template leaves no half-written output.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..errors import DeliveryError
from ..models import Briefing
from ..atomic import checked_date, make_dir, write_all_atomic
from .render import render_briefing
from .templates import template_paths
from ..options import user_path

__all__ = ["check_output", "format_for_output", "output_paths", "render_outputs", "write_outputs"]

log = logging.getLogger(__name__)


def render_outputs(briefing: Briefing, formats: Sequence[str], template: str | Path | None = None) -> dict[str, str]:
    """Render every requested format (nothing is written).

    Args:
        briefing: the briefing.
        formats: e.g. ``("md", "html")``.
        template: a user template; it replaces the built-in template of the format its name says
            (``*.md.j2`` / ``*.html.j2``), or of the only non-JSON format requested.

    Returns:
        ``{format: text}`` in the order of ``formats``.

    Raises:
        TemplateError: the template fails, or it is unclear which format it is for.
    """
    chosen = template_paths(template, [f for f in formats if f != "json"])
    return {fmt: render_briefing(briefing, fmt, chosen.get(fmt)) for fmt in dict.fromkeys(formats)}


def output_paths(formats: Sequence[str], output: str | None, output_dir: str | Path | None,
                 date: str) -> dict[str, Path | None]:
    """Decide where each format goes (DESIGN's ``--output`` rules).

    Args:
        formats: requested formats.
        output: ``"-"`` (stdout; one format), a file (one format), a directory (existing, or ending in a slash),
            or None.
        output_dir: the directory for dated names when ``output`` is None (default: the current directory).
        date: the briefing date, ``YYYY-MM-DD``.

    Returns:
        ``{format: path}``; the path is None for stdout.

    Raises:
        DeliveryError: several formats asked for stdout or a single file.
    """
    formats = list(dict.fromkeys(formats))
    if output and _one_target(output):
        check_output(formats, output)
        return {formats[0]: None if output == "-" else user_path(output)}
    directory = user_path(output or output_dir or ".")
    return {fmt: directory / f"briefing-{checked_date(date)}.{fmt}" for fmt in formats}


def check_output(formats: Sequence[str], output: str | None) -> None:
    """Raise DeliveryError when ``--output`` cannot take these formats: stdout or a single file takes one.
    `build` calls it before reading anything, so a wrong command line fails at once, not after the work."""
    formats = list(dict.fromkeys(formats))
    if output and _one_target(output) and len(formats) != 1:
        raise DeliveryError(f"--output {output} takes exactly one --format (got {', '.join(formats)}); "
                            f"use --output DIR/ for several")


def format_for_output(output: str | None) -> str | None:
    """The format a ``--output FILE`` name asks for (``.md``, ``.markdown``, ``.html``, ``.htm``, ``.json``).

    Args:
        output: the ``--output`` value.

    Returns:
        ``"md"``, ``"html"`` or ``"json"``; None for stdout, directories and other names.
    """
    if not output or output == "-" or _is_dir_target(output):
        return None
    suffix = Path(output).suffix.lower()
    return {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}.get(suffix)


def write_outputs(briefing: Briefing, formats: Sequence[str], output: str | None = None,
                  output_dir: str | Path | None = None, template: str | Path | None = None, *,
                  stdout: TextIO | None = None) -> list[Path]:
    """Render every format, then write them (``build --format ... --output ...``).

    Args:
        briefing: the briefing.
        formats: requested formats (``--format``).
        output: ``--output``: ``"-"``, a file, a directory, or None.
        output_dir: directory for dated names when ``output`` is None (the config's output directory).
        template: ``--template``.
        stdout: where ``--output -`` writes (default: ``sys.stdout`` at call time).

    Returns:
        The files written (empty when writing to stdout).

    Raises:
        TemplateError: rendering failed (nothing was written).
        DeliveryError: a bad ``--output`` combination, a file could not be written, or stdout is closed.
    """
    paths = output_paths(formats, output, output_dir, briefing.date)
    if None in paths.values() and (stdout or sys.stdout) is None:  # started with stdout closed (`>&-`)
        raise DeliveryError("standard output is closed, so --output - has nowhere to write; "
                            "give a file or folder with --output")
    texts = render_outputs(briefing, list(paths), template)
    files = {path: texts[fmt] for fmt, path in paths.items() if path is not None}
    for path in files:
        make_dir(path.parent)
    write_all_atomic(files)  # all formats or none
    for fmt, target in paths.items():
        if target is None:
            _print(stdout or sys.stdout, texts[fmt])
    return list(files)


def _print(stream: TextIO, text: str) -> None:
    """Write a rendered briefing to a stream in UTF-8, the encoding its formats declare, whatever the stream's
    own (PYTHONIOENCODING=ascii, a cp1252 console): a character it could not encode was a traceback."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text-only stream (io.StringIO)
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


# ------------------------------------------------------------------ helpers


def _one_target(output: str) -> bool:
    """Whether ``--output`` names stdout or a single file (one format), not a directory."""
    return output == "-" or not _is_dir_target(output)


def _is_dir_target(output: str) -> bool:
    """Whether --output names a directory (an existing one, or a path ending in a slash)."""
    return output.endswith(("/", os.sep)) or user_path(output).is_dir()
