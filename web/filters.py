"""Template filters: readable labels for our vocabularies, phones, links, distances and dates."""

from datetime import date, datetime
from urllib.parse import urlsplit

import phonenumbers
from flask import Flask

from directory.vocab import (
    FLAG_REASON_LABELS,
    VERDICT_EXPLANATIONS,
    Condition,
    FlagReason,
    Modality,
    Verdict,
)

VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.VERIFIED: "Verified",
    Verdict.LICENSE_PROBLEM: "Licence problem",
    Verdict.OUT_OF_STATE: "Licensed out of state",
    Verdict.UNVERIFIED: "Unverified",
}

MODALITY_LABELS: dict[str, str] = {
    Modality.IV_INFUSION: "IV infusion",
    Modality.INTRANASAL_ESKETAMINE: "Esketamine nasal spray",
    Modality.INTRAMUSCULAR: "Intramuscular injection",
    Modality.ORAL_SUBLINGUAL: "Oral or sublingual",
    Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY: "Ketamine-assisted psychotherapy",
}

CONDITION_LABELS: dict[str, str] = {
    Condition.DEPRESSION: "Depression",
    Condition.TREATMENT_RESISTANT_DEPRESSION: "Treatment-resistant depression",
    Condition.ANXIETY: "Anxiety",
    Condition.PTSD: "PTSD",
    Condition.OCD: "OCD",
    Condition.BIPOLAR_DEPRESSION: "Bipolar depression",
    Condition.SUICIDAL_IDEATION: "Suicidal thoughts",
    Condition.CHRONIC_PAIN: "Chronic pain",
    Condition.MIGRAINE: "Migraine",
    Condition.SUBSTANCE_USE: "Substance use",
}

MATCH_LABELS: dict[str, str] = {
    "npi": "NPI",
    "license_number": "Licence number",
    "name": "Name",
}


def init_app(app: Flask) -> None:
    """Register the filters with the app's templates."""
    app.add_template_filter(verdict_label)
    app.add_template_filter(verdict_explanation)
    app.add_template_filter(modality_label)
    app.add_template_filter(condition_label)
    app.add_template_filter(match_label)
    app.add_template_filter(phone_display)
    app.add_template_filter(phone_href)
    app.add_template_filter(web_url)
    app.add_template_filter(miles)
    app.add_template_filter(day)
    app.add_template_filter(moment)
    app.add_template_filter(flag_reason_label)


def verdict_label(verdict: str) -> str:
    """A verdict's badge text."""
    return VERDICT_LABELS[Verdict(verdict)]


def verdict_explanation(verdict: str) -> str:
    """A verdict's one-line explanation for patients."""
    return VERDICT_EXPLANATIONS[Verdict(verdict)]


def modality_label(modality: str) -> str:
    """How a treatment is given, in words (the stored value if we have no label for it)."""
    return MODALITY_LABELS.get(modality, modality)


def condition_label(condition: str) -> str:
    """A condition a clinic treats, in words (the stored value if we have no label for it)."""
    return CONDITION_LABELS.get(condition, condition)


def match_label(match: str | None) -> str:
    """How a record was matched to a clinician, in words."""
    return MATCH_LABELS.get(match or "", match or "")


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
        return f"{value.day} {value:%b %Y}"
    try:
        return day(date.fromisoformat(value[:10]))
    except ValueError:
        return value


def moment(value: datetime | None) -> str:
    """A UTC time as 25 Nov 2026, 04:00 UTC."""
    if value is None:
        return ""
    return f"{day(value)}, {value:%H:%M} UTC"


def flag_reason_label(reason: str) -> str:
    """Why an advocate reported a listing, in words."""
    return FLAG_REASON_LABELS[FlagReason(reason)]
