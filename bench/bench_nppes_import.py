"""NPPES dissemination file import: rows per second and peak memory, with the full file projected.

The file is generated in the real format (CMS's 330-column header, every value quoted) and kept
under `var/bench/` between runs. The import runs in a fresh interpreter on a fresh SQLite
database, so its peak resident memory (with its normalising worker's) is its own. The baseline is
a plain pyarrow streaming scan of the same file, every column, in the same run.
"""

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Figure
from directory.db import make_engine, make_sessionmaker, upgrade
from directory.nppes_file import import_nppes_file
from localweb.nppes_file import write_npidata

FULL_FILE_ROWS = 9_000_000
FOLDER = Path("var/bench")


def run(quick: bool) -> list[Figure]:
    """Import a generated file of 1 million rows (50,000 with `quick`)."""
    rows = 50_000 if quick else 1_000_000
    path = _generated(rows)
    scan_seconds, scan_peak, _ = _in_fresh_process("_scan", path)
    seconds, peak, counts = _in_fresh_process("_import", path)
    name = "nppes_import"
    scan = f"pyarrow scan of all {330} columns"
    return [
        Figure(
            name,
            f"{rows:,} rows",
            seconds,
            "s",
            target=60.0 * rows / 1_000_000,
            baseline=scan_seconds,
            baseline_name=scan,
        ),
        Figure(
            name,
            "rows per second",
            rows / seconds,
            "rows/s",
            better="higher",
            target=1_000_000 / 60,
            baseline=rows / scan_seconds,
            baseline_name=scan,
        ),
        Figure(
            name,
            "peak memory",
            peak,
            "MB",
            target=1024.0,
            baseline=scan_peak,
            baseline_name="same scan",
        ),
        Figure(
            name,
            f"full file ({FULL_FILE_ROWS:,} rows), projected",
            seconds / rows * FULL_FILE_ROWS / 60,
            "min",
            baseline=scan_seconds / rows * FULL_FILE_ROWS / 60,
            baseline_name=scan,
        ),
        Figure(name, "licence pointers stored", counts["licences_stored"], "rows"),
    ]


def _generated(rows: int) -> Path:
    """The generated file of this size, written once."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"npidata_pfile_{rows}.csv"
    if not path.exists():
        partial = path.with_suffix(".partial")
        write_npidata(partial, rows)
        partial.rename(path)
    return path


def _in_fresh_process(function: str, path: Path) -> tuple[float, float, dict[str, int]]:
    """Run one of the measurements below in a new interpreter: seconds, peak MB, counts."""
    call = f"b.{function}({str(path)!r})"
    code = f"import json, bench.bench_nppes_import as b; print(json.dumps({call}))"
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    seconds, peak, counts = json.loads(result.stdout.splitlines()[-1])
    return seconds, peak, counts


def _scan(path: str) -> tuple[float, float, dict[str, int]]:
    """Seconds to stream every column of the file with pyarrow, and the peak memory (MB)."""
    import pyarrow.csv as pa_csv

    start = time.perf_counter()
    total = 0
    for batch in pa_csv.open_csv(path):
        total += batch.num_rows
    return time.perf_counter() - start, _peak_mb(), {"rows": total}


def _import(path: str) -> tuple[float, float, dict[str, int]]:
    """Seconds to import the file into a fresh SQLite database, peak memory (MB), the counts."""
    database = Path(path).with_suffix(".db")
    for leftover in database.parent.glob(f"{database.name}*"):
        leftover.unlink()
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    start = time.perf_counter()
    counts = import_nppes_file(make_sessionmaker(engine), Path(path))
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, _peak_mb(), counts


def _peak_mb() -> float:
    """Peak resident memory in MB of this process plus its largest worker (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + workers) / 1024
