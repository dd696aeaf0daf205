"""Tests for briefing.outputs.mail over TLS: STARTTLS with login, implicit SSL, untrusted certificates, no STARTTLS.

Each test starts a real aiosmtpd server on 127.0.0.1 with a certificate from a throwaway CA (trustme);
the client trusts that CA through `send_message(ssl_context=...)`, never by turning verification off.
"""
from __future__ import annotations

import email
import email.policy
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import free_port, make_briefing

from briefing.errors import DeliveryError
from briefing.outputs.mail import build_message, send_message

USER, PASSWORD = "bot", "s3cret pass"


class TLSCollector:
    """aiosmtpd handler that keeps each accepted message and whether it arrived over TLS."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        """Keep the recipients, the content and whether the session was encrypted."""
        # session.ssl is only set by STARTTLS; with implicit TLS the transport itself carries the SSL object.
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.messages.append((list(envelope.rcpt_tos), envelope.content, encrypted))
        return "250 OK"


def one_user(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    """Accept exactly USER with PASSWORD."""
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 reply itself


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throwaway certificate authority (ECDSA keys: quick to make)."""
    return trustme.CA()


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A server-side TLS context with a certificate from `ca` for `names`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context like the default one (hostname checks on) that also trusts `ca`."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def servers() -> Iterator[list[Controller]]:
    """Controllers started in a test, stopped afterwards even when the test fails."""
    started: list[Controller] = []
    yield started
    for controller in started:
        controller.stop()


def start(servers: list[Controller], handler: TLSCollector, **kwargs: Any) -> int:
    """Start an SMTP server on 127.0.0.1 and return its port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    servers.append(controller)
    return int(controller.port)


def message() -> email.message.EmailMessage:
    """A small briefing message to one recipient."""
    return build_message(make_briefing(), sender="Briefing <bot@example.org>", to=["a@example.org"])


def test_starttls_with_login_delivers(ca: trustme.CA, servers: list[Controller]) -> None:
    handler = TLSCollector()
    # The server refuses mail before STARTTLS and logins without TLS, so delivery proves both happened.
    port = start(servers, handler, tls_context=server_context(ca, "127.0.0.1"), require_starttls=True,
                 authenticator=one_user, auth_required=True, auth_require_tls=True)
    send_message(message(), host="127.0.0.1", port=port, user=USER, password=PASSWORD, security="starttls",
                 timeout=5, ssl_context=trusting(ca))
    [(rcpts, raw, encrypted)] = handler.messages
    assert rcpts == ["a@example.org"] and encrypted
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == "Morning Briefing — 2025-03-14"


def test_starttls_with_wrong_password_is_refused(ca: trustme.CA, servers: list[Controller]) -> None:
    handler = TLSCollector()
    port = start(servers, handler, tls_context=server_context(ca, "127.0.0.1"), require_starttls=True,
                 authenticator=one_user, auth_required=True, auth_require_tls=True)
    with pytest.raises(DeliveryError, match=r"login refused \(535"):
        send_message(message(), host="127.0.0.1", port=port, user=USER, password="wrong", security="starttls",
                     timeout=5, ssl_context=trusting(ca))
    assert handler.messages == []


def test_ssl_delivers(ca: trustme.CA, servers: list[Controller]) -> None:
    handler = TLSCollector()
    port = start(servers, handler, ssl_context=server_context(ca, "127.0.0.1"))
    send_message(message(), host="127.0.0.1", port=port, security="ssl", timeout=5, ssl_context=trusting(ca))
    [(rcpts, _, encrypted)] = handler.messages
    assert rcpts == ["a@example.org"] and encrypted


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize(("cert_names", "client"), [
    (("127.0.0.1",), "system"),  # the default context: the test CA is in no system store
    (("127.0.0.1",), "other-ca"),  # the client trusts a different CA
    (("mail.example.org",), "test-ca"),  # trusted CA, but the certificate names another host
], ids=["system-trust", "other-ca", "wrong-host"])
def test_untrusted_certificate_is_refused(ca: trustme.CA, servers: list[Controller], security: str,
                                          cert_names: tuple[str, ...], client: str) -> None:
    handler = TLSCollector()
    tls = server_context(ca, *cert_names)
    port = start(servers, handler, **({"ssl_context": tls} if security == "ssl" else {"tls_context": tls}))
    context = {"system": None, "other-ca": trusting(trustme.CA()), "test-ca": trusting(ca)}[client]
    with pytest.raises(DeliveryError) as caught:
        send_message(message(), host="127.0.0.1", port=port, security=security, timeout=5, ssl_context=context)
    text = str(caught.value)
    assert text.startswith(f"could not send email via 127.0.0.1:{port}: the server's TLS certificate is not trusted (")
    assert "\n" not in text
    assert handler.messages == []


def test_starttls_against_server_without_it_fails(servers: list[Controller]) -> None:
    handler = TLSCollector()
    port = start(servers, handler)  # no tls_context: EHLO does not offer STARTTLS
    with pytest.raises(DeliveryError, match=r"^could not send email via 127\.0\.0\.1:\d+: the server does not offer "
                                            r"STARTTLS; use --ssl"):
        send_message(message(), host="127.0.0.1", port=port, security="starttls", timeout=5)
    assert handler.messages == []  # no fallback to sending in the clear
