"""Maintainers confirm or reject the candidate licence matches the checker was unsure of."""

import re
from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.licensing import verify_listings
from directory.models import AuditEntry, Clinic, Clinician, License, MatchDecision
from directory.vocab import LicenseType, Role, Verdict
from tests.directory.test_licensing import AS_OF, clinic_with, licence, person
from tests.web.helpers import add_account, csrf_token, sign_in


@dataclass
class Uncertain:
    """Two checked listings: one with a weak fit, one with two namesakes."""

    ng: Clinic
    ng_licence: License
    smith: Clinic
    smith_licences: list[License]

    @property
    def katherine(self) -> Clinician:
        """The clinician the weak fit is about."""
        return self.ng.clinicians[0]


def checked(session: Session) -> Uncertain:
    """Listings and licence records the real checker leaves uncertain; committed."""
    ng = clinic_with(session, person("Katherine", "Ng", ["MD"]))
    ng.name = "Ng Ketamine Care"
    ng_licence = licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1")
    smith = clinic_with(session, person("John", "Smith", ["MD"]), city="Plano")
    smith.name = "Smith Infusions"
    smiths = [
        licence(session, "John", "Smith", LicenseType.MD, "S1", city="Houston"),
        licence(session, "John", "Smith", LicenseType.MD, "S2", city="Dallas"),
    ]
    verify_listings(session, AS_OF)
    session.commit()
    assert (ng.verdict, smith.verdict) == (Verdict.UNVERIFIED, Verdict.UNVERIFIED)
    return Uncertain(ng, ng_licence, smith, smiths)


def signed_in(client: FlaskClient, session: Session, email: str = "mo@example.org") -> None:
    """A maintainer's account, signed in."""
    add_account(session, email, Role.MAINTAINER)
    assert sign_in(client, email) == 303


def form_token(client: FlaskClient, prefix: str) -> str:
    """The CSRF token of one candidate's form on the candidates page."""
    page = client.get("/maintainers/candidates").get_data(as_text=True)
    found = re.search(f'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, f"no form {prefix} on the candidates page"
    return found.group(1)


def decide(
    client: FlaskClient,
    clinician: Clinician,
    row: License,
    decision: str,
    note: str = "",
    token: str | None = None,
):
    """Press a candidate's confirm or reject button, as a browser sends the form."""
    prefix = f"candidate-{clinician.id}-{row.id}"
    return client.post(
        f"/maintainers/candidates/{clinician.id}/{row.id}",
        data={
            f"{prefix}-csrf_token": token or form_token(client, prefix),
            f"{prefix}-decision": decision,
            f"{prefix}-note": note,
        },
    )


def stored(session: Session) -> tuple[list[str], list[tuple[str, str]]]:
    """The audit actions after the accounts' creation, and the decisions with who made them."""
    session.expire_all()
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.action != "user.add").order_by(AuditEntry.id)
    )
    decisions = session.execute(select(MatchDecision.decision, MatchDecision.decided_by))
    return list(actions), [tuple(row) for row in decisions]


def test_the_page_lists_what_the_checker_was_unsure_of(client, site_session):
    uncertain = checked(site_session)
    signed_in(client, site_session)

    page = client.get("/maintainers/candidates").get_data(as_text=True)
    listing = client.get(f"/maintainers/clinics/{uncertain.ng.id}").get_data(as_text=True)

    assert 'href="/maintainers/candidates">Candidate matches</a>' in page
    assert "Katherine Ng, MD: MD licence M1 in TX" in page
    assert "Ng Ketamine Care" in page
    assert "MD licence M1 in TX, status Active, from" in page
    assert ">tx-board</a>" in page
    assert "A weak fit: the name fits below the threshold." in page
    assert "name similarity" in page
    assert "John Smith, MD: MD licence S1 in TX" in page
    assert "John Smith, MD: MD licence S2 in TX" in page
    assert page.count("A namesake: several licence holders fit this name equally.") == 2
    assert "Katherine Ng, MD: MD licence M1 in TX" in listing
    assert "John Smith" not in listing
    assert "Ng Ketamine Care</a> (listing" not in listing  # the listing is the page itself


