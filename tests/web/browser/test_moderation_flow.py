"""An advocate reports a listing, a maintainer confirms it, and patients see the outcome:
keyboard only, in a real browser, with axe-core finding no accessibility violations."""

from playwright.sync_api import Locator, Page, expect
from sqlalchemy.orm import Session

from directory.vocab import Role
from tests.web.helpers import PASSWORD, add_account
from tests.web.seed import seed_austin

MAX_TABS = 60


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until the target has the focus, as a keyboard user would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus by Tab")


def assert_accessible(page: Page) -> None:
    """axe-core finds no violations on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_flag_is_filed_confirmed_and_shown_keyboard_only(
    page: Page, live_site: str, site_session: Session
) -> None:
    austin = seed_austin(site_session)
    add_account(site_session, "mo@example.org", Role.MAINTAINER)
    clinic_page = f"{live_site}/clinics/{austin.near.id}"

    # An advocate reports the listing.
    page.goto(clinic_page)
    assert_accessible(page)
    tab_to(page, page.get_by_role("link", name="Report a problem with this listing"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report a problem with")
    assert_accessible(page)
    tab_to(page, page.get_by_label("No licensed prescriber is named"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Details", exact=True))
    page.keyboard.type("Only a wellness coach is named on the team page.")
    tab_to(page, page.get_by_label("Link to evidence (optional)"))
    page.keyboard.type("https://congress.example/team")
    tab_to(page, page.get_by_role("button", name="Send the report"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The listing now shows that it is under")
    assert_accessible(page)
    page.goto(clinic_page)
    expect(page.locator("#under-review")).to_contain_text("Under review.")
    assert_accessible(page)

    # A maintainer signs in, finds it in the queue and confirms it.
    page.goto(f"{live_site}/maintainers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the maintainers' pages")
    assert_accessible(page)
    tab_to(page, page.get_by_label("Email", exact=True))
    page.keyboard.type("mo@example.org")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open flags")
    assert_accessible(page)
    tab_to(page, page.get_by_role("link", name=austin.near.name))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Only a wellness coach is named on the team page.")).to_be_visible()
    assert_accessible(page)
    verdict = page.get_by_label("Verdict to show")
    tab_to(page, verdict)
    page.keyboard.type("Licence problem")
    expect(verdict).to_have_value("license_problem")
    tab_to(page, page.get_by_label("Reason (kept with the decision)").first)
    page.keyboard.type("The coach prescribes; the TX board lists no licence for anyone here.")
    tab_to(page, page.get_by_role("button", name="Confirm flag"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("confirmed")
    assert_accessible(page)

    # Patients see the outcome.
    page.goto(clinic_page)
    summary = page.locator(".verdict-summary")
    expect(summary).to_contain_text("Licence problem")
    expect(summary).to_contain_text("the TX board lists no licence for anyone here")
    expect(page.locator("#under-review")).to_have_count(0)
    expect(page.get_by_role("region", name="Reports and their outcomes")).to_contain_text(
        "confirmed by the maintainers"
    )
    assert_accessible(page)
