"""Fuzz the page extractor and the licence readers for a bounded time; a crash misses the target.

Each target runs in its own process (libFuzzer owns it), seeded with the saved pages or the
published licence and exclusion samples. The baseline is the fuzzer's rate, on the same seeds, on
a target that only parses the input (HTML once; JSON and CSV). A crash input is copied to
`tests/fixtures/fuzz/<target>/`, where a regression test replays it once fixed.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Figure

REPOSITORY = Path(__file__).parents[1]
REGRESSIONS = REPOSITORY / "tests" / "fixtures" / "fuzz"
SEEDS = {
    "extract": [REPOSITORY / "tests" / "fixtures" / "pages", REPOSITORY / "localweb" / "sites"],
    "licenses": [REPOSITORY / "tests" / "fixtures" / "reference", REPOSITORY / "localweb" / "data"],
}
SEED_SUFFIXES = {".html", ".csv", ".json"}
DONE = re.compile(r"Done (\d+) runs in (\d+) second")


def _seed_corpus(target: str, folder: Path) -> None:
    """Copy the target's seed files, flattened, into a scratch corpus the fuzzer may grow."""
    for root in SEEDS[target]:
        for path in root.rglob("*"):
            if path.suffix in SEED_SUFFIXES and path.is_file():
                shutil.copy(path, folder / "_".join(path.relative_to(REPOSITORY).parts))


def _fuzz(target: str, seconds: int, *, baseline: bool = False) -> tuple[float, list[Path]]:
    """Inputs per second, and the crash inputs kept as regression cases."""
    with tempfile.TemporaryDirectory() as scratch:
        corpus, artefacts = Path(scratch) / "corpus", Path(scratch) / "crashes"
        corpus.mkdir()
        artefacts.mkdir()
        _seed_corpus(target, corpus)
        name = f"{target}.baseline" if baseline else target
        result = subprocess.run(
            [sys.executable, "-m", "bench.fuzz", name, f"-max_total_time={seconds}"]
            + [f"-artifact_prefix={artefacts}/", "-max_len=65536", "-rss_limit_mb=2048"]
            + [str(corpus)],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=False,
        )
        crashes = [_keep(target, path) for path in artefacts.iterdir()]
    done = DONE.search(result.stderr)
    if done is None and not crashes:
        raise RuntimeError(f"the fuzzer for {target} failed:\n{result.stderr[-2000:]}")
    rate = int(done.group(1)) / max(int(done.group(2)), 1) if done else 0.0
    return rate, crashes


def _keep(target: str, crash: Path) -> Path:
    """Copy a crash input to the regression fixtures."""
    folder = REGRESSIONS / target
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(crash, folder / crash.name))


def run(quick: bool) -> list[Figure]:
    """Each target's crash count (target 0) and its rate next to its parse-only baseline's."""
    seconds = 10 if quick else 120
    figures = []
    for target in ("extract", "licenses"):
        baseline, _ = _fuzz(target, min(seconds, 20), baseline=True)
        rate, crashes = _fuzz(target, seconds)
        for crash in crashes:
            print(f"crash input saved: {crash.relative_to(REPOSITORY)}", file=sys.stderr)
        figures += [
            Figure(f"fuzz {target}", f"crashes in {seconds} s", len(crashes), "", target=0),
            Figure(
                f"fuzz {target}",
                "inputs per second",
                rate,
                " /s",
                better="higher",
                baseline=baseline,
                baseline_name="parse only",
            ),
        ]
    return figures
