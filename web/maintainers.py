"""The maintainers' pages (signed in only): the queue of open flags, one listing's moderation
page with its evidence and history, the actions on it, the candidate licence matches waiting for a
decision, and the audit log with its exports."""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf import FlaskForm

from directory import audit
from directory.licensing.decisions import Candidate, candidate_pair, pending_candidates
from directory.listings import evidence_by_clinician, verification_history
from directory.models import Clinic, Clinician, Flag, License, utcnow
from directory.moderation import (
    ModerationError,
    confirm_flag,
    decide_candidate,
    dismiss_flag,
    get_flag,
    hide_listing,
    lift_override,
    merge_listings,
    open_flags,
    recheck_listing,
    restore_listing,
)
from directory.overrides import active_override
from directory.search import get_clinic
from directory.vocab import Decision, Role, Verdict, translatable
from web.auth import current_db_user, require_role, role_required
from web.db import get_session
from web.forms import CandidateForm, ConfirmForm, MergeForm, ReasonForm, RecheckForm

bp = Blueprint("maintainers", __name__, url_prefix="/maintainers")
require_role(bp, Role.MAINTAINER)

AUDIT_PAGE = 200
DECIDED = {
    Decision.CONFIRMED: translatable(
        "Licence %(number)s confirmed for %(name)s; the licensing check ran again with it."
    ),
    Decision.REJECTED: translatable(
        "Licence %(number)s rejected for %(name)s; the licensing check ran again with it."
    ),
}
PairKey = tuple[int, int]
"""A candidate by its clinician's and its licence record's ids, as its form is addressed."""


@bp.get("/")
def queue() -> ResponseReturnValue:
    """Open flags, oldest first."""
    return render_template("maintainers/queue.html", flags=open_flags(get_session()))


@bp.get("/clinics/<int:clinic_id>")
def listing(clinic_id: int) -> ResponseReturnValue:
    """One listing for moderation: its flags, verdict, evidence, history and audit entries."""
    return _listing_page(_clinic(clinic_id))


@bp.post("/flags/<int:flag_id>/confirm")
def confirm(flag_id: int) -> ResponseReturnValue:
    """Confirm a flag, setting the verdict patients see, with a reason."""
    flag = _flag(flag_id)
    form = ConfirmForm(prefix=f"confirm-{flag.id}")
    if not form.validate_on_submit():
        return _listing_page(flag.clinic, 400, forms={flag.id: {"confirm": form}})
    return _act(
        flag.clinic,
        lambda: confirm_flag(
            get_session(),
            flag,
            current_db_user(),
            Verdict(form.verdict.data),
            form.reason.data,
            utcnow(),
        ),
        gettext(
            "Flag %(number)d confirmed; the listing now shows the verdict you set.", number=flag.id
        ),
    )


@bp.post("/flags/<int:flag_id>/dismiss")
def dismiss(flag_id: int) -> ResponseReturnValue:
    """Dismiss a flag, with a reason; the verdict stays as it is."""
    flag = _flag(flag_id)
    form = ReasonForm(prefix=f"dismiss-{flag.id}")
    if not form.validate_on_submit():
        return _listing_page(flag.clinic, 400, forms={flag.id: {"dismiss": form}})
    return _act(
        flag.clinic,
        lambda: dismiss_flag(get_session(), flag, current_db_user(), form.reason.data, utcnow()),
        gettext("Flag %(number)d dismissed.", number=flag.id),
    )


@bp.post("/clinics/<int:clinic_id>/recheck")
def recheck(clinic_id: int) -> ResponseReturnValue:
    """Re-run the licensing check on the listing now."""
    clinic = _clinic(clinic_id)
    if not RecheckForm().validate_on_submit():
        return _listing_page(clinic, 400)
    return _act(
        clinic,
        lambda: recheck_listing(get_session(), clinic, current_db_user(), date.today()),
        gettext("Licensing check run again."),
    )


