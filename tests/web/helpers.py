"""Helpers for driving the site's forms as a browser would: read the CSRF token, sign in."""

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from directory.accounts import add_user
from directory.models import User
from directory.vocab import Role

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the (first) form on a page."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def add_account(session: Session, email: str, role: Role = Role.MAINTAINER) -> User:
    """A committed account with the test password."""
    user = add_user(session, email, PASSWORD, role)
    session.commit()
    return user


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    """Sign in through the form; returns the response's status."""
    token = csrf_token(client, "/maintainers/login")
    response = client.post(
        "/maintainers/login", data={"csrf_token": token, "email": email, "password": password}
    )
    return response.status_code
