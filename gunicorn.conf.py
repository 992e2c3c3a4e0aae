"""gunicorn's settings for the site (read from the working directory, or given with --config)."""

import gc
from typing import Any


def post_worker_init(_worker: Any) -> None:
    """Move everything the worker built at start into the collector's permanent generation.

    The app, SQLAlchemy's mappers and the gazetteer's ZIP and city indexes are a few hundred
    thousand objects that live as long as the worker; left in the oldest generation, each full
    collection walked them all and held every request of the worker for about 300 ms.
    """
    gc.freeze()
