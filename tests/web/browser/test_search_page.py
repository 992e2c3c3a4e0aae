"""A patient searches in a real browser."""

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.web.seed import seed_austin


def test_search_by_zip_lists_the_nearest_verified_clinic(
    page: Page, live_site: str, site_session: Session
) -> None:
    austin = seed_austin(site_session)
    page.goto(live_site)
    page.get_by_label("ZIP code or City, ST").fill("78701")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("main")
    expect(results).to_contain_text(austin.near.name)
    expect(results).not_to_contain_text(austin.problem.name)
    assert "near=78701" in page.url
