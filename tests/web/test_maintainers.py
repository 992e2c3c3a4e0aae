"""The maintainers' pages: sign-in, roles, the queue, actions on a listing, the audit log."""

import csv
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import AuditEntry, Flag, VerdictOverride
from directory.moderation import Report, file_flag
from directory.vocab import FlagReason, Role
from tests.web.helpers import PASSWORD, add_account, csrf_token, sign_in
from tests.web.seed import Austin, seed_austin


def flagged(session: Session) -> tuple[Austin, Flag]:
    """The Austin listings with one open flag on the nearest."""
    austin = seed_austin(session)
    flag = file_flag(
        session,
        austin.near,
        Report(FlagReason.OUT_OF_STATE_PRESCRIBER, "Dr is licensed in NM only.", None, None),
        "hash",
    )
    session.commit()
    return austin, flag


def act(client: FlaskClient, path: str, clinic_id: int, **fields: str):
    """Post a maintainer's action with the token from the listing's moderation page."""
    token = csrf_token(client, f"/maintainers/clinics/{clinic_id}")
    return client.post(path, data={"csrf_token": token, **fields})


def sign_in_as(
    client: FlaskClient, session: Session, email: str, role: Role = Role.MAINTAINER
) -> None:
    """Create an account and sign in with it."""
    add_account(session, email, role)
    assert sign_in(client, email) == 303


def dismiss(client: FlaskClient, flag: Flag, clinic_id: int, reason: str):
    """Post the dismiss form of a flag."""
    path = f"/maintainers/flags/{flag.id}/dismiss"
    return act(client, path, clinic_id, **{f"dismiss-{flag.id}-reason": reason})


def audit_actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


PAGES = ["/maintainers/", "/maintainers/clinics/1", "/maintainers/audit", "/maintainers/audit.csv"]
ACTIONS = [
    "/maintainers/flags/1/confirm",
    "/maintainers/flags/1/dismiss",
    "/maintainers/clinics/1/recheck",
    "/maintainers/clinics/1/hide",
    "/maintainers/clinics/1/merge",
]


@pytest.mark.parametrize("path", PAGES)
def test_maintainers_pages_ask_strangers_to_sign_in(client, site_session, path):
    flagged(site_session)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/maintainers/login?next=")


