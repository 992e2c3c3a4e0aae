"""Maintainers' accounts: passwords hashed with Argon2id, checked without telling who exists."""

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.audit import record
from directory.models import User
from directory.vocab import Role

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_hasher = PasswordHasher()
# Checked when no account has the address, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")


class AccountError(ValueError):
    """An account that cannot be created as asked; the message says why."""


def normalise_email(email: str) -> str:
    """An address as accounts are keyed: trimmed and in lower case."""
    return email.strip().lower()


def add_user(session: Session, email: str, password: str, role: Role) -> User:
    """Create an account with a hashed password; refuses a taken address or a short password."""
    address = normalise_email(email)
    if "@" not in address.strip("@"):
        raise AccountError(f"{email!r} is not an email address.")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if find_user(session, address) is not None:
        raise AccountError(f"There is already an account for {address}.")
    user = User(email=address, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    record(session, None, "user.add", f"user {user.id}", None, {"email": address, "role": role})
    return user


def find_user(session: Session, email: str) -> User | None:
    """The account for an address, if there is one."""
    address = normalise_email(email)
    return session.scalars(select(User).where(func.lower(User.email) == address)).one_or_none()


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The account whose password this is, or None; rehashes when the parameters have moved on."""
    user = find_user(session, email)
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user
