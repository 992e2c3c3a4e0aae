"""Spider callbacks on saved responses: what they yield and what they skip, counted."""

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.middlewares import retry_after_seconds
from crawler.run import project_settings
from crawler.settings import USER_AGENT
from crawler.spiders.base import SKIP_DETAILS_KEY
from crawler.spiders.clinic_sites import ClinicSitesSpider, SiteVisit
from crawler.spiders.directory import DirectorySpider
from crawler.spiders.license_table import SODA_PAGE, LicenseTableSpider
from crawler.spiders.nppes_api import NppesApiSpider
from crawler.spiders.nppes_organizations import NppesOrganizationsSpider
from crawler.spiders.osm_overpass import OsmOverpassSpider
from directory.items import ClinicItem, LicenseItem, NpiRecordItem
from directory.licensing import ClinicianLookup
from directory.sources import Source
from directory.vocab import SourceKind

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference"
NPPES_URL = "https://npiregistry.example/api/"


def json_response(url: str, body: bytes) -> TextResponse:
    return TextResponse(url, body=body, encoding="utf-8", request=Request(url))


@pytest.fixture
def nppes():
    source = Source(name="nppes", kind=SourceKind.NPPES_API, url=NPPES_URL)
    lookup = ClinicianLookup(first_name="Paul", last_name="Dewey", state="MN")
    return NppesApiSpider.standalone(source, lookups=[lookup]), lookup


@pytest.mark.parametrize(
    "sample",
    ["error_04_no_valid_search_criteria.json", "error_09_enumeration_type_requires_more.json"],
)
def test_nppes_error_objects_returned_with_200_are_counted_skips(nppes, sample):
    spider, lookup = nppes
    body = (REFERENCE / sample).read_bytes()
    assert list(spider.parse(json_response(NPPES_URL, body), lookup=lookup, skip=0)) == []
    assert spider.crawler.stats.get_value("skipped/api_error") == 1
    (detail,) = spider.crawler.stats.get_value(SKIP_DETAILS_KEY)
    assert "Dewey" in detail


def test_nppes_full_page_asks_for_the_next_and_yields_each_record_once(nppes):
    spider, lookup = nppes
    body = (REFERENCE / "api21_search_limit200_npi1_2026.json").read_bytes()
    output = list(spider.parse(json_response(NPPES_URL, body), lookup=lookup, skip=0))
    records = [item for item in output if isinstance(item, NpiRecordItem)]
    (follow,) = [item for item in output if isinstance(item, Request)]
    assert len(records) == len({r.record["number"] for r in records}) == 200
    for parameter in ("skip=200", "limit=200", "version=2.1"):
        assert parameter in follow.url
    again = list(spider.parse(json_response(NPPES_URL, body), lookup=lookup, skip=200))
    assert [item for item in again if isinstance(item, NpiRecordItem)] == []


def test_nppes_splits_a_saturated_query_by_zip_prefix(nppes):
    spider, lookup = nppes
    page = json.dumps({"result_count": 200, "results": [{"number": str(n)} for n in range(200)]})
    output = list(spider.parse(json_response(NPPES_URL, page.encode()), lookup=lookup, skip=1000))
    requests = [item for item in output if isinstance(item, Request)]
    # Minnesota's ZIP codes begin 55 and 56: the same question again, once for each.
    assert [r.cb_kwargs["lookup"].postal_code for r in requests] == ["55*", "56*"]
    assert all("skip=0" in r.url and "last_name=Dewey" in r.url for r in requests)
    assert spider.crawler.stats.get_value("nppes/queries_split") == 1


def test_nppes_counts_a_query_it_cannot_split_further(nppes):
    spider, lookup = nppes
    lookup = replace(lookup, postal_code="55401")
    page = json.dumps({"result_count": 200, "results": [{"number": str(n)} for n in range(200)]})
    output = list(spider.parse(json_response(NPPES_URL, page.encode()), lookup=lookup, skip=1000))
    assert not [item for item in output if isinstance(item, Request)]
    assert spider.crawler.stats.get_value("skipped/query_saturated") == 1


