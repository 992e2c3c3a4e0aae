"""The advocates' report: public listings whose verdict is not `verified`, by state, to download."""

from typing import Any

import us
from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from directory.models import utcnow
from directory.reports import advocates_report, report_csv, report_json
from web.db import get_session

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
def index() -> ResponseReturnValue:
    """What the report holds, and the links to download it."""
    return render_template("reports/index.html")


@bp.get("/advocates.json")
def advocates_json() -> dict[str, Any]:
    """The report as JSON, grouped by state; `?state=TX` for one state."""
    return report_json(advocates_report(get_session(), _state()), utcnow())


@bp.get("/advocates.csv")
def advocates_csv() -> ResponseReturnValue:
    """The report as CSV, one line per listing and state; `?state=TX` for one state."""
    state = _state()
    name = f"advocates-report-{state or 'all'}.csv"
    return Response(
        report_csv(advocates_report(get_session(), state)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _state() -> str | None:
    """The `state` asked for as a postal abbreviation, or None for all; 400 if unknown."""
    text = request.args.get("state", "").strip()
    if not text:
        return None
    found = us.states.lookup(text) if text.replace(" ", "").isalpha() else None
    if found is None:
        abort(400, description=gettext("Give the state as a postal abbreviation, such as TX."))
    return str(found.abbr)
