"""The local public web: every site on its own port of 127.0.0.1, each a separate origin."""

import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from localweb import downloads, finder, geocoder, nppes, overpass, soda
from localweb.clock import shift_for
from localweb.paths import PACKAGE_DIR
from localweb.site import Handler, Site, WSGIApp

DEFAULT_BASE_PORT = 8801
"""The demo's ports: site i of `SITE_SLUGS` listens on 8801 + i."""

SITE_SLUGS = (
    "calm-waters",
    "lone-star-infusions",
    "hill-country-wellness",
    "new-dawn",
    "ketamine-finder",
    "nppes",
    "tx-licenses",
    "co-licenses",
    "oig",
    "overpass",
    "geocoder",
)
"""Every site, in port order."""

SOURCES_FILE = PACKAGE_DIR / "sources.toml"
POLL_INTERVAL = 0.05
"""Seconds between shutdown checks; stop() waits about this long for each site."""

_ROUTES: dict[str, dict[str, Handler]] = {
    "ketamine-finder": finder.ROUTES,
    "nppes": nppes.ROUTES,
    "tx-licenses": soda.ROUTES,
    "co-licenses": downloads.COLORADO_ROUTES,
    "oig": downloads.OIG_ROUTES,
    "overpass": overpass.ROUTES,
    "geocoder": geocoder.ROUTES,
}


@dataclass
class Fault:
    """A fault injected into a site's answers: an error status, garbage, or a slow or hung reply."""

    status: int = 200
    body: bytes | None = None
    """What to answer instead of the page (garbage); None keeps the page unless status says no."""
    retry_after: int | None = None
    delay: float = 0.0
    """Seconds to wait before answering; longer than the crawler's timeout is a hang."""
    times: int | None = None
    """How many requests it spoils before the site recovers; None: every one."""

    def spoils(self) -> bool:
        """Whether the page itself is replaced (not only delayed)."""
        return self.status != 200 or self.body is not None

    def response(self) -> Response:
        """The answer that replaces the page."""
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        body = self.body if self.body is not None else b"injected fault\n"
        return Response(body, status=self.status, headers=headers, mimetype="text/plain")


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the access log line (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing."""


class LocalWeb:
    """Serve every site of the local public web until stopped; usable as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        base_port: int | None = None,
        *,
        verbose: bool = False,
        today: date | None = None,
    ) -> None:
        self.host = host
        self.base_port = base_port
        self.date_shift = shift_for(today or date.today())
        self.verbose = verbose
        self._urls: dict[str, str] = {}
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []
        self._requests: list[tuple[str, str]] = []
        self._faults: dict[tuple[str, str], Fault] = {}
        self._lock = threading.Lock()

    @property
    def urls(self) -> dict[str, str]:
        """Each site's base URL (with a trailing slash), by slug; only while started."""
        if not self._servers:
            raise RuntimeError("the local web is not started")
        return dict(self._urls)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every request served so far, as (site slug, path with query string), in order."""
        with self._lock:
            return list(self._requests)

    def inject(self, slug: str, path: str, fault: Fault) -> None:
        """Answer requests to a site whose path starts with `path` with the fault, from now on."""
        with self._lock:
            self._faults[(slug, path)] = fault

    def clear_faults(self) -> None:
        """Serve every site as it is again."""
        with self._lock:
            self._faults.clear()

    def _fault_for(self, slug: str, path: str) -> Fault | None:
        """The fault to apply to one request, counting it against the fault's `times`."""
        with self._lock:
            for (site, prefix), fault in self._faults.items():
                if site == slug and path.startswith(prefix) and fault.times != 0:
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def start(self) -> "LocalWeb":
        """Bind every site's port, then serve each in a daemon thread."""
        if self._servers:
            raise RuntimeError("the local web is already started")
        handler = WSGIRequestHandler if self.verbose else _QuietHandler
        try:
            for index, slug in enumerate(SITE_SLUGS):
                port = 0 if self.base_port is None else self.base_port + index
                server = self._bind(slug, port, handler)
                self._servers.append(server)
                self._urls[slug] = f"http://{self.host}:{server.port}/"
        except OSError:
            self.stop()
            raise
        for slug, server in zip(SITE_SLUGS, self._servers, strict=True):
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name=f"localweb-{slug}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and release every port; safe to call twice."""
        # Only servers that got a thread are serving; shutdown() on any other would wait forever.
        for server, thread in zip(self._servers, self._threads, strict=False):
            server.shutdown()
            thread.join()
        for server in self._servers:
            server.server_close()
        self._servers.clear()
        self._threads.clear()
        self._urls.clear()

    def __enter__(self) -> "LocalWeb":
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()

    def sources_toml(self) -> str:
        """The demo sources file, its URLs pointing at the ports the sites actually run on."""
        urls = self.urls
        actual = {
            f"http://127.0.0.1:{DEFAULT_BASE_PORT + index}/": urls[slug]
            for index, slug in enumerate(SITE_SLUGS)
        }
        pattern = re.compile("|".join(re.escape(default) for default in actual))
        text = SOURCES_FILE.read_text(encoding="utf-8")
        return pattern.sub(lambda match: actual[match.group(0)], text)

    def write_sources(self, path: Path) -> Path:
        """Write `sources_toml()` to a file and return its path."""
        path.write_text(self.sources_toml(), encoding="utf-8")
        return path

    def _bind(self, slug: str, port: int, handler: type[WSGIRequestHandler]) -> BaseWSGIServer:
        """A server for one site on a socket bound here, so a taken port raises OSError.

        (Werkzeug's own binding calls sys.exit on failure, which a library must not do.)
        """
        site = Site(slug, self._urls, _ROUTES.get(slug), date_shift=self.date_shift)
        app = self._logged(slug, site)
        with socket.create_server((self.host, port)) as listener:
            return make_server(
                self.host, port, app, threaded=True, request_handler=handler, fd=listener.fileno()
            )

    def _logged(self, slug: str, app: Site) -> WSGIApp:
        """Wrap a site so every request it serves is recorded in `requests`."""

        def logged(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            request = Request(environ)
            query = request.query_string.decode("latin-1")
            with self._lock:
                self._requests.append((slug, f"{request.path}?{query}" if query else request.path))
            fault = self._fault_for(slug, request.path)
            if fault is not None:
                time.sleep(fault.delay)
                if fault.spoils():
                    return fault.response()(environ, start_response)
            return app(environ, start_response)

        return logged