def test_confirming_an_active_in_state_licence_verifies_the_listing(client, site_session):
    uncertain = checked(site_session)
    signed_in(client, site_session)

    done = decide(client, uncertain.katherine, uncertain.ng_licence, "confirmed", "Same NPI.")

    assert done.status_code == 303
    assert done.headers["Location"] == f"/maintainers/clinics/{uncertain.ng.id}"
    api = client.get(f"/api/v1/clinics/{uncertain.ng.id}").get_json()
    assert api["verification"]["status"] == "verified"
    page = client.get("/maintainers/candidates").get_data(as_text=True)
    assert "Katherine Ng, MD: MD licence M1" not in page
    assert stored(site_session) == (["candidate.confirm"], [("confirmed", "mo@example.org")])
    entry = site_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.actor, entry.clinic_id) == ("mo@example.org", uncertain.ng.id)
    assert (entry.before["verdict"], entry.after["verdict"]) == ("unverified", "verified")
    assert entry.after["candidate"]["note"] == "Same NPI."


def test_a_rejection_is_remembered_by_the_next_checks(client, site_session):
    uncertain = checked(site_session)
    signed_in(client, site_session)
    houston = uncertain.smith_licences[0]

    done = decide(client, uncertain.smith.clinicians[0], houston, "rejected", "Houston doctor.")
    verify_listings(site_session, AS_OF, everything=True)
    site_session.commit()

    assert done.status_code == 303
    page = client.get("/maintainers/candidates").get_data(as_text=True)
    assert "MD licence S1" not in page
    assert "Katherine Ng, MD: MD licence M1" in page
    # with the Houston namesake ruled out, the Dallas licence is the only fit left
    site_session.refresh(uncertain.smith)
    assert uncertain.smith.verdict == Verdict.VERIFIED
    done = decide(client, uncertain.katherine, uncertain.ng_licence, "rejected")
    verify_listings(site_session, AS_OF, everything=True)
    site_session.commit()
    site_session.refresh(uncertain.ng)
    assert uncertain.ng.verdict == Verdict.UNVERIFIED
    assert "No candidate matches wait" in client.get("/maintainers/candidates").get_data(
        as_text=True
    )
    assert stored(site_session)[0] == ["candidate.reject", "candidate.reject"]


def test_a_replayed_or_stale_form_is_refused_and_changes_nothing(client, site_session):
    uncertain = checked(site_session)
    signed_in(client, site_session)
    prefix = f"candidate-{uncertain.katherine.id}-{uncertain.ng_licence.id}"
    token = form_token(client, prefix)  # the page as it was before anyone decided
    decide(client, uncertain.katherine, uncertain.ng_licence, "confirmed", token=token)

    replayed = decide(client, uncertain.katherine, uncertain.ng_licence, "rejected", token=token)

    assert replayed.status_code == 409
    assert "already confirmed by mo@example.org" in replayed.get_data(as_text=True)
    assert stored(site_session) == (["candidate.confirm"], [("confirmed", "mo@example.org")])


def test_strangers_cannot_see_or_decide(client, site_session):
    uncertain = checked(site_session)
    token = csrf_token(client, f"/clinics/{uncertain.ng.id}/report")  # a valid token, no account
    prefix = f"candidate-{uncertain.katherine.id}-{uncertain.ng_licence.id}"

    page = client.get("/maintainers/candidates")
    posted = client.post(
        f"/maintainers/candidates/{uncertain.katherine.id}/{uncertain.ng_licence.id}",
        data={"csrf_token": token, f"{prefix}-decision": "confirmed"},
    )

    assert page.status_code == posted.status_code == 302
    assert posted.headers["Location"].startswith("/maintainers/login?next=")
    assert stored(site_session) == ([], [])


def test_a_decision_without_its_csrf_token_is_refused(client, site_session):
    uncertain = checked(site_session)
    signed_in(client, site_session)
    prefix = f"candidate-{uncertain.katherine.id}-{uncertain.ng_licence.id}"

    refused = client.post(
        f"/maintainers/candidates/{uncertain.katherine.id}/{uncertain.ng_licence.id}",
        data={f"{prefix}-decision": "confirmed"},
    )

    assert refused.status_code == 400
    assert stored(site_session) == ([], [])


def test_a_bad_decision_or_an_over_long_note_is_refused(client, site_session):
    uncertain = checked(site_session)
    signed_in(client, site_session)

    unknown = decide(client, uncertain.katherine, uncertain.ng_licence, "maybe")
    long = decide(client, uncertain.katherine, uncertain.ng_licence, "confirmed", "x" * 501)

    assert unknown.status_code == long.status_code == 400
    assert "Not a valid choice" in unknown.get_data(as_text=True)
    assert "Keep the note under 500 characters." in long.get_data(as_text=True)
    assert stored(site_session) == ([], [])
