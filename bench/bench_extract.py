"""Extraction cost per page against parsing the same pages once with parsel (Scrapy's parser).

The pages are the labelled clinic sites and the saved local-web pages under `tests/fixtures/`,
decoded once up front. Each round parses every page with `parsel.Selector` (the baseline), then
runs `extract_page` on every page (structured data, printed addresses, people, services); the
median round of each is reported per page.
"""

import statistics
from pathlib import Path

from parsel import Selector

from bench.harness import Figure, stopwatch
from crawler.extract import extract_page, page_text

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
TARGET_RATIO = 3.0


def _pages() -> list[tuple[str, str]]:
    """Every saved page as (URL-ish name, text): the huge page included."""
    files = sorted((FIXTURES / "sites").glob("*/*.html")) + sorted(
        (FIXTURES / "pages").glob("*/*.html")
    )
    return [
        (f"https://{path.parent.name}.example/{path.name}", page_text(path.read_bytes(), None))
        for path in files
    ]


def _median_rounds(pages: list[tuple[str, str]], rounds: int) -> tuple[float, float]:
    """The median seconds one pass over all pages takes: parsing, and extracting.

    Each round parses every page and then extracts every page, so that the baseline and the
    figure share whatever load the (shared) machine is under.
    """
    parses, extracts = [], []
    for _ in range(rounds):
        with stopwatch() as elapsed:
            for _url, html in pages:
                Selector(text=html)
        parses.append(elapsed())
        with stopwatch() as elapsed:
            for url, html in pages:
                extract_page(html, url)
        extracts.append(elapsed())
    return statistics.median(parses), statistics.median(extracts)


def run(quick: bool) -> list[Figure]:
    """Milliseconds of extraction per page, with parsing once as the baseline and 3× as target."""
    pages = _pages()
    rounds = 3 if quick else 15
    _median_rounds(pages, 1)  # warm: imports, regex compilation, lxml
    parse, extract = (seconds / len(pages) * 1000 for seconds in _median_rounds(pages, rounds))
    return [
        Figure(
            benchmark="extract",
            metric=f"extract_page, mean of {len(pages)} pages",
            value=extract,
            unit="ms/page",
            target=TARGET_RATIO * parse,
            baseline=parse,
            baseline_name="parsel parse",
        )
    ]
