"""The maintainers' page of licence changes (signed in only): what changed in the records
listings rest on, newest first, and the licences that listings rely on expiring soon."""

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from directory.licensing.monitor import EXPIRY_WINDOW_DAYS, expiring_licences, listing_changes
from directory.models import utcnow
from directory.vocab import Role
from web.auth import require_role
from web.db import get_session

bp = Blueprint("licences", __name__, url_prefix="/maintainers/licences")
require_role(bp, Role.MAINTAINER)

PERIODS = (7, 30, 90, 365)
"""The choices of how far back the page looks, in days."""


@bp.get("/changes")
def changes() -> ResponseReturnValue:
    """Changes first seen in the last `?days=` days (30 by default), and licences expiring."""
    days = request.args.get("days", 30, type=int)
    if days not in PERIODS:
        days = 30
    session = get_session()
    return render_template(
        "licences/changes.html",
        changes=listing_changes(session, utcnow() - timedelta(days=days)),
        expiring=expiring_licences(session, date.today(), EXPIRY_WINDOW_DAYS),
        days=days,
        periods=PERIODS,
        window=EXPIRY_WINDOW_DAYS,
    )
