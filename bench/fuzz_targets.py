"""What the fuzzer feeds: the page extractor and the licence readers, each taking any bytes.

An exception escaping a target is a crash. Kept free of atheris so the regression test that
replays saved crash inputs runs without it.
"""

import contextlib
import csv
import io
import json
from collections.abc import Callable
from typing import Any

from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.extract.page import extract_page
from crawler.spiders.leie_csv import LeieCsvSpider
from crawler.spiders.license_table import LicenseTableSpider
from directory.items import ExclusionItem, LicenseItem
from directory.normalise import NormaliseError, normalise_exclusion, normalise_license
from directory.sources import Source, load_sources
from localweb.server import SOURCES_FILE

URL = "http://127.0.0.1:8801/"
# The local web's own licence sources: their column, status and type maps are realistic.
SOURCES = {source.name: source for source in load_sources(SOURCES_FILE)}


SODA_TABLE = LicenseTableSpider.standalone(SOURCES["tx-licenses"])
CSV_TABLE = LicenseTableSpider.standalone(SOURCES["co-licenses"])
LEIE = LeieCsvSpider.standalone(SOURCES["oig-leie"])


def _normalised(item: Any, source: Source) -> None:
    """Run an item through its normaliser; a NormaliseError is a counted skip, not a crash."""
    with contextlib.suppress(NormaliseError):
        if isinstance(item, LicenseItem):
            normalise_license(item, source)
        elif isinstance(item, ExclusionItem):
            normalise_exclusion(item)


def fuzz_extract(data: bytes) -> None:
    """Any bytes served as a clinic page."""
    response = HtmlResponse(URL, body=data, request=Request(URL))
    extract_page(response.text, URL)


def fuzz_licenses(data: bytes) -> None:
    """Any bytes as a SODA JSON page, a licence CSV and the LEIE CSV, items normalised."""
    response = TextResponse(URL, body=data, request=Request(URL))
    for spider, outputs in [
        (SODA_TABLE, SODA_TABLE.parse_soda(response, offset=0)),
        (CSV_TABLE, CSV_TABLE.parse_csv(response)),
        (LEIE, LEIE.parse(response)),
    ]:
        for output in outputs:
            _normalised(output, spider.source)
        spider.crawler.stats.clear_stats()  # skip details would otherwise pile up


def parse_html(data: bytes) -> None:
    """The extractor's baseline: decode the bytes as Scrapy does and parse the HTML once."""
    HtmlResponse(URL, body=data, request=Request(URL)).xpath("//title")


def parse_tables(data: bytes) -> None:
    """The licence readers' baseline: decode, then parse as JSON and as CSV, nothing more."""
    text = TextResponse(URL, body=data, request=Request(URL)).text
    with contextlib.suppress(ValueError):
        json.loads(text)
    list(csv.reader(io.StringIO(text, newline="")))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "extract": fuzz_extract,
    "licenses": fuzz_licenses,
}
BASELINES: dict[str, Callable[[bytes], None]] = {
    "extract": parse_html,
    "licenses": parse_tables,
}
