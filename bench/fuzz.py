"""`python -m bench.fuzz TARGET [libFuzzer flags] [CORPUS_DIR ...]`: fuzz one target with atheris.

Coverage-guided (libFuzzer) over the project's own code; `python -m bench fuzz` runs every target
for a bounded time, seeded with the saved pages and published samples.
"""

import logging
import sys

import atheris

with atheris.instrument_imports(include=["crawler", "directory"]):
    from bench.fuzz_targets import BASELINES, TARGETS


def main() -> None:
    """Fuzz the target named first (`NAME`, or `NAME.baseline`); the rest goes to libFuzzer."""
    name, _, variant = sys.argv.pop(1).partition(".")
    target = (BASELINES if variant == "baseline" else TARGETS)[name]
    logging.disable(logging.WARNING)  # every skip is logged; a fuzz run makes millions
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