def test_nppes_accepts_the_2019_shape_with_integer_numbers(nppes):
    spider, lookup = nppes
    body = (REFERENCE / "legacy2019_npi1_individual_md.json").read_bytes()
    (item,) = spider.parse(json_response(NPPES_URL, body), lookup=lookup, skip=0)
    assert isinstance(item.record["number"], int)
    assert str(item.record["number"]) in spider.seen_numbers


def test_soda_pages_until_a_short_page_and_maps_columns():
    source = Source(
        name="tx",
        kind=SourceKind.LICENSE_TABLE,
        url="https://data.example/resource/abcd-1234.json",
        format="soda",
        state="TX",
        columns={"license_number": "lic", "last_name": "surname"},
    )
    spider = LicenseTableSpider.standalone(source)
    rows = [{"lic": str(n), "surname": "Roe", "other": "x"} for n in range(SODA_PAGE)]
    full = list(spider.parse_soda(json_response(source.url, json.dumps(rows).encode()), offset=0))
    (follow,) = [item for item in full if isinstance(item, Request)]
    assert "%24offset=1000" in follow.url
    assert "%24order=%3Aid" in follow.url
    items = [item for item in full if isinstance(item, LicenseItem)]
    assert items[0].fields == {"license_number": "0", "last_name": "Roe"}
    short = list(spider.parse_soda(json_response(source.url, b'[{"surname": "Roe"}]'), offset=1000))
    assert [type(item) for item in short] == [LicenseItem]
    error = b'{"message": "You must be logged in", "error": true}'
    assert list(spider.parse_soda(json_response(source.url, error), offset=0)) == []
    assert spider.crawler.stats.get_value("skipped/api_error") == 1


def test_csv_missing_a_mapped_column_is_a_counted_skip_not_garbage():
    source = Source(
        name="co",
        kind=SourceKind.LICENSE_TABLE,
        url="https://data.example/rows.csv",
        format="csv",
        state="CO",
        columns={"license_number": "License Number", "last_name": "Last Name"},
    )
    spider = LicenseTableSpider.standalone(source)
    body = b"License Number,Surname\r\nDR.1,Roe\r\n"
    assert list(spider.parse_csv(TextResponse(source.url, body=body))) == []
    assert spider.crawler.stats.get_value("skipped/missing_columns") == 1


def test_clinic_site_visit_keeps_to_the_site_and_its_key_pages():
    source = Source(
        name="sites",
        kind=SourceKind.CLINIC_SITES,
        urls=("https://clinic.example/",),
        page_budget=3,
    )
    spider = ClinicSitesSpider.standalone(source)
    html = b"""<html><body><nav>
      <a href="/blog/ptsd-news/">Blog</a><a href="/contact/">Contact</a>
      <a href="https://elsewhere.example/team/">Partner</a><a href="/team/#jane">Our team</a>
      <a href="/services/">Services</a><a href="/privacy/">Privacy</a><a href="/shop/">Shop</a>
    </nav></body></html>"""
    visit = SiteVisit(home="https://clinic.example/", seen={"https://clinic.example/"})
    response = HtmlResponse("https://clinic.example/", body=html)
    links = spider.read_page(response).links
    assert spider._key_links(response, links, visit) == [
        "https://clinic.example/contact/",
        "https://clinic.example/team/",
    ]


def test_user_agent_names_the_project_and_a_contact_url():
    assert USER_AGENT.startswith("KetamineClinicDirectory/")
    assert "(+http" in USER_AGENT
    settings = project_settings("sqlite://")
    assert settings["USER_AGENT"] == USER_AGENT
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")


def test_every_host_is_asked_politely_by_default():
    # The registry and the boards publish no rate; we keep to about one request at a time per
    # host, a delay that AutoThrottle lengthens when a server slows, and the Retry-After asked
    # (test_retry_after_is_read_as_seconds_or_a_date, tests/e2e/test_faults.py).
    settings = project_settings("sqlite://")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= 1.0
    assert settings.getfloat("DOWNLOAD_DELAY") > 0
    assert settings.getfloat("AUTOTHROTTLE_MAX_DELAY") >= 30


