"""Maintainers' sign-in: Flask-Login sessions over our accounts, and the role checks that guard
the maintainers' pages (reusable by any blueprint: `require_role(bp)` or `@role_required`)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import LoginManager, UserMixin, current_user

from directory.models import User
from directory.vocab import Role, translatable
from web.db import get_session

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = translatable("Sign in to see the maintainers' pages.")
login_manager.localize_callback = gettext  # the message is flashed in the page's language
login_manager.session_protection = "strong"

RANKS = {Role.MAINTAINER: 1, Role.ADMIN: 2}
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


@dataclass(frozen=True)
class Account(UserMixin):  # type: ignore[misc]
    """The signed-in maintainer, as Flask-Login keeps them for one request."""

    user_id: int
    email: str
    role: Role

    def get_id(self) -> str:
        """The id Flask-Login stores in the session."""
        return str(self.user_id)

    def may(self, role: Role) -> bool:
        """Whether this account's role includes `role` (admins may do what maintainers may)."""
        return RANKS[self.role] >= RANKS[role]


def init_app(app: Flask) -> None:
    """Load the signed-in account on each request."""
    login_manager.init_app(app)
    login_manager.user_loader(load_account)


def load_account(user_id: str) -> Account | None:
    """The account whose id the session holds, if it still exists."""
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return account_for(user) if user else None


def account_for(user: User) -> Account:
    """The session's view of a user."""
    return Account(user.id, user.email, Role(user.role))


def current_account() -> Account:
    """The signed-in account (only call behind a role check)."""
    return cast(Account, current_user._get_current_object())


def current_db_user() -> User:
    """The signed-in account's row, for actions that record who acted."""
    user = get_session().get(User, current_account().user_id)
    if user is None:
        abort(403)
    return user


def check_role(role: Role) -> ResponseReturnValue | None:
    """None when the visitor may go on; else the redirect to sign in, or 403 Forbidden."""
    if not current_user.is_authenticated:
        return cast(ResponseReturnValue, login_manager.unauthorized())
    if not current_account().may(role):
        abort(403, description=gettext("Your account may not do this; ask an admin."))
    return None


def require_role(bp: Blueprint, role: Role = Role.MAINTAINER) -> None:
    """Guard every view of a blueprint: signed in, with at least this role."""
    bp.before_request(lambda: check_role(role))


def role_required(role: Role) -> Callable[[View], View]:
    """Guard one view: signed in, with at least this role."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            return check_role(role) or view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def safe_next(target: str | None, default: str) -> str:
    """Where to go after signing in: a path on this site only, never another host.

    Browsers drop tabs and newlines from addresses and read a backslash as a slash, so a "/",
    a tab and "/evil.example" would become "//evil.example": such paths are refused outright.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) < 33 or ord(char) == 127 for char in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
