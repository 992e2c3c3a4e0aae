"""A maintainer works through the candidate licence matches in a real browser, keyboard only,
with axe-core finding no accessibility violations."""

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from directory.vocab import Role
from tests.web.browser.test_moderation_flow import assert_accessible, tab_to
from tests.web.helpers import PASSWORD, add_account
from tests.web.test_candidates import checked


def test_a_candidate_is_confirmed_keyboard_only(
    page: Page, live_site: str, site_session: Session
) -> None:
    uncertain = checked(site_session)
    add_account(site_session, "mo@example.org", Role.MAINTAINER)

    page.goto(f"{live_site}/maintainers/candidates")
    tab_to(page, page.get_by_label("Email", exact=True))
    page.keyboard.type("mo@example.org")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Candidate matches")
    expect(page.get_by_role("heading", level=2)).to_have_count(3)
    assert_accessible(page)

    form = page.get_by_role("form", name="Decide on licence M1 for Katherine Ng, MD")
    tab_to(page, form.get_by_label("Note (optional, kept with the decision)"))
    page.keyboard.type("The board's record gives the clinic's address.")
    tab_to(page, form.get_by_role("button", name="Confirm licence M1"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text(uncertain.ng.name)
    expect(page.get_by_role("status").first).to_contain_text("Licence M1 confirmed")
    listing = page.get_by_role("region", name="The listing")
    expect(listing).to_contain_text("Verified")
    expect(page.get_by_role("region", name="Candidate matches")).to_contain_text(
        "No candidate matches wait for a decision on this listing."
    )
    expect(page.get_by_role("region", name="Audit entries for this listing")).to_contain_text(
        "candidate.confirm"
    )
    assert_accessible(page)

    tab_to(page, page.get_by_role("link", name="Candidate matches"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2)).to_have_count(2)
    tab_to(page, page.get_by_role("link", name=uncertain.smith.name).first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="Candidate matches")).to_contain_text(
        "John Smith, MD: MD licence S2 in TX"
    )
    assert_accessible(page)
