"""A clinic's page: locations, services, licence evidence, verdict history and sources."""

import re
from datetime import UTC, datetime, timedelta

from markupsafe import escape

from directory.vocab import VERDICT_EXPLANATIONS, Verdict
from tests.clinic_factories import (
    add_clinic,
    add_clinician,
    add_source,
    add_verification,
    exclusion_evidence,
    license_evidence,
)
from tests.web.seed import DOWNTOWN, seed_austin


def without_freshness(html: str) -> str:
    """The markup less its "checked … ago" notes, which depend on today's date."""
    return re.sub(r'<span class="(?:fresh|stale)">.*?</span>', "", html, flags=re.S)


def test_clinic_page_shows_locations_services_and_contacts(client, site_session):
    clinic = add_clinic(
        site_session,
        "Two Sites Ketamine",
        [DOWNTOWN, (30.5, -97.8)],
        website="https://twosites.example/",
        modalities=["intranasal_esketamine"],
        conditions=["ocd"],
    )
    site_session.commit()

    response = client.get(f"/clinics/{clinic.id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Two Sites Ketamine</h1>" in html
    assert "100 Congress Ave<br>Austin, TX" in html
    assert "101 Congress Ave<br>Austin, TX" in html
    assert '<a class="phone" href="tel:+15125550001">(512) 555-0001</a>' in html
    assert "Esketamine nasal spray" in html
    assert "OCD" in html
    assert '<a href="https://twosites.example/" rel="nofollow noopener">Clinic website</a>' in html
    assert "We have not checked this listing yet." in html
    assert "This listing names no clinicians" in html


def test_clinic_page_shows_each_clinicians_licence_evidence(client, site_session):
    clinic = add_clinic(site_session, "Evidence Clinic", [DOWNTOWN])
    doe = add_clinician(
        site_session, clinic, "Jane Q. Doe, MD", credentials=["MD"], npi="1234567893"
    )
    smith = add_clinician(site_session, clinic, "John Smith, CRNA", credentials=["CRNA"])
    add_clinician(site_session, clinic, "Ann Lee, NP", credentials=["NP"])
    add_verification(
        site_session,
        clinic,
        Verdict.LICENSE_PROBLEM,
        datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        ["John Smith, CRNA is on the federal exclusion list."],
        [
            license_evidence(doe),
            license_evidence(
                doe, state="OK", number="MD5", status="expired", expires=None, match="name"
            ),
            exclusion_evidence(smith),
        ],
    )
    site_session.commit()

    html = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)

    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_freshness(row))).strip()
        for row in re.findall(r"<tr>\s*<td>.*?</tr>", html, flags=re.S)
    ]
    assert "TX MD Q1234 Active 31 Aug 2027 NPI tx-medical-board 25 Nov 2026" in rows
    assert "OK MD MD5 Expired Not given Name tx-medical-board 25 Nov 2026" in rows
    assert 'href="http://127.0.0.1:8000/licenses?number=Q1234"' in html
    assert "Credentials: MD" in html
    assert "NPI: 1234567893" in html
    assert "On the federal exclusion list since 15 Jan 2024 (1128b4)." in html
    assert "Credentials: CRNA" in html
    assert "Ann Lee, NP" in html
    assert "We found no licence record for this clinician." in html
    assert html.count("We found no licence record") == 1  # Lee only; Smith has an exclusion


def test_clinic_page_shows_the_verdict_reasons_and_history_newest_first(client, site_session):
    clinic = add_clinic(site_session, "Rechecked Clinic", [DOWNTOWN])
    add_verification(
        site_session,
        clinic,
        Verdict.UNVERIFIED,
        datetime(2026, 9, 1, 8, 0, tzinfo=UTC),
        ["No clinician could be matched."],
        [],
    )
    add_verification(
        site_session,
        clinic,
        Verdict.VERIFIED,
        datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        ["Dana Roe, MD holds an active MD licence in TX."],
        [],
    )
    site_session.commit()

    html = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)

    summary = html.split('id="verdict-heading"')[1].split("</section>")[0]
    assert '<span class="badge badge-verified">Verified</span>' in summary
    assert str(escape(VERDICT_EXPLANATIONS[Verdict.VERIFIED])) in summary
    assert "Last checked 20 Nov 2026." in summary
    assert "<li>Dana Roe, MD holds an active MD licence in TX.</li>" in summary
    history = html.split('id="history-heading"')[1]
    newer = history.index("20 Nov 2026, 09:30 UTC")
    older = history.index("1 Sep 2026, 08:00 UTC")
    assert newer < older
    assert "No clinician could be matched." in history


def test_clinic_page_says_where_each_fact_came_from(client, site_session):
    clinic = add_clinic(site_session, "Sourced Clinic", [DOWNTOWN])
    add_source(site_session, clinic, "name", "clinic-sites", "https://sourced.example/about")
    add_source(site_session, clinic, "phone", "directory", "https://directory.example/sourced")
    site_session.commit()

    html = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)

    sources = html.split('id="sources-heading"')[1]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_freshness(row))).strip()
        for row in re.findall(r"<tr>\s*<td>.*?</tr>", sources, flags=re.S)
    ]
    assert rows == [
        "Name clinic-sites https://sourced.example/about 25 Nov 2026",
        "Phone directory https://directory.example/sourced 25 Nov 2026",
    ]
    assert '<a href="https://sourced.example/about" rel="nofollow noopener">' in sources


