"""What one search costs when the cache misses: the search benchmark's data and mix, served by
one process through Flask's test client with the cache off, next to hello in the same process.

No server, no clients and no other process share the time, so the figure is the work a miss
adds (ranking, reading the page's records, rendering) and moves with every change to it. Each
figure is the best of ROUNDS passes over the first SEARCHES requests of the mix.
"""

import time
from collections.abc import Callable

from bench.bench_search import _data_and_mix, _databases, _seed
from bench.harness import Figure
from bench.wsgi import build_app
from web.db import get_engine

SEARCHES = 1_000
ROUNDS = 3


def run(quick: bool) -> list[Figure]:
    """Milliseconds a search and a hello, on SQLite and, when reachable, PostgreSQL."""
    listings, searches = (2_000, 100) if quick else (100_000, SEARCHES)
    zips, paths, rng = _data_and_mix()
    paths = paths[:searches]
    figures = []
    for label, url in _databases():
        with url as database_url:
            _seed(database_url, listings, zips, rng)
            search, hello = _per_request(database_url, paths)
            figures.append(
                Figure(
                    f"search miss ({label}, {listings:,} listings, one process)",
                    "per search",
                    search,
                    "ms",
                    baseline=hello,
                    baseline_name="hello",
                )
            )
    return figures


def _per_request(database_url: str, paths: list[str]) -> tuple[float, float]:
    """Milliseconds a request for the paths (each once, in order) and for hello."""
    settings = {"DATABASE_URL": database_url, "SEARCH_CACHE": False, "SECRET_KEY": "bench"}
    app = build_app(settings)
    client = app.test_client()
    try:

        def search() -> None:
            for path in paths:
                if client.get(path).status_code != 200:
                    raise RuntimeError(f"{path} did not answer 200")

        def hello() -> None:
            for _ in paths:
                client.get("/hello")

        return _best(search) / len(paths), _best(hello) / len(paths)
    finally:
        get_engine(app).dispose()


def _best(work: Callable[[], None]) -> float:
    """The fastest of ROUNDS runs of the work, in milliseconds (after one to warm up)."""
    work()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)
