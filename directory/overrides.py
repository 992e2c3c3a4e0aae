"""Maintainers' verdict overrides: kept apart from the checker's verdicts and applied on top."""

from directory.models import Clinic, VerdictOverride
from directory.vocab import Verdict


def active_override(clinic: Clinic) -> VerdictOverride | None:
    """The override in force on a listing: the newest one, unless it has been lifted."""
    newest = clinic.overrides[-1] if clinic.overrides else None
    return newest if newest is not None and newest.lifted_at is None else None


def effective_verdict(clinic: Clinic, computed: Verdict | str) -> Verdict:
    """The verdict patients see: a maintainer's override, else the checker's."""
    override = active_override(clinic)
    return Verdict(override.verdict if override else computed)
