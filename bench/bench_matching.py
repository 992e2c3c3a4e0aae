"""Matching named clinicians against a large licence table: the whole licensing check, timed.

The data are generated: licence rows as boards publish them (several licence types and statuses,
ten states, surnames drawn from a long-tailed distribution so that common names make big blocks,
one in twenty compound), and listings naming clinicians taken from those rows with the
variations the matcher must see through (nicknames, initials, hyphenated surnames, printed NPIs)
or not in the table at all. The database is built once under `var/bench/` and reused.

Timed: `verify_listings` over every listing (matching, verdicts and their storage), wall clock and
this process's CPU time (the machine is shared). Baseline, in the same run: the blocking pass
alone — the matcher's own query for each clinician's surname block (first names cut by their
first letter in the database), fetched but not scored.
"""

import random
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from bench.harness import Figure
from directory.db import make_engine, make_sessionmaker, upgrade
from directory.licensing import verify_listings
from directory.licensing.matching import block_query, clinician_name
from directory.licensing.similarity import first_name_forms
from directory.models import Clinic, Clinician, License, Location
from directory.normalise.names import fold_name, name_key, surname_part_keys, surname_sound
from localweb.fillers import _pools
from localweb.nppes_file import npi_for

FOLDER = Path("var/bench")
AS_OF = date(2026, 11, 25)
RETRIEVED = datetime(2026, 11, 24, tzinfo=UTC)
STATES = ("TX", "CA", "NY", "FL", "CO", "WA", "IL", "PA", "OH", "GA")
TYPES = (("MD", 40), ("DO", 8), ("NP", 15), ("PA", 8), ("CRNA", 3), ("RN", 20), ("LPC", 6))
STATUSES = (("active", 80), ("expired", 12), ("inactive", 4), ("probation", 2), ("revoked", 2))
CREDENTIALS = {"MD": "MD", "DO": "DO", "NP": "FNP-BC", "PA": "PA-C", "CRNA": "CRNA", "RN": "RN"}
NICKNAMES = {"William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate"}
CHUNK = 20_000


def run(quick: bool) -> list[Figure]:
    """10,000 clinicians against 1,000,000 licence records (1,000 and 100,000 with `quick`)."""
    records, clinicians = (100_000, 1_000) if quick else (1_000_000, 10_000)
    engine = _database(records, clinicians)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        start = time.perf_counter()
        fetched = _blocking_pass(session)
        blocking = time.perf_counter() - start
    with sessions() as session:
        start, cpu = time.perf_counter(), time.process_time()
        verdicts = verify_listings(session, AS_OF, everything=True)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        session.rollback()
    engine.dispose()
    name = "matching"
    label = f"{clinicians:,} clinicians × {records:,} licences"
    block = f"blocking pass alone ({fetched:,} rows)"
    return [
        Figure(
            name,
            label,
            seconds,
            "s",
            target=30.0 * clinicians / 10_000,
            baseline=blocking,
            baseline_name=block,
        ),
        Figure(
            name,
            "per clinician",
            seconds / clinicians * 1000,
            "ms",
            target=3.0,
            baseline=blocking / clinicians * 1000,
            baseline_name=block,
        ),
        Figure(name, "CPU time of this process", cpu, "s"),
        Figure(name, "verified listings", verdicts.get("verified", 0), "listings"),
    ]


def _blocking_pass(session: Session) -> int:
    """The matcher's blocking query for every clinician, alone; how many rows came back."""
    total = 0
    for clinician in session.scalars(select(Clinician)):
        forms = first_name_forms(clinician.first_name)
        statement, parameters = block_query(clinician_name(clinician), forms)
        total += len(session.execute(statement, parameters).all())
    return total


