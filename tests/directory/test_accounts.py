"""Maintainers' accounts: Argon2 hashes, unique addresses, and checking a password."""

from datetime import UTC, datetime

import pytest

from directory.accounts import AccountError, add_user, authenticate, find_user
from directory.vocab import Role

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def test_passwords_are_stored_only_as_argon2id_hashes(session):
    user = add_user(session, " Ada@Example.org ", PASSWORD, Role.ADMIN)

    assert user.email == "ada@example.org"
    assert user.role == Role.ADMIN
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_right_password_signs_in_and_a_wrong_one_or_unknown_address_does_not(session):
    user = add_user(session, "ada@example.org", PASSWORD, Role.MAINTAINER)

    assert authenticate(session, "ADA@example.org", PASSWORD, NOW) is user
    assert user.last_login_at == NOW
    assert authenticate(session, "ada@example.org", PASSWORD + "!", NOW) is None
    assert authenticate(session, "bob@example.org", PASSWORD, NOW) is None
    assert authenticate(session, "ada@example.org", "x" * 5000, NOW) is None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("ada@example.org", "short", "at least 12"),
        ("not-an-address", PASSWORD, "not an email"),
        ("ADA@example.org", PASSWORD, "already an account"),
    ],
)
def test_bad_accounts_are_refused(session, email, password, message):
    add_user(session, "ada@example.org", PASSWORD, Role.MAINTAINER)

    with pytest.raises(AccountError, match=message):
        add_user(session, email, password, Role.MAINTAINER)
    assert find_user(session, "ada@example.org") is not None
