"""One clinic, one listing: own site, directory and registry merge; neighbours stay apart."""

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from directory import ingest
from directory.dedupe import name_similarity
from directory.models import Clinic
from directory.normalise import mixed_script_name
from directory.vocab import CrawlOutcome
from tests.directory.test_ingest import LISTING, LOCATION, SITE, T0

DIRECTORY_PAGE = "http://127.0.0.1:8805/clinics/calm-waters-ketamine-clinic/"
REGISTRY_PAGE = "http://127.0.0.1:8806/api/?number=1326048976"

FROM_DIRECTORY = replace(
    LISTING,
    key="name:calm-waters-ketamine:78703",
    name="Calm Waters Ketamine",
    website=None,
    locations=(replace(LOCATION, street="1201 West 6th Street, Suite 200"),),
    clinicians=(),
    source_name="ketamine-finder",
    source_url=DIRECTORY_PAGE,
)
FROM_REGISTRY = replace(
    LISTING,
    key="npi:1326048976",
    name="CALM WATERS KETAMINE CLINIC PLLC",
    website=None,
    locations=(replace(LOCATION, street="1201 W 6TH ST STE 200", phone="+15125550199"),),
    clinicians=(),
    source_name="nppes-organisations",
    source_url=REGISTRY_PAGE,
)


def clinics(session) -> list[Clinic]:
    return list(session.scalars(select(Clinic).order_by(Clinic.id)))


def test_own_site_directory_and_registry_become_one_listing(session):
    assert ingest.ingest_listing(session, FROM_DIRECTORY) is CrawlOutcome.NEW
    assert ingest.ingest_listing(session, LISTING) is CrawlOutcome.UPDATED
    assert ingest.ingest_listing(session, FROM_REGISTRY) is CrawlOutcome.UNCHANGED
    (clinic,) = clinics(session)
    assert (clinic.name, clinic.website) == ("Calm Waters Ketamine Clinic", SITE)
    (location,) = clinic.locations  # one building, however each source spells the street
    assert location.phone == "+15125550142"  # the clinic's own number, not the registry's
    assert {(f.field, f.source_name) for f in clinic.field_sources} >= {
        ("name", "clinic-sites"),
        ("name", "ketamine-finder"),
        ("name", "nppes-organisations"),
        ("locations", "nppes-organisations"),
    }


def test_a_later_crawl_of_each_source_finds_the_same_listing(session):
    for record in (LISTING, FROM_DIRECTORY, FROM_REGISTRY):
        ingest.ingest_listing(session, record)
    moved_phone = replace(
        FROM_DIRECTORY,
        locations=(replace(FROM_DIRECTORY.locations[0], phone="+15125550100"),),
        retrieved_at=T0 + timedelta(days=7),
    )
    ingest.ingest_listing(session, moved_phone)  # known by the key the directory used before
    assert session.scalar(select(func.count()).select_from(Clinic)) == 1


def test_the_own_site_outranks_a_fresher_directory(session):
    ingest.ingest_listing(session, LISTING)
    later = replace(FROM_DIRECTORY, name="Calm Waters", retrieved_at=T0 + timedelta(days=3))
    ingest.ingest_listing(session, later)
    assert clinics(session)[0].name == "Calm Waters Ketamine Clinic"


def test_between_two_directories_the_fresher_reading_wins(session):
    elm = (replace(LOCATION, street="77 Elm St", postal_code="78701", phone="+15125550123"),)
    older = replace(FROM_DIRECTORY, key="name:a", name="Elm Street Ketamine", locations=elm)
    fresher = replace(
        older,
        key="name:b",
        name="Elm Street Ketamine Austin",
        source_name="other-directory",
        source_url="http://other.example/elm",
        retrieved_at=T0 + timedelta(days=3),
    )
    ingest.ingest_listing(session, older)
    ingest.ingest_listing(session, fresher)
    ingest.ingest_listing(session, older)  # read again, but older than the other directory
    (clinic,) = clinics(session)
    assert clinic.name == "Elm Street Ketamine Austin"


def test_two_clinics_on_the_same_street_stay_two(session):
    ingest.ingest_listing(session, LISTING)
    neighbour = replace(
        LISTING,
        key="site:westsideketamine.example",
        name="Westside Ketamine Center",
        website="https://westsideketamine.example/",
        source_url="https://westsideketamine.example/",
        locations=(replace(LOCATION, street="1300 W 6th St", phone="+15125550160"),),
    )
    same_building = replace(
        neighbour,
        key="name:bright-minds-ketamine:78703",
        name="Bright Minds Ketamine",
        website=None,
        source_url="http://127.0.0.1:8805/clinics/bright-minds/",
        locations=(replace(LOCATION, street="1201 W 6th St Suite 310", phone="+15125550161"),),
    )
    other_site_same_phone = replace(
        neighbour,
        key="site:calmwaters-spa.example",
        name="Calm Waters Ketamine Clinic",
        website="https://calmwaters-spa.example/",
        source_url="https://calmwaters-spa.example/",
        locations=(LOCATION,),
    )
    for record in (neighbour, same_building, other_site_same_phone):
        assert ingest.ingest_listing(session, record) is CrawlOutcome.NEW
    assert len(clinics(session)) == 4


def test_names_are_compared_without_case_punctuation_or_legal_suffixes():
    assert name_similarity("CALM WATERS KETAMINE CLINIC PLLC", "Calm Waters Ketamine Clinic") == 100
    assert name_similarity("Calm Waters Ketamine", "Calm Waters Ketamine Clinic") == 100
    assert name_similarity("Bright Minds Ketamine", "Calm Waters Ketamine Clinic") < 60


LOOK_ALIKE = "Cаlm Wаters Ketаmine Clinic"  # each "а" is CYRILLIC SMALL LETTER A


def test_a_look_alike_name_at_the_same_address_is_never_merged_into_the_genuine_clinic(session):
    ingest.ingest_listing(session, LISTING)
    no_phone = (replace(FROM_DIRECTORY.locations[0], phone=None),)  # the building alone
    imitation = replace(FROM_DIRECTORY, key="name:other-page:78703", locations=no_phone)
    assert name_similarity(FROM_DIRECTORY.name, LISTING.name) >= 85  # merged on the address ...
    assert ingest.ingest_listing(session, imitation) is CrawlOutcome.UNCHANGED  # the same clinic
    look_alike = replace(imitation, key="name:look-alike:78703", name=LOOK_ALIKE)
    assert ingest.ingest_listing(session, look_alike) is CrawlOutcome.NEW  # ... a look-alike not
    assert [clinic.name for clinic in clinics(session)] == [LISTING.name, LOOK_ALIKE]


def test_mixed_script_look_alike_names_are_told_from_honest_ones():
    assert mixed_script_name(LOOK_ALIKE)
    assert mixed_script_name("Ketаmine Wellness")
    for honest in ("Calm Waters Ketamine Clinic", "Clínica de Ketamina Niño", "Кетамин Клиника"):
        assert not mixed_script_name(honest), honest
    assert name_similarity(LOOK_ALIKE, LISTING.name) == 0
    assert name_similarity(LOOK_ALIKE, LOOK_ALIKE) == 100