@pytest.mark.parametrize("path", ACTIONS)
def test_actions_without_signing_in_change_nothing(client, site_session, path):
    austin, flag = flagged(site_session)
    token = csrf_token(client, f"/clinics/{austin.near.id}/report")  # a valid token, no account

    response = client.post(
        path, data={"csrf_token": token, "verdict": "verified", "reason": "x", "merge-kept_id": "2"}
    )

    assert response.status_code == 302
    site_session.expire_all()
    assert site_session.get(Flag, flag.id).status == "open"
    assert audit_actions(site_session) == []


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(client, site_session):
    add_account(site_session, "mo@example.org")

    assert sign_in(client, "mo@example.org", "wrong password here") == 401
    assert sign_in(client, "nobody@example.org") == 401
    assert client.get("/maintainers/").status_code == 302
    assert sign_in(client, "MO@example.org") == 303
    page = client.get("/maintainers/")
    assert page.status_code == 200
    assert "Signed in as mo@example.org (Maintainer)" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/maintainers/audit", "/maintainers/audit"),
        ("https://evil.example/", "/maintainers/"),
        ("//evil.example/", "/maintainers/"),
        ("/\\evil.example", "/maintainers/"),
        ("/\t/evil.example", "/maintainers/"),
        ("/%09/evil.example", "/%09/evil.example"),  # stays a path on this site
        ("javascript:alert(1)", "/maintainers/"),
    ],
)
def test_sign_in_goes_on_only_to_pages_of_this_site(client, site_session, target, landing):
    add_account(site_session, "mo@example.org")
    token = csrf_token(client, "/maintainers/login")
    response = client.post(
        "/maintainers/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": "mo@example.org", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == landing


def test_repeated_sign_in_attempts_are_refused_for_a_while(app, client, site_session):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    add_account(site_session, "mo@example.org")
    for _ in range(3):
        assert sign_in(client, "mo@example.org", "guess number one") == 401

    blocked = sign_in(client, "mo@example.org")  # even the right password, for now

    assert blocked == 429
    assert client.get("/maintainers/").status_code == 302


def test_guesses_at_one_account_from_many_clients_add_up(app, site_session):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per hour"
    add_account(site_session, "mo@example.org")
    clients = [app.test_client() for _ in range(3)]
    for number, client in enumerate(clients):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"

    assert sign_in(clients[0], "mo@example.org", "guess number one") == 401
    assert sign_in(clients[1], "mo@example.org", "guess number two") == 401
    assert sign_in(clients[2], "mo@example.org") == 429
    assert sign_in(clients[2], "someone.else@example.org") == 401  # other accounts are not


def test_signing_out_ends_the_session_and_its_forms(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")
    token = csrf_token(client, f"/maintainers/clinics/{austin.near.id}")

    assert client.post("/maintainers/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/maintainers/").status_code == 302
    replayed = client.post(
        f"/maintainers/flags/{flag.id}/dismiss",
        data={"csrf_token": token, f"dismiss-{flag.id}-reason": "replayed"},
    )
    assert replayed.status_code == 400
    assert audit_actions(site_session) == ["user.add"]


def test_the_queue_shows_open_flags_with_their_listing(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")

    queue = client.get("/maintainers/").get_data(as_text=True)
    page = client.get(f"/maintainers/clinics/{austin.near.id}").get_data(as_text=True)

    assert austin.near.name in queue
    assert "The prescriber is licensed only in another state" in queue
    assert "Dr is licensed in NM only." in page
    assert "holds an active MD licence in TX" in page  # the evidence
    assert "Verdict history" in page


def test_confirming_sets_the_verdict_patients_see_and_a_replay_changes_nothing(
    client, site_session
):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")
    fields = {
        f"confirm-{flag.id}-verdict": "out_of_state",
        f"confirm-{flag.id}-reason": "The TX board has no licence for Dr Congress.",
    }

    done = act(client, f"/maintainers/flags/{flag.id}/confirm", austin.near.id, **fields)
    replay = act(client, f"/maintainers/flags/{flag.id}/confirm", austin.near.id, **fields)

    assert done.status_code == 303
    assert replay.status_code == 409
    assert "already confirmed" in replay.get_data(as_text=True)
    public = client.get(f"/clinics/{austin.near.id}").get_data(as_text=True)
    assert "Licensed out of state" in public
    assert "set by the directory's maintainers" in public
    assert "The TX board has no licence for Dr Congress." in public
    assert "Under review." not in public
    assert "was confirmed by the maintainers." in public
    api = client.get(f"/api/v1/clinics/{austin.near.id}").get_json()
    assert api["verification"]["status"] == "out_of_state"
    assert len(site_session.scalars(select(VerdictOverride)).all()) == 1
    assert audit_actions(site_session) == ["user.add", "flag.confirm"]


def test_a_maintainer_lifts_an_override(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")
    fields = {f"confirm-{flag.id}-verdict": "unverified", f"confirm-{flag.id}-reason": "No."}
    act(client, f"/maintainers/flags/{flag.id}/confirm", austin.near.id, **fields)

    lifted = act(
        client,
        f"/maintainers/clinics/{austin.near.id}/lift",
        austin.near.id,
        **{"lift-reason": "Confirmed by mistake."},
    )

    assert lifted.status_code == 303
    public = client.get(f"/clinics/{austin.near.id}").get_data(as_text=True)
    assert "Verified" in public
    assert "set by the directory's maintainers" not in public
    assert audit_actions(site_session) == ["user.add", "flag.confirm", "override.lift"]


def test_dismissing_needs_a_reason(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")

    response = dismiss(client, flag, austin.near.id, "")

    assert response.status_code == 400
    assert "Give a reason" in response.get_data(as_text=True)
    assert audit_actions(site_session) == ["user.add"]


def test_dismissing_keeps_the_verdict_and_shows_the_outcome(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")

    response = dismiss(client, flag, austin.near.id, "Dr Congress holds TX licence Q1234.")

    assert response.status_code == 303
    public = client.get(f"/clinics/{austin.near.id}").get_data(as_text=True)
    assert "Verified" in public
    assert "Dr Congress holds TX licence Q1234." in public
    assert "Under review." not in public


def test_recheck_runs_the_licensing_check_for_the_listing(client, site_session):
    austin, _ = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")

    response = act(client, f"/maintainers/clinics/{austin.near.id}/recheck", austin.near.id)

    assert response.status_code == 303
    # the seeded evidence has no licence records behind it, so the real check cannot verify
    page = client.get(f"/clinics/{austin.near.id}").get_data(as_text=True)
    assert "Unverified" in page
    assert audit_actions(site_session) == ["user.add", "listing.recheck"]


@pytest.mark.parametrize("action", ["hide", "merge", "restore"])
def test_maintainers_may_not_hide_merge_or_restore(client, site_session, action):
    austin, _ = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")

    response = act(
        client,
        f"/maintainers/clinics/{austin.near.id}/{action}",
        austin.near.id,
        **{f"{action}-reason": "x", "merge-kept_id": str(austin.far.id)},
    )

    assert response.status_code == 403
    assert client.get(f"/clinics/{austin.near.id}").status_code == 200
    assert audit_actions(site_session) == ["user.add"]


def test_an_admin_hides_a_listing_and_restores_it(client, site_session):
    austin, _ = flagged(site_session)
    sign_in_as(client, site_session, "ada@example.org", Role.ADMIN)

    hidden = act(
        client,
        f"/maintainers/clinics/{austin.near.id}/hide",
        austin.near.id,
        **{"hide-reason": "The clinic closed in 2025."},
    )

    assert hidden.status_code == 303
    gone = client.get(f"/clinics/{austin.near.id}")
    assert gone.status_code == 410
    assert "The clinic closed in 2025." in gone.get_data(as_text=True)
    assert austin.near.name not in client.get("/?near=78701&radius=5").get_data(as_text=True)
    assert client.get(f"/api/v1/clinics/{austin.near.id}").status_code == 410
    nearby = client.get("/api/v1/clinics?near=78701&radius=5").get_json()["results"]
    assert austin.near.id not in [record["id"] for record in nearby]
    restored = act(
        client,
        f"/maintainers/clinics/{austin.near.id}/restore",
        austin.near.id,
        **{"restore-reason": "It reopened."},
    )
    assert restored.status_code == 303
    assert client.get(f"/clinics/{austin.near.id}").status_code == 200


def test_an_admin_merges_a_duplicate_into_the_listing_kept(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "ada@example.org", Role.ADMIN)

    unknown = act(
        client,
        f"/maintainers/clinics/{austin.near.id}/merge",
        austin.near.id,
        **{"merge-kept_id": "999", "merge-reason": "Same clinic."},
    )
    merged = act(
        client,
        f"/maintainers/clinics/{austin.near.id}/merge",
        austin.near.id,
        **{"merge-kept_id": str(austin.far.id), "merge-reason": "Same clinic."},
    )

    assert unknown.status_code == 400
    assert "There is no listing number 999." in unknown.get_data(as_text=True)
    assert merged.status_code == 303
    moved = client.get(f"/clinics/{austin.near.id}")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/clinics/{austin.far.id}"
    site_session.expire_all()
    assert site_session.get(Flag, flag.id).clinic_id == austin.far.id


def test_the_audit_log_is_shown_and_exported(client, site_session):
    austin, flag = flagged(site_session)
    sign_in_as(client, site_session, "mo@example.org")
    dismiss(client, flag, austin.near.id, "Licensed in TX after all.")

    page = client.get("/maintainers/audit").get_data(as_text=True)
    exported = client.get("/maintainers/audit.json").get_json()["entries"]
    rows = list(csv.DictReader(io.StringIO(client.get("/maintainers/audit.csv").text)))

    assert "flag.dismiss" in page
    assert [entry["action"] for entry in exported] == ["flag.dismiss", "user.add"]
    assert exported[0]["actor"] == "mo@example.org"
    assert exported[0]["before"]["flag"]["status"] == "open"
    assert exported[0]["after"]["flag"]["resolution"] == "Licensed in TX after all."
    assert rows[0]["action"] == "flag.dismiss"
    assert '"status": "dismissed"' in rows[0]["after"]
