"""The local public web: realistic clinic sites, a directory and public licence data on 127.0.0.1.

Shared by the demo, the tests and the benchmarks, so crawls never need the internet.
"""

from localweb.server import DEFAULT_BASE_PORT, SITE_SLUGS, Fault, LocalWeb

__all__ = ["DEFAULT_BASE_PORT", "SITE_SLUGS", "Fault", "LocalWeb"]
