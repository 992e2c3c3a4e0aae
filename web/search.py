"""The search page: clinics near a ZIP code or city, nearest first."""

from math import ceil

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from directory.search import SearchInputError, SearchResults, search_clinics
from web.db import get_session
from web.params import parse_count, parse_radius, parse_statuses

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
RADIUS_CHOICES = (5, 10, 25, 50, 100, 250)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The search form and, once a place is given, the clinics near it."""
    form = {
        "near": request.args.get("near", ""),
        "radius": request.args.get("radius", "25"),
        "status": request.args.get("status", "verified"),
    }
    context = {"form": form, "radius_choices": RADIUS_CHOICES, "page_size": PAGE_SIZE}
    if "near" not in request.args:
        return render_template("search/index.html", **context)
    try:
        results, page = _search(request.args)
    except SearchInputError as error:
        return render_template("search/index.html", error=error, **context), 400
    pages = max(1, ceil(results.total / PAGE_SIZE))
    return render_template("search/index.html", results=results, page=page, pages=pages, **context)


def _search(args: MultiDict[str, str]) -> tuple[SearchResults, int]:
    """Run the search the query string describes; returns the results and the page number."""
    page = parse_count(args.get("page"), 1, "page")
    if page < 1:
        raise SearchInputError("Page numbers start at 1.", field="page")
    results = search_clinics(
        get_session(),
        args.get("near", ""),
        parse_radius(args.get("radius")),
        parse_statuses(args.get("status")),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return results, page
