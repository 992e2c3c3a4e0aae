"""The benchmark harness: ratios, targets, the printed table and the JSON record."""

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.harness import Figure, record, table


def test_figure_ratio_and_target_follow_direction() -> None:
    fast = Figure("search", "p95", 40.0, "ms", target=50.0, baseline=10.0, baseline_name="hello")
    slow = Figure("search", "rps", 300.0, "req/s", target=400.0, better="higher")
    assert fast.ratio == pytest.approx(4.0)
    assert fast.met is True
    assert slow.met is False
    assert slow.ratio is None


def test_table_shows_figure_target_baseline_and_ratio() -> None:
    figure = Figure(
        "extract", "per page", 2.5, " ms", target=3.0, baseline=1.0, baseline_name="parse"
    )
    row = table([figure]).splitlines()[-1]
    assert row == "| extract | per page | 2.5 ms | ≤ 3 | 1 (parse) | 2.50× | yes |"


def test_record_writes_figures_and_machine(tmp_path: Path) -> None:
    path = tmp_path / "out" / "figures.json"
    record([Figure("x", "y", 1.0, "s", target=0.5)], path)
    document = json.loads(path.read_text())
    assert document["machine"]["cores"] >= 1
    assert document["figures"][0]["met"] is False


def test_unknown_benchmark_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["no-such-benchmark"])
    assert stop.value.code == 2
    assert "no such benchmark: no-such-benchmark" in capsys.readouterr().err
