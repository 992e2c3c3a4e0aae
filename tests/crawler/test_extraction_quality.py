"""Extraction quality on the labelled clinic sites: field-level precision and recall.

Each folder of `tests/fixtures/sites/` is one clinic site as the spider would visit it (its pages,
home first, and the headers they were served with) and `site.json` holds the listing a person
reads off those pages, or `null` for a site that is no ketamine provider. The pages go through
the same code as a crawl (decoding, page extraction, merging the visit, the normaliser), and
every field's precision and recall over all sites is printed and held to the target.
"""

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import extract_page, page_text, site_listing
from directory.normalise import NormaliseError, normalise_listing
from directory.normalise.records import ListingRecord

SITES = sorted((Path(__file__).parents[1] / "fixtures" / "sites").glob("*/site.json"))
LOCATION_FIELDS = ("street", "city", "state", "postal_code", "phone")
FIELDS = (
    "name",
    *LOCATION_FIELDS,
    "hours",
    "modalities",
    "conditions",
    "clinicians",
    "printed_numbers",
)
TARGET = 0.95
RETRIEVED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)

Values = dict[str, Counter[Any]]


def fold(text: str | None) -> str | None:
    """A value as compared: case, commas, full stops and spacing do not count."""
    if text is None:
        return None
    return " ".join(text.replace(",", " ").replace(".", " ").casefold().split())


def values(
    name: str,
    locations: Iterable[dict[str, Any]],
    modalities: Iterable[str],
    conditions: Iterable[str],
    clinicians: Iterable[dict[str, Any]],
) -> Values:
    """A listing's comparable values, field by field, as multisets."""
    locations, clinicians = list(locations), list(clinicians)
    found: Values = {"name": Counter([fold(name)])}
    for field in LOCATION_FIELDS:
        found[field] = Counter(fold(loc[field]) for loc in locations if loc.get(field))
    found["hours"] = Counter(
        (fold(loc["street"]), opening["day"], opening["opens"], opening["closes"])
        for loc in locations
        for opening in loc.get("hours", [])
    )
    found["modalities"] = Counter(str(m) for m in modalities)
    found["conditions"] = Counter(str(c) for c in conditions)
    found["clinicians"] = Counter(
        (fold(c["first"]), fold(c["last"]), tuple(sorted(c["credentials"]))) for c in clinicians
    )
    found["printed_numbers"] = Counter(
        (fold(c["last"]), kind, c[kind])
        for c in clinicians
        for kind in ("npi", "license_number")
        if c.get(kind)
    )
    return found


def expected(site: dict[str, Any]) -> Values:
    """What a person reads off the site's pages."""
    listing = site["listing"]
    if listing is None:
        return {field: Counter() for field in FIELDS}
    return values(**listing)


def predicted(folder: Path, site: dict[str, Any]) -> Values:
    """What the crawler's extraction and the normaliser make of the same pages."""
    pages = [
        (
            page["url"],
            extract_page(
                page_text((folder / page["file"]).read_bytes(), page.get("content_type")),
                page["url"],
            ),
        )
        for page in site["pages"]
    ]
    item = site_listing(
        site["pages"][0]["url"], pages, source_name="labelled", retrieved_at=RETRIEVED
    )
    try:
        record = normalise_listing(item)
    except NormaliseError:
        return {field: Counter() for field in FIELDS}
    return _record_values(record)


def _record_values(record: ListingRecord) -> Values:
    return values(
        record.name,
        [
            {field: getattr(loc, field) for field in LOCATION_FIELDS}
            | {"hours": [opening.as_dict() for opening in loc.hours]}
            for loc in record.locations
        ],
        record.modalities,
        record.conditions,
        [
            {
                "first": c.first_name,
                "last": c.last_name,
                "credentials": c.credentials,
                "npi": c.npi,
                "license_number": c.license_number,
            }
            for c in record.clinicians
        ],
    )


@pytest.fixture(scope="module")
def scored() -> tuple[dict[str, tuple[int, int, int]], list[str]]:
    """Per field: (true positives, predicted, expected) over all sites; and every difference."""
    totals = {field: (0, 0, 0) for field in FIELDS}
    differences: list[str] = []
    for path in SITES:
        site = json.loads(path.read_text(encoding="utf-8"))
        want, got = expected(site), predicted(path.parent, site)
        for field in FIELDS:
            hits = sum((want[field] & got[field]).values())
            tp, n_got, n_want = totals[field]
            totals[field] = (tp + hits, n_got + got[field].total(), n_want + want[field].total())
            if want[field] != got[field]:
                missing, extra = want[field] - got[field], got[field] - want[field]
                differences.append(
                    f"{path.parent.name}.{field}: missing {sorted(missing.elements(), key=str)}"
                    f" extra {sorted(extra.elements(), key=str)}"
                )
    return totals, differences


def ratio(part: int, whole: int) -> float:
    """A precision or recall; nothing to find (or nothing found) counts as perfect."""
    return part / whole if whole else 1.0


def test_the_labelled_set_has_forty_sites_and_non_providers():
    listings = [json.loads(path.read_text(encoding="utf-8"))["listing"] for path in SITES]
    assert len(listings) >= 40
    assert sum(listing is None for listing in listings) >= 2


def test_every_field_reaches_the_target_precision_and_recall(scored, capsys):
    totals, differences = scored
    rows = [
        (field, ratio(tp, n_got), ratio(tp, n_want), n_want)
        for field, (tp, n_got, n_want) in totals.items()
    ]
    with capsys.disabled():
        print(f"\n\nExtraction quality on {len(SITES)} labelled clinic sites")
        print(f"{'field':<16} {'precision':>9} {'recall':>7} {'expected':>8}")
        for field, precision, recall, n_want in rows:
            print(f"{field:<16} {precision:>9.3f} {recall:>7.3f} {n_want:>8}")
        for difference in differences:
            print(f"  differs: {difference}")
    below = [row for row in rows if row[1] < TARGET or row[2] < TARGET]
    assert not below, f"below {TARGET}: {below}; differences: {differences}"
