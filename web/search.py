"""The search page: clinics near a ZIP code, city, address or the browser's location."""

from math import ceil

from flask import Blueprint, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from directory.search import SearchInputError, SearchResults
from directory.vocab import Condition, Modality
from web.cache import cached
from web.params import parse_count, run_search

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
RADIUS_CHOICES = (5, 10, 25, 50, 100, 250)
QUERY_KEYS = ("near", "lat", "lon", "radius", "status", "modality", "condition", "support")
"""The parameters that make up a search; paging links and filter switches keep them all."""


@bp.get("/")
def index() -> Response:
    """The search form and, once a place is given, the clinics near it."""
    # the page echoes the whole query string (the language switch links back to it)
    return cached("page", [("path", request.full_path)], lambda: make_response(_page()))


def _page() -> ResponseReturnValue:
    """The page for the query string: the form, and the results or why there are none."""
    args = request.args
    query = {key: args[key][:200] for key in QUERY_KEYS if args.get(key)}
    form = {
        "near": args.get("near", ""),
        "radius": args.get("radius", "25"),
        "status": args.get("status", "verified"),
        "modality": args.get("modality", ""),
        "condition": args.get("condition", ""),
        "support": bool(args.get("support")),
    }
    context = {
        "form": form,
        "query": query,
        "radius_choices": RADIUS_CHOICES,
        "modalities": list(Modality),
        "conditions": list(Condition),
        "page_size": PAGE_SIZE,
    }
    if not ({"near", "lat", "lon"} & set(args)):
        return render_template("search/index.html", **context)
    try:
        results, page = _search(args)
    except SearchInputError as error:
        return render_template("search/index.html", error=error, **context), 400
    pages = max(1, ceil(results.total / PAGE_SIZE))
    if page > pages:
        past_end = SearchInputError("The results end at page %(pages)d.", "page", pages=pages)
        return render_template("search/index.html", error=past_end, **context), 400
    return render_template("search/index.html", results=results, page=page, pages=pages, **context)


def _search(args: MultiDict[str, str]) -> tuple[SearchResults, int]:
    """Run the search the query string describes; returns the results and the page number."""
    page = parse_count(args.get("page"), 1, "page")
    if page < 1:
        raise SearchInputError("Page numbers start at 1.", field="page")
    return run_search(args, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE), page