@bp.post("/clinics/<int:clinic_id>/lift")
def lift(clinic_id: int) -> ResponseReturnValue:
    """End the maintainers' verdict in force, so the checker's shows again."""
    clinic = _clinic(clinic_id)
    form = ReasonForm(prefix="lift")
    if not form.validate_on_submit():
        return _listing_page(clinic, 400, lift_form=form)
    return _act(
        clinic,
        lambda: lift_override(get_session(), clinic, current_db_user(), form.reason.data, utcnow()),
        gettext("The maintainers' verdict was lifted; the licensing check's verdict shows again."),
    )


@bp.post("/clinics/<int:clinic_id>/hide")
@role_required(Role.ADMIN)
def hide(clinic_id: int) -> ResponseReturnValue:
    """Take the listing out of the public directory, with a reason shown on its page."""
    clinic = _clinic(clinic_id)
    form = ReasonForm(prefix="hide")
    if not form.validate_on_submit():
        return _listing_page(clinic, 400, hide_form=form)
    return _act(
        clinic,
        lambda: hide_listing(get_session(), clinic, current_db_user(), form.reason.data, utcnow()),
        gettext("Listing hidden from the public directory."),
    )


@bp.post("/clinics/<int:clinic_id>/restore")
@role_required(Role.ADMIN)
def restore(clinic_id: int) -> ResponseReturnValue:
    """Put a hidden or merged listing back into the public directory."""
    clinic = _clinic(clinic_id)
    form = ReasonForm(prefix="restore")
    if not form.validate_on_submit():
        return _listing_page(clinic, 400, restore_form=form)
    return _act(
        clinic,
        lambda: restore_listing(get_session(), clinic, current_db_user(), form.reason.data),
        gettext("Listing restored to the public directory."),
    )


@bp.post("/clinics/<int:clinic_id>/merge")
@role_required(Role.ADMIN)
def merge(clinic_id: int) -> ResponseReturnValue:
    """Merge this duplicate listing into the one kept."""
    clinic = _clinic(clinic_id)
    form = MergeForm(prefix="merge")
    if not form.validate_on_submit():
        return _listing_page(clinic, 400, merge_form=form)
    kept = get_clinic(get_session(), int(form.kept_id.data))
    if kept is None:
        form.kept_id.errors = [
            gettext("There is no listing number %(number)s.", number=form.kept_id.data)
        ]
        return _listing_page(clinic, 400, merge_form=form)
    return _act(
        clinic,
        lambda: merge_listings(
            get_session(), clinic, kept, current_db_user(), form.reason.data, utcnow()
        ),
        gettext("Listing merged into listing %(number)d.", number=kept.id),
    )


@bp.get("/candidates")
def candidates() -> ResponseReturnValue:
    """Candidate licence matches the checker was unsure of, waiting for a decision."""
    found = pending_candidates(get_session())
    return render_template(
        "maintainers/candidates.html", candidates=found, candidate_forms=_candidate_forms(found)
    )


@bp.post("/candidates/<int:clinician_id>/<int:license_id>")
def decide(clinician_id: int, license_id: int) -> ResponseReturnValue:
    """Confirm or reject a candidate match; the listing is checked again with the decision."""
    clinician, licence = _pair(clinician_id, license_id)
    form = CandidateForm(prefix=_candidate_prefix((clinician.id, licence.id)))
    if not form.validate_on_submit():
        given = {(clinician.id, licence.id): form}
        return _listing_page(clinician.clinic, 400, candidate_forms=given)
    decision, actor = Decision(form.decision.data), current_db_user()
    return _act(
        clinician.clinic,
        lambda: decide_candidate(
            get_session(),
            clinician,
            licence,
            decision,
            decided_by=actor.email,
            actor=actor,
            note=form.note.data,
            as_of=date.today(),
        ),
        gettext(DECIDED[decision], number=licence.license_number, name=clinician.name),
    )


@bp.get("/audit")
def audit_log() -> ResponseReturnValue:
    """The newest entries of the audit log."""
    entries = audit.entries(get_session(), limit=AUDIT_PAGE)
    return render_template("maintainers/audit.html", entries=entries, page_size=AUDIT_PAGE)


