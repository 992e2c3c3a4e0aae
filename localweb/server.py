"""The local public web: every site on its own port of 127.0.0.1, each a separate origin."""

import random
import re
import socket
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

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


FaultKind = Literal["reset", "truncated", "redirect_loop", "huge", "endless", "binary"]
"""Misbehaviour beyond a status: a reset connection, a body shorter than its Content-Length, a
redirect back and forth, a gigabyte page, a page that never ends, or binary served as HTML."""

HUGE_SIZE = 1 << 30
"""The Content-Length a `huge` answer promises (and would send, to a client that kept reading)."""
CHUNK = b" " * 65536


class ConnectionReset(ConnectionError):
    """Raised by a site to have its request handler reset the connection (TCP RST)."""


@dataclass
class Fault:
    """A fault injected into a site's answers: an error status, garbage, a slow or hung reply,
    or one of the misbehaviours of `FaultKind`."""

    status: int = 200
    body: bytes | None = None
    """What to answer instead of the page (garbage); None keeps the page unless status says no."""
    retry_after: int | None = None
    delay: float = 0.0
    """Seconds to wait before answering; longer than the crawler's timeout is a hang."""
    times: int | None = None
    """How many requests it spoils before the site recovers; None: every one."""
    kind: FaultKind | None = None
    content_type: str = "text/plain"
    """The type `body` is served as (text/html for a site's new markup)."""

    def spoils(self) -> bool:
        """Whether the page itself is replaced (not only delayed)."""
        return self.status != 200 or self.body is not None or self.kind is not None

    def response(self, path: str, query: str) -> Response:
        """The answer that replaces the page at `path` (a reset raises `ConnectionReset`)."""
        if self.kind is not None:
            return _misbehave(self.kind, path, query)
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        body = self.body if self.body is not None else b"injected fault\n"
        return Response(body, status=self.status, headers=headers, mimetype=self.content_type)


def _misbehave(kind: FaultKind, path: str, query: str) -> Response:
    """The answer of one misbehaving kind; large ones are streamed, never held in memory."""
    if kind == "reset":
        raise ConnectionReset(path)
    if kind == "truncated":
        body = b"<!doctype html><html><head><title>Half a page</title></head><body><p>"
        headers = {"Content-Length": str(4 * len(body))}  # then the connection closes
        return Response([body], headers=headers, mimetype="text/html", direct_passthrough=True)
    if kind == "redirect_loop":
        return Response(status=302, headers={"Location": path if query else f"{path}?again"})
    if kind == "huge":
        chunks = _spaces(HUGE_SIZE // len(CHUNK))
        headers = {"Content-Length": str(HUGE_SIZE)}
        return Response(chunks, headers=headers, mimetype="text/html", direct_passthrough=True)
    if kind == "endless":
        return Response(_spaces(None), mimetype="text/html", direct_passthrough=True)
    noise = random.Random(path).randbytes(4096)  # noqa: S311 - reproducible noise, not secrets
    return Response(noise, mimetype="text/html")


def _spaces(count: int | None) -> Iterator[bytes]:
    """`count` chunks of spaces, or chunks for ever; the client hanging up stops them."""
    sent = 0
    while count is None or sent < count:
        sent += 1
        yield CHUNK


class _FaultHandler(WSGIRequestHandler):
    """Werkzeug's request handler, able to reset a connection as a failing server does."""

    resetting = False

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        """On `ConnectionReset`, close the socket with SO_LINGER 0, which sends RST."""
        if isinstance(error, ConnectionReset):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.resetting = self.close_connection = True

    def finish(self) -> None:
        """Close the streams, then the socket itself when resetting (the server would FIN first)."""
        super().finish()
        if self.resetting:
            self.connection.close()


class _QuietHandler(_FaultHandler):
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
        self._faults: dict[tuple[str, str, bool], Fault] = {}
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

    def inject(self, slug: str, path: str, fault: Fault, *, exact: bool = False) -> None:
        """Answer requests to a site whose path starts with `path` (or is `path`, when exact)
        with the fault, from now on."""
        with self._lock:
            self._faults[(slug, path, exact)] = fault

    def clear_faults(self) -> None:
        """Serve every site as it is again."""
        with self._lock:
            self._faults.clear()

    def _fault_for(self, slug: str, path: str) -> Fault | None:
        """The fault to apply to one request, counting it against the fault's `times`."""
        with self._lock:
            for (site, prefix, exact), fault in self._faults.items():
                matches = path == prefix if exact else path.startswith(prefix)
                if site == slug and matches and fault.times != 0:
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def start(self) -> "LocalWeb":
        """Bind every site's port, then serve each in a daemon thread."""
        if self._servers:
            raise RuntimeError("the local web is already started")
        handler = _FaultHandler if self.verbose else _QuietHandler
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
                    return fault.response(request.path, query)(environ, start_response)
            return app(environ, start_response)

        return logged
