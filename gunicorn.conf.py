"""gunicorn's settings for the site (read from the working directory, or given with --config).

Production (the Dockerfile, docker-compose.yml) and the search benchmark both run with these, so
the benchmark measures the server as it is deployed.
"""

import gc
import os
from typing import Any

# One gthread worker per core, each with four threads (the gthread worker also keeps
# connections alive). With 16 threads a worker (one per benchmark client) the GIL handed
# between them lengthened the search's p95; two to four gave a lower p95 with no change for
# hello; eight threads, or three workers on two cores, a higher p95 and lower throughput.
worker_class = "gthread"
workers = os.cpu_count() or 2
threads = 4

# Each worker listens on a socket of its own (SO_REUSEPORT), and the kernel spreads new
# connections across them. On one shared socket, the worker that woke first took most of a
# burst of keep-alive connections and served them on one core while the other stayed idle: 32
# clients of /hello on 2 gthread workers got 1,800-2,500 req/s in half the runs and 6,000 in the
# others; with a socket each, 6,000-6,300 in every run. (A second server the same user starts on
# the same port then shares it instead of failing to bind: stop the old one first.)
reuse_port = True


def post_worker_init(_worker: Any) -> None:
    """Move everything the worker built at start into the collector's permanent generation.

    The app, SQLAlchemy's mappers and the gazetteer's ZIP and city indexes are a few hundred
    thousand objects that live as long as the worker; left in the oldest generation, each full
    collection walked them all and held every request of the worker for about 300 ms.
    """
    gc.freeze()
