"""`python -m bench [NAME ...] [--quick] [--json FILE]`: run the benchmarks, print one table."""

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from bench.harness import Benchmark, Figure, machine, record, table

PREFIX = "bench_"


def discover() -> dict[str, Benchmark]:
    """Every benchmark module's `run`, by name (`bench/bench_search.py` is `search`)."""
    package = Path(__file__).parent
    found: dict[str, Benchmark] = {}
    for module in pkgutil.iter_modules([str(package)]):
        if module.name.startswith(PREFIX):
            found[module.name.removeprefix(PREFIX)] = importlib.import_module(
                f"bench.{module.name}"
            ).run
    return dict(sorted(found.items()))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); exit 1 when a figure misses its target."""
    benchmarks = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(benchmarks))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--json", type=Path, default=Path("var/bench/latest.json"), help="where to write figures"
    )
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.names) - set(benchmarks))
    if unknown:
        parser.error(
            f"no such benchmark: {', '.join(unknown)} (there are: {', '.join(benchmarks)})"
        )
    figures: list[Figure] = []
    for name in arguments.names or benchmarks:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        figures.extend(benchmarks[name](arguments.quick))
    info = machine()
    print(f"Machine: {info['cores']} cores, {info['processor']}, Python {info['python']}")
    print(table(figures))
    record(figures, arguments.json)
    print(f"Figures written to {arguments.json}")
    return 0 if all(figure.met is not False for figure in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