@pytest.fixture
def organisations():
    source = Source(
        name="nppes-organisations",
        kind=SourceKind.NPPES_ORGANIZATIONS,
        url=NPPES_URL,
        states=("PA",),
    )
    return NppesOrganizationsSpider.standalone(source)


def test_registry_organisations_become_listings_with_address_and_official(organisations):
    body = (REFERENCE / "api21_npi2_org_multispecialty_group.json").read_bytes()
    (item,) = organisations.parse(
        json_response(NPPES_URL, body), state="PA", pattern="ketamine*", skip=0
    )
    assert isinstance(item, ClinicItem)
    assert item.name == "KINDBODY OF PA MEDICAL PRACTICE, PC"  # doing business as
    assert "PEACH STATE MEDICAL PRACTICE, PC" in item.service_texts
    (location,) = item.locations  # the practice location, not the mailing address
    assert (location.street, location.city, location.postal_code, location.phone) == (
        "1414 WALNUT ST",
        "PHILADELPHIA",
        "191023824",
        "855-563-2639",
    )
    (official,) = item.clinicians
    assert (official.name, official.credentials) == ("FAHIMEH SASAN", "DO")


def test_an_official_without_a_credential_names_no_clinician(organisations):
    body = (REFERENCE / "api21_npi2_org_authorized_official.json").read_bytes()
    (item,) = organisations.parse(
        json_response(NPPES_URL, body), state="MI", pattern="vios*", skip=0
    )
    assert item.clinicians == []
    assert item.locations[0].street == "26400 W 12 MILE RD STE 140"


def test_organisation_search_asks_each_state_and_name_for_organisations_only():
    source = Source(
        name="nppes-organisations",
        kind=SourceKind.NPPES_ORGANIZATIONS,
        url=NPPES_URL,
        states=("TX", "CO"),
        names=("ketamine*", "calm waters*"),
    )
    spider = NppesOrganizationsSpider.standalone(source)

    async def requests():
        return [request async for request in spider.start()]

    urls = [request.url for request in asyncio.run(requests())]
    assert len(urls) == 4
    assert all("enumeration_type=NPI-2" in url for url in urls)
    assert any("organization_name=calm+waters%2A&state=CO" in url for url in urls)


OVERPASS_URL = "https://overpass.example/api/interpreter"


@pytest.fixture
def overpass():
    source = Source(name="osm", kind=SourceKind.OSM_OVERPASS, url=OVERPASS_URL, query="[out:json];")
    return OsmOverpassSpider.standalone(source)


def test_overpass_elements_with_tags_become_listings_with_their_address(overpass):
    body = json.dumps(
        {
            "elements": [
                {"type": "node", "id": 1, "lat": 50.7, "lon": 7.1},  # untagged: geometry only
                {
                    "type": "way",
                    "id": 7,
                    "center": {"lat": 39.73, "lon": -104.97},
                    "tags": {
                        "name": "Cheesman Park Ketamine",
                        "addr:housenumber": "1450",
                        "addr:street": "Downing Street",
                        "addr:unit": "210",
                        "addr:city": "Denver",
                        "addr:state": "CO",
                        "addr:postcode": "80218",
                        "contact:phone": "+1 303 555 0174",
                        "healthcare:speciality": "ketamine",
                    },
                },
            ]
        }
    ).encode()
    (item,) = overpass.parse(json_response(OVERPASS_URL, body))
    assert item.name == "Cheesman Park Ketamine"
    assert item.source_url == f"{OVERPASS_URL}#way/7"
    (location,) = item.locations
    assert (location.street, location.postal_code, location.phone, location.latitude) == (
        "1450 Downing Street Suite 210",
        "80218",
        "+1 303 555 0174",
        "39.73",
    )
    assert "ketamine" in item.service_texts


