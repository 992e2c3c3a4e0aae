"""The advocates' report downloads."""

import csv
import io

from tests.web.seed import seed_austin


def test_the_report_downloads_as_json_and_csv(client, site_session):
    austin = seed_austin(site_session)

    document = client.get("/reports/advocates.json").get_json()
    download = client.get("/reports/advocates.csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))

    [texas] = document["states"]
    names = [listing["name"] for listing in texas["listings"]]
    assert texas["state"] == "TX"
    assert names == [austin.problem.name, austin.unverified.name]
    assert texas["listings"][0]["reasons"] == ["John Smith, CRNA is on the federal exclusion list."]
    assert texas["listings"][0]["evidence"][0]["kind"] == "exclusion"
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert [row["name"] for row in rows] == names
    assert rows[0]["verdict"] == "license_problem"


def test_the_report_can_be_narrowed_to_one_state(client, site_session):
    seed_austin(site_session)
    assert client.get("/reports/advocates.json?state=tx").get_json()["total"] == 2
    assert client.get("/reports/advocates.json?state=New Mexico").get_json()["total"] == 0
    refused = client.get("/reports/advocates.csv?state=Atlantis")
    assert refused.status_code == 400
    assert "postal abbreviation" in refused.get_data(as_text=True)


def test_the_report_page_links_to_both_downloads(client):
    page = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/advocates.csv"' in page
    assert 'href="/reports/advocates.json"' in page
