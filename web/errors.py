"""Error pages: HTML for the site, JSON under /api/."""

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    """Answer every HTTP error (404, 405, 500 …) with our own page or JSON body."""
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
