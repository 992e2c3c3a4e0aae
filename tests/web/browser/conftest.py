"""Browser fixtures: Debian's Chromium driven by Playwright, and the site served over real HTTP.

Playwright cannot download its own browser here, so it launches the system `chromium`. Without
one the browser tests are skipped, except in CI, where `.ci/run` installs it and its lack fails.
"""

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

ARTEFACTS = Path(__file__).resolve().parents[3] / "var" / "artefacts"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => e.outerHTML.slice(0, 120))"""

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium with the flags a closed network needs."""
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "no chromium on PATH (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_site(app: Flask) -> Iterator[str]:
    """The test's app served on a free port of 127.0.0.1; yields its base URL (no trailing /)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def axe() -> Axe:
    """axe-core, as bundled by axe-playwright-python."""
    return Axe()


@pytest.fixture
def check_page(axe: Axe) -> Any:
    """Load the page at both widths: no axe violations, no sideways scrolling; screenshot it."""

    def check(page: Page, name: str) -> None:
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.reload()  # laid out afresh, as a phone would load it
            results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
            assert results.violations_count == 0, results.generate_report()
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(
                WIDER_THAN_SCREEN
            )
            folder = ARTEFACTS / "screenshots"
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=folder / f"{name}-{width_name}.png", full_page=True)

    return check
