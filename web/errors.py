"""Error pages: HTML for the site, JSON under /api/."""

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class HTMLSafeJSONProvider(DefaultJSONProvider):
    """JSON with <, > and & written as \\u escapes, so echoed input can never be read as markup."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise, then escape the three characters (they only occur inside JSON strings)."""
        text = super().dumps(obj, **kwargs)
        return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


TITLES: dict[int, LazyString] = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    405: _l("Method not allowed"),
    409: _l("Nothing changed"),
    410: _l("No longer listed"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
"""Error page headings in the page's language (Werkzeug's English names otherwise)."""

GENERIC: dict[int, LazyString] = {
    400: _l("The request could not be understood."),
    403: _l("You may not see this page."),
    404: _l("There is no page at this address; check it for typing mistakes."),
    405: _l("This address does not accept that kind of request."),
    429: _l("Too many requests in a short time. Please wait a little and try again."),
    500: _l("The site could not answer this time. Please try again later."),
}
"""What to say when the error carries only Werkzeug's stock English description."""


def init_app(app: Flask) -> None:
    """Answer every HTTP error (404, 405, 500 …) with our own page or JSON body."""
    app.json = HTMLSafeJSONProvider(app)
    app.register_error_handler(HTTPException, handle_http_error)


def json_error(message: str, status: int, field: str | None = None) -> tuple[Response, int]:
    """The API's error body: {"error": {"message": ..., "field": ...}}."""
    return jsonify({"error": {"message": message, "field": field}}), status


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """JSON for API paths, else the 404 page or a general error page."""
    status = error.code or 500
    if request.path.startswith("/api/"):
        return json_error(error.description or error.name, status)
    template = "errors/404.html" if status == 404 else "errors/error.html"
    title = str(TITLES.get(status, error.name))
    description = error.description
    if description == type(error).description and status in GENERIC:
        description = str(GENERIC[status])
    return render_template(template, error=error, title=title, description=description), status
