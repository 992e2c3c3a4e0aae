"""Serve the local public web until Ctrl-C: `python -m localweb [--base-port 8801]`."""

import argparse
import threading
from pathlib import Path

from localweb import DEFAULT_BASE_PORT, LocalWeb


def main() -> None:
    """Start every site, print where they are, and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m localweb", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT)
    parser.add_argument("--sources", type=Path, help="also write the sources file here")
    options = parser.parse_args()
    with LocalWeb(options.host, options.base_port, verbose=True) as web:
        for slug, url in web.urls.items():
            print(f"{slug:<24} {url}")
        if options.sources:
            print(f"sources file written to {web.write_sources(options.sources)}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping")


if __name__ == "__main__":
    main()
