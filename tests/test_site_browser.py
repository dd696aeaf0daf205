"""The published site in a real headless browser (Debian's chromium driven by Playwright; no browser download).

At desktop and phone widths: no page scrolls sideways, every link inside the site resolves (pages and #anchors),
and a citation opens its note: a `<details>` note when the page has them, else the cited source it jumps to.
Skipped, with the reason, when Playwright or the system's chromium is missing (`.ci/run` installs chromium).
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing.cli import app

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BRIEFING_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install '.[test]')")
pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                reason=f"no chromium at {CHROMIUM} (apt-get install chromium, or set BRIEFING_CHROMIUM)")

# Long unbreakable words and addresses are what make a phone page scroll sideways.
LONG = [
    {"id": "long", "source": "Wire", "title": None, "url": "https://news.example/" + "very-long-path-segment/" * 12,
     "text": "Officials confirmed the Rhein-Main-Donau-Schifffahrtskanalverwaltungsbehörde report on Monday "
             "morning, citing https://data.example/" + "x" * 120 + " as the source of the figures. "
             "Officials said the figures were checked twice before they were published."},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two days published from seeds/ (two outlets, so items cite several sources), the second with long text."""
    root = tmp_path_factory.mktemp("browser")
    (root / "long.jsonl").write_text("\n".join(json.dumps(d) for d in LONG) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        for var in ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            mp.setenv(var, str(root / "home"))
        for date, inputs in (("2022-03-19", [str(REPO / "seeds")]), ("2022-03-20", [str(REPO / "seeds"), "long.jsonl"])):
            result = CliRunner().invoke(app, ["publish", *inputs, "--site", "public", "--date", date, "--no-history",
                                              "--words", "200", "-q"])
            assert result.exit_code == 0, result.stderr
    yield root / "public"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The system's chromium, headless, with its home in a temporary folder."""
    home = tmp_path_factory.mktemp("chromium-home")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True,
                                              env={**os.environ, "HOME": str(home)})
        yield launched
        launched.close()


@pytest.fixture(params=list(WIDTHS))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A tab at desktop or phone width; network requests other than file:// are blocked (tests stay offline)."""
    context = browser.new_context(viewport=WIDTHS[request.param], is_mobile=request.param == "phone",
                                  has_touch=request.param == "phone")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    tab = context.new_page()
    yield tab
    context.close()


def pages(site: Path) -> list[Path]:
    """Every HTML page of the site."""
    return sorted(site.glob("*.html"))


def test_no_page_scrolls_sideways(site: Path, page: Any) -> None:
    for path in pages(site):
        page.goto(path.as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert overflow <= 0 and not wide, (path.name, overflow, wide)


def test_every_link_resolves_within_the_site(site: Path, page: Any) -> None:
    checked = 0
    for path in pages(site):
        page.goto(path.as_uri())
        links = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        for link in links:
            if link.startswith(("http://", "https://")):
                continue  # a source's own address, outside the site
            assert link.startswith(site.as_uri() + "/"), (path.name, link)
            target, _, anchor = link.removeprefix(site.as_uri() + "/").partition("#")
            assert (site / target).is_file(), (path.name, link)
            if anchor:
                page.goto(link)
                assert page.evaluate("id => document.getElementById(id) !== null", anchor), (path.name, link)
                page.goto(path.as_uri())
            checked += 1
    assert checked > 10  # index -> days, days -> index and neighbours, citations -> sources


def test_citation_notes_open(site: Path, page: Any) -> None:
    page.goto((site / "2022-03-19.html").as_uri())
    notes = page.locator("li.item details")
    if notes.count():  # citation notes (the sentence each outlet wrote): closed until asked for
        note = notes.first
        assert note.get_attribute("open") is None
        note.locator("summary").click()
        assert note.get_attribute("open") is not None and note.is_visible()
    cite = page.locator("a.cite").first
    target = cite.get_attribute("href").lstrip("#")
    cite.click()
    assert page.evaluate("location.hash") == f"#{target}"
    box = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", target)
    assert 0 <= box < page.viewport_size["height"]  # scrolled to the cited source
    assert page.evaluate("id => getComputedStyle(document.getElementById(id)).backgroundColor", target) != \
        "rgba(0, 0, 0, 0)"  # and highlighted (:target)


# Every element with text of its own: its colour and the colour behind it (backgrounds of it and its ancestors
# composited, over the canvas, which takes the body's background), as [r, g, b, a] lists.
TEXT_COLOURS = """() => {
  const rgba = value => { const m = value.match(/[\\d.]+/g) || []; return [...m.slice(0, 3).map(Number), m.length > 3 ? Number(m[3]) : 1]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const canvas = rgba(getComputedStyle(document.body).backgroundColor);
  const base = canvas[3] > 0 ? canvas : (matchMedia('(prefers-color-scheme: dark)').matches ? [0, 0, 0, 1] : [255, 255, 255, 1]);
  const found = [];
  for (const e of document.querySelectorAll('body, body *')) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !e.getClientRects().length) continue;
    const layers = [];
    for (let p = e; p; p = p.parentElement) layers.push(rgba(getComputedStyle(p).backgroundColor));
    let behind = base;
    for (const layer of layers.reverse()) behind = over(layer, behind);
    found.push({what: e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''),
                colour: over(rgba(getComputedStyle(e).color), behind), behind});
  }
  return found;
}"""


def _luminance(rgb: list[float]) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_known() -> None:
    assert round(contrast([0x55] * 3, [0x16] * 3), 1) == 2.4  # the dark-mode evidence note of issue 24
    assert round(contrast([0, 0, 0], [255, 255, 255]), 1) == 21.0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_has_a_contrast_of_at_least_4_5(site: Path, page: Any, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    checked = set()
    for path in pages(site):
        for target in ("", "#src-1"):  # a cited source is highlighted (:target)
            page.goto(path.as_uri() + target)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # the evidence notes
            for entry in page.evaluate(TEXT_COLOURS):
                ratio = contrast(entry["colour"], entry["behind"])
                assert ratio >= 4.5, (scheme, path.name + target, entry["what"], entry["colour"], entry["behind"], round(ratio, 2))
                checked.add(entry["what"])
    assert {"li.item", "a.cite", "summary", "p.date", "h1", "span.meta"} <= checked, checked
