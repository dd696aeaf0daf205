"""Tests for briefing.outputs.files: atomic writes, output rules, the static site and feed, e-mail over real SMTP."""
from __future__ import annotations

import email
import email.policy
import io
import json
import os
import shutil
import socket
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import feedparser
import html5lib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import make_briefing

from briefing.outputs import build_message, format_for_output, publish_site, send_message, write_atomic, write_eml, write_outputs
from briefing.errors import DeliveryError, TemplateError

XHTML = "{http://www.w3.org/1999/xhtml}"
URLS = ["https://news.example/a", "https://wire.example/b?x=1&y=2", "http://weather.example/c"]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ write_atomic


def test_write_atomic_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    write_atomic(target, "first")
    target.chmod(0o640)
    write_atomic(target, "second ✓")
    assert target.read_text(encoding="utf-8") == "second ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.md"]


def test_write_atomic_failed_encoding_leaves_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(DeliveryError, match="not valid Unicode"):
        write_atomic(target, "bad \ud800 surrogate")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.md"]


def test_write_atomic_failed_rename_removes_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    (target / "child").mkdir(parents=True)  # a non-empty directory cannot be replaced by a file
    with pytest.raises(DeliveryError, match="could not write"):
        write_atomic(target, b"data")
    assert sorted(os.listdir(tmp_path)) == ["taken"]
    assert os.listdir(target) == ["child"]


