"""`clinics import nppes FILE`: the NPPES full dissemination CSV streamed into the licence table.

The monthly `npidata_pfile_*.csv` has about nine million rows of 330 quoted columns. pyarrow's
streaming CSV reader reads only the columns we use, a block at a time (memory stays bounded by
the block size), and the rows that matter are picked out with vectorised filters before any
Python object is made: individuals with a physician, nurse-practitioner, physician-assistant or
nurse-anesthetist taxonomy, and the clinics and groups among organisations. Individuals' licences
and organisations go through the same normalisers as the NPI registry API's results (which
decide, as they do for the API, which organisations are kept), and are upserted in bulk. After
every block the count of rows done is committed with the rows, so an interrupted import
resumes where it stopped.
"""

import csv
import hashlib
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from directory.ingest import upsert_organisations, upsert_registry_licenses
from directory.items import NpiRecordItem
from directory.models import ImportCheckpoint, utcnow
from directory.normalise.licenses import (
    CLINIC_TAXONOMY_PREFIXES,
    normalise_npi_organisation,
    normalise_npi_record,
    npi_file_record,
)
from directory.normalise.records import LicenseRecord, NormaliseError, OrganisationRecord

TAXONOMY_SLOTS = range(1, 16)
KEPT_TAXONOMY_PREFIXES = ("20", "363L", "363A", "367500000X")
"""Allopathic and osteopathic physicians (psychiatry, anesthesiology, …), NPs, PAs and CRNAs."""
IDENTITY_COLUMNS = (
    "NPI",
    "Entity Type Code",
    "Provider Organization Name (Legal Business Name)",
    "Provider Last Name (Legal Name)",
    "Provider First Name",
    "Provider Middle Name",
    "Provider Name Suffix Text",
    "Provider Credential Text",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "NPI Deactivation Date",
    "NPI Reactivation Date",
)
TAXONOMY_COLUMNS = tuple(
    column
    for slot in TAXONOMY_SLOTS
    for column in (
        f"Healthcare Provider Taxonomy Code_{slot}",
        f"Provider License Number_{slot}",
        f"Provider License Number State Code_{slot}",
        f"Healthcare Provider Primary Taxonomy Switch_{slot}",
        f"Healthcare Provider Taxonomy Group_{slot}",
    )
)
COLUMNS = IDENTITY_COLUMNS + TAXONOMY_COLUMNS
BLOCK_SIZE = 4 << 20
WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))
"""Processes normalising blocks while this one reads the file and writes the rows."""
FINGERPRINT_BYTES = 1 << 20

Progress = Callable[[int, int], None]
"""Told the bytes read so far and the rows done so far, after every block."""


class NppesFileError(ValueError):
    """A file that is not an NPPES dissemination file we can read."""


def import_nppes_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    source_name: str = "nppes",
    retrieved_at: datetime | None = None,
    progress: Progress | None = None,
    block_size: int = BLOCK_SIZE,
) -> dict[str, int]:
    """Import one dissemination file, resuming a previous import of the same file; the counts."""
    _check_header(path)
    fingerprint = file_fingerprint(path)
    retrieved_at = retrieved_at or utcnow()
    with sessions.begin() as session:
        checkpoint = _checkpoint(session, source_name, path, fingerprint)
        done, counts = checkpoint.rows_done, Counter(checkpoint.counts)
        checkpoint_id = checkpoint.id
    normalise = partial(
        _batch_records,
        source_name=source_name,
        source_url=path.resolve().as_uri(),
        retrieved_at=retrieved_at,
    )
    spawn = multiprocessing.get_context("spawn")  # pyarrow's threads make fork unsafe
    with ProcessPoolExecutor(WORKERS, mp_context=spawn) as pool:
        pending = _pending_blocks(path, block_size, done)
        for block, (records, organisations, found) in _in_order(pool, normalise, pending):
            with sessions.begin() as session:
                counts.update(found)
                counts["licences_stored"] += upsert_registry_licenses(session, records)
                counts["organisations_stored"] += upsert_organisations(session, organisations)
                counts["rows"] += block.batch.num_rows
                if block.malformed:
                    counts["skipped/malformed_row"] += block.malformed
                checkpoint = session.get_one(ImportCheckpoint, checkpoint_id)
                checkpoint.rows_done, checkpoint.counts = block.end, dict(counts)
                checkpoint.updated_at = utcnow()
            if progress is not None:
                progress(block.bytes_read, block.end)
    with sessions.begin() as session:
        session.get_one(ImportCheckpoint, checkpoint_id).finished_at = utcnow()
    return dict(counts)


@dataclass(frozen=True)
class _Block:
    """A block of the file still to import."""

    end: int
    """The number of data rows up to the end of this block."""
    batch: Any
    bytes_read: int
    malformed: int
    """Rows the reader skipped while reading it, with too many or too few fields."""


