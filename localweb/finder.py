"""KetamineFinder, a clinic directory: paged listing cards and one profile page per clinic.

Profiles are rendered per request from `data/ketamine-finder/listings.json`, so a clinic's website
link points at whatever port that clinic's own site runs on.
"""

from functools import cache
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from localweb.paths import load_json
from localweb.site import Handler, Site

PAGE_SIZE = 3


@cache
def listings() -> list[dict[str, Any]]:
    """Every listing, in the order the directory shows them."""
    entries: list[dict[str, Any]] = load_json("ketamine-finder/listings.json")
    return entries


def listing_page(site: Site, request: Request) -> Response:
    """One page of listing cards (`?page=N`, default 1); a page past the end is not found."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise NotFound()
    number = int(page)
    start = (number - 1) * PAGE_SIZE
    cards = listings()[start : start + PAGE_SIZE]
    if not cards:
        raise NotFound()
    return site.render(
        "clinics/_listing.html",
        cards=cards,
        first_position=start + 1,
        page=number,
        pages=-(-len(listings()) // PAGE_SIZE),
    )


def profile(site: Site, request: Request, slug: str) -> Response:
    """A clinic's profile page; a listing marked broken renders without any name."""
    entry = next((entry for entry in listings() if entry["slug"] == slug), None)
    if entry is None:
        raise NotFound()
    website = entry["website_site"]
    return site.render(
        "clinics/_profile.html",
        clinic=entry,
        name=None if entry.get("broken") else entry["name"],
        website=site.urls[website] if website else None,
    )


ROUTES: dict[str, Handler] = {
    "/clinics/": listing_page,
    "/clinics/<slug>/": profile,
}
