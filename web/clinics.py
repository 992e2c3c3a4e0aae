"""A clinic's page: locations, services, clinicians with their licence evidence, and sources."""

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from directory.listings import evidence_by_clinician, verification_history
from directory.search import get_clinic
from web.db import get_session

bp = Blueprint("clinics", __name__, url_prefix="/clinics")


@bp.get("/<int:clinic_id>")
def detail(clinic_id: int) -> ResponseReturnValue:
    """Everything we know about one listing, and where each fact came from."""
    clinic = get_clinic(get_session(), clinic_id)
    if clinic is None:
        abort(404, description=gettext("There is no clinic with the number %(id)d.", id=clinic_id))
    history = verification_history(clinic)
    newest = history[0] if history else None
    return render_template(
        "clinics/detail.html",
        clinic=clinic,
        newest=newest,
        history=history,
        evidence=evidence_by_clinician(newest),
    )
