"""Page extraction without I/O: an HTML page and its URL in, the facts it prints out."""

from crawler.extract.page import (
    PageFacts,
    extract_page,
    extract_tree,
    item_list_entries,
    page_links,
    parse_html,
)
from crawler.extract.site import page_text, site_listing

__all__ = [
    "PageFacts",
    "extract_page",
    "extract_tree",
    "item_list_entries",
    "page_links",
    "page_text",
    "parse_html",
    "site_listing",
]
