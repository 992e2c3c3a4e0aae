"""What a benchmark reports, and how the harness prints and records it."""

import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Figure:
    """One measured figure, its target and the baseline measured in the same run."""

    benchmark: str
    metric: str
    value: float
    unit: str
    target: float | None = None
    better: Literal["lower", "higher"] = "lower"
    baseline: float | None = None
    baseline_name: str = ""

    @property
    def ratio(self) -> float | None:
        """The figure divided by its baseline (None when there is no baseline)."""
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the figure reaches its target (None when it has none)."""
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict[str, object]:
        """The figure with its derived ratio and verdict, for the JSON record."""
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


Benchmark = Callable[[bool], list[Figure]]


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """Time a block: the yielded function gives the seconds elapsed, fixed once the block ends."""
    start = time.perf_counter()
    end: float | None = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


def machine() -> dict[str, object]:
    """The machine the figures came from."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table: figure, target, baseline and ratio side by side."""
    rows = [
        "| benchmark | metric | figure | target | baseline | ratio | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        sign = "≤" if figure.better == "lower" else "≥"
        target = "-" if figure.target is None else f"{sign} {_number(figure.target)}"
        baseline = (
            "-"
            if figure.baseline is None
            else f"{_number(figure.baseline)} ({figure.baseline_name})"
        )
        ratio = "-" if figure.ratio is None else f"{figure.ratio:.2f}×"
        met = {None: "-", True: "yes", False: "**no**"}[figure.met]
        rows.append(
            f"| {figure.benchmark} | {figure.metric} | {_number(figure.value)}{figure.unit} "
            f"| {target} | {baseline} | {ratio} | {met} |"
        )
    return "\n".join(rows)


def record(figures: list[Figure], path: Path) -> None:
    """Write the figures and the machine as JSON, so runs can be compared between commits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": [figure.as_dict() for figure in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
