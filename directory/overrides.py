"""Maintainers' verdict overrides: kept apart from the checker's verdicts and applied on top."""

from directory.models import Clinic, VerdictOverride
from directory.vocab import Verdict


def active_override(clinic: Clinic) -> VerdictOverride | None:
    """The override in force on a listing: the newest one, if any."""
    return clinic.overrides[-1] if clinic.overrides else None


def effective_verdict(clinic: Clinic, computed: Verdict | str) -> Verdict:
    """The verdict patients see: a maintainer's override, else the checker's."""
    override = active_override(clinic)
    return Verdict(override.verdict if override else computed)
