"""The maintainers' page of licence changes and licences expiring soon."""

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from directory.licensing import verify_listings
from directory.models import utcnow
from directory.vocab import LicenseStatus, LicenseType, Role
from tests.directory.test_licensing import clinic_with, licence, person
from tests.web.helpers import add_account, sign_in


def seed_changes(session: Session) -> None:
    """A listing whose licence was suspended between two checks, and one expiring soon."""
    today = date.today()
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"]))
    clinic.name = "Calm Waters Ketamine"
    suspended = licence(session, "Jane", "Doe", LicenseType.MD, "Q1")
    suspended.retrieved_at = utcnow() - timedelta(days=3)
    other = clinic_with(session, person("Ann", "Lee", ["MD"]))
    other.name = "Lee Infusions"
    licence(session, "Ann", "Lee", LicenseType.MD, "L9").expiration_date = today + timedelta(
        days=40
    )
    verify_listings(session, today, everything=True)
    suspended.status, suspended.retrieved_at = LicenseStatus.SUSPENDED, utcnow()
    verify_listings(session, today, everything=True)
    session.commit()


def test_maintainers_see_licence_changes_and_licences_expiring(
    client: FlaskClient, site_session: Session
):
    seed_changes(site_session)
    add_account(site_session, "mo@example.org", Role.MAINTAINER)
    assert sign_in(client, "mo@example.org") == 303
    queue = client.get("/maintainers/").get_data(as_text=True)
    assert 'href="/maintainers/licences/changes"' in queue
    page = client.get("/maintainers/licences/changes").get_data(as_text=True)
    changes = page[page.index("Changes in the last 30 days") :]
    assert "Calm Waters Ketamine" in changes
    assert "MD licence Q1 in TX (tx-board)" in changes
    assert "<td>Active</td>" in changes
    assert "<td>Suspended</td>" in changes
    expiring = page[page.index("Expiring within 60 days") : page.index("Changes in the last")]
    assert "Lee Infusions" in expiring
    assert "MD licence L9 in TX" in expiring
    assert (date.today() + timedelta(days=40)).isoformat() in expiring
    assert "Lee Infusions" in changes  # came within the window: kept as a change too


def test_the_licence_changes_page_needs_a_maintainer(client: FlaskClient):
    page = client.get("/maintainers/licences/changes")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/maintainers/login?next=")


def test_the_licence_changes_page_speaks_spanish(client: FlaskClient, site_session: Session):
    seed_changes(site_session)
    add_account(site_session, "mo@example.org", Role.MAINTAINER)
    assert sign_in(client, "mo@example.org") == 303
    page = client.get("/maintainers/licences/changes", headers={"Accept-Language": "es"})
    html = page.get_data(as_text=True)
    assert "<h1>Cambios de licencias</h1>" in html
    assert "Vencen en los próximos 60 días" in html
    assert "<td>Suspendida</td>" in html
