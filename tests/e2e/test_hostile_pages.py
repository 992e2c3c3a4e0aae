"""Crawled pages are hostile too: script, `javascript:` and `data:` links and look-alike names
reach patients escaped and inert, on the site and in the API, and maintainers are told.

A real crawl of the local directory, two of whose profiles are served hostile.
"""

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from parsel import Selector
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Clinic, CrawlRun
from localweb import Fault, LocalWeb
from tests.web.helpers import add_account, sign_in
from web import create_app
from web.db import get_engine

LOOK_ALIKE = 'Ketаmine Wellness <script>alert("name")</script>'  # a CYRILLIC SMALL LETTER A
BREAKOUT = 'Gulf Coast "><svg onload=alert("name")> Clinic'
PROFILE = """<!doctype html>
<html lang="en"><head><title>{title}</title>
<script>alert("page")</script></head>
<body><article class="clinic-profile">
<h1 class="clinic-name">{name}</h1>
<p class="summary" onmouseover="alert('summary')">Ketamine infusions for depression.</p>
<p class="address">{number} E 7th St, Austin, TX 78701</p>
<p>Call <a class="phone" href="tel:+1512555{number}">(512) 555-{number}</a></p>
<p><a class="website" href="{website}">Visit website</a></p>
<ul class="services"><li>Ketamine infusions &lt;script&gt;alert("services")&lt;/script&gt;</li></ul>
<ul class="clinicians"><li>Dr &lt;img src=x onerror=alert("team")&gt; Smith, MD</li></ul>
</article></body></html>
"""
HOSTILE = {
    "/clinics/bayou-city-ketamine/": (LOOK_ALIKE, "javascript:alert('site')"),
    "/clinics/gulf-coast-mind-clinic/": (BREAKOUT, "data:text/html,<script>alert(1)</script>"),
}
"""Profiles served hostile: the name each gives, and the website it links."""
SAFE_SCHEMES = ("http://", "https://", "tel:", "mailto:", "/", "#", "?")


def profile(name: str, website: str, number: int) -> bytes:
    """A directory profile giving the name (as text), the link and its own address and phone."""
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return PROFILE.format(title=escaped, name=escaped, website=website, number=number).encode()


@pytest.fixture(scope="module")
def hostile_crawl(local_web: LocalWeb, clinics, crawled_engine) -> CrawlRun:
    """The directory crawled with its hostile profiles; its run."""
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    for number, (path, (name, website)) in enumerate(HOSTILE.items(), start=7001):
        local_web.inject("ketamine-finder", path, Fault(body=profile(name, website, number),
                         content_type="text/html"), exact=True)  # fmt: skip
    try:
        clinics.run("crawl", "--sources", str(sources), "--source", "ketamine-finder")
    finally:
        local_web.clear_faults()
    with Session(crawled_engine) as session:
        return session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()


@pytest.fixture(scope="module")
def stored(hostile_crawl, crawled_engine) -> dict[str, Clinic]:
    """The hostile listings as stored, by the name they were served with."""
    with Session(crawled_engine) as session:
        found = {
            c.name: c for c in session.scalars(select(Clinic)) if c.name in dict(HOSTILE.values())
        }
    assert set(found) == {LOOK_ALIKE, BREAKOUT}
    return found


@pytest.fixture(scope="module")
def maintainer(clinics, crawled_engine, local_web) -> Iterator[FlaskClient]:
    """The site on the crawled database, with a maintainer signed in."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": clinics.database_url,
        "SECRET_KEY": "test-secret",
        "GEOCODER_URL": local_web.urls["geocoder"] + "geocoder/locations/onelineaddress",
    })  # fmt: skip
    with Session(crawled_engine) as session:
        add_account(session, "mo@example.org")
    client = app.test_client()
    assert sign_in(client, "mo@example.org") == 303
    yield client
    get_engine(app).dispose()


def assert_inert(page: str, where: str) -> None:
    """No script, handler or link a page took from crawled text can run."""
    html = Selector(text=page)
    assert html.xpath("//script[not(@src)]").getall() == [], where
    assert html.xpath("//@*[starts-with(name(), 'on')]").getall() == [], where
    assert html.xpath("//svg | //img[@src='x']").getall() == [], where
    for href in html.xpath("//@href | //@src | //@action").getall():
        assert href.strip().lower().startswith(SAFE_SCHEMES), (where, href)


def test_the_crawl_stores_hostile_text_as_text_and_no_script_link(hostile_crawl, stored):
    assert hostile_crawl.status in {"finished", "suspect"}
    assert {clinic.website for clinic in stored.values()} == {None}  # javascript:, data: left out
    assert hostile_crawl.counts["flagged/mixed_script_name"] == 1
    assert any(
        e.startswith("mixed_script_name: ") and "bayou-city" in e for e in hostile_crawl.errors
    )
    assert "errors/other" not in hostile_crawl.counts  # the links were never followed


def test_hostile_listings_reach_patients_and_maintainers_escaped_and_inert(stored, maintainer):
    for clinic in stored.values():
        pages = {
            "search": "/?near=78701&status=all&radius=25",
            "listing": f"/clinics/{clinic.id}",
            "report": f"/clinics/{clinic.id}/report",
            "maintainers": f"/maintainers/clinics/{clinic.id}",
        }
        for where, path in pages.items():
            response = maintainer.get(path)
            assert response.status_code == 200, where
            assert_inert(response.get_data(as_text=True), f"{clinic.name}: {where}")
        shown = maintainer.get(pages["listing"]).get_data(as_text=True)
        assert "&lt;script&gt;alert(&#34;name&#34;)" in shown or "&lt;svg onload" in shown


def test_the_api_gives_hostile_text_as_json_data_only(stored, maintainer):
    for name, clinic in stored.items():
        response = maintainer.get(f"/api/v1/clinics/{clinic.id}")
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        record = response.get_json()
        assert (record["name"], record["website"]) == (name, None)


def test_maintainers_are_told_of_a_mixed_script_name_and_only_of_it(stored, maintainer):
    for name, clinic in stored.items():
        page = maintainer.get(f"/maintainers/clinics/{clinic.id}").get_data(as_text=True)
        assert ('id="mixed-script-name"' in page) is (name == LOOK_ALIKE), name
