"""The item pipeline: hands each item to the directory and counts what became of it."""

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.spiders.base import SKIP_DETAILS_KEY, SourceSpider
from directory import ingest, runs
from directory.db import make_engine, make_sessionmaker, refresh_statistics
from directory.items import ClinicItem, ExclusionItem, LicenseItem, NpiRecordItem, Provenance
from directory.models import CrawlRun
from directory.monitors import check_run, run_event
from directory.normalise import (
    NormaliseError,
    mixed_script_name,
    normalise_exclusion,
    normalise_license,
    normalise_listing,
    normalise_npi_organisation,
    normalise_npi_record,
    unmapped_words,
)
from directory.notify import notify
from directory.sources import Source
from directory.vocab import CrawlOutcome

ERROR_STATS = ("log_count/ERROR", "spider_exceptions/count", "downloader/exception_count")
PROVENANCE = {f.name for f in dataclasses.fields(Provenance)}


def _store(
    session: Session, item: Any, source: Source, run_id: int | None
) -> tuple[list[CrawlOutcome], dict[str, int]]:
    """Normalise an item and store what it holds (an NPPES record may hold several licences);
    also the counts of parts of it that were skipped (a listing's unreadable hours) or flagged (a
    board's status or type word the sources file does not map)."""
    if isinstance(item, ClinicItem):
        record = normalise_listing(item)
        skipped = {"skipped/unreadable_hours": record.unreadable_hours}
        return [ingest.ingest_listing(session, record, run_id)], skipped
    if isinstance(item, LicenseItem):
        licence = normalise_license(item, source)
        unmapped = {f"flagged/unmapped_{word}": 1 for word in unmapped_words(licence, source)}
        return [ingest.ingest_license(session, licence)], unmapped
    if isinstance(item, NpiRecordItem):
        return _store_npi_record(session, item)
    if isinstance(item, ExclusionItem):
        return [ingest.ingest_exclusion(session, normalise_exclusion(item))], {}
    raise TypeError(f"no storage for {type(item).__name__}")


def _store_npi_record(
    session: Session, item: NpiRecordItem
) -> tuple[list[CrawlOutcome], dict[str, int]]:
    """An individual's licence pointers, or a clinic organisation, as the NPPES file import
    stores them; an organisation of another kind is counted and left out, as the import leaves
    it out."""
    if item.record.get("enumeration_type") != "NPI-2":
        return [ingest.ingest_license(session, r) for r in normalise_npi_record(item)], {}
    organisation = normalise_npi_organisation(item)
    if organisation is None:
        return [], {"skipped/not_a_clinic_organisation": 1}
    return [ingest.ingest_organisation(session, organisation)], {}


def _http_errors(stats: dict[str, Any]) -> dict[str, int]:
    """Responses with an error status, as `http/404`-style counts."""
    prefix = "downloader/response_status_count/"
    return {
        f"http/{key.removeprefix(prefix)}": int(value)
        for key, value in stats.items()
        if key.startswith(prefix) and int(key.removeprefix(prefix)) >= 400
    }


def _filled_fields(item: Any) -> Iterator[str]:
    """The fields of an item that hold something (a table row's or record's own keys)."""
    values = {
        f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name not in PROVENANCE
    }
    if len(values) == 1 and isinstance(only := next(iter(values.values())), dict):
        values = only
    return (name for name, value in values.items() if value not in (None, "", [], {}))


def shard_of(value: str | None) -> tuple[int, int] | None:
    """The (run id, position) a `CLINICS_SHARD` setting of the form `RUN:POSITION` names."""
    if not value:
        return None
    run_id, position = value.split(":")
    return int(run_id), int(position)


class IngestPipeline:
    """Normalises and stores every item in one transaction each; records the crawl run."""

    def __init__(self, crawler: Crawler, engine_factory: Callable[[str | None], Engine]):
        self.crawler = crawler
        self.engine = engine_factory(crawler.settings.get("DATABASE_URL"))
        self.sessions = make_sessionmaker(self.engine)
        self.run_id: int | None = None
        # A shard of a planned run records into its shard; the run is closed by its coordinator.
        self.shard = shard_of(crawler.settings.get("CLINICS_SHARD"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "IngestPipeline":
        pipeline = cls(crawler, make_engine)
        # The run is recorded when the spider has closed, once its finish reason is known.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def source(self) -> Source:
        spider = self.crawler.spider
        assert isinstance(spider, SourceSpider)  # noqa: S101 - only source spiders run here
        return spider.source

    def open_spider(self) -> None:
        if self.shard is not None:
            self.run_id = self.shard[0]  # the planned run the shard's listings are seen in
            return
        with self.sessions.begin() as session:
            self.run_id = ingest.start_run(session, self.source).id

    def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        assert stats is not None  # noqa: S101 - Scrapy always sets stats before items flow
        try:
            with self.sessions.begin() as session:
                outcomes, skipped = _store(session, item, self.source, self.run_id)
        except NormaliseError as error:
            stats.inc_value(f"dropped/{error.reason}")
            details = stats.get_value(SKIP_DETAILS_KEY, [])
            stats.set_value(SKIP_DETAILS_KEY, [*details, f"{error.reason}: {item.source_url}"])
            raise DropItem(f"{error} ({item.source_url})") from None
        for outcome in outcomes:
            stats.inc_value(f"ingest/{outcome}")
        for key, count in skipped.items():
            if count:
                stats.inc_value(key, count)
        if isinstance(item, ClinicItem) and item.name and mixed_script_name(item.name):
            stats.inc_value("flagged/mixed_script_name")  # stored, and shown to maintainers
            details = stats.get_value(SKIP_DETAILS_KEY, [])
            stats.set_value(SKIP_DETAILS_KEY, [*details, f"mixed_script_name: {item.source_url}"])
        for name in _filled_fields(item):
            stats.inc_value(f"fields/{name}")
        return item

    def spider_closed(self, reason: str) -> None:
        """Record the finished run with its counts, skips and errors, then refresh the planner's
        statistics of what it wrote."""
        stats = self.crawler.stats
        assert stats is not None  # noqa: S101
        values = stats.get_stats()
        counts = {
            key: int(value)
            for key, value in values.items()
            if key.split("/")[0] in {"ingest", "dropped", "skipped", "errors", "flagged", "fields"}
            or key in {"item_scraped_count", "response_received_count"}
        }
        counts |= _http_errors(values)
        errors = list(values.get(SKIP_DETAILS_KEY, []))
        error_count = sum(int(values.get(key, 0)) for key in ERROR_STATS)
        if self.shard is not None:
            with self.sessions.begin() as session:
                runs.finish_shard(
                    session,
                    *self.shard,
                    status="finished" if reason == "finished" else "failed",
                    counts=counts,
                    errors=errors,
                    error_count=error_count,
                )
        else:
            self._finish_run(reason, counts, errors, error_count)
        refresh_statistics(self.engine)
        self.engine.dispose()

    def _finish_run(
        self, reason: str, counts: dict[str, int], errors: list[str], error_count: int
    ) -> None:
        """Record how the run ended, judge it, count its misses, and tell of one that failed."""
        with self.sessions.begin() as session:
            run = session.get(CrawlRun, self.run_id)
            assert run is not None  # noqa: S101
            ingest.finish_run(
                session,
                run,
                status="finished" if reason == "finished" else f"stopped: {reason}",
                counts=counts,
                errors=errors,
                error_count=error_count,
            )
            check_run(session, run)
            ingest.count_misses(session, run)
        if run.status != "finished":
            notify(run_event(run))
