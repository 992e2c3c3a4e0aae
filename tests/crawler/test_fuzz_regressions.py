"""Every input the fuzzer ever crashed a target with, replayed: none may raise again."""

from pathlib import Path

import pytest

from bench.fuzz_targets import TARGETS

REGRESSIONS = Path(__file__).parents[1] / "fixtures" / "fuzz"
CASES = sorted(path for path in REGRESSIONS.glob("*/*") if path.name != "README.md")


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_fuzz_crash_input_no_longer_crashes(case: Path) -> None:
    TARGETS[case.parent.name](case.read_bytes())