def read_batches(
    path: Path, block_size: int = BLOCK_SIZE, on_invalid: Callable[[Any], str] | None = None
) -> Iterator[tuple[int, Any, int]]:
    """The file's wanted columns as record batches of strings: (first row, batch, bytes read).

    `on_invalid` is told of each malformed row and says "skip" or "error" (the default).
    """
    source = pa.OSFile(str(path))
    reader = pa_csv.open_csv(
        source,
        read_options=pa_csv.ReadOptions(block_size=block_size),
        parse_options=pa_csv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pa_csv.ConvertOptions(
            include_columns=list(COLUMNS),
            column_types=dict.fromkeys(COLUMNS, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    position = 0
    for batch in reader:
        yield position, batch, source.tell()
        position += batch.num_rows


def _pending_blocks(path: Path, block_size: int, done: int) -> Iterator[_Block]:
    """The blocks not yet imported, the first cut at the checkpoint; malformed rows skipped
    and counted (against the block being read when the reader met them)."""
    malformed = 0

    def skip(_row: Any) -> str:
        nonlocal malformed
        malformed += 1
        return "skip"

    for position, batch, bytes_read in read_batches(path, block_size, skip):
        end, seen, malformed = position + batch.num_rows, malformed, 0
        if end > done:
            yield _Block(end, batch.slice(max(done - position, 0)), bytes_read, seen)


Normalised = tuple[list[LicenseRecord], list[OrganisationRecord], Counter[str]]


def _in_order(
    pool: ProcessPoolExecutor,
    normalise: Callable[[Any], Normalised],
    blocks: Iterator[_Block],
) -> Iterator[tuple[_Block, Normalised]]:
    """Blocks normalised in worker processes, a few ahead of the writer, in file order."""
    ahead: deque[tuple[_Block, Future[Normalised]]] = deque()
    for block in blocks:
        ahead.append((block, pool.submit(normalise, block.batch)))
        if len(ahead) > WORKERS:
            first, future = ahead.popleft()
            yield first, future.result()
    while ahead:
        first, future = ahead.popleft()
        yield first, future.result()


def file_fingerprint(path: Path) -> str:
    """What identifies a file across attempts: its size and a hash of its first mebibyte."""
    with path.open("rb") as handle:
        head = handle.read(FINGERPRINT_BYTES)
    return hashlib.sha256(f"{path.stat().st_size}:".encode() + head).hexdigest()


def _check_header(path: Path) -> None:
    """Refuse a file without the columns we read, naming the ones missing."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        shown = ", ".join(repr(column) for column in missing[:5])
        raise NppesFileError(f"{path}: not an NPPES npidata file; missing columns {shown}")


def _checkpoint(
    session: Session, source_name: str, path: Path, fingerprint: str
) -> ImportCheckpoint:
    """The checkpoint of an earlier import of this file, or a new one."""
    found = session.scalars(
        select(ImportCheckpoint).where(
            ImportCheckpoint.source_name == source_name,
            ImportCheckpoint.fingerprint == fingerprint,
        )
    ).one_or_none()
    if found is None:
        found = ImportCheckpoint(
            source_name=source_name, file_name=path.name, fingerprint=fingerprint, counts={}
        )
        session.add(found)
        session.flush()
    return found


def _kept_mask(batch: Any, prefixes: tuple[str, ...], kinds: tuple[str, ...] = ("Code",)) -> Any:
    """Rows with any taxonomy code (or group, of the kinds of column named) starting with one of
    the prefixes."""
    mask = None
    for slot in TAXONOMY_SLOTS:
        for kind in kinds:
            codes = batch.column(f"Healthcare Provider Taxonomy {kind}_{slot}")
            for prefix in prefixes:
                hit = pc.starts_with(codes, prefix)
                mask = hit if mask is None else pc.or_(mask, hit)
    return mask


def _batch_records(
    batch: Any, *, source_name: str, source_url: str, retrieved_at: datetime
) -> Normalised:
    """The licence records of one batch's kept individuals, its kept organisations, and the
    counts of what it held."""
    counts: Counter[str] = Counter()
    entity = batch.column("Entity Type Code")
    deactivated = pc.and_(
        pc.not_equal(batch.column("NPI Deactivation Date"), ""),
        pc.equal(batch.column("NPI Reactivation Date"), ""),
    )
    individual = pc.and_(pc.equal(entity, "1"), pc.invert(deactivated))
    kept = pc.and_(individual, _kept_mask(batch, KEPT_TAXONOMY_PREFIXES))
    # A cheap first cut: `normalise_npi_organisation` decides, as it does for the API's results.
    clinics = _kept_mask(batch, CLINIC_TAXONOMY_PREFIXES, ("Code", "Group"))
    organisations = pc.and_(pc.and_(pc.equal(entity, "2"), clinics), pc.invert(deactivated))
    counts["deactivated"] += pc.sum(deactivated).as_py() or 0
    counts["organisations"] += pc.sum(organisations).as_py() or 0
    item = partial(
        NpiRecordItem, source_name=source_name, source_url=source_url, retrieved_at=retrieved_at
    )
    records: list[LicenseRecord] = []
    for row in batch.filter(kept).to_pylist():
        counts["individuals_kept"] += 1
        try:
            records.extend(normalise_npi_record(item(record=npi_file_record(row))))
        except NormaliseError as error:
            counts[f"skipped/{error.reason}"] += 1
    found: list[OrganisationRecord] = []
    for row in batch.filter(organisations).to_pylist():
        try:
            organisation = normalise_npi_organisation(item(record=npi_file_record(row)))
        except NormaliseError as error:
            counts[f"skipped/{error.reason}"] += 1
        else:
            found += [organisation] if organisation else []
    return records, found, counts
