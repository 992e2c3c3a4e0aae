"""The maintainers' crawl dashboard: recent runs per source, and charts (SVG images drawn on the
server, each with a table of its numbers) of listings and verdicts per state over time and of
run durations and error rates per source."""

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from directory.dashboard import (
    NO_STATE,
    RunFigures,
    StateHistory,
    history_start,
    runs_by_source,
    verdict_history,
)
from directory.models import utcnow
from directory.vocab import Role, Verdict
from web import charts
from web.auth import role_required
from web.db import get_session
from web.filters import VERDICT_LABELS

bp = Blueprint("dashboard", __name__, url_prefix="/maintainers/dashboard")

RUNS_PER_SOURCE = 10
DEFAULT_DAYS, MAX_DAYS = 90, 730


@bp.get("/")
@role_required(Role.MAINTAINER)
def index() -> ResponseReturnValue:
    """The runs per source, the charts, and the tables behind them."""
    days = _days()
    return render_template(
        "dashboard/index.html",
        runs=_runs(),
        history=_history(days),
        days=days,
        verdicts=list(Verdict),
        no_state=NO_STATE,
    )


@bp.get("/verdicts.svg")
@role_required(Role.MAINTAINER)
def verdicts_chart() -> ResponseReturnValue:
    """Listings per verdict over time, a small chart per state."""
    history = _history(_days())
    if not history:
        abort(404, description=gettext("No verdicts have been counted yet."))
    labels = {verdict: str(VERDICT_LABELS[verdict]) for verdict in Verdict}
    states = {state.state: state.state or gettext("No state") for state in history}
    return _svg(charts.verdicts_by_state(history, labels, states))


@bp.get("/durations.svg")
@role_required(Role.MAINTAINER)
def durations_chart() -> ResponseReturnValue:
    """How long each source's recent runs took."""
    return _svg(charts.per_source(gettext("Run duration (seconds)"), _runs(), "seconds"))


@bp.get("/error-rates.svg")
@role_required(Role.MAINTAINER)
def error_rates_chart() -> ResponseReturnValue:
    """Errors per page fetched in each source's recent runs."""
    return _svg(charts.per_source(gettext("Errors per page fetched"), _runs(), "error_rate"))


def _runs() -> dict[str, list[RunFigures]]:
    return runs_by_source(get_session(), RUNS_PER_SOURCE)


def _history(days: int) -> list[StateHistory]:
    return verdict_history(get_session(), history_start(utcnow().date(), days))


def _days() -> int:
    """How many days of history to show (`?days=`), within bounds; 400 if not a number."""
    text = request.args.get("days", "")
    if not text:
        return DEFAULT_DAYS
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        abort(
            400,
            description=gettext("Give days as a whole number from 1 to %(most)s.", most=MAX_DAYS),
        )
    return int(text)


def _svg(image: str | None) -> ResponseReturnValue:
    """A chart as an SVG image; 404 when there is nothing to draw yet."""
    if image is None:
        abort(404, description=gettext("There are no runs to draw yet."))
    return Response(image, mimetype="image/svg+xml")
