"""Telephone numbers as E.164 keys (North American numbers only)."""

import phonenumbers

_DEFAULT_REGION = "US"
_NANP_COUNTRY_CODE = 1


def to_e164(raw: str | None) -> str | None:
    """The E.164 form ("+15125550101") of a valid US number, extension dropped; else None."""
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, _DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != _NANP_COUNTRY_CODE or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
