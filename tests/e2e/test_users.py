"""`clinics user add`: accounts from the command line, with clear refusals."""

from sqlalchemy import select

from directory.db import make_engine
from directory.models import AuditEntry, User
from tests.e2e.conftest import Clinics


def test_user_add_creates_an_account_with_a_hashed_password(clinics: Clinics):
    added = clinics.run(
        "user", "add", "Ada@Example.org", "--role", "admin", "--password", "a long password here"
    )
    short = clinics.run("user", "add", "bob@example.org", "--password", "short", check=False)
    again = clinics.run(
        "user", "add", "ada@example.org", "--password", "a long password here", check=False
    )

    assert "Added ada@example.org (admin)." in added.stdout
    assert short.returncode == 1
    assert "Passwords need at least 12 characters." in short.stderr
    assert again.returncode == 1
    assert "There is already an account for ada@example.org." in again.stderr
    engine = make_engine(clinics.database_url)
    with engine.connect() as connection:
        [(email, role, hashed)] = connection.execute(
            select(User.email, User.role, User.password_hash)
        ).all()
        actions = connection.execute(select(AuditEntry.action, AuditEntry.actor)).all()
    engine.dispose()
    assert (email, role) == ("ada@example.org", "admin")
    assert hashed.startswith("$argon2id$")
    assert actions == [("user.add", "command line")]
