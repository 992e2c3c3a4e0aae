"""The fixed vocabularies of the product, defined once and imported everywhere else."""

from enum import StrEnum


def translatable(text: str) -> str:
    """Mark a sentence patients read for the site's translation catalogue; returns it as is."""
    return text


class Verdict(StrEnum):
    """The licensing verdict a listing carries."""

    VERIFIED = "verified"
    LICENSE_PROBLEM = "license_problem"
    OUT_OF_STATE = "out_of_state"
    UNVERIFIED = "unverified"


VERDICT_EXPLANATIONS: dict[Verdict, str] = {
    Verdict.VERIFIED: translatable(
        "A clinician named by this clinic, of a type that may stand behind ketamine treatment, "
        "holds an active licence in the clinic's state."
    ),
    Verdict.LICENSE_PROBLEM: translatable(
        "A clinician named by this clinic has an expired, suspended, revoked, surrendered or "
        "probationary licence, or is on the federal exclusion list."
    ),
    Verdict.OUT_OF_STATE: translatable(
        "The clinicians we could match hold active licences, but none in the clinic's state."
    ),
    Verdict.UNVERIFIED: translatable(
        "We could not match any clinician named by this clinic to a licence record."
    ),
}


class LicenseStatus(StrEnum):
    """Our statuses for a licence record; publishers' words are mapped onto these."""

    ACTIVE = "active"
    EXPIRED = "expired"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SURRENDERED = "surrendered"
    PROBATION = "probation"
    UNKNOWN = "unknown"


PROBLEM_STATUSES = frozenset(
    {
        LicenseStatus.EXPIRED,
        LicenseStatus.SUSPENDED,
        LicenseStatus.REVOKED,
        LicenseStatus.SURRENDERED,
        LicenseStatus.PROBATION,
    }
)


class Decision(StrEnum):
    """A maintainer's word on a candidate licence match."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class LicenseType(StrEnum):
    """Our licence types; publishers' words are mapped onto these."""

    MD = "MD"
    DO = "DO"
    NP = "NP"
    PA = "PA"
    CRNA = "CRNA"
    RN = "RN"
    LPN = "LPN"
    PSYCHOLOGIST = "PSYCHOLOGIST"
    LCSW = "LCSW"
    LPC = "LPC"
    LMFT = "LMFT"
    OTHER = "OTHER"


class Modality(StrEnum):
    """How ketamine is given."""

    IV_INFUSION = "iv_infusion"
    INTRANASAL_ESKETAMINE = "intranasal_esketamine"
    INTRAMUSCULAR = "intramuscular"
    ORAL_SUBLINGUAL = "oral_sublingual"
    KETAMINE_ASSISTED_PSYCHOTHERAPY = "ketamine_assisted_psychotherapy"


class Condition(StrEnum):
    """What a clinic says it treats."""

    DEPRESSION = "depression"
    TREATMENT_RESISTANT_DEPRESSION = "treatment_resistant_depression"
    ANXIETY = "anxiety"
    PTSD = "ptsd"
    OCD = "ocd"
    BIPOLAR_DEPRESSION = "bipolar_depression"
    SUICIDAL_IDEATION = "suicidal_ideation"
    CHRONIC_PAIN = "chronic_pain"
    MIGRAINE = "migraine"
    SUBSTANCE_USE = "substance_use"


class SourceKind(StrEnum):
    """The kinds of source a sources file may declare."""

    CLINIC_SITES = "clinic_sites"
    DIRECTORY = "directory"
    NPPES_API = "nppes_api"
    NPPES_ORGANIZATIONS = "nppes_organizations"
    OSM_OVERPASS = "osm_overpass"
    LICENSE_TABLE = "license_table"
    LEIE_CSV = "leie_csv"


LISTING_KINDS = frozenset(
    {
        SourceKind.CLINIC_SITES,
        SourceKind.DIRECTORY,
        SourceKind.NPPES_ORGANIZATIONS,
        SourceKind.OSM_OVERPASS,
    }
)
"""Source kinds that yield clinic listings (crawled before the licence look-ups that use them)."""


class LicenseField(StrEnum):
    """Our licence fields, the left-hand side of a licence table's column mapping."""

    LICENSE_NUMBER = "license_number"
    LICENSE_TYPE = "license_type"
    STATUS = "status"
    FIRST_NAME = "first_name"
    MIDDLE_NAME = "middle_name"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"
    NAME_SUFFIX = "name_suffix"
    SPECIALTY = "specialty"
    ISSUE_DATE = "issue_date"
    EXPIRATION_DATE = "expiration_date"
    CITY = "city"
    STATE = "state"
    POSTAL_CODE = "postal_code"
    NPI = "npi"


class CrawlOutcome(StrEnum):
    """What ingest did with one item."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class FlagReason(StrEnum):
    """Why an advocate reports a listing."""

    NO_PRESCRIBER = "no_prescriber"
    OUT_OF_STATE_PRESCRIBER = "out_of_state_prescriber"
    LICENSE_EXPIRED_OR_DISCIPLINED = "license_expired_or_disciplined"
    AT_HOME_WITHOUT_EVALUATION = "at_home_without_evaluation"
    CLINIC_CLOSED = "clinic_closed"
    WRONG_DETAILS = "wrong_details"
    UNSAFE_PRACTICE = "unsafe_practice"
    OTHER = "other"


FLAG_REASON_LABELS: dict[FlagReason, str] = {
    FlagReason.NO_PRESCRIBER: translatable("No licensed prescriber is named"),
    FlagReason.OUT_OF_STATE_PRESCRIBER: translatable(
        "The prescriber is licensed only in another state"
    ),
    FlagReason.LICENSE_EXPIRED_OR_DISCIPLINED: translatable(
        "A licence has expired or been disciplined"
    ),
    FlagReason.AT_HOME_WITHOUT_EVALUATION: translatable(
        "At-home ketamine without an in-person evaluation"
    ),
    FlagReason.CLINIC_CLOSED: translatable("The clinic has closed"),
    FlagReason.WRONG_DETAILS: translatable("The details are wrong"),
    FlagReason.UNSAFE_PRACTICE: translatable("Unsafe practice"),
    FlagReason.OTHER: translatable("Something else"),
}


class FlagStatus(StrEnum):
    """Where a flag stands: open until a maintainer confirms or dismisses it."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Role(StrEnum):
    """What an account may do: maintainers moderate; admins also hide and merge listings."""

    MAINTAINER = "maintainer"
    ADMIN = "admin"
