"""Advocates' reports about a listing: the form on every clinic page, and the thank-you page."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug import Response

from directory.moderation import DuplicateFlagError, Report, file_flag
from directory.vocab import FlagReason
from web.clinics import public_clinic
from web.db import get_session
from web.forms import FlagForm
from web.security import client_address, limiter, reporter_hash

bp = Blueprint("flags", __name__, url_prefix="/clinics")


def _flag_limit() -> str:
    """Reports one client may send (FLAG_RATE_LIMIT, e.g. "5 per hour")."""
    return str(current_app.config["FLAG_RATE_LIMIT"])


@bp.route("/<int:clinic_id>/report", methods=["GET", "POST"])
@limiter.limit(
    _flag_limit,
    methods=["POST"],
    error_message=lambda: gettext(
        "You have sent several reports in a short time. Please try again in an hour."
    ),
    deduct_when=lambda response: response.status_code == 303,
)
def new(clinic_id: int) -> ResponseReturnValue:
    """The report form; a valid report is stored as an open flag on the listing."""
    clinic = public_clinic(clinic_id)
    form = FlagForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("flags/new.html", form=form, clinic=clinic), status
    if form.website.data:  # the honeypot: only bots fill it; they see success, nothing is kept
        return _sent(clinic_id)
    report = Report(
        FlagReason(form.reason.data),
        form.details.data,
        form.evidence_url.data,
        form.contact_email.data,
    )
    session = get_session()
    try:
        file_flag(session, clinic, report, reporter_hash(client_address()))
    except DuplicateFlagError as error:
        context = {"form": form, "clinic": clinic, "duplicate": error}
        return render_template("flags/new.html", **context), 409
    session.commit()
    return _sent(clinic_id)


@bp.get("/<int:clinic_id>/report/sent")
def sent(clinic_id: int) -> ResponseReturnValue:
    """Thanks, and what happens next."""
    return render_template("flags/sent.html", clinic=public_clinic(clinic_id))


def _sent(clinic_id: int) -> Response:
    """See-other to the thank-you page, so a reload does not send the report again."""
    return redirect(url_for(".sent", clinic_id=clinic_id), code=303)
