"""The advocates' report: non-verified public listings by state, with reasons and evidence."""

import csv
import io
from datetime import UTC, datetime

from directory.accounts import add_user
from directory.csvfile import csv_text
from directory.moderation import Report, confirm_flag, file_flag, hide_listing
from directory.reports import advocates_report, report_csv, report_json
from directory.vocab import FlagReason, Role, Verdict
from tests.clinic_factories import add_clinic, add_clinician, add_verification, exclusion_evidence

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
POINT = (30.2713, -97.7426)


def test_the_report_lists_every_public_listing_that_is_not_verified_by_state(session):
    add_clinic(session, "Verified One", [POINT], Verdict.VERIFIED)
    problem = add_clinic(session, '=HYPERLINK("http://evil")', [POINT], Verdict.LICENSE_PROBLEM)
    smith = add_clinician(session, problem, "John Smith, CRNA")
    add_verification(
        session,
        problem,
        Verdict.LICENSE_PROBLEM,
        NOW,
        ["Smith is excluded."],
        [exclusion_evidence(smith)],
    )
    hidden = add_clinic(session, "Hidden", [POINT], Verdict.UNVERIFIED)
    admin = add_user(session, "ada@example.org", "correct horse battery", Role.ADMIN)
    hide_listing(session, hidden, admin, "Closed.", NOW)
    overridden = add_clinic(session, "Overridden", [POINT], Verdict.VERIFIED)
    flag = file_flag(session, overridden, Report(FlagReason.OTHER, "x", None, None), "h")
    confirm_flag(session, flag, admin, Verdict.OUT_OF_STATE, "Doctor licensed in NM only.", NOW)

    rows = advocates_report(session)

    assert [row["listing_id"] for row in rows] == [problem.id, overridden.id]
    assert rows[0]["state"] == "TX"
    assert rows[0]["reasons"] == ["Smith is excluded."]
    assert rows[0]["evidence"][0]["source"] == "oig-leie"
    assert rows[1]["override"]["reason"] == "Doctor licensed in NM only."
    assert advocates_report(session, "NM") == []
    document = report_json(rows, NOW)
    assert document["states"][0]["state"] == "TX"
    assert len(document["states"][0]["listings"]) == 2
    lines = list(csv.DictReader(io.StringIO(report_csv(rows))))
    assert lines[0]["name"] == '\'=HYPERLINK("http://evil")'  # not a formula in a spreadsheet
    assert "on the OIG exclusion list" in lines[0]["evidence"]
    assert lines[1]["override"] == "out_of_state: Doctor licensed in NM only."


def test_csv_cells_that_look_like_formulas_are_defused():
    text = csv_text(("a", "b"), [{"a": "+1-2", "b": 3}, {"a": "@SUM(A1)", "b": "plain"}])
    assert text.splitlines() == ["a,b", "'+1-2,3", "'@SUM(A1),plain"]
