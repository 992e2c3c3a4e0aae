"""The local public web: every site answers as the real thing would, and the story's facts hold."""

import csv
import http.client
import io
import json
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any, get_args
from urllib.error import HTTPError, URLError
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit
from urllib.request import HTTPRedirectHandler, build_opener, urlopen
from urllib.robotparser import RobotFileParser

import pytest
from parsel import Selector

from directory.sources import Source, load_sources
from directory.vocab import SourceKind
from localweb import DEFAULT_BASE_PORT, SITE_SLUGS, Fault, LocalWeb
from localweb.clock import DATA_DATE
from localweb.server import HUGE_SIZE, FaultKind

CLINIC_SITES = ("calm-waters", "lone-star-infusions", "hill-country-wellness", "new-dawn")
PACKAGED_SOURCES = Path(__file__).resolve().parents[2] / "localweb" / "sources.toml"
STORY_SURNAMES = {"DOE", "PATEL", "LOPEZ", "SMITH", "CHEN", "KIM", "RIVERA"}
STORY_NPIS = {
    "1679576722": ("JANE", "DOE", "TX", "Q1234"),
    "1588667638": ("RAJ", "PATEL", "TX", "N5678"),
    "1295831113": ("MARIA", "LOPEZ", "CO", "APN.0987654"),
    "1932160389": ("JOHN", "SMITH", "TX", "AP112233"),
    "1841392750": ("EMILY", "CHEN", "TX", "PA09876"),
    "1407951908": ("ROBERT", "KIM", "CO", "DR.0054321"),
    "1003000126": ("JOHN", "SMITH", "NY", "261847"),
    "1104000231": ("JANE", "DOE", "OH", "APRN.CNP.0311229"),
}
ORGANIZATION_NPI = "1558000349"
LEIE_HEADER = (
    "LASTNAME,FIRSTNAME,MIDNAME,BUSNAME,GENERAL,SPECIALTY,UPIN,NPI,DOB,ADDRESS,CITY,STATE,ZIP,"
    "EXCLTYPE,EXCLDATE,REINDATE,WAIVERDATE,WVRSTATE"
)
COLORADO_HEADER = (
    "Last Name,First Name,Middle Name,Suffix,Entity Name,City,State,Mail Zip Code,License Type,"
    "Sub Category,License Number,License First Issue Date,License Last Renewed Date,"
    "License Expiration Date,License Status Description,Specialty"
)
FLOATING_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT00:00:00\.000")


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    """One local web on ephemeral ports for the whole module."""
    # Serve the data's own day, so that the exact dates asserted below hold on any day.
    with LocalWeb(today=DATA_DATE) as running:
        yield running


@pytest.fixture(scope="module")
def sources(web: LocalWeb, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Source]:
    """The demo sources file as written for the running ports, loaded and validated."""
    path = web.write_sources(tmp_path_factory.mktemp("sources") / "sources.toml")
    return {source.name: source for source in load_sources(path)}


@pytest.fixture(scope="module")
def texas_rows(web: LocalWeb) -> list[dict[str, str]]:
    """Every row of the Texas table, paged by 1000 in :id order."""
    rows: list[dict[str, str]] = []
    for offset in (0, 1000, 2000, 3000):
        status, chunk = soda(web, {"$limit": 1000, "$offset": offset, "$order": ":id"})
        assert status == 200
        rows += chunk
    return rows


def fetch(url: str) -> tuple[int, Message, bytes]:
    """Status, headers and body of a GET, error statuses included."""
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def page(web: LocalWeb, slug: str, path: str) -> str:
    """The text of a page that must exist."""
    status, _, body = fetch(web.urls[slug] + path)
    assert status == 200, path
    return body.decode("utf-8")


def nppes(web: LocalWeb, **params: Any) -> dict[str, Any]:
    """One NPPES API answer (always HTTP 200 and JSON, errors included)."""
    status, headers, body = fetch(web.urls["nppes"] + "api/?" + urlencode(params))
    assert status == 200
    assert headers.get_content_type() == "application/json"
    answer: dict[str, Any] = json.loads(body)
    return answer


def soda(web: LocalWeb, params: dict[str, Any]) -> tuple[int, Any]:
    """Status and decoded JSON of one request to the Texas licence resource."""
    url = web.urls["tx-licenses"] + "resource/tx7m-4qbd.json?" + urlencode(params)
    status, _, body = fetch(url)
    return status, json.loads(body)


def is_valid_npi(number: str) -> bool:
    """The NPI check: Luhn over the 80840 prefix and the ten digits."""
    total = 0
    for index, char in enumerate(reversed("80840" + number)):
        doubled = int(char) * 2 if index % 2 else int(char)
        total += doubled - 9 if doubled > 9 else doubled
    return len(number) == 10 and total % 10 == 0


