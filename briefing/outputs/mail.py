"""The briefing as e-mail: build the multipart message, send it over SMTP, or save it as an .eml file.

css_inline, smtplib and ssl are imported lazily.
"""
from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DeliveryError, TemplateError
from ..models import Briefing
from ..atomic import write_atomic
from .escape import clean
from .render import render_email_html, render_text
from .templates import template_paths

if TYPE_CHECKING:
    import ssl

__all__ = ["SMTP_TIMEOUT", "build_message", "send_message", "split_addresses", "write_eml"]

log = logging.getLogger(__name__)
SECURITY = ("plain", "starttls", "ssl")
SMTP_TIMEOUT = 60.0  # seconds for a whole SMTP conversation (email.smtp_timeout)


def build_message(briefing: Briefing, *, sender: str, to: Sequence[str],
                  template: str | Path | None = None, bcc: Sequence[str] = (),
                  unsubscribe: str | None = None) -> EmailMessage:
    """Build the briefing e-mail: multipart/alternative with text/plain and text/html (CSS inlined).

    Args:
        briefing: the briefing.
        sender: ``--from`` address (``"Name <a@b>"`` or ``"a@b"``).
        to: ``--to`` addresses; each value may hold several, separated by commas or semicolons. With none
            (only ``bcc``), the message is addressed to the sender.
        template: ``--template``: ``*.txt.j2`` replaces the text part, any other the HTML part.
        bcc: ``--bcc`` addresses: they receive it without appearing in any header that is sent
            (``send_message`` removes the Bcc header; an .eml keeps it so the user sees who would get it).
        unsubscribe: a ``mailto:`` or ``https://`` address for the ``List-Unsubscribe`` header.

    Returns:
        The message, ready for ``send_message`` or ``write_eml``.

    Raises:
        DeliveryError: an address is empty or malformed.
        TemplateError: rendering failed.
    """
    import css_inline

    from_addr = _check_address(sender, "--from")
    hidden = split_addresses(bcc, "--bcc") if bcc else []
    recipients = split_addresses(to) if to or not hidden else [from_addr]
    chosen = template_paths(template, ["email", "text"], default="email")
    text = render_text(briefing, chosen.get("text"))
    raw_html = render_email_html(briefing, chosen.get("email"))
    try:
        html = css_inline.inline(raw_html, load_remote_stylesheets=False)
    except ValueError as exc:
        raise TemplateError(f"could not inline the e-mail CSS: {exc}") from exc
    msg = EmailMessage()
    msg["Subject"] = " ".join(clean(f"{briefing.title} — {briefing.date}").split())
    msg["From"] = from_addr
    msg["To"] = ", ".join(recipients)
    if hidden:
        msg["Bcc"] = ", ".join(hidden)
    if unsubscribe:
        if not re.match(r"(?:mailto:[^@\s<>]+@|https://)[^\s<>]+\Z", unsubscribe, re.I):
            raise DeliveryError(f"unsubscribe {unsubscribe!r} is not a mailto: or https:// address")
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["Date"] = formatdate(localtime=True)
    # A domain from the sender avoids make_msgid's slow reverse-DNS lookup of this host.
    msg["Message-ID"] = make_msgid(domain=parseaddr(from_addr)[1].rpartition("@")[2] or "briefing.invalid")
    msg.set_content(text, cte="quoted-printable")  # readable in raw form, unlike base64
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg


