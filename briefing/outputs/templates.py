"""Finding, loading and rendering templates: the built-in ones in `templates/` and the user's own.

User templates (``--template``) run in Jinja2's sandbox with bounded work, call depth and output size
(`briefing.outputs.sandbox`) and undefined variables as errors; HTML templates autoescape, and every output of
a Markdown template passes through `md_escape` unless marked safe.
"""
from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..errors import TemplateError
from .escape import MdSafe, md_escape, safe_url
from ..options import user_path

if TYPE_CHECKING:  # Jinja2 loads when a template is rendered: a JSON-only run, `init` and `--help` never need it
    import jinja2

FORMAT_TEMPLATES = {
    "md": "briefing.md.j2",
    "html": "briefing.html.j2",
    "email": "email.html.j2",
    "text": "email.txt.j2",
    "body": "_content.html.j2",
    "index": "index.html.j2",
}
_HTML_FORMATS = frozenset({"html", "email", "body", "index"})


def builtin_templates() -> Path:
    """The built-in templates folder (installed package, or the source tree's templates/)."""
    try:
        from importlib.resources import files

        return Path(str(files("briefing.templates")))
    except ModuleNotFoundError:
        # Running from a source checkout where briefing/ shadows the installed package.
        return Path(__file__).resolve().parents[2] / "templates"


def template_format(path: str | Path) -> str | None:
    """Which format a user template file is for, judging by its name.

    Args:
        path: the template path.

    Returns:
        ``"md"`` for ``*.md``, ``*.md.j2``, ``*.markdown``; ``"html"`` for ``*.html``, ``*.htm``, ``*.html.j2``;
        ``"text"`` for ``*.txt``/``*.txt.j2``; None when the name does not tell.
    """
    name = Path(path).name.lower()
    if name.endswith(".j2"):
        name = name[:-3]
    suffix = Path(name).suffix
    return {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".txt": "text"}.get(suffix)


def template_paths(template: str | Path | None, kinds: Sequence[str], default: str | None = None) -> dict[str, Path]:
    """Which of the render kinds a user template replaces: {kind: path} (empty without a template).

    Args:
        template: the user's template file, or None.
        kinds: the render kinds this run makes (e.g. ``["md", "html"]``).
        default: the kind an unnamed template (no telling suffix) is for.
    Raises:
        TemplateError: the template's format is not among `kinds`, or cannot be told.
    """
    if template is None:
        return {}
    path = Path(template)
    if not user_path(path).is_file():  # say so before guessing its format from the name
        raise TemplateError(f"template {path} not found; check the --template path (or template in briefing.toml)")
    fmt = template_format(path)
    kind = "email" if fmt == "html" and "email" in kinds else fmt
    if kind is not None and kind in kinds:
        return {kind: path}
    if fmt is None and default is not None:
        return {default: path}
    if fmt is None and len(kinds) == 1:
        return {kinds[0]: path}
    if fmt is None:
        raise TemplateError(f"cannot tell which format template {path} is for; "
                            f"name it *.md.j2 or *.html.j2, or ask for one format")
    raise TemplateError(f"template {path} is a {fmt} template but no {fmt} output is made here; "
                        f"ask for --format {fmt} or use a matching template")


def render_template(kind: str, context: dict[str, Any], template: str | Path | None = None) -> str:
    """Render a built-in template kind (a key of FORMAT_TEMPLATES) or a user template file in its place.

    Args:
        kind: ``md``, ``html``, ``email``, ``text``, ``body`` or ``index``.
        context: the template context.
        template: a user template file (rendered in a sandbox) or None for the built-in.

    Returns:
        The rendered text.

    Raises:
        TemplateError: loading or rendering failed; the message names the file and line.
    """
    return render_many(kind, [context], template)[0]


def render_many(kind: str, contexts: list[dict[str, Any]], template: str | Path | None = None) -> list[str]:
    """Like render_template for several contexts, compiling the template once (e.g. every entry of a feed)."""
    import jinja2

    from .sandbox import BoundedSandbox

    html = kind in _HTML_FORMATS
    if template is None:
        env = _environment(jinja2.Environment, [builtin_templates()], html, kind == "md")
        name, label = FORMAT_TEMPLATES[kind], FORMAT_TEMPLATES[kind]
    else:
        path = user_path(template)
        if not path.is_file():
            raise TemplateError(f"template {path} not found; check the --template path")
        env = _environment(BoundedSandbox, [path.parent, builtin_templates()], html, kind == "md")
        name, label = path.name, str(path)
    try:
        compiled = env.get_template(name)
        if isinstance(env, BoundedSandbox):
            texts = [env.render_bounded(compiled, context) for context in contexts]
        else:
            texts = [compiled.render(context) for context in contexts]
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template {exc.filename or label}, line {exc.lineno}: {_one_line(exc.message)}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {label}: included template {exc.name} not found") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(f"template {label} is not UTF-8 text") from exc
    except RecursionError as exc:  # e.g. a template that extends or includes itself
        raise TemplateError(f"template {label} nests too deeply (does it extend or include itself?)") from exc
    except MemoryError as exc:
        raise TemplateError(f"template {label} needs more memory than there is") from exc
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, LookupError, ArithmeticError,
            RuntimeError) as exc:  # RuntimeError: e.g. a dict changed while a loop runs over it
        raise TemplateError(f"template {label}{_template_line(exc)}: {_one_line(str(exc))}") from exc
    if template is None and kind in ("md", "text"):
        texts = [re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n" for text in texts]
    return texts


def _environment(cls: type[jinja2.Environment], dirs: list[Path], html: bool, markdown: bool) -> jinja2.Environment:
    """A Jinja environment with our filters; HTML escapes, Markdown md-escapes every output."""
    import jinja2

    from .sandbox import BoundedSandbox

    env = cls(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs], encoding="utf-8"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_md_finalize if markdown else _finalize,
    )
    env.filters["md_escape"] = md_escape
    env.filters["safe_url"] = (lambda v: MdSafe(safe_url(v))) if markdown else safe_url
    if isinstance(env, BoundedSandbox):
        env.bound_filters()
    return env


def _finalize(value: Any) -> Any:
    """Print None as nothing rather than 'None'."""
    return "" if value is None else value


def _md_finalize(value: Any) -> Any:
    """Escape every expression output of a Markdown template unless it is already safe."""
    if value is None:
        return ""
    if isinstance(value, (MdSafe, Markup, int, float)):
        return value
    return md_escape(value)


def _template_line(exc: BaseException) -> str:
    """', line N' from the innermost template frame of a rendering error's traceback, or ''."""
    line = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".htm", ".md", ".txt", ".css")) and frame.lineno:
            line = f", line {frame.lineno}"
    return line


def _one_line(message: str | None) -> str:
    """Collapse a message onto one line."""
    return " ".join((message or "error").split())
