"""The maintainers' crawl dashboard: runs per source, and charts drawn as SVG with their tables."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from sqlalchemy.orm import Session

from directory.dashboard import record_verdict_counts
from directory.models import Clinic, CrawlRun, Location, utcnow
from directory.vocab import Role
from tests.web.seed import seed_austin
from tests.web.test_maintainers import sign_in_as

STARTED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def crawled(session: Session) -> None:
    """Two runs of the clinic sites and one of the exclusion list, and two days of counts."""
    for number, (source, seconds, pages, errors) in enumerate(
        [("clinic-sites", 80, 40, 2), ("clinic-sites", 120, 50, 0), ("oig-leie", 30, 1, 0)]
    ):
        started = STARTED + timedelta(days=number)
        session.add(
            CrawlRun(
                source_name=source,
                source_kind="clinic_sites",
                status="finished",
                started_at=started,
                finished_at=started + timedelta(seconds=seconds),
                counts={"response_received_count": pages, "item_scraped_count": 7, "dropped/x": 1},
                errors=[],
                error_count=errors,
            )
        )
    seed_austin(session)
    record_verdict_counts(session, utcnow().date() - timedelta(days=1))
    record_verdict_counts(session, utcnow().date())
    session.commit()


def svg(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own chart
    for forbidden in ("script", "style", "foreignObject"):  # nothing the CSP would stop
        assert root.find(f".//{SVG}{forbidden}") is None
    return root


def texts(root: ElementTree.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{SVG}text")]


def test_the_dashboard_is_for_maintainers_only(client, site_session):
    assert client.get("/maintainers/dashboard/").status_code == 302
    assert client.get("/maintainers/dashboard/durations.svg").status_code == 302


def test_runs_per_source_show_status_duration_pages_items_drops_and_errors(client, site_session):
    crawled(site_session)
    sign_in_as(client, site_session, "mo@example.org", Role.MAINTAINER)
    html = client.get("/maintainers/dashboard/").get_data(as_text=True)
    assert "<h3>clinic-sites</h3>" in html
    assert "<h3>oig-leie</h3>" in html
    assert 'role="region" aria-label="clinic-sites"' in html
    assert '<th scope="col">Started</th><th scope="col" class="number">Duration (s)</th>' in html
    assert '<td class="number">120.0</td>' in html
    assert '<td class="number">0.050</td>' in html  # 2 errors in 40 pages
    assert 'src="/maintainers/dashboard/durations.svg"' in html
    assert 'src="/maintainers/dashboard/verdicts.svg?days=90"' in html
    assert 'href="/maintainers/dashboard/">Crawl dashboard</a>' in html  # in the navigation


def test_the_charts_are_svg_images_of_the_runs_and_verdicts(client, site_session):
    crawled(site_session)
    sign_in_as(client, site_session, "mo@example.org", Role.MAINTAINER)
    durations = svg(client.get("/maintainers/dashboard/durations.svg"))
    assert {"Run duration (seconds)", "clinic-sites", "oig-leie"} <= set(texts(durations))
    rates = svg(client.get("/maintainers/dashboard/error-rates.svg"))
    assert "Errors per page fetched" in texts(rates)
    verdicts = svg(client.get("/maintainers/dashboard/verdicts.svg"))
    assert {"TX", "Verified", "Licence problem", "Unverified"} <= set(texts(verdicts))


def test_the_verdict_history_is_in_a_table_too(client, site_session):
    crawled(site_session)
    sign_in_as(client, site_session, "mo@example.org", Role.MAINTAINER)
    html = client.get("/maintainers/dashboard/?days=2").get_data(as_text=True)
    assert html.count('<tr><th scope="row">TX</th>') == 2  # a row per day counted
    assert client.get("/maintainers/dashboard/?days=zero").status_code == 400
    assert client.get("/maintainers/dashboard/?days=5000").status_code == 400


def test_with_nothing_crawled_the_dashboard_says_so(client, site_session):
    sign_in_as(client, site_session, "mo@example.org", Role.MAINTAINER)
    html = client.get("/maintainers/dashboard/").get_data(as_text=True)
    assert "No crawl has run yet." in html
    assert "<img" not in html
    assert client.get("/maintainers/dashboard/durations.svg").status_code == 404
    assert client.get("/maintainers/dashboard/verdicts.svg").status_code == 404


def test_the_dashboard_speaks_spanish(client, site_session):
    crawled(site_session)
    sign_in_as(client, site_session, "mo@example.org", Role.MAINTAINER)
    spanish = {"Accept-Language": "es"}
    html = client.get("/maintainers/dashboard/", headers=spanish).get_data(as_text=True)
    assert "Panel de rastreos" in html
    chart = svg(client.get("/maintainers/dashboard/verdicts.svg", headers=spanish))
    assert "Verificada" in texts(chart)


def test_each_state_gets_its_own_chart_in_a_grid(client, site_session):
    for state in ("CO", "NM", "OK", "TX", "UT"):
        clinic = Clinic(key=state, name=state, modalities=[], conditions=[])
        clinic.locations = [Location(position=0, state=state)]
        site_session.add(clinic)
    site_session.flush()
    record_verdict_counts(site_session, utcnow().date())
    site_session.commit()
    sign_in_as(client, site_session, "mo@example.org", Role.MAINTAINER)
    chart = svg(client.get("/maintainers/dashboard/verdicts.svg"))
    assert (chart.get("width"), chart.get("height")) == ("1080", "520")  # 3 columns, 2 rows
    assert {"CO", "NM", "OK", "TX", "UT"} <= set(texts(chart))
