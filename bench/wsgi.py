"""The site as the search benchmarks serve it: the production app plus a trivial baseline route
(gunicorn builds it with `bench.wsgi:build_app()`)."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from web import create_app


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The production app (settings from the environment, then `config`), with /hello added."""
    app = create_app(config)
    app.add_url_rule("/hello", view_func=hello)
    return app


def hello() -> str:
    """The baseline: the same server, workers and middleware, no work at all."""
    return "hello"
