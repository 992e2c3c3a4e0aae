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
from typing import Any

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
    scan = _in_fresh_process("_scan", path)
    run = _in_fresh_process("_import", path)
    seconds, scan_seconds = run["seconds"], scan["seconds"]
    name, scanned = "nppes_import", "pyarrow scan of all 330 columns"
    per_full_file = FULL_FILE_ROWS / rows / 60
    return [
        Figure(
            name,
            f"{rows:,} rows",
            seconds,
            "s",
            target=60.0 * rows / 1_000_000,
            baseline=scan_seconds,
            baseline_name=scanned,
        ),
        Figure(
            name,
            "rows per second",
            rows / seconds,
            "rows/s",
            better="higher",
            target=1_000_000 / 60,
            baseline=rows / scan_seconds,
            baseline_name=scanned,
        ),
        Figure(
            name,
            "CPU time, with its worker",
            run["cpu_seconds"],
            "s",
            baseline=scan["cpu_seconds"],
            baseline_name=scanned,
        ),
        Figure(
            name,
            "peak memory, with its worker",
            run["peak_mb"],
            "MB",
            target=1024.0,
            baseline=scan["peak_mb"],
            baseline_name="same scan",
        ),
        Figure(
            name,
            f"full file ({FULL_FILE_ROWS:,} rows), projected",
            seconds * per_full_file,
            "min",
            baseline=scan_seconds * per_full_file,
            baseline_name=scanned,
        ),
        Figure(name, "licence pointers stored", run["counts"]["licences_stored"], "rows"),
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


def _in_fresh_process(function: str, path: Path) -> dict[str, Any]:
    """Run one of the measurements below in a new interpreter; what it measured."""
    call = f"b.{function}({str(path)!r})"
    code = f"import json, bench.bench_nppes_import as b; print(json.dumps({call}))"
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    measured: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return measured


def _scan(path: str) -> dict[str, Any]:
    """Stream every column of the file with pyarrow."""
    import pyarrow.csv as pa_csv

    start = time.perf_counter()
    total = 0
    for batch in pa_csv.open_csv(path):
        total += batch.num_rows
    return _measured(time.perf_counter() - start, {"rows": total})


def _import(path: str) -> dict[str, Any]:
    """Import the file into a fresh SQLite database."""
    database = Path(path).with_suffix(".db")
    for leftover in database.parent.glob(f"{database.name}*"):
        leftover.unlink()
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    start = time.perf_counter()
    counts = import_nppes_file(make_sessionmaker(engine), Path(path))
    seconds = time.perf_counter() - start
    engine.dispose()
    return _measured(seconds, counts)


def _measured(seconds: float, counts: dict[str, int]) -> dict[str, Any]:
    """Wall time, then peak resident memory (MB; Linux reports KiB) and CPU time of this
    process and its workers together."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "peak_mb": (own.ru_maxrss + workers.ru_maxrss) / 1024,
        "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in (own, workers)),
        "counts": counts,
    }
