"""Search results cached as the bodies they were rendered to, for the page and the API alike.

An entry's key is the kind of response (API or page), the language, the canonical query and the
data generation (`directory.generation`): any committed write that changes what a search can
show bumps the generation, and from then on every search misses the entries made before it.
Each process reads the generation at most once every SEARCH_CACHE_CHECK_SECONDS (1 s), so a
change shows in search within that bound. Entries also expire after CACHE_DEFAULT_TIMEOUT
(300 s, the API's own max-age), which frees the space of old generations.

The store is Flask-Caching's: in memory per process by default (SimpleCache), shared by every
worker with CACHE_TYPE=RedisCache and CACHE_REDIS_URL. SEARCH_CACHE=False (CLINICS_SEARCH_CACHE=0)
turns it off: every request is then a real search.

A cached page is served to whoever asks the same query in the same language, so the search page
must show nothing that depends on who asks (it has no account links or flashed messages).
"""

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast
from urllib.parse import urlencode

from flask import Flask, Response, current_app
from flask_caching import Cache

from directory.generation import current_generation
from web.db import get_session
from web.i18n import select_locale

cache = Cache()

GENERATION = "search_cache.generation"
CACHE_HEADER = "X-Cache"
"""Says whether the cache answered ("hit") or the search ran ("miss"), as CDNs and Varnish do."""


def defaults() -> Mapping[str, Any]:
    """Cache settings, from the environment where production sets them."""
    return {
        "SEARCH_CACHE": os.environ.get("CLINICS_SEARCH_CACHE", "1") != "0",
        "SEARCH_CACHE_CHECK_SECONDS": float(os.environ.get("CLINICS_SEARCH_CACHE_CHECK", "1")),
        "CACHE_TYPE": os.environ.get("CACHE_TYPE", "SimpleCache"),
        "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL", ""),
        "CACHE_KEY_PREFIX": "clinics-search:",
        "CACHE_DEFAULT_TIMEOUT": 300,
        # SimpleCache: entries kept per process (a page of results is 10-40 KB)
        "CACHE_THRESHOLD": int(os.environ.get("CACHE_THRESHOLD", "5000")),
    }


def init_app(app: Flask) -> None:
    """Start the store (when the cache is on)."""
    if app.config["SEARCH_CACHE"]:
        cache.init_app(app)
        app.extensions[GENERATION] = (-1, float("-inf"))  # (value, when read: time.monotonic)


def cached(kind: str, query: Iterable[tuple[str, str]], render: Callable[[], Response]) -> Response:
    """The response `render` gives for this query, from the cache when it holds it.

    `query` must name everything the body depends on besides the language and the data; only
    200 responses are kept (an error's message is cheap to make, and says what was wrong).
    """
    if not current_app.config["SEARCH_CACHE"]:
        return render()
    key = _key(kind, query)
    stored = cast(tuple[bytes, str] | None, cache.get(key))
    if stored is not None:
        body, mimetype = stored
        response = current_app.response_class(body, mimetype=mimetype)
        response.headers[CACHE_HEADER] = "hit"
        return response
    response = render()
    if response.status_code == 200:
        cache.set(key, (response.get_data(), response.mimetype))
    response.headers[CACHE_HEADER] = "miss"
    return response


def _key(kind: str, query: Iterable[tuple[str, str]]) -> str:
    """The entry's key: kind, data generation, language and the query, hashed to a fixed size."""
    canonical = urlencode(sorted(query))
    digest = hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
    # the language Flask-Babel would choose, without its parsing the name (a tenth of a hit)
    return f"{kind}:{_generation()}:{select_locale()}:{digest}"


def _generation() -> int:
    """The data generation, read again when the last reading is older than the bound."""
    value, read_at = cast(tuple[int, float], current_app.extensions[GENERATION])
    now = time.monotonic()  # taken before the read, so the bound holds from the read on
    if now - read_at >= current_app.config["SEARCH_CACHE_CHECK_SECONDS"]:
        # read before the search's own queries, so an entry is never older than its key says
        value = current_generation(get_session().connection())
        current_app.extensions[GENERATION] = (value, now)  # one assignment: threads share it
    return value
