"""A clinic's page: locations, services, clinicians with their licence evidence, and sources."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from directory.listings import evidence_by_clinician, under_review, verification_history
from directory.models import Clinic
from directory.moderation import resolved_flags
from directory.overrides import active_override
from directory.search import get_clinic
from directory.vocab import Verdict
from web.db import get_session

bp = Blueprint("clinics", __name__, url_prefix="/clinics")


@bp.get("/<int:clinic_id>")
def detail(clinic_id: int) -> ResponseReturnValue:
    """Everything we know about one listing, and where each fact came from."""
    clinic = public_clinic(clinic_id)
    history = verification_history(clinic)
    newest = history[0] if history else None
    override = active_override(clinic)
    computed = newest.verdict if newest else Verdict.UNVERIFIED
    return render_template(
        "clinics/detail.html",
        clinic=clinic,
        newest=newest,
        history=history,
        evidence=evidence_by_clinician(newest),
        verdict=override.verdict if override else computed,
        override=override,
        under_review=under_review(clinic),
        outcomes=resolved_flags(clinic),
    )


def public_clinic(clinic_id: int) -> Clinic:
    """A listing in the public directory; 404 if unknown, 410 if hidden, a redirect if merged."""
    clinic = get_clinic(get_session(), clinic_id)
    if clinic is None:
        abort(404, description=gettext("There is no clinic with the number %(id)d.", id=clinic_id))
    removal = clinic.removal
    if removal is not None and removal.merged_into_id is not None:
        target = url_for("clinics.detail", clinic_id=removal.merged_into_id)
        abort(redirect(target, code=301))
    if removal is not None:
        abort(
            410,
            description=gettext(
                "This listing was removed from the directory: %(reason)s", reason=removal.reason
            ),
        )
    return clinic
