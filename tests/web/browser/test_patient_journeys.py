"""A patient in a real browser: search, filter, page, open a clinic, the map, keyboard only.

Every page is checked with axe-core at desktop and phone widths and saved as a screenshot.
"""

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests.clinic_factories import add_clinic, destination
from tests.web.seed import DOWNTOWN, seed_austin


def search(page: Page, place: str) -> None:
    """Type a place into the search box and submit."""
    page.get_by_label("ZIP code or City, ST").fill(place)
    page.get_by_role("button", name="Search", exact=True).click()


def test_home_page_is_accessible(page: Page, live_site: str, check_page) -> None:
    page.goto(live_site)
    expect(page.get_by_role("button", name="Use my location")).to_be_visible()
    check_page(page, "home")


def test_search_by_city_shows_results_with_a_map(
    page: Page, live_site: str, site_session: Session, check_page
) -> None:
    austin = seed_austin(site_session)
    page.goto(live_site)
    search(page, "Austin, TX")

    hits = page.locator("ol.hits > li")
    expect(hits).to_have_count(2)
    expect(hits.first).to_contain_text(austin.near.name)
    expect(hits.first.locator(".distance")).to_have_text(re.compile(r"\d+\.\d mi"))
    expect(
        hits.first.get_by_role("link", name=re.compile(r"^\(\d{3}\) \d{3}-\d{4}$"))
    ).to_have_attribute("href", re.compile(r"^tel:\+1\d{10}$"))
    # the map draws one marker per clinic although its tiles cannot load
    expect(page.locator("#map")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    page.get_by_role("button", name=austin.near.name).click()  # its marker
    expect(page.locator(".leaflet-popup").get_by_role("link")).to_have_text(austin.near.name)
    check_page(page, "results")


def test_filter_and_back_button(page: Page, live_site: str, site_session: Session) -> None:
    austin = seed_austin(site_session)
    add_clinic(site_session, "Spray Only", [destination(*DOWNTOWN, 90, 2)],
               modalities=["intranasal_esketamine"])  # fmt: skip
    site_session.commit()
    page.goto(live_site)
    search(page, "78701")
    expect(page.locator("ol.hits > li")).to_have_count(3)

    page.get_by_text("Treatment, condition and support").click()
    page.get_by_label("Treatment").select_option(label="Ketamine-assisted psychotherapy")
    page.get_by_role("button", name="Search", exact=True).click()

    assert "modality=ketamine_assisted_psychotherapy" in page.url
    assert "condition=" not in page.url  # left at "any"
    expect(page.locator("ol.hits > li")).to_have_count(2)
    page.get_by_label("Treatment").select_option(label="Any treatment")
    page.get_by_label("All listings").check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("ol.hits")).to_contain_text(austin.problem.name)
    expect(page.locator("ol.hits > li")).to_have_count(5)
    page.go_back()
    expect(page.locator("ol.hits > li")).to_have_count(2)
    expect(page.get_by_label("Treatment")).to_have_value("ketamine_assisted_psychotherapy")
    expect(page.get_by_label("Verified only")).to_be_checked()


def test_page_through_results_then_open_a_clinic(
    page: Page, live_site: str, site_session: Session, check_page
) -> None:
    seed_austin(site_session)
    for i in range(20):
        add_clinic(site_session, f"Clinic {i:02d}", [destination(*DOWNTOWN, 0, 0.2 + i / 50)])
    site_session.commit()
    page.goto(f"{live_site}/?near=78701")

    page.get_by_role("link", name="Next").click()

    assert "page=2" in page.url
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    page.get_by_role("link", name="Round Rock Wellness", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Round Rock Wellness")
    expect(page.get_by_role("heading", name="Clinicians and their licences")).to_be_visible()
    expect(page.locator(".fresh").first).to_contain_text("ago")
    check_page(page, "clinic")


def test_keyboard_only_search_and_open(page: Page, live_site: str, site_session: Session) -> None:
    austin = seed_austin(site_session)
    page.goto(live_site)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(30):  # Tab through the header into the form
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "near":
            break
    page.keyboard.type("78701")
    page.keyboard.press("Enter")
    expect(page.locator("ol.hits > li")).to_have_count(2)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == austin.near.name:
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(austin.near.name)


def test_use_my_location(browser: Browser, live_site: str, site_session: Session) -> None:
    austin = seed_austin(site_session)
    lat, lon = DOWNTOWN
    context = browser.new_context(
        geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(live_site)

    page.get_by_role("button", name="Use my location").click()

    expect(page.locator("ol.hits")).to_contain_text(austin.near.name)
    assert "lat=30.27130" in page.url
    assert "near=" not in page.url
    expect(page.get_by_role("heading", level=2)).to_contain_text("your location")
    context.close()


def test_refused_location_says_so_and_returns_to_the_box(browser: Browser, live_site: str) -> None:
    context = browser.new_context(permissions=[])
    page = context.new_page()
    page.goto(live_site)

    page.get_by_role("button", name="Use my location").click()

    expect(page.get_by_role("status")).to_have_text(re.compile("could not get your location"))
    expect(page.get_by_label("ZIP code or City, ST")).to_be_focused()
    context.close()


def test_works_without_javascript(browser: Browser, live_site: str, site_session: Session) -> None:
    austin = seed_austin(site_session)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_site)
    expect(page.get_by_role("button", name="Use my location")).to_be_hidden()

    search(page, "78701")

    expect(page.locator("ol.hits")).to_contain_text(austin.near.name)
    expect(page.locator("#map")).to_be_hidden()
    page.get_by_role("link", name=austin.near.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(austin.near.name)
    context.close()


def test_bad_input_error_page_is_accessible(page: Page, live_site: str, check_page) -> None:
    page.goto(live_site)
    search(page, "Atlantis, TX")

    expect(page.get_by_role("alert")).to_have_text(re.compile("couldn't find Atlantis, TX"))
    expect(page.get_by_label("ZIP code or City, ST")).to_have_attribute("aria-invalid", "true")
    check_page(page, "error")


def test_about_page_is_accessible(page: Page, live_site: str, check_page) -> None:
    page.goto(live_site)
    page.get_by_role("link", name="About the checks").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("About the checks")
    expect(page.get_by_text("We do not check DEA registrations")).to_be_visible()
    check_page(page, "about")


def test_not_found_page_is_accessible(page: Page, live_site: str, check_page) -> None:
    page.goto(f"{live_site}/clinics/999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "not-found")


def test_spanish_pages_are_accessible(
    page: Page, live_site: str, site_session: Session, check_page
) -> None:
    austin = seed_austin(site_session)
    page.goto(f"{live_site}/?near=78701")

    page.get_by_role("link", name="Español").click()

    assert page.url.endswith("/?near=78701")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "2 clínicas a menos de 25 millas de 78701 (Austin, TX)"
    )
    check_page(page, "results-es")
    page.get_by_role("link", name=austin.near.name, exact=True).click()
    expect(page.get_by_role("heading", name="Profesionales y sus licencias")).to_be_visible()
    check_page(page, "clinic-es")