def test_overpass_geometry_without_tags_yields_nothing(overpass):
    body = (REFERENCE / "overpy_node-01.json").read_bytes()
    (turning_circle,) = overpass.parse(json_response(OVERPASS_URL, body))  # of three nodes
    assert turning_circle.source_url.endswith("#node/100793192")
    assert turning_circle.name is None  # the normaliser drops it, counted as missing_name


def test_an_overpass_remark_is_an_error_so_the_run_is_not_complete(overpass, caplog):
    body = (REFERENCE / "overpy_remark-runtime-error-01.json").read_bytes()
    assert list(overpass.parse(json_response(OVERPASS_URL, body))) == []
    assert "Query timed out" in caplog.text
    assert any(record.levelname == "ERROR" for record in caplog.records)


def test_a_directory_marked_up_as_an_item_list_needs_no_selectors():
    source = Source(name="finder", kind=SourceKind.DIRECTORY, url="https://finder.example/")
    spider = DirectorySpider.standalone(source)
    html = b"""<html><head><link rel="next" href="/clinics/?page=2"></head><body>
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "ItemList",
      "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "Calm Waters", "url": "/clinics/calm-waters/"},
        {"@type": "ListItem", "position": 2,
         "item": {"@type": "MedicalClinic", "@id": "https://finder.example/clinics/bayou/"}}
      ]}</script></body></html>"""
    response = HtmlResponse("https://finder.example/clinics/?page=1", body=html)
    requests = list(spider.parse(response))
    assert [request.url for request in requests] == [
        "https://finder.example/clinics/calm-waters/",
        "https://finder.example/clinics/bayou/",
        "https://finder.example/clinics/?page=2",
    ]
    assert [request.callback for request in requests] == [
        spider.parse_detail,
        spider.parse_detail,
        spider.parse,
    ]
    assert requests[0].cb_kwargs == {"listed_name": "Calm Waters"}


def test_a_page_the_extractor_fails_on_is_logged_and_the_visit_goes_on(monkeypatch, caplog):
    source = Source(name="sites", kind=SourceKind.CLINIC_SITES, urls=("https://clinic.example/",))
    spider = ClinicSitesSpider.standalone(source)

    def broken(root, html, url):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("crawler.spiders.base.extract_tree", broken)
    html = b'<html><body><a href="/contact/">Contact</a></body></html>'
    visit = SiteVisit(home="https://clinic.example/", seen={"https://clinic.example/"})
    (next_page,) = spider.parse_home(HtmlResponse("https://clinic.example/", body=html), visit)
    assert next_page.url == "https://clinic.example/contact/"
    assert spider.crawler.stats.get_value("skipped/extract_failed") == 1
    assert "extraction failed on https://clinic.example/" in caplog.text


def test_a_directory_profile_linking_the_clinics_site_leads_to_a_visit_of_it():
    source = Source(
        name="finder",
        kind=SourceKind.DIRECTORY,
        url="https://finder.example/",
        fields={"name": "h1::text", "website": "a.website::attr(href)"},
    )
    spider = DirectorySpider.standalone(source)
    html = b"""<html><body><h1>Calm Waters Ketamine Clinic</h1>
      <p>IV ketamine</p><a class="website" href="https://calmwaters.example/">Website</a>
      </body></html>"""
    profile = HtmlResponse("https://finder.example/clinics/calm-waters/", body=html)
    listing, visit = spider.parse_detail(profile)
    assert (listing.name, listing.website) == (
        "Calm Waters Ketamine Clinic",
        "https://calmwaters.example/",
    )
    assert (visit.url, visit.callback) == ("https://calmwaters.example/", spider.parse_home)
    assert [type(out) for out in spider.parse_detail(profile)] == [ClinicItem]  # visited once


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), (b"7", 7.0), (b"soon", None), (b"Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_read_as_seconds_or_a_date(header, seconds):
    assert retry_after_seconds(header) == seconds
