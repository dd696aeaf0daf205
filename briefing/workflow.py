"""The daily workflow shared by `build`, `publish` and `send`: settings -> documents -> briefing -> history.

Kept apart from the CLI so that Python users can run the same steps; the CLI only parses arguments.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from .errors import BriefingError, ConfigError, NoInputError
from .models import Briefing, Document
from .options import Options, user_path

if TYPE_CHECKING:
    from .config import EmailConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Everything one run needs: inputs, pipeline options, and delivery settings from the config file."""

    inputs: tuple[str, ...]
    options: Options
    site: str | None = None
    email: "EmailConfig | None" = None
    site_url: str | None = None
    config: Path | None = None  # the config file in use: its folder keeps the history
    source_languages: tuple[tuple[str, str], ...] = ()  # (source, language) set per source in the config
    # Outlet names (and categories) the user gave sources in briefing.toml, by source: (name, category).
    outlets: dict[str, tuple[str | None, str | None]] = field(default_factory=dict, hash=False)


def resolve_settings(
    inputs: Sequence[str],
    config_path: str | None,
    overrides: dict[str, Any],
    *,
    daily: bool = False,
    cwd: Path | None = None,
) -> Settings:
    """Merge defaults, the config file (explicit or ./briefing.toml) and command-line overrides.

    Args:
        inputs: inputs named on the command line (they replace the config's sources when given).
        config_path: `--config FILE`, or None to pick up `briefing.toml` in `cwd` if present.
        overrides: options the user set on the command line (CLI > config file > defaults).
        daily: True for `publish`/`send`, where the history is on unless turned off.
    """
    from .config import Config, find_default_config, load_config, merge_options

    path = Path(config_path) if config_path else find_default_config(cwd or Path.cwd())
    config = load_config(path) if path is not None else Config()
    # The daily commands, and any run from a config file, keep a history unless told not to.
    options = merge_options(Options(use_history=daily or path is not None), config, overrides)
    if options.title is not None:  # `--title $'A\x01B'`: one clean line, like every document's metadata
        from .sources.documents import clean_field

        options = options.replace(title=clean_field(options.title))
    return Settings(tuple(inputs) or config.sources, options, site=config.site, email=config.email,
                    site_url=config.site_url, config=config.path, outlets=config.outlets,
                    source_languages=config.source_languages)


def make_briefing(settings: Settings, stdin: IO[bytes] | None = None, *, site: Path | None = None) -> Briefing:
    """Read the inputs and build the briefing, leaving out what earlier briefings already said.

    Reading the history never creates it: a run that records nothing (a preview) leaves no trace.
    `site` is the site being published, which places the history when there is no config file.
    """
    return read_and_build(settings, stdin, site=site)[1]


def read_and_build(settings: Settings, stdin: IO[bytes] | None = None, *,
                   site: Path | None = None) -> tuple[list[Document], Briefing]:
    """`make_briefing`, also returning the documents read (for views such as `--graph`)."""
    from .options import parse_since
    from .sources.ingest import load_documents
    from .sources.names import name_outlets, subscription_names
    from .summarize.pipeline import briefing_date

    if not settings.inputs:
        raise BriefingError("no input: name files, directories, URLs or '-' (or list sources in briefing.toml)")
    date = briefing_date(settings.options.date)
    options = settings.options.replace(date=date)
    published: list[str] = []
    seen: list[tuple[str, ...]] = []
    since_last = bool(options.since) and parse_since(str(options.since)) is None
    if since_last and not options.use_history:
        raise ConfigError("--since last needs the history (it says when the last briefing was); drop --no-history")
    last = None
    if options.use_history:
        path = history_path(settings, site)
        if path.exists() or path.is_symlink():  # reading never creates it: a preview leaves no trace
            from .outputs.history import History

            with History(path) as history:
                published = history.published_texts(before=date)
                seen = history.seen_sentences(before=date)
                last = history.last_briefing(before=date) if since_last else None
    if since_last:
        if last is None:
            log.warning("--since last: the history holds no briefing before %s; reading the last 24h", date)
        options = options.replace(since=last.isoformat() if last else "24h")
    # The names the user gave outlets (briefing.toml, the OPML files read) win over the feeds' own titles.
    names = {**subscription_names(settings.inputs), **settings.outlets}
    # A document that declares no language gets the run's or its source's while loading (no detection); one
    # that declares another is relabelled here.
    documents = name_outlets(load_documents(settings.inputs, options, stdin=stdin,
                                            languages=settings.source_languages), names)
    if options.language or settings.source_languages:
        from .text.languages import assign_languages

        documents = assign_languages(documents, options.language, settings.source_languages)
    return documents, _build_or_quiet(documents, options, published, seen)


