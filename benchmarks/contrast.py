"""The lowest text contrast (WCAG ratio) of a site published from seeds/, per colour scheme and width (issue 24).

Usage: python benchmarks/contrast.py   (needs Playwright and the system's chromium, like tests/test_site_browser.py)

Publishes two days from seeds/ into a temporary folder, opens every page (and each with a cited source
highlighted, `#src-1`) with every evidence note open, and prints the lowest ratio of any element's text colour
to the colour behind it, with the element, as a Markdown table.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from test_site_browser import TEXT_COLOURS, ARGS, CHROMIUM, WIDTHS, contrast  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from briefing.cli import app  # noqa: E402


def main() -> None:
    """Publish, measure, print."""
    root = Path(tempfile.mkdtemp())
    os.chdir(root)
    for date in ("2022-03-19", "2022-03-20"):
        result = CliRunner().invoke(app, ["publish", str(REPO / "seeds"), "--site", "public", "--date", date,
                                          "--no-history", "-q"])
        assert result.exit_code == 0, result.stderr
    print("| width | scheme | lowest contrast | element |\n|---|---|---|---|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, viewport in WIDTHS.items():
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                page.emulate_media(color_scheme=scheme)
                lowest = (99.0, "")
                for path in sorted((root / "public").glob("*.html")):
                    for target in ("", "#src-1"):
                        page.goto(path.as_uri() + target)
                        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                        for entry in page.evaluate(TEXT_COLOURS):
                            lowest = min(lowest, (contrast(entry["colour"], entry["behind"]), entry["what"]))
                print(f"| {name} {viewport['width']} px | {scheme} | {lowest[0]:.2f} | {lowest[1]} |")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
