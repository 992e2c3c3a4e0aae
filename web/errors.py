"""Error pages: HTML for the site, JSON under /api/."""

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException


class HTMLSafeJSONProvider(DefaultJSONProvider):
    """JSON with <, > and & written as \\u escapes, so echoed input can never be read as markup."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise, then escape the three characters (they only occur inside JSON strings)."""
        text = super().dumps(obj, **kwargs)
        return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


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
    return render_template(template, error=error), status