def test_write_atomic_into_missing_directory(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    shutil.rmtree(gone)
    with pytest.raises(DeliveryError, match=r"could not write .*gone.*out\.md"):
        write_atomic(gone / "out.md", "x")
    assert not gone.exists()


# ------------------------------------------------------------------ write_outputs


def test_write_outputs_dated_names_in_directory(tmp_path: Path) -> None:
    paths = write_outputs(make_briefing(), ["md", "html", "json"], output=str(tmp_path / "new") + "/")
    assert [p.name for p in paths] == ["briefing-2025-03-14.md", "briefing-2025-03-14.html", "briefing-2025-03-14.json"]
    assert json.loads(paths[2].read_text(encoding="utf-8"))["date"] == "2025-03-14"


def test_write_outputs_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_outputs(make_briefing(), ["md"]) == [Path("briefing-2025-03-14.md")]
    out = tmp_path / "cfg"
    assert write_outputs(make_briefing(), ["json"], output_dir=out) == [out / "briefing-2025-03-14.json"]
    (tmp_path / "existing").mkdir()
    assert write_outputs(make_briefing(), ["html"], output="existing") == [Path("existing/briefing-2025-03-14.html")]


def test_write_outputs_single_file_and_stdout(tmp_path: Path) -> None:
    target = tmp_path / "today.html"
    assert write_outputs(make_briefing(), ["html"], output=str(target)) == [target]
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")
    stream = io.StringIO()
    assert write_outputs(make_briefing(), ["json"], output="-", stdout=stream) == []
    assert json.loads(stream.getvalue())["title"] == "Morning Briefing"


@pytest.mark.parametrize("output", ["-", "one-file.md"])
def test_write_outputs_rejects_several_formats_for_one_target(tmp_path: Path, output: str) -> None:
    with pytest.raises(DeliveryError, match=r"takes exactly one --format \(got md, html\)"):
        write_outputs(make_briefing(), ["md", "html"], output=output, stdout=io.StringIO())


@pytest.mark.parametrize(("output", "fmt"), [
    ("a.md", "md"), ("a.HTML", "html"), ("x/a.json", "json"), ("a.txt", None), ("-", None), ("dir/", None), (None, None),
])
def test_format_for_output(output: str | None, fmt: str | None) -> None:
    assert format_for_output(output) == fmt


def test_write_outputs_template_failure_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html.j2"
    bad.write_text("{% if %}", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TemplateError):
        write_outputs(make_briefing(), ["md", "html"], output=str(out), template=bad)
    assert os.listdir(out) == []


def test_write_outputs_applies_template_to_its_format(tmp_path: Path) -> None:
    tpl = tmp_path / "mine.md.j2"
    tpl.write_text("custom {{ title }}\n", encoding="utf-8")
    paths = write_outputs(make_briefing(), ["md", "html"], output=str(tmp_path) + "/", template=tpl)
    assert paths[0].read_text(encoding="utf-8") == "custom Morning Briefing\n"
    assert paths[1].read_text(encoding="utf-8").startswith("<!doctype html>")
    (tmp_path / "x.j2").write_text("{{ title }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="cannot tell which format"):
        write_outputs(make_briefing(), ["md", "html"], output=str(tmp_path) + "/", template=tmp_path / "x.j2")
    with pytest.raises(TemplateError, match="template .*missing.html.j2 not found"):  # missing: said first
        write_outputs(make_briefing(), ["md"], output=str(tmp_path) + "/", template=tmp_path / "missing.html.j2")


# ------------------------------------------------------------------ publish_site


def publish_three(site: Path) -> None:
    """Publish three days, out of order."""
    for date, title in [("2025-03-12", "Tuesday"), ("2025-03-14", "Thursday"), ("2025-03-13", "Wednesday")]:
        publish_site(make_briefing(title=title, date=date), site)


def test_publish_site_builds_pages_index_and_feed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish_three(site)
    names = sorted(p.name for p in site.iterdir())
    # nothing private in the served folder: the lock lives in the state folder beside it
    assert names == sorted(f"2025-03-1{d}.{e}" for d in (2, 3, 4) for e in ("html", "json", "md")) + \
        ["feed.xml", "index.html"]
    assert (tmp_path / ".site.briefing" / "lock").is_file()
    parser = html5lib.HTMLParser(strict=True)
    for page in site.glob("*.html"):
        parser.parse(page.read_text(encoding="utf-8"))
    index = parser.parse((site / "index.html").read_text(encoding="utf-8"))
    links = [(a.get("href"), "".join(a.itertext())) for a in index.iter(f"{XHTML}a") if a.get("href", "").startswith("2025")]
    assert links == [("2025-03-14.html", "2025-03-14 — Thursday"), ("2025-03-13.html", "2025-03-13 — Wednesday"),
                     ("2025-03-12.html", "2025-03-12 — Tuesday")]
    assert "3 items" in (site / "index.html").read_text(encoding="utf-8")

    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == ["Thursday — 2025-03-14", "Wednesday — 2025-03-13", "Tuesday — 2025-03-12"]
    assert [e.id for e in feed.entries] == [f"urn:briefing:site:2025-03-1{d}" for d in (4, 3, 2)]
    assert feed.entries[0].link == "2025-03-14.html"
    content = feed.entries[0].content[0].value
    assert "quarter point" in content and all(url.replace("&", "&amp;") in content for url in URLS)


def test_republishing_a_date_replaces_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish_three(site)
    ids = [e.id for e in feedparser.parse((site / "feed.xml").read_bytes()).entries]
    publish_site(make_briefing(title="Wednesday, corrected", date="2025-03-13"), site)
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.id for e in feed.entries] == ids
    assert [e.title for e in feed.entries][1] == "Wednesday, corrected — 2025-03-13"
    assert (site / "index.html").read_text(encoding="utf-8").count('<li class="day">') == 3


def test_concurrent_publishes_keep_every_date(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dates = [f"2025-04-{day:02d}" for day in range(1, 7)]
    with ThreadPoolExecutor(max_workers=len(dates)) as pool:
        list(pool.map(lambda d: publish_site(make_briefing(date=d), site), dates))
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.title[-10:] for e in feed.entries] == sorted(dates, reverse=True)
    assert not [p for p in site.iterdir() if p.name.endswith(".tmp")]


def test_publish_with_failing_template_leaves_site_unchanged(tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish_three(site)
    before = snapshot(site)
    bad = tmp_path / "bad.html"
    bad.write_text("<p>{{ missing_variable }}</p>", encoding="utf-8")
    with pytest.raises(TemplateError, match="missing_variable"):
        publish_site(make_briefing(title="New", date="2025-03-15"), site, template=bad)
    assert snapshot(site) == before


def test_publish_skips_broken_json_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "2025-01-01.json").write_text("{not json", encoding="utf-8")
    publish_site(make_briefing(date="2025-01-02"), site, base_url="https://example.org/news")
    assert "2025-01-01.json: skipped" in caplog.text
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.link for e in feed.entries] == ["https://example.org/news/2025-01-02.html"]


def test_publish_rejects_a_date_that_is_not_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="not a YYYY-MM-DD date"):
        publish_site(make_briefing(date="../../etc"), tmp_path / "site")
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("name", ["2025-01-02.html", "feed.xml", "index.html", "2025-01-01.html", "2025-01-02.json"])
def test_publish_never_writes_through_a_link_planted_in_the_site(tmp_path: Path, name: str) -> None:
    """Red team 8: `site/DAY.html -> /etc/passwd` made a root cron's publish overwrite /etc/passwd with the page
    (site files went through the --output writer, which follows links). Every file the site gets (the day's
    pages, a neighbour's page, index and feed) must be a regular file in the site folder: a link is an error,
    the site and the link's target are unchanged."""
    site = tmp_path / "site"
    publish_site(make_briefing(title="Old", date="2025-01-01"), site)
    outside = tmp_path / "precious.txt"
    outside.write_text("do not touch\n", encoding="utf-8")
    (site / name).unlink(missing_ok=True)
    (site / name).symlink_to(outside)
    before = snapshot(site)
    with pytest.raises(DeliveryError, match="symbolic link"):
        publish_site(make_briefing(title="New", date="2025-01-02"), site)
    assert outside.read_text(encoding="utf-8") == "do not touch\n"
    assert snapshot(site) == before and (site / name).is_symlink()


