"""Template filters: readable labels for our vocabularies, phones, links, distances and dates."""

import logging
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import phonenumbers
from flask import Flask, current_app
from flask_babel import LazyString, format_date, format_datetime, format_timedelta, gettext
from flask_babel import lazy_gettext as _l

from directory.licensing.monitor import EXCLUDED, NOT_EXCLUDED
from directory.listings import newest_verification
from directory.models import Clinic
from directory.moderation import ModerationError
from directory.normalise import mixed_script_name
from directory.reasons import Param, Reason
from directory.search import SearchInputError
from directory.vocab import (
    FLAG_REASON_LABELS,
    VERDICT_EXPLANATIONS,
    Condition,
    FlagReason,
    FlagStatus,
    LicenseStatus,
    Modality,
    Role,
    Verdict,
)

log = logging.getLogger(__name__)

VERDICT_LABELS: dict[Verdict, LazyString] = {
    Verdict.VERIFIED: _l("Verified"),
    Verdict.LICENSE_PROBLEM: _l("Licence problem"),
    Verdict.OUT_OF_STATE: _l("Licensed out of state"),
    Verdict.UNVERIFIED: _l("Unverified"),
}

MODALITY_LABELS: dict[str, LazyString] = {
    Modality.IV_INFUSION: _l("IV infusion"),
    Modality.INTRANASAL_ESKETAMINE: _l("Esketamine nasal spray"),
    Modality.INTRAMUSCULAR: _l("Intramuscular injection"),
    Modality.ORAL_SUBLINGUAL: _l("Oral or sublingual"),
    Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY: _l("Ketamine-assisted psychotherapy"),
}

CONDITION_LABELS: dict[str, LazyString] = {
    Condition.DEPRESSION: _l("Depression"),
    Condition.TREATMENT_RESISTANT_DEPRESSION: _l("Treatment-resistant depression"),
    Condition.ANXIETY: _l("Anxiety"),
    Condition.PTSD: _l("PTSD"),
    Condition.OCD: _l("OCD"),
    Condition.BIPOLAR_DEPRESSION: _l("Bipolar depression"),
    Condition.SUICIDAL_IDEATION: _l("Suicidal thoughts"),
    Condition.CHRONIC_PAIN: _l("Chronic pain"),
    Condition.MIGRAINE: _l("Migraine"),
    Condition.SUBSTANCE_USE: _l("Substance use"),
}

DAY_LABELS: dict[str, LazyString] = {
    "mo": _l("Monday"),
    "tu": _l("Tuesday"),
    "we": _l("Wednesday"),
    "th": _l("Thursday"),
    "fr": _l("Friday"),
    "sa": _l("Saturday"),
    "su": _l("Sunday"),
}

FIELD_LABELS: dict[str, LazyString] = {
    "name": _l("Name"),
    "website": _l("Website"),
    "locations": _l("Locations"),
    "clinicians": _l("Clinicians"),
    "services": _l("Services"),
}

STATUS_LABELS: dict[str, LazyString] = {
    LicenseStatus.ACTIVE: _l("Active"),
    LicenseStatus.EXPIRED: _l("Expired"),
    LicenseStatus.INACTIVE: _l("Inactive"),
    LicenseStatus.SUSPENDED: _l("Suspended"),
    LicenseStatus.REVOKED: _l("Revoked"),
    LicenseStatus.SURRENDERED: _l("Surrendered"),
    LicenseStatus.PROBATION: _l("Probation"),
    LicenseStatus.UNKNOWN: _l("Unknown"),
    EXCLUDED: _l("Excluded"),
    NOT_EXCLUDED: _l("Not excluded"),
}

FLAG_STATUS_LABELS: dict[str, LazyString] = {
    FlagStatus.OPEN: _l("open"),
    FlagStatus.CONFIRMED: _l("confirmed"),
    FlagStatus.DISMISSED: _l("dismissed"),
}