def _build_or_quiet(documents: Sequence[Document], options: Options, published: Sequence[str],
                    seen: Sequence[Sequence[str]]) -> Briefing:
    """The briefing; on a quiet day (every sentence was in earlier briefings) one that says nothing new was reported.

    A quiet day is told from an input with nothing to brief by building once more without the history.
    """
    from .summarize.pipeline import build_briefing

    try:
        return build_briefing(documents, options, published, seen=seen)
    except NoInputError:
        if not (published or seen):
            raise
    plain = build_briefing(documents, options)  # raises again when the input itself holds nothing to brief
    log.info("nothing new since the last briefing: every sentence was in earlier briefings")
    return Briefing(plain.title, plain.date, (), plain.documents,
                    labels={**plain.labels, "empty": options.nothing_new_label})


def deliver_and_record(settings: Settings, briefing: Briefing, deliver: Callable[[], T], *,
                       site: Path | None = None, done: str = "the briefing was written") -> T:
    """Run `deliver` (write, publish or send); only when it succeeded, record the items in the history.

    `done` says what a successful `deliver` did; when the history then cannot be written, the error says so
    first (the delivery stands; only the record of it is missing).
    """
    from .errors import DeliveryError
    from .summarize.pipeline import sentence_terms

    result = deliver()
    if settings.options.use_history:
        from .outputs.history import History
        from .outputs.state import private_dir

        path = history_path(settings, site)
        try:
            if not settings.options.history:
                private_dir(path.parent)
            with History(path) as history:
                history.record(briefing)
                history.record_seen(briefing.date, briefing.title, sentence_terms(briefing.documents))
        except BriefingError as exc:
            raise DeliveryError(f"{done}, but the history {path} was not updated, so the next briefing may repeat "
                                f"its items: {exc}") from None
    return result


def history_path(settings: Settings, site: Path | None = None) -> Path:
    """Where this run's history lives: the named file, else `.briefing/history.sqlite` beside the config file.

    Without a config file, a published site keeps its history in its hidden sibling state folder
    (`public/` -> `.public.briefing/history.sqlite`) and other runs use `.briefing/` in the current folder.

    Args:
        settings: the run's settings (`options.history`, `config`).
        site: the site being published, if any.
    Returns:
        The history file's path (it may not exist yet).
    """
    from .outputs.state import adopt_legacy_history, default_history_path

    if settings.options.history:
        return user_path(settings.options.history)
    path = default_history_path(settings.config, site)
    # Older versions kept the history inside the site (where it was served) or in the output folder.
    folders = [user_path(p) for p in (site, settings.options.output_dir) if p]
    moved = adopt_legacy_history(path, folders)
    if moved is not None:
        log.warning("moved the history from %s to %s (a site folder holds only what is served)", moved, path)
    return path


def describe_history(settings: Settings, site: Path | None = None, *, clear: bool = False) -> str:
    """`briefing history`: say where this setup's history lives and what it holds, or clear it.

    Args:
        settings: the run's settings (history file, config file).
        site: `--site DIR`, which places the history when there is no config file.
        clear: forget every recorded briefing (the next briefing may repeat what earlier ones said).
    Returns:
        A few lines for the user.
    """
    from .outputs.history import History

    path = history_path(settings, site)
    if not path.exists():
        return f"history: {path} (empty: nothing recorded yet)"
    with History(path) as history:
        if clear:
            removed = history.clear()
            return f"history: {path}: cleared ({removed} item{'' if removed == 1 else 's'} forgotten)"
        briefings, items, first, last = history.summary()
    span = f", {first} to {last}" if first else ""
    return f"history: {path}: {briefings} briefing{'' if briefings == 1 else 's'}, {items} item{'' if items == 1 else 's'}{span}"


def build_files(settings: Settings, stdin: IO[bytes] | None = None, *, explain: IO[str] | None = None,
                graph: Path | None = None) -> list[Path]:
    """`briefing build`: build the briefing and write its formats (or print it for `--output -`).

    A preview (`--output -`) is never recorded in the history.

    Args:
        settings: the run's settings.
        stdin: read for the input `-`.
        explain: when given, a table of why each item was chosen (score, outlets) is written to it.
        graph: when given, the day's story and sentence graph is written to this GraphML/GEXF file.
    Returns:
        The files written (none when printing to stdout; the graph file is not listed).
    """
    from .outputs.files import check_output, write_outputs
    from .outputs.graph import graph_format

    opts = settings.options
    check_output(opts.formats, opts.output)  # a wrong command line fails now, not after reading and ranking
    if graph is not None:
        graph_format(graph)
    documents, briefing = read_and_build(settings, stdin=stdin)
    if explain is not None:
        from .outputs.explain import explain_briefing

        explain.write(explain_briefing(briefing))
    if graph is not None:
        from .outputs.graph import write_graph

        write_graph(briefing, documents, graph, settings.options)
    if opts.output == "-":  # a preview: printed, never recorded
        return write_outputs(briefing, opts.formats, opts.output, opts.output_dir, opts.template)
    return deliver_and_record(
        settings, briefing, lambda: write_outputs(briefing, opts.formats, opts.output, opts.output_dir, opts.template)
    )