def test_a_linked_day_in_the_site_is_not_published(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Red team 8: `site/DAY.json -> a briefing JSON elsewhere` was read into the index and the feed."""
    elsewhere = tmp_path / "private"
    publish_site(make_briefing(title="Private", date="2025-01-01"), elsewhere)
    site = tmp_path / "site"
    site.mkdir()
    (site / "2025-01-01.json").symlink_to(elsewhere / "2025-01-01.json")
    publish_site(make_briefing(title="Public", date="2025-01-02"), site)
    assert "2025-01-01.json: skipped in the site index (a symbolic link)" in caplog.text
    assert "Private" not in (site / "index.html").read_text() and "Private" not in (site / "feed.xml").read_text()


# ------------------------------------------------------------------ e-mail


class Collector:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        """Keep the envelope."""
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    """A real SMTP server on 127.0.0.1."""
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def test_send_delivers_multipart_with_inlined_css(smtp_server: tuple[Collector, int]) -> None:
    handler, port = smtp_server
    msg = build_message(make_briefing(), sender="Briefing Bot <bot@example.org>", to=["a@example.org", "b@example.org"])
    send_message(msg, host="127.0.0.1", port=port)
    [(mail_from, rcpts, raw)] = handler.messages
    assert mail_from == "bot@example.org" and rcpts == ["a@example.org", "b@example.org"]
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == "Morning Briefing — 2025-03-14"
    assert received["From"] == "Briefing Bot <bot@example.org>"
    assert received["To"] == "a@example.org, b@example.org"
    assert received["Date"] and received["Message-ID"].endswith("@example.org>")
    assert received.get_content_type() == "multipart/alternative"
    text_part, html_part = received.get_body(("plain",)), received.get_body(("html",))
    assert text_part is not None and html_part is not None
    text, html = text_part.get_content(), html_part.get_content()
    for url in URLS:
        assert url in text and url.replace("&", "&amp;") in html
    assert "<style" not in html
    tree = html5lib.parse(html)
    assert tree.find(f".//{XHTML}h1").get("style")
    assert all(li.get("style") for li in tree.iter(f"{XHTML}li"))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_send_with_rejected_login_raises() -> None:
    def deny(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        """Refuse every login."""
        return AuthResult(success=False, handled=False)

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), authenticator=deny,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        msg = build_message(make_briefing(), sender="bot@example.org", to=["a@example.org"])
        with pytest.raises(DeliveryError, match=rf"could not send email via 127\.0\.0\.1:{controller.port}: login"):
            send_message(msg, host="127.0.0.1", port=controller.port, user="bot", password="wrong", timeout=5)
    finally:
        controller.stop()
    assert handler.messages == []


def test_send_to_closed_port_raises() -> None:
    port = free_port()
    msg = build_message(make_briefing(), sender="bot@example.org", to=["a@example.org"])
    with pytest.raises(DeliveryError, match=rf"^could not send email via 127\.0\.0\.1:{port}: connection refused$"):
        send_message(msg, host="127.0.0.1", port=port, timeout=5)


@pytest.mark.parametrize(("sender", "to"), [
    ("", ["a@example.org"]), ("not-an-address", ["a@example.org"]), ("bot@example.org", []),
    ("bot@example.org", ["a@example.org", "nobody"]), ("bot@example.org", ["a@example.org\nBcc: x@evil.example"]),
])
def test_bad_addresses_are_rejected(sender: str, to: list[str]) -> None:
    with pytest.raises(DeliveryError):
        build_message(make_briefing(), sender=sender, to=to)


def test_subject_is_one_line_and_dry_run_writes_eml(tmp_path: Path) -> None:
    msg = build_message(make_briefing(title="Evil\r\nBcc: x@evil.example"), sender="bot@example.org",
                        to=["a@example.org"])
    path = tmp_path / "out.eml"
    write_eml(msg, path)
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Evil Bcc: x@evil.example — 2025-03-14"
    assert parsed["Bcc"] is None
