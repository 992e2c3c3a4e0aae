"""Page extraction without I/O: an HTML page and its URL in, the facts it prints out."""

from crawler.extract.page import PageFacts, extract_page, item_list_entries
from crawler.extract.site import page_text, site_listing

__all__ = ["PageFacts", "extract_page", "item_list_entries", "page_text", "site_listing"]