def crawl(web: LocalWeb, slug: str) -> tuple[set[str], set[str]]:
    """Pages a polite crawler reaches from a site's home page, and same-site links it must skip."""
    base = web.urls[slug]
    robots = RobotFileParser()
    robots.parse(page(web, slug, "robots.txt").splitlines())
    seen: set[str] = set()
    blocked: set[str] = set()
    queue = [base]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        html = Selector(text=page(web, slug, url.removeprefix(base)))
        for href in html.css("a::attr(href)").getall():
            link = urldefrag(urljoin(url, href)).url
            if not link.startswith(base):
                continue
            if robots.can_fetch("*", link):
                queue.append(link)
            else:
                blocked.add(link)
    return seen, blocked


# --- the server ---------------------------------------------------------------------------------


def test_every_site_answers_on_its_own_origin(web: LocalWeb) -> None:
    urls = web.urls
    assert list(urls) == list(SITE_SLUGS)
    assert len({url for url in urls.values()}) == len(SITE_SLUGS)
    for slug, url in urls.items():
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), slug
        status, headers, _ = fetch(url)
        assert (status, headers.get_content_type()) == (200, "text/html"), slug


def test_robots_txt_is_per_site(web: LocalWeb) -> None:
    assert page(web, "calm-waters", "robots.txt") == "User-agent: *\nDisallow: /private/\n"
    assert "Disallow: /wp-admin/" in page(web, "lone-star-infusions", "robots.txt")
    for slug in SITE_SLUGS:
        assert page(web, slug, "robots.txt").startswith(("User-agent:", "#")), slug


def test_polite_crawl_stays_within_the_page_budget(web: LocalWeb) -> None:
    for slug in CLINIC_SITES:
        pages, _ = crawl(web, slug)
        assert 4 <= len(pages) <= 8, (slug, sorted(pages))
        for path in ("", "services/", "contact/"):
            assert web.urls[slug] + path in pages, (slug, path)


def test_staff_portal_is_linked_and_exists_but_robots_forbid_it(web: LocalWeb) -> None:
    portal = web.urls["calm-waters"] + "private/staff-portal/"
    pages, blocked = crawl(web, "calm-waters")
    assert blocked == {portal}
    assert portal not in pages
    assert 'href="/private/staff-portal/"' in page(web, "calm-waters", "")
    assert "Staff portal" in page(web, "calm-waters", "private/staff-portal/")


