"""Spider callbacks on saved responses: what they yield and what they skip, counted."""

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import retry_after_seconds
from crawler.run import project_settings
from crawler.settings import USER_AGENT
from crawler.spiders.base import SKIP_DETAILS_KEY
from crawler.spiders.clinic_sites import ClinicSitesSpider, SiteVisit
from crawler.spiders.license_table import SODA_PAGE, LicenseTableSpider
from crawler.spiders.nppes_api import NppesApiSpider
from directory.items import LicenseItem, NpiRecordItem
from directory.licensing import ClinicianLookup
from directory.sources import Source
from directory.vocab import SourceKind

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference"
NPPES_URL = "https://npiregistry.example/api/"


def spider_for(cls, source: Source, **kwargs):
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler, source=source, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def json_response(url: str, body: bytes) -> TextResponse:
    return TextResponse(url, body=body, encoding="utf-8", request=Request(url))


@pytest.fixture
def nppes():
    source = Source(name="nppes", kind=SourceKind.NPPES_API, url=NPPES_URL)
    lookup = ClinicianLookup(first_name="Paul", last_name="Dewey", state="MN")
    return spider_for(NppesApiSpider, source, lookups=[lookup]), lookup


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


def test_nppes_stops_at_the_registry_skip_limit(nppes):
    spider, lookup = nppes
    page = json.dumps({"result_count": 200, "results": [{"number": str(n)} for n in range(200)]})
    output = list(spider.parse(json_response(NPPES_URL, page.encode()), lookup=lookup, skip=1000))
    assert not [item for item in output if isinstance(item, Request)]
    assert spider.crawler.stats.get_value("skipped/query_saturated") == 1


def test_soda_pages_until_a_short_page_and_maps_columns():
    source = Source(
        name="tx",
        kind=SourceKind.LICENSE_TABLE,
        url="https://data.example/resource/abcd-1234.json",
        format="soda",
        state="TX",
        columns={"license_number": "lic", "last_name": "surname"},
    )
    spider = spider_for(LicenseTableSpider, source)
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
    spider = spider_for(LicenseTableSpider, source)
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
    spider = spider_for(ClinicSitesSpider, source)
    html = b"""<html><body><nav>
      <a href="/blog/ptsd-news/">Blog</a><a href="/contact/">Contact</a>
      <a href="https://elsewhere.example/team/">Partner</a><a href="/team/#jane">Our team</a>
      <a href="/services/">Services</a><a href="/privacy/">Privacy</a><a href="/shop/">Shop</a>
    </nav></body></html>"""
    visit = SiteVisit(home="https://clinic.example/", seen={"https://clinic.example/"})
    response = HtmlResponse("https://clinic.example/", body=html)
    assert spider._parse_key_links(response, visit) == [
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


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), (b"7", 7.0), (b"soon", None), (b"Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_read_as_seconds_or_a_date(header, seconds):
    assert retry_after_seconds(header) == seconds