ROLE_LABELS: dict[str, LazyString] = {
    Role.MAINTAINER: _l("Maintainer"),
    Role.ADMIN: _l("Admin"),
}

MATCH_LABELS: dict[str, LazyString] = {
    "npi": _l("NPI"),
    "license_number": _l("Licence number"),
    "name": _l("Name"),
}


def init_app(app: Flask) -> None:
    """Register the filters with the app's templates."""
    app.add_template_filter(verdict_label)
    app.add_template_filter(verdict_explanation)
    app.add_template_filter(modality_label)
    app.add_template_filter(condition_label)
    app.add_template_filter(hours_by_day)
    app.add_template_filter(match_label)
    app.add_template_filter(phone_display)
    app.add_template_filter(phone_href)
    app.add_template_filter(web_url)
    app.add_template_filter(miles)
    app.add_template_filter(day)
    app.add_template_filter(moment)
    app.add_template_filter(flag_reason_label)
    app.add_template_filter(flag_status_label)
    app.add_template_filter(role_label)
    app.add_template_filter(error_message)
    app.add_template_filter(field_label)
    app.add_template_filter(status_label)
    app.add_template_filter(verdict_reason)
    app.add_template_filter(reason_text)
    app.add_template_filter(checked_ago)
    app.add_template_filter(stale_after_days)
    app.add_template_filter(is_stale)
    app.add_template_test(mixed_script_name, "mixed_script")


def verdict_label(verdict: str) -> str:
    """A verdict's badge text."""
    return str(VERDICT_LABELS[Verdict(verdict)])


def verdict_explanation(verdict: str) -> str:
    """A verdict's one-line explanation for patients, in the page's language."""
    return str(gettext(VERDICT_EXPLANATIONS[Verdict(verdict)]))


def verdict_reason(clinic: Clinic) -> str:
    """The one-line reason for a clinic's verdict: its first reason, else the explanation."""
    verification = newest_verification(clinic)
    if verification is not None and verification.reasons:
        return reason_text(verification.reasons[0])
    return verdict_explanation(clinic.verdict)


def reason_text(reason: str) -> str:
    """A verdict's reason in the page's language; text stored without a template, as it is.

    A translation that does not fit its params (a missing or malformed placeholder) is logged
    and the English shown, so a catalogue slip never breaks a page.
    """
    if not isinstance(reason, Reason):
        return reason
    params = {key: _param_text(value) for key, value in reason.params.items()}
    try:
        return str(gettext(reason.template, **params))
    except (KeyError, ValueError, TypeError):
        log.warning("translation of %r does not fit its params %r", reason.template, params)
        return str(reason)


def _param_text(value: Param) -> str:
    """A param in the page's language: words translated, dates written out ("Oct 1, 2026",
    "1 oct 2026"), lists joined with commas."""
    if isinstance(value, date):
        return str(format_date(value, "medium"))
    if isinstance(value, list):
        return ", ".join(reason_text(item) for item in value)
    return reason_text(value)


def modality_label(modality: str) -> str:
    """How a treatment is given, in words (the stored value if we have no label for it)."""
    return str(MODALITY_LABELS.get(modality, modality))


def hours_by_day(hours: list[dict[str, str]]) -> list[tuple[str, list[str]]]:
    """A location's opening hours as rows: each day named, with its "09:00–17:00" spans.

    A span past midnight stays on the day it opens and says so: "18:00–02:00 (next day)".
    """
    spans: dict[str, list[str]] = {}
    for opening in hours:
        opens, closes = opening["opens"], opening["closes"]
        span = (
            gettext("%(opens)s–%(closes)s (next day)", opens=opens, closes=closes)
            if closes < opens
            else f"{opens}–{closes}"
        )
        spans.setdefault(opening["day"], []).append(str(span))
    return [(str(DAY_LABELS[day]), spans[day]) for day in DAY_LABELS if day in spans]


