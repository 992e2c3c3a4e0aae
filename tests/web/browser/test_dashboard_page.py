"""The crawl dashboard in a real browser: its charts load under the site's CSP as images, and
axe-core finds no accessibility violations, with the numbers' tables open or closed."""

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from directory.vocab import Role
from tests.web.browser.test_moderation_flow import assert_accessible
from tests.web.helpers import PASSWORD, add_account
from tests.web.test_dashboard import crawled

LOADED = "images => images.map(image => image.complete && image.naturalWidth > 0)"


def test_the_dashboard_shows_its_charts_and_is_accessible(
    page: Page, live_site: str, site_session: Session, check_page
) -> None:
    crawled(site_session)
    add_account(site_session, "mo@example.org", Role.MAINTAINER)
    page.goto(f"{live_site}/maintainers/login?next=/maintainers/dashboard/")
    page.get_by_label("Email", exact=True).fill("mo@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Crawl dashboard")
    charts = page.locator("figure.chart img")
    expect(charts).to_have_count(3)
    page.wait_for_load_state("load")
    assert charts.evaluate_all(LOADED) == [True, True, True]
    check_page(page, "dashboard")
    page.get_by_text("Listings by state, day and verdict").first.click()
    expect(page.get_by_role("region", name="Listings by state, day and verdict")).to_be_visible()
    assert_accessible(page)
