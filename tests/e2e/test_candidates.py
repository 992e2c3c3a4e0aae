"""`clinics candidates`: maintainers list weak or ambiguous matches and decide on them."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from directory.models import Clinic, Clinician, License, Location
from tests.e2e.conftest import Clinics


def test_a_maintainer_confirms_a_candidate_from_the_command_line(clinics: Clinics, crawled_engine):
    with Session(crawled_engine) as session:
        clinic = Clinic(key="cli:ng", name="Ng Clinic", modalities=[], conditions=[])
        clinic.locations.append(Location(position=0, city="Austin", state="TX"))
        clinic.clinicians.append(
            Clinician(
                name="Katherine Ng, MD",
                name_key="ng|katherine",
                first_name="Katherine",
                last_name="Ng",
                credentials=["MD"],
            )
        )
        licence = License(
            source_name="tx-board",
            state="TX",
            license_type="MD",
            license_number="CLI-1",
            first_name="CATHERINE",
            last_name="NG",
            last_key="ng",
            full_name="CATHERINE NG",
            status="active",
            expiration_date=date.today() + timedelta(days=400),
            source_url="https://tx-board.example/",
            retrieved_at=datetime.now(UTC),
        )
        session.add_all([clinic, licence])
        session.commit()
        clinician_id, license_id = clinic.clinicians[0].id, licence.id

    clinics.run("verify")
    listed = clinics.run("candidates", "list").stdout
    assert f"clinician {clinician_id} licence {license_id}: Katherine Ng, MD" in listed
    assert "weak fit" in listed

    refused = clinics.run("candidates", "confirm", str(clinician_id), str(license_id), check=False)
    assert refused.returncode == 2  # --by is required
    done = clinics.run(
        "candidates", "confirm", str(clinician_id), str(license_id), "--by", "ana@example.org"
    )
    assert "the listing is now verified" in done.stdout
    replayed = clinics.run(
        "candidates",
        "reject",
        str(clinician_id),
        str(license_id),
        "--by",
        "bo@example.org",
        check=False,
    )
    assert replayed.returncode == 1
    assert "already confirmed by ana@example.org" in replayed.stderr
    assert f"clinician {clinician_id} " not in clinics.run("candidates", "list").stdout