@bp.get("/audit.json")
def audit_json() -> ResponseReturnValue:
    """The whole audit log as JSON, newest first."""
    return {"entries": [audit.entry_record(entry) for entry in audit.entries(get_session())]}


@bp.get("/audit.csv")
def audit_csv() -> ResponseReturnValue:
    """The whole audit log as CSV, newest first."""
    return Response(
        audit.entries_csv(audit.entries(get_session())),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


def _clinic(clinic_id: int) -> Clinic:
    """A listing by number, public or not; 404 if there is none."""
    clinic = get_clinic(get_session(), clinic_id)
    if clinic is None:
        abort(404, description=gettext("There is no listing number %(number)s.", number=clinic_id))
    return clinic


def _flag(flag_id: int) -> Flag:
    """A flag by number; 404 if there is none."""
    flag = get_flag(get_session(), flag_id)
    if flag is None:
        abort(404, description=gettext("There is no flag number %(number)d.", number=flag_id))
    return flag


def _pair(clinician_id: int, license_id: int) -> tuple[Clinician, License]:
    """A clinician and a licence record by number; 404 if either is gone."""
    pair = candidate_pair(get_session(), clinician_id, license_id)
    if pair is None:
        abort(
            404,
            description=gettext(
                "There is no clinician %(clinician)d or no licence %(licence)d.",
                clinician=clinician_id,
                licence=license_id,
            ),
        )
    return pair


def _candidate_prefix(key: PairKey) -> str:
    """The form prefix of one candidate, so several forms share a page."""
    return f"candidate-{key[0]}-{key[1]}"


def _candidate_forms(
    candidates: list[Candidate], given: dict[PairKey, FlaskForm] | None = None
) -> dict[PairKey, FlaskForm]:
    """Fresh decision forms for candidates, except those that come back with errors."""
    keys = [(candidate.clinician_id, candidate.license_id) for candidate in candidates]
    fresh = {key: CandidateForm(prefix=_candidate_prefix(key), formdata=None) for key in keys}
    return fresh | (given or {})


def _act(clinic: Clinic, action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run an action and commit it; a refused one shows the listing page with the reason."""
    try:
        action()
    except ModerationError as error:
        get_session().rollback()
        return _listing_page(clinic, 409, refused=error)
    get_session().commit()
    flash(done)
    return redirect(url_for(".listing", clinic_id=clinic.id), code=303)


def _listing_page(
    clinic: Clinic,
    status: int = 200,
    forms: dict[int, dict[str, FlaskForm]] | None = None,
    candidate_forms: dict[PairKey, FlaskForm] | None = None,
    **context: Any,
) -> ResponseReturnValue:
    """The moderation page for a listing, with fresh forms unless some come back with errors."""
    history = verification_history(clinic)
    newest = history[0] if history else None
    given = forms or {}
    flag_forms = {
        flag.id: {
            "confirm": ConfirmForm(prefix=f"confirm-{flag.id}", formdata=None),
            "dismiss": ReasonForm(prefix=f"dismiss-{flag.id}", formdata=None),
        }
        | given.get(flag.id, {})
        for flag in clinic.flags
    }
    defaults = {
        "lift_form": ReasonForm(prefix="lift", formdata=None),
        "hide_form": ReasonForm(prefix="hide", formdata=None),
        "restore_form": ReasonForm(prefix="restore", formdata=None),
        "merge_form": MergeForm(prefix="merge", formdata=None),
    }
    waiting = pending_candidates(get_session(), [clinic.id])
    page = render_template(
        "maintainers/listing.html",
        clinic=clinic,
        newest=newest,
        history=history,
        evidence=evidence_by_clinician(newest),
        override=active_override(clinic),
        flag_forms=flag_forms,
        recheck_form=RecheckForm(formdata=None),
        candidates=waiting,
        candidate_forms=_candidate_forms(waiting, candidate_forms),
        entries=audit.entries(get_session(), clinic_id=clinic.id),
        **(defaults | context),
    )
    return page, status
