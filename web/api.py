"""JSON API v1: the same listing records as the open-data export, found by location.

Reads carry an ETag and Cache-Control and may be made from any origin (CORS).
"""

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from directory.listings import listing_record, listing_records
from directory.moderation import is_public
from directory.search import SearchInputError, get_clinic
from directory.vocab import Verdict
from web.cache import cached
from web.db import get_session
from web.errors import json_error
from web.openapi import openapi_document
from web.params import parse_count, parse_filters, parse_radius, run_ranking

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_LIMIT = 50
MAX_AGE_SECONDS = 300
QUERY_KEYS = (
    "near", "lat", "lon", "radius", "status", "modality", "condition", "support", "limit", "offset"
)  # fmt: skip
"""The parameters a search's body depends on (as given: the body echoes `near`)."""


@bp.errorhandler(SearchInputError)
def bad_search(error: SearchInputError) -> ResponseReturnValue:
    """A search that cannot be run: 400 with the reason and the parameter at fault."""
    return json_error(error.message, 400, error.field)


@bp.after_request
def cache_and_share(response: Response) -> Response:
    """Successful reads: ETag (answering If-None-Match with 304), caching and CORS."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method in {"GET", "HEAD"} and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE_SECONDS
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.get("/clinics")
def clinics_near() -> Response:
    """Listings near `near` (or `lat`/`lon`) within `radius` miles passing the filters."""
    args = request.args
    query = [(key, args[key]) for key in QUERY_KEYS if key in args]
    return cached("api", query, lambda: jsonify(_clinics_near(args)))


def _clinics_near(args: MultiDict[str, str]) -> dict[str, Any]:
    """The search's body: what was asked, how many were found, and the page's records."""
    limit = parse_count(args.get("limit"), DEFAULT_LIMIT, "limit")
    offset = parse_count(args.get("offset"), 0, "offset")
    ranking = run_ranking(args, limit, offset)
    records = listing_records(get_session(), [ranked.clinic_id for ranked in ranking.page])
    filters = parse_filters(args)
    place = ranking.place
    return {
        "query": {
            "near": args.get("near", ""),
            "place": {
                "label": place.label,
                "lat": place.lat,
                "lon": place.lon,
                "approximate": place.approximate,
            },
            "radius_miles": parse_radius(args.get("radius")),
            "status": sorted(filters.verdicts if filters.verdicts is not None else Verdict),
            "modality": filters.modality,
            "condition": filters.condition,
            "support": filters.support,
            "limit": limit,
            "offset": offset,
        },
        "total": ranking.total,
        "results": [
            records[ranked.clinic_id] | {"distance_miles": round(ranked.distance_miles, 2)}
            for ranked in ranking.page
            if ranked.clinic_id in records  # not removed since it was ranked
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


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
