"""One origin of the local public web: a few dynamic routes, then its hand-written pages and files.

Pages under `sites/<slug>/` are Jinja templates so they can print their own origin (canonical links,
JSON-LD `url`) and link to the other sites at whatever ports they run on. Paths with a segment
starting with `_` (layouts, partials) are never served.
"""

import mimetypes
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.security import safe_join
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from localweb.paths import SITES_DIR

Handler = Callable[..., Response]
"""A dynamic route: called with the site, the request and the rule's arguments."""

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

PAGES = Environment(
    loader=FileSystemLoader(SITES_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Site:
    """A WSGI application serving one site: its routes first, then the files in its folder."""

    def __init__(
        self,
        slug: str,
        urls: Mapping[str, str],
        routes: Mapping[str, Handler] | None = None,
        date_shift: timedelta = timedelta(0),
    ) -> None:
        self.slug = slug
        self.urls = urls
        self.date_shift = date_shift  # see localweb.clock
        self.root = SITES_DIR / slug
        routes = {**(routes or {}), "/<path:path>": serve_file}
        rules = [Rule(path, endpoint=handler, methods=["GET"]) for path, handler in routes.items()]
        rules.append(Rule("/", endpoint=serve_file, defaults={"path": ""}, methods=["GET"]))
        self.url_map = Map(rules)

    @property
    def url(self) -> str:
        """This site's base URL, with a trailing slash."""
        return self.urls[self.slug]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Answer one request."""
        try:
            handler, arguments = self.url_map.bind_to_environ(environ).match()
            response = handler(self, Request(environ), **arguments)
        except HTTPException as error:
            response = error.get_response(environ)
        return response(environ, start_response)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """Render one of this site's page templates."""
        page = PAGES.get_template(f"{self.slug}/{template}")
        html = page.render(site_url=self.url, urls=self.urls, **context)
        return Response(html, status=status, mimetype="text/html")


def serve_file(site: Site, request: Request, path: str) -> Response:
    """Serve a page or file from the site's folder, as a plain web server would."""
    if any(part.startswith("_") for part in path.split("/")):
        raise NotFound()
    if path == "" or path.endswith("/"):
        path += "index.html"
    full = safe_join(str(site.root), path)
    if full is None:
        raise NotFound()
    if Path(full).is_dir():
        return redirect(f"/{path}/", code=301)
    if not Path(full).is_file():
        raise NotFound()
    if path.endswith(".html"):
        return site.render(path)
    return _file_response(Path(full))


def _file_response(path: Path) -> Response:
    """The file's bytes, read whole: the sites' files are small, and werkzeug's server leaves an
    open file unclosed when a client hangs up mid-response (as the crawl-kill tests do)."""
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), mimetype=mimetype)
