"""JSON API v1: the same listing records as the open-data export, found by location."""

from typing import Any

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue

from directory.listings import listing_record
from directory.moderation import is_public
from directory.search import SearchInputError, get_clinic, search_clinics
from directory.vocab import Verdict
from web.db import get_session
from web.errors import json_error
from web.params import parse_count, parse_radius, parse_statuses

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_LIMIT = 50


@bp.errorhandler(SearchInputError)
def bad_search(error: SearchInputError) -> ResponseReturnValue:
    """A search that cannot be run: 400 with the reason and the parameter at fault."""
    return json_error(error.message, 400, error.field)


@bp.get("/clinics")
def clinics_near() -> dict[str, Any]:
    """Listings near `near` within `radius` miles with the given `status`, nearest first."""
    args = request.args
    near = args.get("near", "")
    radius = parse_radius(args.get("radius"))
    verdicts = parse_statuses(args.get("status"))
    limit = parse_count(args.get("limit"), DEFAULT_LIMIT, "limit")
    offset = parse_count(args.get("offset"), 0, "offset")
    results = search_clinics(get_session(), near, radius, verdicts, limit, offset)
    place = results.place
    return {
        "query": {
            "near": near,
            "place": {"label": place.label, "lat": place.lat, "lon": place.lon},
            "radius_miles": radius,
            "status": sorted(verdicts if verdicts is not None else Verdict),
            "limit": limit,
            "offset": offset,
        },
        "total": results.total,
        "results": [
            listing_record(hit.clinic) | {"distance_miles": round(hit.distance_miles, 2)}
            for hit in results.hits
        ],
    }


@bp.get("/clinics/<int:clinic_id>")
def clinic_record(clinic_id: int) -> dict[str, Any]:
    """One listing record; a JSON 404 if unknown, 410 if hidden or merged."""
    clinic = get_clinic(get_session(), clinic_id)
    if clinic is None:
        abort(404, description=f"There is no clinic with id {clinic_id}.")
    if not is_public(clinic):
        abort(410, description=f"Clinic {clinic_id} was removed from the directory.")
    return listing_record(clinic)
