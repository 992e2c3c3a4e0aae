"""A crawl over a local web where a third of the URLs misbehave: it finishes, counts every failure
by cause, stores every good listing and loses nothing stored before.

Which URLs misbehave, and how, is a seeded choice over every fault kind the local web has.
"""

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Clinic, CrawlRun
from localweb import Fault, LocalWeb

SEEDS = (19, 43, 44)  # between them, the crawls meet every kind of fault, 27 times
LISTING_SOURCES = ("clinic-sites", "ketamine-finder")
LISTING_SITES = ("calm-waters", "lone-star-infusions", "hill-country-wellness", "new-dawn")
"""The sites the listing sources read: the clinic sites, and the directory."""
DIRECTORY = "ketamine-finder"
FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "reset": ({"kind": "reset"}, "errors/connection_lost"),
    "truncated": ({"kind": "truncated"}, "errors/truncated"),
    "redirect_loop": ({"kind": "redirect_loop"}, "errors/redirect_loop"),
    "huge": ({"kind": "huge"}, "errors/too_large"),
    "endless": ({"kind": "endless"}, "errors/too_large"),
    "binary": ({"kind": "binary"}, "skipped/not_html"),
    "server_error": ({"status": 500}, "errors/http_500"),
    "busy": ({"status": 503, "retry_after": 1}, "errors/http_503"),
    "hang": ({"delay": 3.0}, "errors/timeout"),  # the crawler waits 1 s
}
"""Each fault kind, and the count a URL that has it must add to the run that fetched it."""
LISTING_PAGE = "/clinics/"


@pytest.fixture(scope="module")
def clean(local_web: LocalWeb, clinics) -> tuple[Path, list[tuple[str, str]]]:
    """A clean crawl first (listings and licences, so verdicts are given): the sources file and
    every page the listing sources fetched."""
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    asked = len(local_web.requests)
    listings = (arg for name in LISTING_SOURCES for arg in ("--source", name))
    clinics.run(
        "crawl",
        "--sources",
        str(sources),
        *listings,
        "--source",
        "nppes",
        "--source",
        "tx-licenses",
    )
    pages = pages_of(local_web.requests[asked:])
    return sources, [page for page in pages if page[0] in (*LISTING_SITES, DIRECTORY)]


def pages_of(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The distinct pages (site, path without query) of a request log, robots.txt left out."""
    paths = {(site, path.split("?")[0]) for site, path in requests}
    return sorted(page for page in paths if page[1] != "/robots.txt")


def stored(engine) -> dict[str, tuple[Any, ...]]:
    """Every stored listing with what a patient sees of it, by key."""
    with Session(engine) as session:
        clinics = session.scalars(
            select(Clinic).options(selectinload(Clinic.locations), selectinload(Clinic.clinicians))
        )
        return {
            clinic.key: (
                clinic.name,
                clinic.website,
                clinic.verdict,
                clinic.possibly_closed,
                sorted(clinic.modalities),
                sorted((loc.street, loc.postal_code, loc.phone) for loc in clinic.locations),
                sorted(person.name for person in clinic.clinicians),
            )
            for clinic in clinics
        }


def newest_run(engine, source: str) -> CrawlRun:
    with Session(engine) as session:
        query = select(CrawlRun).where(CrawlRun.source_name == source)
        return session.scalars(query.order_by(CrawlRun.id.desc())).first()


def choose_faults(pages: list[tuple[str, str]], seed: int) -> dict[tuple[str, str], str]:
    """A third of the pages, each given a fault kind; the kinds taken in a seeded order."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible choice, not a secret
    chosen = rng.sample(pages, len(pages) // 3)
    kinds = rng.sample(sorted(FAULTS), len(FAULTS))
    return {page: kinds[index % len(kinds)] for index, page in enumerate(chosen)}


def expected_counts(faults: dict[tuple[str, str], str], fetched: list[tuple[str, str]]) -> Counter:
    """One count by cause for each misbehaving page a run fetched (its retries are one)."""
    return Counter(FAULTS[faults[page]][1] for page in pages_of(fetched) if page in faults)


def failure_counts(run: CrawlRun) -> Counter:
    return Counter(
        {k: v for k, v in run.counts.items() if k.startswith("errors/") or k == "skipped/not_html"}
    )


def listing_pages(fetched: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The pages a run fetched that each make one listing: clinic home pages, directory profiles."""
    return {
        (site, path)
        for site, path in pages_of(fetched)
        if (site in LISTING_SITES and path == "/")
        or (site == DIRECTORY and path.startswith(LISTING_PAGE) and path != LISTING_PAGE)
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_a_crawl_where_a_third_of_the_urls_misbehave_records_each_failure_and_loses_nothing(
    local_web, clinics, crawled_engine, clean, monkeypatch, seed
):
    """Each listing source crawled on its own, so each run's failures can be told apart."""
    sources, pages = clean
    monkeypatch.setenv("CLINICS_DOWNLOAD_TIMEOUT", "1")
    monkeypatch.setenv("CLINICS_RETRY_BACKOFF", "0.1")
    before = stored(crawled_engine)
    faults = choose_faults(pages, seed)
    assert len(faults) == len(pages) // 3 >= 7
    for (site, path), kind in faults.items():
        local_web.inject(site, path, Fault(**FAULTS[kind][0]), exact=True)
    try:
        for source in LISTING_SOURCES:
            asked = len(local_web.requests)
            result = clinics.run("crawl", "--sources", str(sources), "--source", source)
            fetched = local_web.requests[asked:]
            run = newest_run(crawled_engine, source)
            assert run.status in {"finished", "suspect", "failed"}, result.stdout
            assert failure_counts(run) == expected_counts(faults, fetched)
            good = {page for page in listing_pages(fetched) if page not in faults}
            dropped = sum(v for k, v in run.counts.items() if k.startswith("dropped/"))
            assert run.counts.get("item_scraped_count", 0) + dropped == len(good)
    finally:
        local_web.clear_faults()
    assert stored(crawled_engine) == before  # nothing lost, emptied, downgraded or closed


REDESIGNED_HOME = b"""<!doctype html>
<html lang="en"><head><title>Calm Waters Ketamine Clinic</title></head>
<body><header><h1>Calm Waters Ketamine Clinic</h1></header>
<main><p>Our new website is on its way. Thank you for your patience.</p></main></body></html>
"""
"""Calm Waters after a redesign: the name is all its home page says, and it links nothing."""


def test_a_site_redesigned_between_runs_trips_the_monitors_and_keeps_its_listing(
    local_web, clinics, crawled_engine
):
    sources = clinics.workdir / "one-site.toml"
    home = local_web.urls["calm-waters"]
    sources.write_text(
        f'[[source]]\nname = "calm-waters-site"\nkind = "clinic_sites"\nurls = ["{home}"]\n',
        encoding="utf-8",
    )
    crawl = ("crawl", "--sources", str(sources))
    clinics.run(*crawl)
    assert newest_run(crawled_engine, "calm-waters-site").status == "finished"
    before = stored(crawled_engine)
    local_web.inject(
        "calm-waters", "/", Fault(body=REDESIGNED_HOME, content_type="text/html"), exact=True
    )
    try:
        output = clinics.run(*crawl).stdout
    finally:
        local_web.clear_faults()
    run = newest_run(crawled_engine, "calm-waters-site")
    assert run.status == "suspect"
    assert "field locations missing: on 0% of items, was 100%" in run.findings
    assert "field clinicians missing: on 0% of items, was 100%" in run.findings
    assert "Verification held back: suspect run(s) of calm-waters-site." in output
    assert stored(crawled_engine) == before  # the listing keeps its address, team and services