def test_search_results_link_to_clinic_pages(client, site_session):
    austin = seed_austin(site_session)

    search = client.get("/?near=78701").get_data(as_text=True)
    page = client.get(f"/clinics/{austin.near.id}")

    assert f'href="/clinics/{austin.near.id}"' in search
    assert page.status_code == 200
    assert "<h1>Congress Avenue Ketamine</h1>" in page.get_data(as_text=True)


def test_unknown_clinic_is_a_404_page(client):
    response = client.get("/clinics/999999")

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html
    assert "There is no clinic with the number 999999." in html
    assert 'href="/"' in html


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)


def test_a_possibly_closed_listing_says_so_on_its_page_and_in_search(client, site_session):
    clinic = add_clinic(
        site_session,
        "Gone Quiet Ketamine",
        [DOWNTOWN],
        possibly_closed=True,
        last_seen=datetime(2026, 10, 2, 9, tzinfo=UTC),
    )
    add_clinic(site_session, "Still Open Ketamine", [DOWNTOWN])
    site_session.commit()

    page = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    results = client.get("/?near=78701").get_data(as_text=True)

    assert "Possibly closed" in page
    assert "last seen 2 Oct 2026" in page
    assert results.count("Possibly closed") == 1


def test_clinic_page_marks_evidence_older_than_its_sources_schedule_as_out_of_date(
    app, client, site_session
):
    app.config["STALE_AFTER_DAYS_BY_SOURCE"] = {"co-licenses": 120}
    now = datetime.now(UTC)
    clinic = add_clinic(site_session, "Aging Evidence", [DOWNTOWN])
    doe = add_clinician(site_session, clinic, "Jane Doe, MD")
    old, recent = now - timedelta(days=60), now - timedelta(days=3)
    add_verification(
        site_session,
        clinic,
        Verdict.VERIFIED,
        recent,
        ["ok"],
        [
            license_evidence(doe, number="OLD1", retrieved_at=old.isoformat()),
            license_evidence(doe, number="NEW1", retrieved_at=recent.isoformat()),
            license_evidence(doe, number="CO1", source="co-licenses", retrieved_at=old.isoformat()),
        ],
    )
    site_session.commit()

    html = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)

    rows = {
        number: row
        for row in re.findall(r"<tr>\s*<td>.*?</tr>", html, flags=re.S)
        for number in ("OLD1", "NEW1", "CO1")
        if f"<td>{number}</td>" in row
    }
    assert '<span class="stale">Out of date: checked 2 months ago;' in rows["OLD1"]
    assert "re-checked every 45 days" in rows["OLD1"]
    assert '<span class="fresh">checked 3 days ago</span>' in rows["NEW1"]
    assert '<span class="fresh">checked 2 months ago</span>' in rows["CO1"]  # its own schedule


def test_clinic_page_shows_each_locations_opening_hours_in_the_visitors_language(
    client, site_session
):
    clinic = add_clinic(site_session, "Hours Ketamine", [DOWNTOWN])
    clinic.locations[0].hours = [
        {"day": "mo", "opens": "09:00", "closes": "12:00"},
        {"day": "mo", "opens": "13:00", "closes": "17:00"},
        {"day": "sa", "opens": "10:00", "closes": "14:00"},
    ]
    site_session.commit()

    english = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    spanish = client.get(f"/clinics/{clinic.id}", headers={"Accept-Language": "es"})

    assert "<caption>Opening hours</caption>" in english
    assert '<tr><th scope="row">Monday</th><td>09:00–12:00, 13:00–17:00</td></tr>' in english
    assert '<tr><th scope="row">Saturday</th><td>10:00–14:00</td></tr>' in english
    assert "Sunday" not in english  # not stated, so not shown as closed
    html = spanish.get_data(as_text=True)
    assert "<caption>Horario de atención</caption>" in html
    assert '<tr><th scope="row">Sábado</th><td>10:00–14:00</td></tr>' in html


def test_clinic_page_shows_hours_past_midnight_on_the_opening_day_closing_the_next(
    client, site_session
):
    clinic = add_clinic(site_session, "Night Ketamine", [DOWNTOWN])
    clinic.locations[0].hours = [{"day": "fr", "opens": "18:00", "closes": "02:00"}]
    site_session.commit()

    english = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    spanish = client.get(f"/clinics/{clinic.id}", headers={"Accept-Language": "es"})

    assert '<tr><th scope="row">Friday</th><td>18:00–02:00 (next day)</td></tr>' in english
    assert "Saturday" not in english
    html = spanish.get_data(as_text=True)
    assert '<tr><th scope="row">Viernes</th><td>18:00–02:00 (del día siguiente)</td></tr>' in html


def test_clinic_page_without_hours_shows_no_hours_table(client, site_session):
    clinic = add_clinic(site_session, "No Hours Ketamine", [DOWNTOWN])
    site_session.commit()

    assert "Opening hours" not in client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
