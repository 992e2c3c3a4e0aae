"""Signing in and out of the maintainers' pages."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_user, logout_user

from directory.accounts import authenticate, normalise_email
from directory.models import utcnow
from web.auth import account_for, safe_next
from web.db import get_session
from web.forms import LoginForm
from web.security import limiter

bp = Blueprint("accounts", __name__, url_prefix="/maintainers")


def _login_limit() -> str:
    """Sign-in attempts one client may make (LOGIN_RATE_LIMIT, e.g. "5 per minute")."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_limit() -> str:
    """Failed sign-ins one account may have from anywhere (LOGIN_ACCOUNT_RATE_LIMIT)."""
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _account_key() -> str:
    """The account a sign-in attempt is for, so guesses spread over many clients still add up."""
    return "account:" + normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    methods=["POST"],
    error_message=lambda: gettext(
        "Too many sign-in attempts from your connection. Wait a few minutes."
    ),
)
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    error_message=lambda: gettext(
        "Too many failed sign-ins for this account. Wait an hour, or ask an admin."
    ),
    deduct_when=lambda response: response.status_code == 401,
)
def login() -> ResponseReturnValue:
    """The sign-in form; on success, on to the page asked for (on this site only)."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/login.html", form=form
        ), 400 if form.is_submitted() else 200
    db = get_session()
    user = authenticate(db, form.email.data, form.password.data, utcnow())
    if user is None:
        failed = gettext("That email and password do not match an account.")
        return render_template("accounts/login.html", form=form, failed=failed), 401
    db.commit()
    target = safe_next(request.args.get("next"), url_for("maintainers.queue"))
    session.clear()  # a new session on sign-in: nothing from before carries over
    login_user(account_for(user))
    return redirect(target, code=303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out and forget the session (its form tokens stop working too)."""
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"), code=303)
