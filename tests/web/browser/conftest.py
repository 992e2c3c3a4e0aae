"""Browser fixtures: Debian's Chromium driven by Playwright, and the site served over real HTTP.

Playwright cannot download its own browser here, so it launches the system `chromium`. Without
one the browser tests are skipped, except in CI, where `.ci/run` installs it and its lack fails.
"""

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

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
