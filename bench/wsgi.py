"""The site as the search benchmark serves it: the production app plus a trivial baseline route."""

from web import create_app

app = create_app()


@app.get("/hello")
def hello() -> str:
    """The baseline: the same server, workers and middleware, no work at all."""
    return "hello"