def send_message(msg: EmailMessage, *, host: str, port: int, user: str | None = None,
                 password: str | None = None, security: str = "plain", timeout: float = SMTP_TIMEOUT,
                 ssl_context: "ssl.SSLContext | None" = None) -> None:
    """Send a message over SMTP (``--smtp-host/--smtp-port/--smtp-user/--starttls/--ssl``).

    The whole conversation (connecting, greeting, TLS, login, message) ends within `timeout` seconds, however
    slowly the server drips its replies: a watchdog closes the connection when the time is up.

    Args:
        msg: the message (its From/To headers give the envelope).
        host: SMTP server.
        port: SMTP port (25, 587 for STARTTLS, 465 for SSL).
        user: login name; None sends without logging in.
        password: login password (required with ``user``).
        security: ``"plain"``, ``"starttls"`` or ``"ssl"``.
        timeout: seconds for the whole conversation (the config's ``email.smtp_timeout``).
        ssl_context: the TLS settings for ``"starttls"`` and ``"ssl"``, e.g. to trust a private CA
            (default: ``ssl.create_default_context()``: the system's trusted CAs, with hostname checking).

    Raises:
        DeliveryError: the server cannot be reached, refuses the login or the message, does not offer
            STARTTLS, its certificate is not trusted, or it did not finish within `timeout`.
    """
    import smtplib
    import socket
    import ssl
    import threading

    if security not in SECURITY:
        raise DeliveryError(f"unknown SMTP security {security!r}; use plain, starttls or ssl")
    if user and password is None:
        raise DeliveryError("an SMTP user needs a password; set it with --smtp-password-env VAR")
    if user and security == "plain" and host not in ("localhost", "127.0.0.1", "::1"):
        log.warning("sending the SMTP password to %s unencrypted; use --starttls or --ssl", host)
    where = f"{host}:{port}"
    context = ssl_context if ssl_context is not None else ssl.create_default_context()
    connections: list[smtplib.SMTP] = []  # the connection, known to the watchdog before it connects

    class Watched(smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP):  # type: ignore[misc]
        """An SMTP connection that the watchdog can shut down from its first byte on (the greeting too)."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            """Register, then connect."""
            connections.append(self)
            super().__init__(*args, **kwargs)

    expired, finished = threading.Event(), threading.Event()

    def watch() -> None:
        """When the deadline passes, shut the connection down (again, until the sender gives up), so a blocked
        read returns at once; a socket made after the deadline (a slow connect) is shut down too."""
        if finished.wait(timeout):
            return
        expired.set()
        while not finished.is_set():
            sock = connections[0].sock if connections else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the socket itself, also under TLS
            finished.wait(0.05)

    watchdog = threading.Thread(target=watch, name="smtp-deadline", daemon=True)
    watchdog.start()
    try:
        extra = {"context": context} if security == "ssl" else {}
        with Watched(host, port, timeout=timeout, **extra) as smtp:
            if security == "starttls":
                smtp.starttls(context=context)
            if user:
                smtp.login(user, password or "")
            refused = smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        if expired.is_set():
            raise DeliveryError(f"could not send email via {where}: the server did not finish within {timeout:g} s "
                                "(email.smtp_timeout)") from exc
        raise DeliveryError(f"could not send email via {where}: {_smtp_reason(exc)}") from exc
    finally:
        finished.set()
        watchdog.join()
    if refused:  # some recipients were accepted: say exactly who did not get it
        who = "; ".join(f"{address} ({code} {_text(reply)})" for address, (code, reply) in refused.items())
        accepted = [a for a in _envelope(msg) if a not in refused]
        raise DeliveryError(" ".join(f"{where} refused {who}; the message went only to {', '.join(accepted)}".split()))


def split_addresses(values: Sequence[str], option: str = "--to") -> list[str]:
    """Every address in ``--to`` values: each value may list several, separated by commas or semicolons.

    Args:
        values: the ``--to`` values (or the config's ``to`` list).
        option: the option named in messages (``--to``, ``--bcc``).
    Returns:
        The addresses, normalised, duplicates dropped, in order.
    Raises:
        DeliveryError: there is none, or one of them is not an address (nothing is dropped silently).

    >>> split_addresses(["a@example.org, Bob <b@example.org>; c@example.org", "a@example.org"])
    ['a@example.org', 'Bob <b@example.org>', 'c@example.org']
    """
    from email.utils import getaddresses

    found: list[str] = []
    for value in values:
        _refuse_controls(value, option)
        parts = [p for p in _split_outside_quotes(value) if p.strip()]
        for part in parts:
            parsed = getaddresses([part])
            if len(parsed) != 1 or re.sub(r'"[^"]*"', "", part).count("@") > 1:
                raise DeliveryError(f"{option} {part.strip()!r} is not one e-mail address; separate several with commas")
            found.append(_check_address(part.strip(), option))
    if not found:
        raise DeliveryError(f"no recipient; give at least one {option} address")
    return list(dict.fromkeys(found))


def _split_outside_quotes(value: str) -> list[str]:
    """Split at commas and semicolons that are not inside a quoted name or angle brackets."""
    parts: list[str] = []
    current: list[str] = []
    quoted = angled = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angled = True
        elif ch == ">" and not quoted:
            angled = False
        if ch in ",;" and not quoted and not angled:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _envelope(msg: EmailMessage) -> list[str]:
    """The bare addresses a message goes to (To, Cc and Bcc)."""
    from email.utils import getaddresses

    return [addr for _, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []) + msg.get_all("Bcc", []))]


def write_eml(msg: EmailMessage, path: str | Path) -> None:
    """Save a message as an .eml file (``send --dry-run FILE.eml``), atomically.

    Args:
        msg: the message.
        path: where to write it.

    Raises:
        DeliveryError: the file cannot be written.
    """
    # An address with a non-ASCII name (jöhn@…) is written as UTF-8, as it would be sent with SMTPUTF8.
    international = not all(str(msg.get(h, "")).isascii() for h in ("From", "To"))
    write_atomic(path, msg.as_bytes(policy=default_policy.clone(utf8=True)) if international else msg.as_bytes())


# ------------------------------------------------------------------ helpers


def _refuse_controls(value: str, option: str) -> None:
    """DeliveryError when an address holds a control, line or record separator, or a bidi or format character.

    A separator would split the header line (Python even strips some of them as whitespace); a bidi control
    would make the address read as another one.
    """
    bad = next((ch for ch in value if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp", "Cf")), None)
    if bad is not None:
        raise DeliveryError(f"{option} {value!r} is not an e-mail address: it holds the control character "
                            f"U+{ord(bad):04X}")


def _check_address(value: str, option: str) -> str:
    """A normalised address, or DeliveryError when it is empty, has no '@' or holds a control character.

    A non-ASCII domain is written in its ASCII (punycode) form, so only a non-ASCII local part (`jöhn@…`)
    needs a server that offers SMTPUTF8.
    """
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    _refuse_controls(value, option)
    name, addr = parseaddr(value)
    local, _, domain = addr.rpartition("@")
    if not local or not domain or " " in addr:
        raise DeliveryError(f"{option} {value!r} is not an e-mail address; use name@example.org")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise DeliveryError(f"{option} {value!r}: {domain!r} is not a valid international domain name") from None
    if local.isascii():
        return formataddr((name, f"{local}@{domain}"))
    try:
        return str(Address(display_name=name, username=local, domain=domain))
    except (ValueError, HeaderParseError) as exc:
        raise DeliveryError(f"{option} {value!r} is not an e-mail address ({exc})") from None


def _smtp_reason(exc: BaseException) -> str:
    """A short one-line reason for an SMTP, socket or TLS error."""
    import smtplib
    import ssl

    if isinstance(exc, ssl.SSLCertVerificationError):
        # Say which check failed (unknown issuer, expired, wrong host name); the fix is on the server's side.
        detail = (exc.verify_message or exc.reason or "verification failed").rstrip(".")
        reason = f"the server's TLS certificate is not trusted ({detail}); check --smtp-host and the server's certificate"
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc).upper():
        reason = "the server does not offer STARTTLS; use --ssl (port 465) or check --smtp-port"
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "SMTPUTF8" in str(exc).upper():
        reason = ("the server does not accept addresses with non-ASCII names (it does not offer SMTPUTF8); "
                  "use an ASCII address or a server that supports SMTPUTF8")
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        reason = f"login refused ({exc.smtp_code} {_text(exc.smtp_error)})"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        reason = "recipients refused: " + ", ".join(exc.recipients)
    elif isinstance(exc, smtplib.SMTPResponseException):
        reason = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "connection refused"
    elif isinstance(exc, TimeoutError):
        reason = "timed out"
    else:
        reason = str(exc) or type(exc).__name__
    return " ".join(reason.split())


def _text(value: bytes | str) -> str:
    """Decode a server reply that may be bytes."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
