"""Clinic listings: identity keys, locations and coordinates, clinicians and services."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.items import ClinicianItem, ClinicItem, LocationItem
from directory.normalise import NormaliseError, normalise_listing
from directory.normalise.geo import distance_km, zip_centroid
from directory.normalise.npi import valid_npi
from directory.vocab import Condition, Modality
from tests.directory.normalise.helpers import outcome

RETRIEVED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def clinic(**fields):
    """A clinic item with provenance filled in."""
    fields.setdefault("name", "Lone Star Infusions")
    fields.setdefault("service_texts", ["IV ketamine infusions"])
    return ClinicItem(
        source_name="clinic-sites", source_url="http://x/", retrieved_at=RETRIEVED, **fields
    )


def test_normalise_listing_reads_a_whole_listing():
    record = normalise_listing(
        clinic(
            name="  Lone Star\n Infusions ",
            website="https://www.lonestarinfusions.example/",
            locations=[
                LocationItem(
                    address="1201 W 6th St, Suite 200, Austin, TX 78703", phone="(512) 555-0101"
                )
            ],
            clinicians=[ClinicianItem(name="Jane Q. Doe, MD", npi="1760485387")],
            service_texts=["IV ketamine infusions", "Spravato for treatment-resistant depression"],
        )
    )
    assert record.key == "site:lonestarinfusions.example"
    assert record.name == "Lone Star Infusions"
    assert record.website == "https://www.lonestarinfusions.example/"
    (location,) = record.locations
    assert (location.street, location.city, location.state, location.postal_code) == (
        "1201 W 6th St Suite 200",
        "Austin",
        "TX",
        "78703",
    )
    assert location.phone == "+15125550101"
    assert (location.lat, location.lon) == zip_centroid("78703")
    (clinician,) = record.clinicians
    assert (clinician.first_name, clinician.last_name, clinician.credentials) == (
        "Jane",
        "Doe",
        ("MD",),
    )
    assert (clinician.name, clinician.name_key, clinician.npi) == (
        "Jane Q. Doe, MD",
        "doe|jane",
        "1760485387",
    )
    assert record.modalities == (Modality.INTRANASAL_ESKETAMINE, Modality.IV_INFUSION)
    assert record.conditions == (Condition.DEPRESSION, Condition.TREATMENT_RESISTANT_DEPRESSION)
    assert (record.source_name, record.source_url, record.retrieved_at) == (
        "clinic-sites",
        "http://x/",
        RETRIEVED,
    )


@pytest.mark.parametrize(
    ("website", "key"),
    [
        ("https://www.Example.com/Austin/", "site:example.com/austin"),
        ("http://example.com", "site:example.com"),
        ("example.com/", "site:example.com"),
        ("https://example.com:443/?utm_source=x#top", "site:example.com"),
        ("http://127.0.0.1:8731/calm-waters/", "site:127.0.0.1:8731/calm-waters"),
    ],
)
def test_normalise_listing_keys_by_website(website, key):
    assert normalise_listing(clinic(website=website)).key == key


def test_normalise_listing_keys_by_name_and_zip_without_a_website():
    locations = [LocationItem(address="123 Main St, Austin, TX 78701")]
    assert normalise_listing(clinic(name="Café Ketamine & Co.", locations=locations)).key == (
        "name:cafe-ketamine-co:78701"
    )
    assert normalise_listing(clinic(name="Café Ketamine")).key == "name:cafe-ketamine:nozip"


def test_normalise_listing_keeps_long_keys_within_their_column():
    long_path = "https://example.com/" + "clinics/" * 40
    key = normalise_listing(clinic(website=long_path)).key
    assert len(key) == 255
    assert key.startswith("site:example.com/clinics/")
    assert key != normalise_listing(clinic(website=long_path + "other")).key


@pytest.mark.parametrize("website", ["n/a", "mailto:info@example.com", "ftp://example.com"])
def test_normalise_listing_ignores_a_website_that_is_not_one(website):
    record = normalise_listing(clinic(website=website))
    assert record.website is None
    assert record.key.startswith("name:")


@pytest.mark.parametrize("name", [None, "", "   ", "!!!"])
def test_normalise_listing_needs_a_name(name):
    with pytest.raises(NormaliseError) as caught:
        normalise_listing(clinic(name=name))
    assert caught.value.reason == "missing_name"


def test_normalise_listing_distrusts_geo_far_from_the_zip_code():
    # A real Fargo clinic's markup gives New York coordinates.
    location = LocationItem(
        street="3000 32nd Ave S",
        city="Fargo",
        region="ND",
        postal_code="58103",
        latitude="40.7128",
        longitude="-74.0060",
    )
    (record,) = normalise_listing(clinic(locations=[location])).locations
    assert (record.lat, record.lon) == zip_centroid("58103")


def test_normalise_listing_keeps_geo_near_the_zip_code():
    location = LocationItem(
        address="1201 W 6th St, Austin, TX 78703", latitude="30.2731", longitude="-97.7562"
    )
    (record,) = normalise_listing(clinic(locations=[location])).locations
    assert (record.lat, record.lon) == (30.2731, -97.7562)


def test_normalise_listing_falls_back_to_the_city_centroid():
    location = LocationItem(street="100 Main St", city="St. Louis", region="Missouri")
    (record,) = normalise_listing(clinic(locations=[location])).locations
    assert record.lat is not None
    assert distance_km((record.lat, record.lon), (38.627, -90.199)) < 25


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("0", "0"), ("91", "0"), ("nan", "1"), ("x", "")]
)
def test_normalise_listing_ignores_impossible_coordinates(latitude, longitude):
    location = LocationItem(address="Austin, TX 78701", latitude=latitude, longitude=longitude)
    (record,) = normalise_listing(clinic(locations=[location])).locations
    assert (record.lat, record.lon) == zip_centroid("78701")


def test_normalise_listing_merges_repeated_locations():
    record = normalise_listing(
        clinic(
            locations=[
                LocationItem(address="1201 W 6th St, Austin, TX 78703"),
                LocationItem(
                    street="1201 W 6th St",
                    city="AUSTIN",
                    region="Texas",
                    postal_code="78703-1234",
                    phone="512-555-0101",
                ),
                LocationItem(address="1201 W 6th St, Austin, TX 78703"),
                LocationItem(),
            ]
        )
    )
    (location,) = record.locations
    assert location.city == "Austin"
    assert location.phone == "+15125550101"


def test_normalise_listing_keeps_locations_it_cannot_parse():
    record = normalise_listing(clinic(locations=[LocationItem(address="By the old mill")]))
    (location,) = record.locations
    assert location.raw == "By the old mill"
    assert (location.state, location.postal_code, location.lat) == (None, None, None)


def test_normalise_listing_merges_clinicians_named_twice():
    record = normalise_listing(
        clinic(
            clinicians=[
                ClinicianItem(name="Jane Q. Doe, MD"),
                ClinicianItem(name="JANE DOE", credentials="M.D., Ph.D.", npi="1760485387"),
                ClinicianItem(name="Dr."),
                ClinicianItem(name="Maria  Lopez", credentials="DNP, PMHNP-BC", npi="123"),
                ClinicianItem(name="Sam Rivera, LPC", license_number=" LPC-123 "),
            ]
        )
    )
    jane, maria, sam = record.clinicians
    assert (jane.name, jane.credentials, jane.npi) == (
        "Jane Q. Doe, MD",
        ("MD", "PHD"),
        "1760485387",
    )
    assert jane.credentials_raw == "M.D., Ph.D."
    assert (maria.name, maria.credentials, maria.npi) == (
        "Maria Lopez",
        ("DNP", "PMHNP-BC"),
        None,
    )
    assert (sam.license_number, sam.credentials) == ("LPC-123", ("LPC",))


def test_normalise_listing_keeps_a_junior_and_a_senior_of_one_name_apart():
    record = normalise_listing(
        clinic(
            clinicians=[
                ClinicianItem(name="John Smith Jr., MD"),
                ClinicianItem(name="John Smith Sr., MD"),
                ClinicianItem(name="JOHN SMITH, JR.", npi="1760485387"),
            ]
        )
    )
    junior, senior = record.clinicians
    assert (junior.name_key, junior.suffix, junior.npi) == ("smith|john|jr", "JR", "1760485387")
    assert (senior.name_key, senior.suffix, senior.npi) == ("smith|john|sr", "SR", None)


def test_normalise_listing_keys_a_lone_junior_by_name_alone():
    (junior,) = normalise_listing(
        clinic(
            clinicians=[ClinicianItem(name="John Smith Jr., MD"), ClinicianItem(name="John Smith")]
        )
    ).clinicians
    assert (junior.name_key, junior.suffix) == ("smith|john", "JR")


_maybe_text = st.one_of(st.none(), st.text(max_size=40))
_location = st.builds(
    LocationItem,
    address=st.one_of(
        _maybe_text, st.sampled_from(["1201 W 6th St, Austin, TX 78703", "Fargo, ND 58103"])
    ),
    street=_maybe_text,
    city=st.one_of(_maybe_text, st.sampled_from(["Austin", "St. Louis"])),
    region=st.one_of(_maybe_text, st.sampled_from(["TX", "Missouri"])),
    postal_code=st.one_of(_maybe_text, st.sampled_from(["78703", "63101-1234"])),
    phone=st.one_of(_maybe_text, st.just("(512) 555-0101")),
    latitude=st.one_of(_maybe_text, st.floats().map(str)),
    longitude=st.one_of(_maybe_text, st.floats().map(str)),
)
_clinician = st.builds(
    ClinicianItem,
    name=st.one_of(st.text(max_size=30), st.sampled_from(["Jane Q. Doe, MD", "JOHN SMITH MD"])),
    credentials=_maybe_text,
    npi=st.one_of(_maybe_text, st.just("1760485387")),
    license_number=_maybe_text,
)


@given(
    name=_maybe_text,
    website=st.one_of(_maybe_text, st.just("https://www.example.com/a/")),
    locations=st.lists(_location, max_size=3),
    clinicians=st.lists(_clinician, max_size=3),
    service_texts=st.lists(st.text(max_size=40), max_size=3),
)
def test_normalise_listing_stays_in_its_vocabularies(
    name, website, locations, clinicians, service_texts
):
    item = clinic(name=name, website=website, locations=locations, clinicians=clinicians)
    item.service_texts = service_texts
    record = outcome(normalise_listing, item)
    if isinstance(record, str):
        assert record in {"missing_name", "not_a_provider"}
        return
    assert record.key.startswith(("site:", "name:"))
    assert len(record.key) <= 255
    assert record.key == record.key.lower()
    assert record.name == " ".join(record.name.split())
    assert list(record.modalities) == sorted(record.modalities)
    assert list(record.conditions) == sorted(record.conditions)
    for location in record.locations:
        assert location.state is None or (len(location.state) == 2 and location.state.isupper())
        assert location.postal_code is None or (
            len(location.postal_code) == 5 and location.postal_code.isdigit()
        )
        assert location.phone is None or (
            location.phone.startswith("+1") and len(location.phone) == 12
        )
        assert (location.lat is None) == (location.lon is None)
        if location.lat is not None:
            assert -90 <= location.lat <= 90
            assert -180 <= location.lon <= 180
    keys = [clinician.name_key for clinician in record.clinicians]
    assert len(keys) == len(set(keys))
    for clinician in record.clinicians:
        assert clinician.last_name.strip()
        assert clinician.npi is None or valid_npi(clinician.npi) == clinician.npi


def test_a_single_location_takes_the_first_real_number_the_pages_print():
    record = normalise_listing(
        clinic(
            locations=[LocationItem(address="1201 W 6th St, Austin, TX 78703")],
            phones=["988", "(512) 555-0142", "(512) 555-0199"],
        )
    )
    assert record.locations[0].phone == "+15125550142"


def test_a_location_s_own_phone_outranks_numbers_elsewhere_on_the_pages():
    own = LocationItem(address="1201 W 6th St, Austin, TX 78703", phone="512-555-0101")
    record = normalise_listing(clinic(locations=[own], phones=["(512) 555-0142"]))
    assert record.locations[0].phone == "+15125550101"


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        ("Downtown Smiles Family Dentistry", ["Crowns", "IV sedation for anxious patients"]),
        ("Riverfront Psychiatry", ["Therapy for depression", "We do not offer ketamine."]),
        ("Glow IV Lounge", ["Myers' cocktail IV infusions", "Migraine relief drips"]),
    ],
)
def test_a_listing_that_offers_no_ketamine_is_not_a_provider(name, texts):
    assert outcome(normalise_listing, clinic(name=name, service_texts=texts)) == "not_a_provider"


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        (
            "American Society of Ketamine Physicians, Psychotherapists & Practitioners",
            ["Our members provide ketamine infusions", "Become a member", "Find a provider"],
        ),
        (
            "National Ketamine Practitioners Association",
            ["Ketamine infusion standards of care", "2027 Annual Conference in Scottsdale"],
        ),
        ("Academia Latinoamericana de Ketamina", ["Hazte miembro", "Infusiones de ketamina"]),
    ],
)
def test_a_professional_association_of_providers_is_not_a_provider(name, texts):
    assert outcome(normalise_listing, clinic(name=name, service_texts=texts)) == "not_a_provider"


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        # Clinics sell memberships, and name the societies they belong to.
        ("Harbor Ketamine Wellness", ["Become a member: monthly booster infusions at 15% off"]),
        ("Bayou Ketamine", ["Dr. Lee is a member of the American Society of Ketamine Physicians"]),
        # "Associates" is a practice, and a society's name without membership is not enough.
        ("Ketamine Associates of Tulsa", ["IV ketamine infusions", "Our annual conference"]),
        ("Society Hill Ketamine", ["IV ketamine infusions for depression"]),
    ],
)
def test_a_practice_with_members_or_a_society_s_name_stays_a_provider(name, texts):
    assert normalise_listing(clinic(name=name, service_texts=texts)).name == name


def test_ketamine_in_the_name_or_any_page_makes_a_provider():
    assert normalise_listing(clinic(name="Sooner Ketamine", service_texts=[])).name
    assert normalise_listing(clinic(name="Bayside Health", service_texts=["SPRAVATO®"])).name


AUSTIN = {"street": "1201 W 6th St", "city": "Austin", "region": "TX", "postal_code": "78703"}


def test_a_locations_stated_hours_are_read_and_unreadable_ones_counted():
    record = normalise_listing(
        clinic(locations=[LocationItem(**AUSTIN, hours=["Mo-Fr 09:00-17:00", "Sa by appointment"])])
    )
    (location,) = record.locations
    assert [opening.day for opening in location.hours] == ["mo", "tu", "we", "th", "fr"]
    assert record.unreadable_hours == 1


def test_printed_hours_go_to_a_sole_location_without_stated_hours():
    printed = ["Monday–Friday: 9am–5pm", "Sunday: Closed", "Saturday 9–11"]
    record = normalise_listing(clinic(locations=[LocationItem(**AUSTIN)], hours_texts=printed))
    assert [(o.day, o.opens, o.closes) for o in record.locations[0].hours][0] == (
        "mo",
        "09:00",
        "17:00",
    )
    assert len(record.locations[0].hours) == 5
    assert record.unreadable_hours == 1  # "9–11": morning or evening is not said


def test_printed_hours_of_a_site_with_several_locations_are_left_out():
    second = AUSTIN | {"street": "500 Main St"}
    record = normalise_listing(
        clinic(
            locations=[LocationItem(**AUSTIN), LocationItem(**second)],
            hours_texts=["Mo-Fr 09:00-17:00"],
        )
    )
    assert [location.hours for location in record.locations] == [(), ()]


def test_structured_hours_outrank_printed_ones():
    record = normalise_listing(
        clinic(
            locations=[LocationItem(**AUSTIN, hours=["Sa 10:00-14:00"])],
            hours_texts=["Mo-Fr 09:00-17:00"],
        )
    )
    assert [o.day for o in record.locations[0].hours] == ["sa"]