def test_plain_server_behaviour(web: LocalWeb) -> None:
    class NoRedirect(HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    with pytest.raises(HTTPError) as redirect:
        build_opener(NoRedirect).open(web.urls["calm-waters"] + "team", timeout=10)
    with redirect.value as response:
        assert (response.code, response.headers["Location"]) == (301, "/team/")
    assert fetch(web.urls["calm-waters"] + "_layout.html")[0] == 404
    assert fetch(web.urls["calm-waters"] + "no-such-page/")[0] == 404
    assert fetch(web.urls["ketamine-finder"] + "clinics/_profile.html")[0] == 404
    status, headers, _ = fetch(web.urls["calm-waters"] + "assets/css/site.css")
    assert (status, headers.get_content_type()) == (200, "text/css")


def test_request_log_records_every_path_with_its_query() -> None:
    with LocalWeb() as fresh:
        fetch(fresh.urls["calm-waters"] + "robots.txt")
        fetch(fresh.urls["ketamine-finder"] + "clinics/?page=2")
        fetch(fresh.urls["nppes"] + "api/?version=2.1&number=1679576722")
        fetch(fresh.urls["new-dawn"] + "missing/")
        assert fresh.requests == [
            ("calm-waters", "/robots.txt"),
            ("ketamine-finder", "/clinics/?page=2"),
            ("nppes", "/api/?version=2.1&number=1679576722"),
            ("new-dawn", "/missing/"),
        ]


def test_injected_faults_spoil_the_matching_requests_then_clear() -> None:
    with LocalWeb() as fresh:
        home = fresh.urls["calm-waters"]
        fresh.inject("calm-waters", "/team/", Fault(status=503, retry_after=7, times=1))
        fresh.inject("calm-waters", "/contact/", Fault(body=b"\x00garbage"))
        status, headers, _ = fetch(home + "team/")
        assert (status, headers["Retry-After"]) == (503, "7")
        assert fetch(home + "team/")[0] == 200  # recovered after one spoiled answer
        assert fetch(home + "contact/")[2] == b"\x00garbage"
        assert fetch(home + "contact/")[2] == b"\x00garbage"
        fresh.inject("calm-waters", "/services/", Fault(delay=1.0))
        with pytest.raises(TimeoutError):  # a hang, to a client that waits less
            urlopen(home + "services/", timeout=0.2)
        fresh.clear_faults()
        assert b"Calm Waters" in fetch(home + "contact/")[2]


def raw_get(url: str) -> http.client.HTTPResponse:
    """A GET whose response is left for the test to read (and to find broken)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return connection.getresponse()


def test_misbehaving_sites_reset_truncate_loop_stream_and_mislabel() -> None:
    with LocalWeb() as fresh:
        home = fresh.urls["calm-waters"]
        kinds: tuple[FaultKind, ...] = get_args(FaultKind)
        for kind in kinds:
            fresh.inject("calm-waters", f"/{kind}/", Fault(kind=kind), exact=True)
        with pytest.raises(ConnectionResetError):
            urlopen(home + "reset/", timeout=10)
        with pytest.raises(http.client.IncompleteRead):
            fetch(home + "truncated/")
        first = raw_get(home + "redirect_loop/")
        second = raw_get(home + "redirect_loop/?again")
        assert (first.status, first.headers["Location"]) == (302, "/redirect_loop/?again")
        assert (second.status, second.headers["Location"]) == (302, "/redirect_loop/")
        huge = raw_get(home + "huge/")
        assert huge.headers["Content-Length"] == str(HUGE_SIZE)
        assert huge.read(1 << 20) == b" " * (1 << 20)  # streamed: the rest is never made
        huge.close()
        endless = raw_get(home + "endless/")
        assert endless.headers["Transfer-Encoding"] == "chunked"
        assert len(endless.read(8 << 20)) == 8 << 20
        endless.close()
        status, headers, body = fetch(home + "binary/")
        assert (status, headers.get_content_type()) == (200, "text/html")
        assert b"\x00" in body
        assert fetch(home + "binary/")[2] == body  # the same noise every time
        assert fetch(home + "binary/more/")[0] == 404  # an exact fault spoils one URL only


def test_stop_releases_every_port() -> None:
    local = LocalWeb().start()
    home = local.urls["calm-waters"]
    local.stop()
    local.stop()
    with pytest.raises(URLError):
        urlopen(home, timeout=5)
    with pytest.raises(RuntimeError):
        _ = local.urls


def test_fixed_base_port_puts_site_i_on_base_plus_i() -> None:
    base = _free_port_run(len(SITE_SLUGS))
    with LocalWeb(base_port=base) as fixed:
        ports = [int(url.rsplit(":", 1)[1].rstrip("/")) for url in fixed.urls.values()]
        assert ports == [base + index for index in range(len(SITE_SLUGS))]
        assert fetch(fixed.urls["oig"])[0] == 200


def test_a_taken_port_fails_start_and_frees_the_others() -> None:
    base = _free_port_run(len(SITE_SLUGS))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 3))
        squatter.listen()
        with pytest.raises(OSError, match="in use"):
            LocalWeb(base_port=base).start()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", base))
        probe.listen()


def _free_port_run(count: int) -> int:
    """A base port whose next `count` ports were all free a moment ago."""
    for _ in range(20):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            base: int = first.getsockname()[1]
        if base + count < 65536 and all(_port_free(base + i) for i in range(count)):
            return base
    raise AssertionError("no run of free ports found")


def _port_free(port: int) -> bool:
    """Whether nothing listens on a local port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- the clinic sites ---------------------------------------------------------------------------


def test_calm_waters_home_carries_json_ld(web: LocalWeb) -> None:
    html = Selector(text=page(web, "calm-waters", ""))
    blocks = html.css('script[type="application/ld+json"]::text').getall()
    assert len(blocks) == 1
    clinic = json.loads(blocks[0])
    assert clinic["@context"] == "https://schema.org"
    assert clinic["@type"] == "MedicalClinic"
    assert clinic["name"] == "Calm Waters Ketamine Clinic"
    assert clinic["url"] == web.urls["calm-waters"]
    assert clinic["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "1201 W 6th St, Suite 200",
        "addressLocality": "Austin",
        "addressRegion": "TX",
        "postalCode": "78703",
        "addressCountry": "US",
    }
    assert set(clinic["geo"]) == {"@type", "latitude", "longitude"}
    assert {s["@type"] for s in clinic["availableService"]} == {"MedicalTherapy"}
    assert [(p["name"], p["honorificSuffix"]) for p in clinic["employee"]] == [
        ("Jane Q. Doe", "MD"),
        ("Sam Rivera", "LPC"),
    ]
    assert "medicalSpecialty" in clinic


def test_calm_waters_team_and_services(web: LocalWeb) -> None:
    team = page(web, "calm-waters", "team/")
    for text in ("Jane Q. Doe, MD", "NPI 1679576722", "Sam Rivera, LPC", "Medical Director"):
        assert text in team
    services = page(web, "calm-waters", "services/")
    for text in ("IV ketamine infusions", "Spravato", "Ketamine-assisted psychotherapy", "PTSD"):
        assert text in services
    assert "(512) 555-0142" in page(web, "calm-waters", "contact/")


def test_lone_star_uses_microdata(web: LocalWeb) -> None:
    html = Selector(text=page(web, "lone-star-infusions", ""))
    clinic = html.css('[itemtype="https://schema.org/MedicalClinic"]')
    assert len(clinic) == 1
    assert clinic.css('[itemprop="name"]::text').get() == "Lone Star Ketamine Infusions"
    address = clinic.css('[itemprop="address"][itemtype="https://schema.org/PostalAddress"]')
    assert [
        address.css(f'[itemprop="{key}"]::text').get()
        for key in ("streetAddress", "addressLocality", "addressRegion", "postalCode")
    ] == ["2400 Travis St", "Houston", "TX", "77006"]
    assert clinic.css('[itemprop="telephone"]::text').get() == "(713) 555-0187"
    person = clinic.css('[itemprop="employee"][itemtype="https://schema.org/Person"]')
    assert person.css('[itemprop="name"]::text').get() == "Dr. Raj Patel"
    assert person.css('[itemprop="honorificSuffix"]::text').get() == "M.D."
    assert "NPI: 1588667638" in person.get()
    assert "ld+json" not in html.get()
    services = clinic.css('[itemprop="availableService"] [itemprop="name"]::text').getall()
    assert [s.rsplit(" ", 1)[-1] for s in services] == ["depression", "pain", "migraine"]


def test_hill_country_is_plain_html(web: LocalWeb) -> None:
    pages, _ = crawl(web, "hill-country-wellness")
    for url in pages:
        html = page(
            web, "hill-country-wellness", url.removeprefix(web.urls["hill-country-wellness"])
        )
        assert "itemscope" not in html, url
        assert "ld+json" not in html, url
        assert "Hill Country Ketamine &amp; Wellness" in html
        assert "315 E Commerce St" in html
        assert 'href="tel:2105550123"' in html
    contact = Selector(text=page(web, "hill-country-wellness", "contact/"))
    assert "San Antonio, TX 78205" in contact.css("address").get()
    assert "Maria Lopez, DNP, PMHNP-BC" in page(web, "hill-country-wellness", "team/")
    services = page(web, "hill-country-wellness", "services/")
    assert "Intramuscular" in services
    assert "lozenges" in services
    assert "PTSD" not in services
    assert "PTSD" in page(web, "hill-country-wellness", "blog/")


def test_new_dawn_names_no_clinician(web: LocalWeb) -> None:
    credential = re.compile(r",\s*(MD|M\.D\.|DO|D\.O\.|NP|PA-C|DNP|CRNA|RN|LPC)\b|\bDr\.\s*[A-Z]")
    pages, _ = crawl(web, "new-dawn")
    assert len(pages) == 5
    for url in pages:
        html = page(web, "new-dawn", url.removeprefix(web.urls["new-dawn"]))
        assert not credential.search(html), url
        assert "1700 Pacific Ave, Dallas, TX 75201" in html
    services = page(web, "new-dawn", "services/")
    assert "OCD" in services
    assert "Suicidal ideation" in services


# --- the directory ------------------------------------------------------------------------------


def test_directory_listing_pages(web: LocalWeb, sources: dict[str, Source]) -> None:
    finder = sources["ketamine-finder"]
    assert finder.item_links
    assert finder.next_page
    first = Selector(text=page(web, "ketamine-finder", "clinics/?page=1"))
    second = Selector(text=page(web, "ketamine-finder", "clinics/?page=2"))
    assert len(first.css(finder.item_links).getall()) == 3
    assert len(second.css(finder.item_links).getall()) == 2
    assert first.css(finder.next_page).getall() == ["/clinics/?page=2"]
    assert first.css('a[rel="next"]').get() == first.css("a.next").get()
    assert second.css(finder.next_page).getall() == []
    assert fetch(web.urls["ketamine-finder"] + "clinics/?page=3")[0] == 404


def test_directory_detail_pages_match_the_sources_selectors(
    web: LocalWeb, sources: dict[str, Source]
) -> None:
    finder = sources["ketamine-finder"]
    profiles = {}
    for number in (1, 2):
        listing = Selector(text=page(web, "ketamine-finder", f"clinics/?page={number}"))
        for href in listing.css(finder.item_links or "").getall():
            detail = Selector(text=page(web, "ketamine-finder", href.lstrip("/")))
            fields = {name: detail.css(css).getall() for name, css in finder.fields.items()}
            profiles[href.split("/")[2]] = fields
    assert profiles["calm-waters-ketamine-clinic"]["website"] == [web.urls["calm-waters"]]
    assert profiles["calm-waters-ketamine-clinic"]["address"] == [
        "1201 W 6th St, Suite 200, Austin, TX 78703"
    ]
    expected = {
        "bayou-city-ketamine": (
            "Bayou City Ketamine",
            "4102 Montrose Blvd, Houston, TX 77006",
            "(713) 555-0112",
            ["John Smith, CRNA"],
        ),
        "gulf-coast-mind-clinic": (
            "Gulf Coast Mind Clinic",
            "500 N Shoreline Blvd, Corpus Christi, TX 78401",
            "(361) 555-0166",
            ["Emily Chen, PA-C"],
        ),
        "mile-high-ketamine": (
            "Mile High Ketamine",
            "1660 Lincoln St, Denver, CO 80264",
            "(303) 555-0150",
            ["Robert Kim, DO"],
        ),
    }
    for slug, (name, address, phone, clinicians) in expected.items():
        fields = profiles[slug]
        assert (fields["name"], fields["address"], fields["phone"]) == ([name], [address], [phone])
        assert (fields["clinicians"], fields["website"]) == (clinicians, [])
        assert fields["services"]
    broken = profiles["serenity-infusion-lounge"]
    assert broken["name"] == []
    assert broken["address"]
    broken_html = page(web, "ketamine-finder", "clinics/serenity-infusion-lounge/")
    assert "clinic-name" not in broken_html
    assert "Serenity" not in broken_html
    assert len(profiles) == 5


# --- NPPES --------------------------------------------------------------------------------------


def test_nppes_by_number_returns_the_full_record(web: LocalWeb) -> None:
    answer = nppes(web, version="2.1", number="1679576722")
    assert answer["result_count"] == 1
    (record,) = answer["results"]
    assert set(record) == {
        "number",
        "enumeration_type",
        "created_epoch",
        "last_updated_epoch",
        "basic",
        "addresses",
        "practiceLocations",
        "taxonomies",
        "identifiers",
        "endpoints",
        "other_names",
    }
    assert (record["basic"]["credential"], record["basic"]["sex"]) == ("M.D.", "F")
    assert re.fullmatch(r"\d{13}", record["created_epoch"])
    assert {a["address_purpose"] for a in record["addresses"]} == {"LOCATION", "MAILING"}
    assert all(re.fullmatch(r"\d{9}", a["postal_code"]) for a in record["addresses"])
    (taxonomy,) = record["taxonomies"]
    assert (taxonomy["code"], taxonomy["state"], taxonomy["license"], taxonomy["primary"]) == (
        "2084P0800X",
        "TX",
        "Q1234",
        True,
    )


def test_nppes_story_records_and_their_npis(web: LocalWeb) -> None:
    for number, (first, last, state, licence) in STORY_NPIS.items():
        assert is_valid_npi(number), number
        (record,) = nppes(web, version="2.1", number=number)["results"]
        basic = record["basic"]
        assert (basic["first_name"], basic["last_name"]) == (first, last)
        primary = next(t for t in record["taxonomies"] if t["primary"])
        assert (primary["state"], primary["license"]) == (state, licence)
    assert is_valid_npi(ORGANIZATION_NPI)
    assert not is_valid_npi("1295831117")


def test_nppes_name_and_state_search_is_case_insensitive(web: LocalWeb) -> None:
    answer = nppes(web, version="2.1", last_name="patel", state="tx")
    assert [r["number"] for r in answer["results"]] == ["1588667638"]
    smiths = nppes(web, version="2.1", first_name="John", last_name="Smith")
    assert {r["number"] for r in smiths["results"]} == {"1932160389", "1003000126"}
    does = nppes(web, version="2.1", first_name="JANE", last_name="DOE", state="TX")
    assert [r["number"] for r in does["results"]] == ["1679576722"]
    lopez_in_texas = nppes(web, version="2.1", last_name="Lopez", state="TX")
    lopez_in_colorado = nppes(web, version="2.1", last_name="Lopez", city="denver")
    assert [r["number"] for r in lopez_in_texas["results"]] == ["1295831113"]
    assert [r["number"] for r in lopez_in_colorado["results"]] == ["1295831113"]


def test_nppes_wildcards_organisations_and_officials(web: LocalWeb) -> None:
    smiths = nppes(web, version="2.1", last_name="SMI*", state="TX")
    assert [r["number"] for r in smiths["results"]] == ["1932160389"]
    assert nppes(web, version="2.1", last_name="S*") == {
        "Errors": [
            {
                "field": "last_name",
                "number": "03",
                "description": "Wildcards require at least two leading characters",
            }
        ]
    }
    clinic = nppes(web, version="2.1", organization_name="calm waters*")
    assert [r["number"] for r in clinic["results"]] == [ORGANIZATION_NPI]
    assert clinic["results"][0]["enumeration_type"] == "NPI-2"
    official = nppes(web, version="2.1", last_name="Doe", name_purpose="AO", state="TX")
    assert [r["number"] for r in official["results"]] == [ORGANIZATION_NPI]


def test_nppes_errors_are_http_200_objects(web: LocalWeb) -> None:
    assert nppes(web, version="2.1") == {
        "Errors": [
            {"field": "generic", "number": "04", "description": "No valid search criteria provided"}
        ]
    }
    assert nppes(web, version="2.1", state="TX")["Errors"] == [
        {
            "field": "state",
            "number": "07",
            "description": "Field state requires additional search criteria",
        }
    ]
    assert nppes(web, version="2.1", enumeration_type="NPI-1")["Errors"] == [
        {
            "field": "enumeration_type",
            "number": "09",
            "description": "enumeration_type requires additional search criteria",
        }
    ]
    both = nppes(web, version="2.1", state="TX", enumeration_type="NPI-1")
    assert [error["number"] for error in both["Errors"]] == ["07", "09"]
    for version in (None, "2.0", "1.0"):
        params = {"number": "1679576722"} | ({"version": version} if version else {})
        assert nppes(web, **params)["Errors"][0]["field"] == "version"
    assert nppes(web, version="2.1", number="12345")["Errors"][0]["field"] == "number"
    assert nppes(web, version="2.1", last_name="Doe", limit="ten")["Errors"][0]["field"] == "limit"


def test_nppes_empty_result(web: LocalWeb) -> None:
    assert nppes(web, version="2.1", last_name="Nobody", state="TX") == {
        "result_count": 0,
        "results": [],
    }


def test_nppes_limit_defaults_to_10_and_is_capped_at_200(web: LocalWeb) -> None:
    assert nppes(web, version="2.1", city="Houston", state="TX")["result_count"] == 10
    capped = nppes(web, version="2.1", city="Houston", state="TX", limit=500)
    assert capped["result_count"] == len(capped["results"]) == 200


def test_nppes_skip_pages_without_overlap(web: LocalWeb) -> None:
    numbers: list[str] = []
    for skip in (0, 200, 400):
        chunk = nppes(web, version="2.1", city="houston", state="TX", limit=200, skip=skip)
        assert chunk["result_count"] == len(chunk["results"])
        numbers += [record["number"] for record in chunk["results"]]
    assert 250 < len(numbers) < 400
    assert len(numbers) == len(set(numbers))
    assert all(is_valid_npi(number) for number in numbers)
    assert {"1588667638", "1932160389"} <= set(numbers)
    tail = nppes(web, version="2.1", city="Houston", state="TX", limit=200, skip=1000)
    assert tail == {"result_count": 0, "results": []}
    beyond = nppes(web, version="2.1", city="Houston", state="TX", skip=1001)
    assert beyond["Errors"][0]["field"] == "skip"


def test_nppes_only_story_people_carry_story_surnames(web: LocalWeb) -> None:
    for surname in STORY_SURNAMES - {"RIVERA"}:
        found = nppes(web, version="2.1", last_name=surname, limit=200)["results"]
        assert found, surname
        assert {record["number"] for record in found} <= set(STORY_NPIS), surname
    assert nppes(web, version="2.1", last_name="Rivera")["result_count"] == 0


# --- Texas licences (SODA) ----------------------------------------------------------------------


def test_soda_pages_in_three_stable_chunks(web: LocalWeb, texas_rows: list[dict[str, str]]) -> None:
    assert len(texas_rows) == 2505
    sizes = [
        len(soda(web, {"$limit": 1000, "$offset": offset, "$order": ":id"})[1])
        for offset in (0, 1000, 2000)
    ]
    assert sizes == [1000, 1000, 505]
    again = soda(web, {"$limit": 1000, "$offset": 1000, "$order": ":id"})[1]
    assert again == texas_rows[1000:2000]
    numbers = [row["license_number"] for row in texas_rows if "license_number" in row]
    assert len(numbers) == len(set(numbers)) == 2504
    default_status, default_page = soda(web, {})
    assert (default_status, default_page) == (200, texas_rows[:1000])


def test_soda_rows_are_strings_with_omitted_missing_values(
    texas_rows: list[dict[str, str]],
) -> None:
    columns = {
        "license_number",
        "license_type",
        "last_name",
        "first_name",
        "middle_name",
        "license_status",
        "original_issue_date",
        "expiration_date",
        "city",
        "zip",
    }
    assert all(set(row) <= columns for row in texas_rows)
    assert all(isinstance(value, str) and value for row in texas_rows for value in row.values())
    assert any("middle_name" not in row for row in texas_rows)
    assert all(FLOATING_TIMESTAMP.fullmatch(row["expiration_date"]) for row in texas_rows)
    (unnumbered,) = [row for row in texas_rows if "license_number" not in row]
    assert unnumbered["last_name"] == "Whitfield"


def test_soda_story_rows(texas_rows: list[dict[str, str]]) -> None:
    by_number = {row.get("license_number"): row for row in texas_rows}
    expected = {
        "Q1234": ("Doe", "Jane", "Physician (MD)", "ACTIVE", "2027-08-31T00:00:00.000", "Austin"),
        "N5678": (
            "Patel",
            "Raj",
            "Physician (MD)",
            "EXPIRED",
            "2025-03-31T00:00:00.000",
            "Houston",
        ),
        "AP112233": ("Smith", "John", "APRN - CRNA", "ACTIVE", None, "Houston"),
        "PA09876": ("Chen", "Emily", "Physician Assistant", "ACTIVE", None, "Corpus Christi"),
    }
    for number, (last, first, kind, status, expires, city) in expected.items():
        row = by_number[number]
        assert (row["last_name"], row["first_name"], row["license_type"]) == (last, first, kind)
        assert (row["license_status"], row["city"]) == (status, city)
        assert expires is None or row["expiration_date"] == expires
    story = {row["last_name"].upper() for row in texas_rows} & STORY_SURNAMES
    assert story == {"DOE", "PATEL", "SMITH", "CHEN"}
    assert sum(row["last_name"].upper() in STORY_SURNAMES for row in texas_rows) == 4


def test_soda_filters(web: LocalWeb) -> None:
    status, rows = soda(web, {"license_number": "Q1234"})
    assert status == 200
    assert [row["last_name"] for row in rows] == ["Doe"]
    status, rows = soda(
        web, {"$where": "upper(last_name) like 'PATE%' AND license_status = 'EXPIRED'"}
    )
    assert status == 200
    assert [row["license_number"] for row in rows] == ["N5678"]
    status, rows = soda(web, {"$where": "license_number IS NULL"})
    assert status == 200
    assert [row["last_name"] for row in rows] == ["Whitfield"]
    status, rows = soda(web, {"$order": "license_number DESC", "$limit": 2})
    assert status == 200
    assert rows[0]["license_number"] >= rows[1]["license_number"]


@pytest.mark.parametrize(
    "params",
    [
        {"$where": "last_name = "},
        {"$where": "last_name = 'Doe' AND"},
        {"$where": "no_such_column = 'x'"},
        {"$order": "no_such_column"},
        {"$limit": "50001"},
        {"$limit": "-1"},
        {"$offset": "x"},
        {"$select": "last_name"},
        {"$foo": "1"},
        {"no_such_column": "x"},
    ],
)
def test_soda_refuses_bad_queries_with_a_json_400(web: LocalWeb, params: dict[str, str]) -> None:
    status, body = soda(web, params)
    assert status == 400
    assert body["error"] is True
    assert body["message"]
    assert body["code"].startswith("query.")


# --- Colorado licences (CSV export) -------------------------------------------------------------


def test_colorado_csv_export(web: LocalWeb, sources: dict[str, Source]) -> None:
    url = web.urls["co-licenses"] + "api/views/7s5z-vewr/rows.csv?accessType=DOWNLOAD"
    status, headers, body = fetch(url)
    assert (status, headers.get_content_type()) == (200, "text/csv")
    text = body.decode("utf-8")
    assert text.splitlines()[0] == COLORADO_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert 40 <= len(rows) <= 45
    by_number = {row["License Number"]: row for row in rows}
    lopez, kim = by_number["APN.0987654"], by_number["DR.0054321"]
    assert (lopez["Last Name"], lopez["License Type"], lopez["Sub Category"]) == (
        "Lopez",
        "APN",
        "NP",
    )
    assert (kim["Last Name"], kim["License Type"], kim["Sub Category"]) == ("Kim", "DR", "DO")
    assert lopez["License Status Description"] == kim["License Status Description"] == "Active"
    assert lopez["City"] == kim["City"] == "Denver"
    date_columns = [name for name in COLORADO_HEADER.split(",") if name.endswith("Date")]
    for row in rows:
        assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", row[name]) for name in date_columns)
    surnames = [row["Last Name"].upper() for row in rows]
    assert sorted(set(surnames) & STORY_SURNAMES) == ["KIM", "LOPEZ"]
    assert len([s for s in surnames if s in STORY_SURNAMES]) == 2
    colorado = sources["co-licenses"]
    assert {row["Sub Category"].upper() for row in rows} <= set(colorado.type_map)
    statuses = {row["License Status Description"].upper() for row in rows}
    assert statuses <= set(colorado.status_map)
    assert colorado.type_map["DO"] == "DO"


# --- OIG LEIE -----------------------------------------------------------------------------------


def test_leie_file_dialect(web: LocalWeb) -> None:
    status, headers, body = fetch(web.urls["oig"] + "exclusions/downloadables/UPDATED.csv")
    assert (status, headers.get_content_type()) == (200, "text/csv")
    assert body.endswith(b"\r\n")
    assert body.count(b"\n") == body.count(b"\r\n")
    lines = body.decode("ascii").split("\r\n")[:-1]
    assert lines[0] == LEIE_HEADER
    assert all(line.startswith('"') and line.endswith('"') for line in lines[1:])
    rows = list(csv.reader(lines[1:]))
    assert [len(row) for row in rows].count(18) == len(rows) - 1
    businesses = [row for row in rows if row[3]]
    assert len(businesses) == 5
    assert all(row[0] == row[1] == "" for row in businesses)


def test_leie_lists_john_smith_by_npi(web: LocalWeb) -> None:
    body = fetch(web.urls["oig"] + "exclusions/downloadables/UPDATED.csv")[2].decode("ascii")
    reader = csv.DictReader(io.StringIO(body))
    smiths = [row for row in reader if row["LASTNAME"] == "SMITH"]
    assert smiths == [
        {
            "LASTNAME": "SMITH",
            "FIRSTNAME": "JOHN",
            "MIDNAME": "",
            "BUSNAME": "",
            "GENERAL": "IND- LIC HC SERV PRO",
            "SPECIALTY": "NURSE ANESTHETIST (CRNA)",
            "UPIN": "",
            "NPI": "1932160389",
            "DOB": "19700312",
            "ADDRESS": "2215 W ALABAMA ST APT 4",
            "CITY": "HOUSTON",
            "STATE": "TX",
            "ZIP": "77006",
            "EXCLTYPE": "1128b4",
            "EXCLDATE": "20240115",
            "REINDATE": "00000000",
            "WAIVERDATE": "00000000",
            "WVRSTATE": "",
        }
    ]
    others = {row.split(",")[0].strip('"') for row in body.split("\r\n")[1:] if row}
    assert not (others - {"SMITH"}) & STORY_SURNAMES


# --- the sources file ---------------------------------------------------------------------------


def test_sources_file_points_at_the_running_sites(
    web: LocalWeb, sources: dict[str, Source]
) -> None:
    assert {name: source.kind for name, source in sources.items()} == {
        "clinic-sites": SourceKind.CLINIC_SITES,
        "ketamine-finder": SourceKind.DIRECTORY,
        "nppes": SourceKind.NPPES_API,
        "nppes-organisations": SourceKind.NPPES_ORGANIZATIONS,
        "tx-licenses": SourceKind.LICENSE_TABLE,
        "co-licenses": SourceKind.LICENSE_TABLE,
        "oig-leie": SourceKind.LEIE_CSV,
        "osm-clinics": SourceKind.OSM_OVERPASS,
    }
    urls = web.urls
    assert sources["clinic-sites"].urls == tuple(urls[slug] for slug in CLINIC_SITES)
    assert sources["clinic-sites"].page_budget == 8
    assert sources["ketamine-finder"].url == urls["ketamine-finder"] + "clinics/?page=1"
    assert sources["nppes"].url == urls["nppes"] + "api/"
    assert sources["nppes-organisations"].url == urls["nppes"] + "api/"
    assert sources["tx-licenses"].url == urls["tx-licenses"] + "resource/tx7m-4qbd.json"
    assert (sources["tx-licenses"].format, sources["tx-licenses"].state) == ("soda", "TX")
    assert (sources["co-licenses"].format, sources["co-licenses"].state) == ("csv", "CO")
    for source in sources.values():
        for url in source.urls or (source.url,):
            assert url
            query = f"?{urlencode({'data': source.query})}" if source.query else ""
            assert fetch(url + query)[0] == 200, url
    written = re.findall(r'"(http://[^"]+)"', web.sources_toml())
    assert len(written) == 11
    assert all(url.startswith(tuple(urls.values())) for url in written)


def test_sources_maps_cover_every_word_in_the_texas_data(
    sources: dict[str, Source], texas_rows: list[dict[str, str]]
) -> None:
    texas = sources["tx-licenses"]
    assert {row["license_status"] for row in texas_rows} == set(texas.status_map)
    assert {row["license_type"].upper() for row in texas_rows} == set(texas.type_map)
    assert set(texas.columns.values()) <= {key for row in texas_rows for key in row}


def test_packaged_sources_file_uses_the_default_ports() -> None:
    loaded = load_sources(PACKAGED_SOURCES)
    text = PACKAGED_SOURCES.read_text(encoding="utf-8")
    ports = {int(port) for port in re.findall(r"http://127\.0\.0\.1:(\d+)/", text)}
    # every site but the geocoder, which serves the search, not the crawl
    crawled = [slug for slug in SITE_SLUGS if slug != "geocoder"]
    assert ports == {DEFAULT_BASE_PORT + SITE_SLUGS.index(slug) for slug in crawled}
    assert [source.name for source in loaded] == [
        "clinic-sites",
        "ketamine-finder",
        "nppes",
        "nppes-organisations",
        "tx-licenses",
        "co-licenses",
        "oig-leie",
        "osm-clinics",
    ]


def test_dates_are_served_as_of_today(tmp_path: Path) -> None:
    """The data's dates move with the calendar, so an active licence stays active."""
    later = DATA_DATE + timedelta(days=400)
    with LocalWeb(today=later) as shifted:
        tx = shifted.urls["tx-licenses"] + "resource/tx7m-4qbd.json?license_number=Q1234"
        with urlopen(tx) as response:
            (jane,) = json.load(response)
        leie = shifted.urls["oig"] + "exclusions/downloadables/UPDATED.csv"
        with urlopen(leie) as response:
            exclusions = response.read().decode()
    assert jane["expiration_date"] == "2028-10-04T00:00:00.000"  # 2027-08-31 + 400 days
    assert '"1932160389","19710416",' in exclusions  # born 1970-03-12, moved alike
    assert '"20250218","00000000"' in exclusions  # excluded 2024-01-15; never reinstated
    assert exclusions.count("\r\n") > 5


def test_overpass_interpreter_answers_json_queries_in_its_own_shape(web: LocalWeb) -> None:
    url = web.urls["overpass"] + "api/interpreter"
    status, _, body = fetch(
        url + "?" + urlencode({"data": "[out:json];nwr[healthcare];out center;"})
    )
    answer = json.loads(body)
    assert status == 200
    assert answer["generator"].startswith("Overpass API")
    assert {element["type"] for element in answer["elements"]} == {"node", "way"}
    assert fetch(url + "?" + urlencode({"data": "nwr[healthcare];out;"}))[0] == 400