def condition_label(condition: str) -> str:
    """A condition a clinic treats, in words (the stored value if we have no label for it)."""
    return str(CONDITION_LABELS.get(condition, condition))


def match_label(match: str | None) -> str:
    """How a record was matched to a clinician, in words."""
    return str(MATCH_LABELS.get(match or "", match or ""))


def field_label(field: str) -> str:
    """A listing field's name, in words."""
    return str(FIELD_LABELS.get(field, field.replace("_", " ").capitalize()))


def status_label(status: str | None) -> str:
    """A licence status (or whether an exclusion is in force), in words."""
    return str(STATUS_LABELS.get(status or "", (status or "").capitalize()))


def error_message(error: SearchInputError | ModerationError) -> str:
    """A search or moderation error's message in the page's language."""
    return str(gettext(error.template, **error.params))


def _as_datetime(value: datetime | str) -> datetime | None:
    """A stored time, or ISO 8601 text from evidence, as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def checked_ago(value: datetime | str | None) -> str:
    """How long ago something was checked, in words: "3 days ago"."""
    moment_ = _as_datetime(value) if value else None
    if moment_ is None:
        return ""
    age = max(datetime.now(UTC) - moment_, timedelta(0))
    return str(format_timedelta(-age, add_direction=True))


def stale_after_days(source: str | None) -> int:
    """How many days evidence from a source stays current (its re-check schedule)."""
    by_source: dict[str, int] = current_app.config["STALE_AFTER_DAYS_BY_SOURCE"]
    return int(by_source.get(source or "", current_app.config["STALE_AFTER_DAYS"]))


def is_stale(value: datetime | str | None, source: str | None = None) -> bool:
    """Whether evidence retrieved then is older than its source's schedule allows."""
    moment_ = _as_datetime(value) if value else None
    if moment_ is None:
        return False
    return datetime.now(UTC) - moment_ > timedelta(days=stale_after_days(source))


def _parsed_phone(phone: str | None) -> phonenumbers.PhoneNumber | None:
    """A stored E.164 phone number, parsed; None if it is missing or unreadable."""
    if not phone:
        return None
    try:
        return phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return None


def phone_display(phone: str | None) -> str:
    """A phone as people write it: (512) 555-0100 in the US, international form elsewhere."""
    number = _parsed_phone(phone)
    if number is None:
        return phone or ""
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(
        number, style.NATIONAL if number.country_code == 1 else style.INTERNATIONAL
    )


def phone_href(phone: str | None) -> str | None:
    """A tap-to-call link (tel: with the E.164 number), or None when the phone is unreadable."""
    number = _parsed_phone(phone)
    if number is None:
        return None
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def web_url(url: str | None) -> str | None:
    """The URL if it is an http(s) address safe to link to; None for javascript: and the like."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in {"http", "https"} and parts.netloc else None


def miles(distance: float) -> str:
    """A distance to one decimal place: 3.2 mi."""
    return f"{distance:.1f} mi"


def day(value: date | str | None) -> str:
    """A date (or ISO 8601 text) as 25 Nov 2026; empty when missing, as given when unreadable."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        return str(format_date(value, "d MMM y"))
    try:
        return day(date.fromisoformat(value[:10]))
    except ValueError:
        return value


def moment(value: datetime | None) -> str:
    """A UTC time as 25 Nov 2026, 04:00 UTC."""
    if value is None:
        return ""
    return str(format_datetime(value, "d MMM y, HH:mm 'UTC'"))


def flag_reason_label(reason: str) -> str:
    """Why an advocate reported a listing, in words."""
    return str(gettext(FLAG_REASON_LABELS[FlagReason(reason)]))


def flag_status_label(status: str) -> str:
    """Where a flag stands, in words."""
    return str(FLAG_STATUS_LABELS.get(status, status))


def role_label(role: str) -> str:
    """What a maintainer's account may do, in words."""
    return str(ROLE_LABELS.get(role, role))
