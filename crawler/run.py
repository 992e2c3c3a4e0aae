"""Running the crawls for a set of sources, one after another, in one process.

Listings are crawled first, so that the NPI registry look-ups can ask about every clinician they
name; licence tables and the exclusion list follow. Twisted's reactor cannot restart, so a process
runs one `crawl()`; schedulers start a new process per crawl.
"""

from collections.abc import Sequence
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from crawler.spiders.base import SourceSpider
from crawler.spiders.clinic_sites import ClinicSitesSpider
from crawler.spiders.directory import DirectorySpider
from crawler.spiders.leie_csv import LeieCsvSpider
from crawler.spiders.license_table import LicenseTableSpider
from crawler.spiders.nppes_api import NppesApiSpider
from crawler.spiders.nppes_organizations import NppesOrganizationsSpider
from crawler.spiders.osm_overpass import OsmOverpassSpider
from directory.db import database_sessions
from directory.licensing import ClinicianLookup, clinician_lookups
from directory.sources import Source
from directory.vocab import SourceKind

SPIDERS: dict[SourceKind, type[SourceSpider]] = {
    SourceKind.CLINIC_SITES: ClinicSitesSpider,
    SourceKind.DIRECTORY: DirectorySpider,
    SourceKind.NPPES_ORGANIZATIONS: NppesOrganizationsSpider,
    SourceKind.OSM_OVERPASS: OsmOverpassSpider,
    SourceKind.NPPES_API: NppesApiSpider,
    SourceKind.LICENSE_TABLE: LicenseTableSpider,
    SourceKind.LEIE_CSV: LeieCsvSpider,
}
ORDER = list(SPIDERS)


def project_settings(database_url: str, sources_file: str | None = None) -> Settings:
    """The crawler's settings, pointed at a database (independent of the working folder)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DATABASE_URL", database_url, priority="cmdline")
    if sources_file:
        settings.set("CLINICS_SOURCES", sources_file, priority="cmdline")
    return settings


def crawl(
    sources: Sequence[Source],
    settings: Settings,
    lookups: Sequence[ClinicianLookup] | None = None,
) -> None:
    """Crawl every source in order; returns when all have finished (or on Ctrl-C).

    The registry is asked about `lookups` when given, else about every clinician stored.
    """
    install_reactor(settings["TWISTED_REACTOR"])
    from twisted.internet import reactor  # only importable once the reactor is installed

    configure_logging(settings)
    runner = AsyncCrawlerRunner(settings)
    failures: list[BaseException] = []

    async def crawl_in_order() -> None:
        try:
            for source in sorted(sources, key=lambda s: ORDER.index(s.kind)):
                arguments = _spider_arguments(source, settings, lookups)
                await runner.crawl(SPIDERS[source.kind], **arguments)
        except Exception as error:  # noqa: BLE001 - reported after the reactor stops
            failures.append(error)
        finally:
            reactor.stop()  # type: ignore[attr-defined]

    reactor.callWhenRunning(lambda: deferred_from_coro(crawl_in_order()))  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]
    if failures:
        raise failures[0]


def _spider_arguments(
    source: Source, settings: Settings, lookups: Sequence[ClinicianLookup] | None
) -> dict[str, Any]:
    """What a spider is given: its source, and for the registry the clinicians to look up."""
    if source.kind is not SourceKind.NPPES_API:
        return {"source": source}
    if lookups is not None:
        return {"source": source, "lookups": list(lookups)}
    with database_sessions(settings["DATABASE_URL"]) as sessions, sessions() as session:
        return {"source": source, "lookups": clinician_lookups(session)}