def publish_briefing(settings: Settings, site: Path | None = None, stdin: IO[bytes] | None = None, *,
                     site_url: str | None = None) -> list[Path]:
    """`briefing publish`: build the day's briefing and add it to the static site `site` (or the config's).

    Without a history file or config file, the site keeps its history in its state folder beside the site
    (never inside it).

    Args:
        settings: the run's settings (`settings.site` and `settings.site_url` come from the config file).
        site: `--site DIR`, or None for the config's.
        stdin: read for the input `-`.
        site_url: `--site-url URL`, the site's public address (else the config's, else none): with it,
            feed.xml has absolute links and ids.
    Returns:
        The files written into the site.
    """
    from .outputs.site import is_site_url
    from .outputs.site import publish_site

    target = site or (Path(settings.site) if settings.site else None)
    if target is None:
        raise BriefingError("no site directory: pass --site DIR or set site in briefing.toml")
    if site_url is not None and not is_site_url(site_url):
        raise BriefingError(f"--site-url {site_url!r} is not an http:// or https:// address; "
                            "give the site's public URL, e.g. https://example.org/briefing/")
    base_url = site_url or settings.site_url
    if settings.options.use_history and history_path(settings, target).resolve().is_relative_to(target.resolve()):
        log.warning("the history %s is inside the site %s, which serves it to everyone; keep it elsewhere "
                    "(the default is beside the site or the config file)", history_path(settings, target), target)
    briefing = make_briefing(settings, stdin=stdin, site=target)
    template = settings.options.template
    return deliver_and_record(settings, briefing, lambda: publish_site(briefing, target, template, base_url=base_url),
                              site=target, done=f"the site {target} was published")


def email_briefing(settings: Settings, overrides: dict[str, Any], dry_run: Path | None = None,
                   stdin: IO[bytes] | None = None) -> str:
    """Build the briefing and email it, or write the message to `dry_run` (an .eml file) instead.

    Args:
        settings: the run's settings (the config file's [email] table is in `settings.email`).
        overrides: email settings from the command line (`to`, `bcc`, `sender`, `smtp_host`, `smtp_port`,
            `smtp_user`, `smtp_password_env`, `security`); None values keep the config's.
        dry_run: write the message here instead of sending it (the history is not updated).
    Returns:
        What was done, e.g. "sent to a@example.org". On a quiet day (nothing new since the last briefing)
        with `send_empty = false`, nothing is sent, and the day's articles are still recorded in the history.
    """
    import os

    from .config import EmailConfig, merge_email
    from .outputs.mail import SMTP_TIMEOUT, build_message, send_message, split_addresses, write_eml

    mail = merge_email(settings.email or EmailConfig(), overrides)
    if not (mail.to or mail.bcc) or not mail.sender:
        raise BriefingError("an email needs --to (or --bcc) and --from (or email.to/email.from in briefing.toml)")
    password = None
    if mail.smtp_password_env:
        password = os.environ.get(mail.smtp_password_env)
        if password is None:
            raise BriefingError(f"environment variable {mail.smtp_password_env} (the SMTP password) is not set")
    recipients = split_addresses(mail.to) if mail.to else []
    hidden = split_addresses(mail.bcc, "--bcc") if mail.bcc else []
    briefing = make_briefing(settings, stdin=stdin)
    if not briefing.items and not mail.send_empty:  # a quiet day, and the config asks for no mail then
        if dry_run is None:
            deliver_and_record(settings, briefing, lambda: None)
        return "nothing new since the last briefing: no mail sent (send_empty = false)"
    message = build_message(briefing, sender=mail.sender, to=recipients, template=settings.options.template,
                            bcc=hidden, unsubscribe=mail.unsubscribe)
    if dry_run is not None:
        write_eml(message, dry_run)
        return f"wrote {dry_run}"
    security = mail.security or "plain"
    port = mail.smtp_port or {"ssl": 465, "starttls": 587}.get(security, 25)
    deliver_and_record(settings, briefing, lambda: send_message(
        message, host=mail.smtp_host or "localhost", port=int(port), user=mail.smtp_user,
        password=password, security=security, timeout=mail.smtp_timeout or SMTP_TIMEOUT,
    ), done=f"the briefing was sent to {', '.join(recipients + hidden)}")
    return f"sent to {', '.join(recipients + hidden)}"

