"""Command line: parses options and calls the library. Errors become one `Error: ...` line and exit 1."""
from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, Optional

import typer

from .errors import BriefingError

if TYPE_CHECKING:
    from .workflow import Settings

app = typer.Typer(
    help="Turn a pile of news articles into a short, sourced, deduplicated briefing.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    """`--version`: print the version and stop."""
    if value:
        from . import __version__

        typer.echo(f"briefing {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Turn a pile of news articles into a short, sourced, deduplicated briefing."""
    from .lazyimport import defer_numpy_tools

    defer_numpy_tools()

Inputs = Annotated[Optional[list[str]], typer.Argument(help="Files, directories, feed or article URLs, or '-' for stdin.", show_default=False)]
Config = Annotated[Optional[str], typer.Option("--config", "-c", help="TOML config file (default: ./briefing.toml if present).")]
Words = Annotated[Optional[int], typer.Option("--words", "-w", min=1, help="Length budget in words [default: 250].")]
Sentences = Annotated[Optional[int], typer.Option("--sentences", "-n", min=1, help="Length budget in sentences (instead of --words).")]
Formats = Annotated[Optional[list[str]], typer.Option("--format", "-f", help="Output format: md, html or json; repeat for several [default: md].")]
Output = Annotated[Optional[str], typer.Option("--output", "-o", help="Output file, directory, or '-' for stdout [default: dated files in the current directory].")]
Template = Annotated[Optional[Path], typer.Option("--template", help="Jinja2 template that replaces the built-in one.", exists=True, dir_okay=False)]
Title = Annotated[Optional[str], typer.Option("--title", help="Briefing title [default: Briefing].")]
Date = Annotated[Optional[str], typer.Option("--date", help="Briefing date, YYYY-MM-DD [default: today].")]
Algorithm = Annotated[Optional[str], typer.Option("--algorithm", "-a", help="Ranker: graph (default), lexrank, textrank, lsa, luhn (sumy) or lead.")]
Query = Annotated[Optional[str], typer.Option("--query", help="Focus query: favour sentences about these words.")]
History = Annotated[Optional[str], typer.Option("--history", help="SQLite history of published items; leaves out what earlier briefings said.")]
NoHistory = Annotated[bool, typer.Option("--no-history", help="Ignore and do not update the history.")]
Since = Annotated[Optional[str], typer.Option("--since", help="Time window for feed entries: 24h, '3 days', a date (2024-05-01), or last (since the last briefing) [default: 24h].")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success: no progress bar, warnings or 'wrote' lines (errors still print).")]
Language = Annotated[Optional[str], typer.Option("--language", help="Language of every input, a BCP 47 tag such as fr or pt-BR (instead of detecting it).")]
Stories = Annotated[Optional[bool], typer.Option("--stories/--no-stories", help="Group many articles into story sections [default: on].")]


class _StderrWarnings(logging.Handler):
    """Library warnings as one plain line each, `Warning: ...`, on whatever sys.stderr is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        from .progress import for_terminal

        sys.stderr.write(f"Warning: {for_terminal(record.getMessage())}\n")


def _stdin() -> "IO[bytes] | None":
    """The binary stdin, or None when the process was started with it closed (`<&-`)."""
    return getattr(sys.stdin, "buffer", None)


def _fail(message: str) -> typer.Exit:
    """Print one error line on stderr (control characters escaped) and return the exit to raise."""
    from .progress import for_terminal

    typer.echo(f"Error: {for_terminal(message)}", err=True)
    return typer.Exit(code=1)


# The options every briefing command (build, publish, send) shares.
_SHARED = ("words", "sentences", "template", "title", "date", "algorithm", "query", "history", "no_history", "since",
           "quiet", "stories", "language")


def _shared(values: dict[str, Any]) -> dict[str, Any]:
    """The shared options out of a command's arguments (`locals()` at its start)."""
    return {name: values[name] for name in _SHARED}


def _settings(inputs: list[str] | None, config: str | None, daily: bool, **cli: Any) -> "Settings":
    """Merge config and the options the user actually set on the command line."""
    from .options import ALGORITHMS, FORMATS
    from .workflow import resolve_settings

    overrides = {k: v for k, v in cli.items() if v is not None and k not in ("no_history", "formats", "template", "quiet")}
    if cli.get("quiet"):
        overrides["quiet"] = True
    if cli.get("formats"):
        bad = [f for f in cli["formats"] if f not in FORMATS]
        if bad:
            raise BriefingError(f"unknown format {bad[0]!r}: choose from {', '.join(FORMATS)}")
        overrides["formats"] = tuple(dict.fromkeys(cli["formats"]))
    elif cli.get("output"):
        from .outputs.files import format_for_output

        guessed = format_for_output(cli["output"])  # `--output briefing.html` means HTML
        if guessed:
            overrides["formats"] = (guessed,)
    if cli.get("template") is not None:
        overrides["template"] = str(cli["template"])
    if overrides.get("algorithm") and overrides["algorithm"] not in ALGORITHMS:
        raise BriefingError(f"unknown algorithm {overrides['algorithm']!r}: choose from {', '.join(ALGORITHMS)}")
    if cli.get("language") is not None:
        from .text.languages import normalize_tag

        overrides["language"] = normalize_tag(cli["language"])
        if overrides["language"] is None:
            raise BriefingError(f"--language {cli['language']!r} is not a language tag: use a BCP 47 tag such as fr or pt-BR")
    if cli.get("since"):
        from .options import parse_since

        parse_since(cli["since"])  # a bad window is an error now, not after fetching
    if cli.get("sentences") is not None:
        overrides.setdefault("words", None)
    if overrides.get("history"):
        overrides["use_history"] = True
    if cli.get("no_history"):
        overrides["use_history"] = False
    return resolve_settings(inputs or [], config, overrides, daily=daily)


class _Terminated(BaseException):
    """SIGTERM arrived (a service manager stopping the run, `timeout`): unwinds like Ctrl-C does."""


def _terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler while a command runs."""
    raise _Terminated


def _run(action: Any, quiet: bool = False) -> None:
    """Run a command body, turning BriefingError (and OS errors) into `Error: ...` and exit 1.

    Ctrl-C and SIGTERM unwind it the same way (temp files removed, renames undone: `atomic.write_all_atomic`)
    and say `Error: interrupted` / `Error: terminated`; SIGTERM's own handler is back afterwards.

    While it runs, the library's warnings go to stderr (`action` receives the handler, so that a config
    file's `quiet = true` can silence it); the logger is left as it was afterwards. Its records stop there: a
    library may have given the root logger a handler of its own (absl, under rouge-score, calls
    `logging.basicConfig()` when it first logs), which would print each warning again, unescaped and unquieted.
    """
    logger = logging.getLogger("briefing")
    handler = _StderrWarnings(level=logging.ERROR if quiet else logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    main = threading.current_thread() is threading.main_thread()  # only there can a signal handler be set
    on_term = signal.signal(signal.SIGTERM, _terminate) if main else None
    try:
        action(handler)
    except BriefingError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted") from None
    except _Terminated:
        raise _fail("terminated") from None
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        if on_term is not None:
            signal.signal(signal.SIGTERM, on_term)


def _report(paths: list[Path], silent: bool) -> None:
    """Say on stderr which files were written."""
    if not silent:
        from .progress import for_terminal

        for path in paths:
            typer.echo(f"wrote {for_terminal(str(path))}", err=True)


def _quiet(handler: logging.Handler, settings: "Settings") -> bool:
    """Whether this run is quiet (flag or config); silences warnings below errors when it is."""
    if settings.options.quiet:
        handler.setLevel(logging.ERROR)
    return bool(settings.options.quiet)


@app.command()
def build(
    inputs: Inputs = None, config: Config = None, words: Words = None, sentences: Sentences = None,
    format: Formats = None, output: Output = None, template: Template = None, title: Title = None,
    date: Date = None, algorithm: Algorithm = None, query: Query = None, history: History = None,
    no_history: NoHistory = False, since: Since = None, quiet: Quiet = False, stories: Stories = None, language: Language = None,
    explain: Annotated[bool, typer.Option("--explain", help="Also print, on stderr, why each item was chosen: its score and its outlets.")] = False,
    graph: Annotated[Optional[Path], typer.Option("--graph", help="Also write the day's story and sentence graph (outlets, scores, chosen items) to this .graphml or .gexf file, e.g. for Gephi.", dir_okay=False)] = None,
) -> None:
    """Build a briefing from articles and write it as Markdown, HTML and/or JSON."""
    shared = _shared(locals())

    def action(handler: logging.Handler) -> None:
        from .workflow import build_files

        settings = _settings(inputs, config, False, formats=format, output=output, **shared)
        silent = _quiet(handler, settings)
        written = build_files(settings, stdin=_stdin(), explain=sys.stderr if explain else None, graph=graph)
        _report(written + ([graph] if graph is not None else []), silent)

    _run(action, quiet)


@app.command()
def publish(
    inputs: Inputs = None, site: Annotated[Optional[Path], typer.Option("--site", help="Static site directory.", file_okay=False)] = None,
    site_url: Annotated[Optional[str], typer.Option("--site-url", help="The site's public URL, for absolute links and ids in feed.xml.")] = None,
    config: Config = None, words: Words = None, sentences: Sentences = None, template: Template = None,
    title: Title = None, date: Date = None, algorithm: Algorithm = None, query: Query = None,
    history: History = None, no_history: NoHistory = False, since: Since = None, quiet: Quiet = False, stories: Stories = None, language: Language = None,
) -> None:
    """Build the day's briefing and add it to a static site (dated pages, index.html, feed.xml)."""
    shared = _shared(locals())

    def action(handler: logging.Handler) -> None:
        from .workflow import publish_briefing

        settings = _settings(inputs, config, True, **shared)
        silent = _quiet(handler, settings)
        _report(publish_briefing(settings, site, stdin=_stdin(), site_url=site_url), silent)

    _run(action, quiet)


@app.command()
def send(
    inputs: Inputs = None,
    to: Annotated[Optional[list[str]], typer.Option("--to", help="Recipient address; repeat for several.")] = None,
    bcc: Annotated[Optional[list[str]], typer.Option("--bcc", help="Recipient who does not see the others (nor appears in To:); repeat for several.")] = None,
    sender: Annotated[Optional[str], typer.Option("--from", help="Sender address.")] = None,
    smtp_host: Annotated[Optional[str], typer.Option("--smtp-host", help="SMTP server [default: localhost].")] = None,
    smtp_port: Annotated[Optional[int], typer.Option("--smtp-port", help="SMTP port [default: 25, 587 with --starttls, 465 with --ssl].")] = None,
    smtp_user: Annotated[Optional[str], typer.Option("--smtp-user", help="SMTP user name.")] = None,
    smtp_password_env: Annotated[Optional[str], typer.Option("--smtp-password-env", help="Environment variable holding the SMTP password.")] = None,
    starttls: Annotated[bool, typer.Option("--starttls", help="Upgrade the connection with STARTTLS.")] = False,
    ssl: Annotated[bool, typer.Option("--ssl", help="Connect over SSL/TLS.")] = False,
    dry_run: Annotated[Optional[Path], typer.Option("--dry-run", help="Write the message to this .eml file instead of sending.", dir_okay=False)] = None,
    config: Config = None, words: Words = None, sentences: Sentences = None, template: Template = None,
    title: Title = None, date: Date = None, algorithm: Algorithm = None, query: Query = None,
    history: History = None, no_history: NoHistory = False, since: Since = None, quiet: Quiet = False, stories: Stories = None, language: Language = None,
) -> None:
    """Build the briefing and email it (multipart text + HTML) over SMTP."""
    shared = _shared(locals())

    def action(handler: logging.Handler) -> None:
        from .workflow import email_briefing

        settings = _settings(inputs, config, dry_run is None, **shared)
        silent = _quiet(handler, settings)
        if starttls and ssl:
            raise BriefingError("choose one of --starttls and --ssl")
        mail = {"to": to, "bcc": bcc, "sender": sender, "smtp_host": smtp_host, "smtp_port": smtp_port, "smtp_user": smtp_user,
                "smtp_password_env": smtp_password_env, "security": "ssl" if ssl else "starttls" if starttls else None}
        done = email_briefing(settings, mail, dry_run=dry_run, stdin=_stdin())
        if not silent:
            from .progress import for_terminal

            typer.echo(for_terminal(done), err=True)

    _run(action, quiet)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the example config.")] = Path("briefing.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    opml: Annotated[Optional[Path], typer.Option("--opml", help="A feed reader's OPML export: its feeds become the config's sources.", exists=True, dir_okay=False)] = None,
    quiet: Quiet = False,
) -> None:
    """Write a commented example briefing.toml to start a daily briefing from."""

    def action(handler: logging.Handler) -> None:
        from .starter import write_example_config

        from .progress import for_terminal

        written = for_terminal(str(write_example_config(path, force=force, opml=opml)))
        if not quiet:
            typer.echo(f"wrote {written}: its sources are the feeds of {for_terminal(opml.name)}; run: briefing build"
                       if opml is not None else f"wrote {written}: edit its sources, then run: briefing build", err=True)

    _run(action, quiet)


@app.command()
def sources(
    inputs: Inputs = None, config: Config = None, quiet: Quiet = False, since: Since = None, date: Date = None,
) -> None:
    """List what a config reads (folders, files, OPML subscriptions, feeds), when each feed last changed, and
    how many of its entries are inside the time window.

    Exits 1 when a source cannot be read (it is listed with the reason).
    """
    def action(handler: logging.Handler) -> None:
        from .sources.listing import format_sources, list_sources

        settings = _settings(inputs, config, False, quiet=quiet, since=since, date=date)
        _quiet(handler, settings)
        if not settings.inputs:
            raise BriefingError("no sources: name files, directories or URLs, or list sources in briefing.toml")
        names = {source: name for source, (name, _) in settings.outlets.items()}
        statuses = list_sources(settings.inputs, settings.options, names)
        typer.echo(format_sources(statuses), nl=False)
        failed = [s for s in statuses if not s.ok]
        if failed:
            raise BriefingError(f"{len(failed)} of {len(statuses)} sources cannot be read; see the list above")

    _run(action, quiet)


@app.command("history")
def history_command(
    config: Config = None, history: History = None,
    site: Annotated[Optional[Path], typer.Option("--site", help="The site whose history to show, when there is no config file.", file_okay=False)] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget every recorded briefing: the next one may repeat what earlier ones said.")] = False,
) -> None:
    """Say where the history of published items lives and what it holds; --clear resets it."""
    def action(handler: logging.Handler) -> None:
        from .workflow import describe_history

        settings = _settings(None, config, True, history=history)
        typer.echo(describe_history(settings, site or (Path(settings.site) if settings.site else None), clear=clear))

    _run(action)


@app.command("eval")
def evaluate(
    clusters: Annotated[Path, typer.Argument(help="Evaluation clusters (JSONL with docs and reference summaries).", exists=True, dir_okay=False)],
    words: Annotated[int, typer.Option("--words", "-w", min=1, help="Summary length in words.")] = 250,
    systems: Annotated[Optional[list[str]], typer.Option("--system", help="Systems to score [default: ours (the default build), ours-nostories, ours+query (clusters with a query), lead, lexrank, textrank, lsa, random].")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Only the first K clusters.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also save the table as JSON here.", dir_okay=False)] = None,
    tokenizer: Annotated[str, typer.Option("--tokenizer", help="ROUGE tokens: auto (rouge for English clusters, unicode for the others), rouge (rouge-score's own: [a-z0-9] words, Porter) or unicode (every script, the language's Snowball stemmer).")] = "auto",
    quiet: Quiet = False,
) -> None:
    """Score our briefings and baselines against human reference summaries (ROUGE-1/2/L), per language."""
    def action(handler: logging.Handler) -> None:
        from .evaluate import evaluate_file, format_table, save_table

        table = evaluate_file(clusters, words=words, systems=systems, limit=limit, progress=not quiet,
                              tokenizer=tokenizer)
        typer.echo(format_table(table))
        if json_path is not None:
            save_table(table, json_path)

    _run(action, quiet)


def main() -> None:
    """Entry point for `python -m briefing`."""
    app(prog_name="briefing")
