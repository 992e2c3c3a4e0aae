"""Monitors compare a run with the previous successful run of the same source."""

import pytest

from directory.models import CrawlRun
from directory.monitors import check_run, findings, run_event

BEFORE = {
    "item_scraped_count": 100,
    "response_received_count": 120,
    "fields/name": 100,
    "fields/clinicians": 90,
    "fields/phones": 20,
}


def run(counts: dict[str, int], *, status: str = "finished", errors: int = 0) -> CrawlRun:
    return CrawlRun(
        source_name="sites",
        source_kind="clinic_sites",
        status=status,
        counts=counts,
        error_count=errors,
        errors=[],
        findings=[],
    )


def test_a_run_like_the_last_one_has_no_findings():
    assert findings(run({**BEFORE, "item_scraped_count": 95}), run(BEFORE)) == []


def test_a_first_run_has_nothing_to_compare_with():
    assert findings(run({"item_scraped_count": 3}), None) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"item_scraped_count": 60}, "items fell from 100 to 60"),
        ({"response_received_count": 50}, "pages fetched fell from 120 to 50"),
        ({"skipped/download_failed": 30}, "error rate rose from 0% to 25%"),
        ({"fields/clinicians": 3}, "field clinicians missing: on 3% of items, was 90%"),
    ],
)
def test_each_monitor_trips_on_its_own_change(changes, expected):
    assert findings(run({**BEFORE, **changes}), run(BEFORE)) == [expected]


def test_retries_that_worked_are_no_errors():
    assert findings(run({**BEFORE, "http/503": 40}), run(BEFORE)) == []


def test_a_field_that_was_rare_may_go_missing():
    assert findings(run({**BEFORE, "fields/phones": 0}), run(BEFORE)) == []


def test_a_run_that_retrieved_nothing_and_met_failures_is_failed(session):
    failed = run({"skipped/download_failed": 1, "http/500": 3}, errors=2)
    session.add(failed)
    session.flush()
    assert check_run(session, failed) == ["nothing retrieved: 3 error(s) or skip(s)"]
    assert failed.status == "failed"


def test_a_run_that_trips_a_monitor_is_suspect_and_says_why(session):
    session.add(run(BEFORE))
    session.add(run({**BEFORE, "item_scraped_count": 10}, status="suspect"))  # not a success
    session.flush()
    latest = run({**BEFORE, "item_scraped_count": 50})
    session.add(latest)
    session.flush()
    assert check_run(session, latest) == ["items fell from 100 to 50"]
    assert latest.status == "suspect"
    assert latest.findings == ["items fell from 100 to 50"]
    event = run_event(latest)
    assert event.kind == "crawl_suspect"
    assert event.details["findings"] == ["items fell from 100 to 50"]
    assert f"run {latest.id} of sites is suspect" in event.subject
