"""What the maintainers' crawl dashboard shows: recent runs per source with their figures, and the
history of listings and verdicts per state, counted after every verification."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from directory.models import Clinic, CrawlRun, Location, VerdictCount
from directory.vocab import Verdict

log = logging.getLogger(__name__)

NO_STATE = ""
"""The state a listing without one is counted under."""


@dataclass(frozen=True)
class RunFigures:
    """One crawl run as the dashboard and `clinics runs` describe it."""

    run_id: int
    source_name: str
    status: str
    started_at: datetime
    seconds: float | None
    pages: int
    items: int
    drops: int
    errors: int
    findings: tuple[str, ...]

    @property
    def error_rate(self) -> float | None:
        """Errors per page fetched (None when no page was fetched)."""
        return self.errors / self.pages if self.pages else None


def run_figures(run: CrawlRun) -> RunFigures:
    """A run's duration, pages, items, drops (items dropped or skipped) and errors."""
    counts = run.counts
    return RunFigures(
        run_id=run.id,
        source_name=run.source_name,
        status=run.status,
        started_at=run.started_at,
        seconds=(run.finished_at - run.started_at).total_seconds() if run.finished_at else None,
        pages=int(counts.get("response_received_count", 0)),
        items=int(counts.get("item_scraped_count", 0)),
        drops=sum(int(v) for k, v in counts.items() if k.startswith(("dropped/", "skipped/"))),
        errors=run.error_count,
        findings=tuple(run.findings),
    )


def runs_by_source(session: Session, per_source: int) -> dict[str, list[RunFigures]]:
    """The latest runs of every source, newest first, sources by name."""
    newest = (
        select(
            CrawlRun.id,
            func.row_number()
            .over(partition_by=CrawlRun.source_name, order_by=CrawlRun.id.desc())
            .label("rank"),
        )
        .where(CrawlRun.status != "planned")
        .subquery()
    )
    found = session.scalars(
        select(CrawlRun)
        .join(newest, newest.c.id == CrawlRun.id)
        .where(newest.c.rank <= per_source)
        .order_by(CrawlRun.source_name, CrawlRun.id.desc())
    )
    grouped: dict[str, list[RunFigures]] = {}
    for run in found:
        grouped.setdefault(run.source_name, []).append(run_figures(run))
    return grouped


def count_verdicts(session: Session) -> dict[tuple[str, Verdict], int]:
    """Public listings by state and verdict, now (a listing counts once in each of its states)."""
    state = func.coalesce(Location.state, NO_STATE)
    rows = session.execute(
        select(state, Clinic.verdict, func.count(func.distinct(Clinic.id)))
        .select_from(Clinic)
        .outerjoin(Location, Location.clinic_id == Clinic.id)
        .where(~Clinic.removal.has())
        .group_by(state, Clinic.verdict)
    ).all()
    return {(str(place), Verdict(verdict)): int(number) for place, verdict, number in rows}


def record_verdict_counts(session: Session, day: date) -> None:
    """Store today's counts by state and verdict, replacing any counted earlier in the day.

    Two verifications finishing at once may both count; the one that loses the race leaves the
    other's counts, which are as fresh (it is logged, and the next verification counts again).
    """
    counts = count_verdicts(session)
    try:
        with session.begin_nested():
            session.execute(delete(VerdictCount).where(VerdictCount.day == day))
            if counts:
                session.execute(
                    insert(VerdictCount),
                    [
                        {"day": day, "state": place, "verdict": verdict, "listings": number}
                        for (place, verdict), number in sorted(counts.items())
                    ],
                )
    except IntegrityError:
        log.info("verdict counts of %s were recorded by another verification meanwhile", day)


@dataclass(frozen=True)
class StateHistory:
    """One state's listings by verdict on each day counted."""

    state: str
    days: tuple[date, ...]
    counts: dict[Verdict, tuple[int, ...]]
    """Per verdict seen in the state, its count on each of `days` (0 when none)."""


def verdict_history(session: Session, since: date) -> list[StateHistory]:
    """The counts recorded since a day, by state (states by postal code, no state last)."""
    rows = session.execute(
        select(VerdictCount.state, VerdictCount.day, VerdictCount.verdict, VerdictCount.listings)
        .where(VerdictCount.day >= since)
        .order_by(VerdictCount.day)
    ).all()
    days = tuple(sorted({row.day for row in rows}))
    by_state: dict[str, dict[Verdict, dict[date, int]]] = {}
    for place, day, verdict, number in rows:
        by_state.setdefault(place, {}).setdefault(Verdict(verdict), {})[day] = number
    return [
        StateHistory(
            state=place,
            days=days,
            counts={
                verdict: tuple(per_day.get(day, 0) for day in days)
                for verdict, per_day in sorted(
                    by_state[place].items(), key=lambda item: _VERDICT_ORDER[item[0]]
                )
            },
        )
        for place in sorted(by_state, key=lambda place: (place == NO_STATE, place))
    ]


_VERDICT_ORDER = {verdict: position for position, verdict in enumerate(Verdict)}


def history_start(today: date, days: int) -> date:
    """The first day of a history of `days` days ending today."""
    return today - timedelta(days=days - 1)
