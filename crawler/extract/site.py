"""A clinic's site as a whole: page bodies decoded, the pages of one visit merged into a listing."""

from collections.abc import Sequence
from datetime import datetime

from w3lib.encoding import html_to_unicode

from crawler.extract.page import PageFacts
from directory.items import ClinicItem

REPLACEMENT = "\ufffd"
FALLBACK_ENCODING = "cp1252"


def page_text(body: bytes, content_type: str | None) -> str:
    """A page's text, even when its header names the wrong encoding.

    UTF-8 is tried first: bytes that decode as UTF-8 are almost never anything else. Otherwise
    the header, a byte-order mark or the page's own `<meta charset>` decide (as browsers do); a
    page those leave full of undecodable bytes is windows-1252, the usual culprit.
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    _, text = html_to_unicode(content_type, body)
    if REPLACEMENT in text:
        return body.decode(FALLBACK_ENCODING, errors="replace")
    return text


def site_listing(
    home: str, pages: Sequence[tuple[str, PageFacts]], *, source_name: str, retrieved_at: datetime
) -> ClinicItem:
    """One listing from the pages of a site, home page first.

    Locations from structured data come first, then addresses the pages print (a second office
    the markup leaves out); the normaliser makes one location of a place named twice. The first
    page that names the clinic names the listing.
    """
    facts = [page for _, page in pages]
    name = next((f.name for f in facts if f.name), None) or next(
        (f.fallback_name for f in facts if f.fallback_name), None
    )
    structured = [location for f in facts for location in f.locations]
    printed = [location for f in facts for location in f.printed_locations]
    return ClinicItem(
        source_name=source_name,
        source_url=home,
        retrieved_at=retrieved_at,
        name=name,
        website=home,
        locations=structured + printed,
        clinicians=[person for f in facts for person in f.clinicians],
        service_texts=[text for f in facts for text in f.service_texts],
        phones=[phone for f in facts for phone in f.phones],
        hours_texts=[text for f in facts for text in f.hours_texts],
        page_urls=[url for url, _ in pages],
    )