def _database(records: int, clinicians: int) -> Engine:
    """The benchmark's database, built once for these sizes."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"matching_{records}_{clinicians}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        if not session.scalar(select(func.count()).select_from(Clinic)):
            _fill(session, records, clinicians)
    with engine.connect() as connection:  # reads through a write-ahead log this big are slow
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return engine


def _fill(session: Session, records: int, clinicians: int) -> None:
    """Licence rows, written a chunk at a time, then listings naming clinicians drawn from them."""
    rng = random.Random(4400)  # noqa: S311 - reproducible benchmark data
    surnames = _surnames(rng)
    chosen = set(rng.sample(range(records), clinicians))
    drawn = []
    for start in range(0, records, CHUNK):
        rows = [_licence(rng, surnames, serial) for serial in range(start, start + CHUNK)]
        session.execute(insert(License), rows)
        drawn += [row for serial, row in enumerate(rows, start) if serial in chosen]
    rng.shuffle(drawn)
    for serial in range(0, len(drawn), 2):
        clinic = Clinic(
            key=f"bench:{serial}", name=f"Clinic {serial}", modalities=[], conditions=[]
        )
        state = rng.choice(STATES)
        clinic.locations.append(Location(position=0, city="Springfield", state=state))
        people = (_clinician(rng, row, surnames) for row in drawn[serial : serial + 2])
        clinic.clinicians.extend({person.name_key: person for person in people}.values())
        session.add(clinic)
    session.flush()


def _surnames(rng: random.Random) -> tuple[list[str], list[float]]:
    """Surnames shaped like the US distribution: the commonest about 0.8 % of people, the 193
    real ones about a quarter, then a long tail of rare (made-up) ones."""
    common = [name.upper() for name in _pools()["last_names"]]
    syllables = ("BAR", "KEL", "MOR", "TAN", "VEL", "DRA", "SON", "LIN")
    syllables += ("RIK", "HAL", "NOV", "PER", "QUI", "ZAN", "FEL", "GOR")
    tail = sorted({"".join(rng.choices(syllables, k=rng.choice((2, 3)))) for _ in range(9_000)})
    weights = [0.0083 / (rank + 1) ** 0.5 for rank in range(len(common))]
    weights += [(1 - sum(weights)) / len(tail)] * len(tail)
    return common + tail, weights


def _licence(rng: random.Random, surnames: tuple[list[str], list[float]], serial: int) -> dict:
    """One licence row as a board publishes it."""
    pools = _pools()
    last = rng.choices(*surnames)[0]
    if rng.random() < 0.05:
        last = f"{last}-{rng.choices(*surnames)[0]}"
    kind = rng.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0]
    first = rng.choice(pools["first_names"][rng.choice("FM")]).upper()
    middle = rng.choice(["", "", "A", "J", "M", "LEE", "MARIE"])
    head, tail = surname_part_keys(last)
    state = rng.choice(STATES)
    return {
        "source_name": f"{state.lower()}-board",
        "state": state,
        "license_type": kind,
        "license_number": f"{kind}{serial:07d}",
        "first_name": first,
        "middle_name": middle or None,
        "last_name": last,
        "last_key": fold_name(last),
        "last_key_head": head,
        "last_key_tail": tail,
        "last_key_sound": surname_sound(fold_name(last)),
        "full_name": " ".join(part for part in (first, middle, last) if part),
        "status": rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0],
        "expiration_date": date(2027, rng.randrange(1, 13), 1),
        "city": "SPRINGFIELD",
        "npi": npi_for(serial) if rng.random() < 0.3 else None,
        "source_url": f"https://{state.lower()}-board.example/resource.json",
        "retrieved_at": RETRIEVED,
    }


def _clinician(rng: random.Random, row: dict, surnames: tuple[list[str], list[float]]) -> Clinician:
    """A clinician a listing names: usually a licence holder, written as listings write names."""
    first, last = row["first_name"].title(), row["last_name"].title()
    roll = rng.random()
    if roll < 0.2:
        last = rng.choices(*surnames)[0].title()  # someone not in the table
    elif roll < 0.3:
        first = NICKNAMES.get(first, first[0] + ".")
    elif roll < 0.35 and "-" in last:
        last = last.split("-")[0]
    credential = CREDENTIALS.get(row["license_type"], "LPC")
    return Clinician(
        name=f"{first} {last}, {credential}",
        name_key=name_key(first, last),
        first_name=first,
        middle_name=row["middle_name"] if rng.random() < 0.5 else None,
        last_name=last,
        credentials=[credential],
        npi=row["npi"] if rng.random() < 0.2 else None,
    )
