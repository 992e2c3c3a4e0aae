"""Extraction cost per page against parsing the same pages once with parsel (Scrapy's parser).

The pages are the labelled clinic sites and the saved local-web pages under `tests/fixtures/`,
decoded once up front. Each round parses every page with `parsel.Selector` (the baseline), then
reads every page's facts (structured data, printed addresses, people, services) from its tree;
the median round of each is reported per page.

The crawl parses each page once (`parse_html`), for the extractor and for the links it follows
alike, just as a plain Scrapy spider parses each page once for its links: what extraction adds
to that parse is reading the tree (`extract_tree`), the figure held to the target. The whole of
`extract_page`, the parse included, is reported beside it.
"""

import statistics
from pathlib import Path

from parsel import Selector

from bench.harness import Figure, stopwatch
from crawler.extract import extract_page, extract_tree, page_text, parse_html

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


def _median_rounds(pages: list[tuple[str, str]], rounds: int) -> tuple[float, float, float]:
    """The median seconds one pass over all pages takes: parsing with parsel, reading the
    parsed trees, and `extract_page` (parse and read).

    Each round does all three, so that the baseline and the figures share whatever load the
    (shared) machine is under.
    """
    trees = [(parse_html(html), html, url) for url, html in pages]
    parses, reads, wholes = [], [], []
    for _ in range(rounds):
        with stopwatch() as elapsed:
            for _url, html in pages:
                Selector(text=html)
        parses.append(elapsed())
        with stopwatch() as elapsed:
            for root, html, url in trees:
                extract_tree(root, html, url)
        reads.append(elapsed())
        with stopwatch() as elapsed:
            for url, html in pages:
                extract_page(html, url)
        wholes.append(elapsed())
    return statistics.median(parses), statistics.median(reads), statistics.median(wholes)


def run(quick: bool) -> list[Figure]:
    """Milliseconds of extraction per page, with parsing once as the baseline and 3× as target."""
    pages = _pages()
    rounds = 3 if quick else 45
    _median_rounds(pages, 1)  # warm: imports, regex compilation, lxml
    parse, read, whole = (seconds / len(pages) * 1000 for seconds in _median_rounds(pages, rounds))
    shared = {"benchmark": "extract", "unit": "ms/page", "baseline": parse}
    return [
        Figure(
            metric=f"extract_tree on the parsed page, mean of {len(pages)} pages",
            value=read,
            target=TARGET_RATIO * parse,
            baseline_name="parsel parse",
            **shared,
        ),
        Figure(
            metric=f"extract_page, parse included, mean of {len(pages)} pages",
            value=whole,
            baseline_name="parsel parse",
            **shared,
        ),
    ]
