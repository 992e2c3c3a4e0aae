"""Verdict reasons: plain English that keeps its template and params through the database."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from directory.models import Clinic, Verification
from directory.reasons import Reason

CHECKED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def suspended() -> Reason:
    licence = Reason("%(type)s licence %(number)s in %(state)s", type="MD", number="Q1", state="TX")
    return Reason(
        "%(name)s's %(licence)s is %(status)s.",
        name="Jane Doe, MD",
        licence=licence,
        status=Reason("suspended"),
    )


def test_a_reason_is_its_english_text():
    reason = suspended()

    assert reason == "Jane Doe, MD's MD licence Q1 in TX is suspended."
    assert reason.template == "%(name)s's %(licence)s is %(status)s."
    assert reason.params["status"] == "suspended"


def test_a_list_param_reads_as_a_comma_separated_list():
    reason = Reason("The registry lists %(listed)s.", listed=["Q1", Reason("none")])

    assert reason == "The registry lists Q1, none."


def test_a_reason_without_params_is_its_template_even_with_a_percent_sign():
    assert Reason("Checked 100% by hand.") == "Checked 100% by hand."


def stored_and_read_back(session, reasons: list[str]) -> list[str]:
    """The reasons of a verification, written to the database and read back."""
    clinic = Clinic(key="test:reasons", name="A Clinic")
    clinic.verifications.append(
        Verification(
            verdict="license_problem",
            as_of=date(2026, 11, 25),
            checked_at=CHECKED,
            reasons=reasons,
        )
    )
    session.add(clinic)
    session.flush()
    session.expire_all()
    return session.scalars(select(Verification.reasons)).one()


def test_reasons_keep_their_templates_and_params_through_the_database(session):
    reasons = stored_and_read_back(
        session, [suspended(), "Stored before reasons kept their templates."]
    )

    assert reasons == [
        "Jane Doe, MD's MD licence Q1 in TX is suspended.",
        "Stored before reasons kept their templates.",
    ]
    first, second = reasons
    assert isinstance(first, Reason)
    assert first.params["licence"].template == "%(type)s licence %(number)s in %(state)s"
    assert first.params["status"].template == "suspended"
    assert type(second) is str


def expired() -> Reason:
    return Reason("%(name)s's licence expired on %(day)s.", name="Jo", day=date(2026, 10, 1))


def test_a_date_param_is_iso_in_the_english_text_and_the_stored_form():
    reason = expired()

    assert reason == "Jo's licence expired on 2026-10-01."
    assert reason.to_json()["params"] == {"name": "Jo", "day": {"date": "2026-10-01"}}


def test_a_date_param_reads_back_from_the_database_as_a_date(session):
    (reason,) = stored_and_read_back(session, [expired()])

    assert reason == "Jo's licence expired on 2026-10-01."
    assert reason.params["day"] == date(2026, 10, 1)
