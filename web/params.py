"""Reading search parameters from a URL's query string into the types the search takes."""

from directory.search import SearchInputError
from directory.vocab import Verdict

DEFAULT_RADIUS_MILES = 25.0
ALL_STATUSES = "all"


def parse_radius(text: str | None) -> float:
    """The radius in miles; the default when absent (the search checks its range)."""
    if text is None or not text.strip():
        return DEFAULT_RADIUS_MILES
    try:
        return float(text)
    except ValueError:
        raise SearchInputError(
            "Choose a distance between 1 and 250 miles.", field="radius"
        ) from None


def parse_statuses(text: str | None) -> frozenset[Verdict] | None:
    """The verdicts to show: "verified" by default, None for "all", or a comma-separated list."""
    words = {word.strip().lower() for word in (text or "").split(",") if word.strip()}
    if not words:
        return frozenset({Verdict.VERIFIED})
    if ALL_STATUSES in words:
        return None
    unknown = sorted(words - set(Verdict))
    if unknown:
        choices = ", ".join([*Verdict, ALL_STATUSES])
        raise SearchInputError(
            f"Unknown status {', '.join(unknown)}; use one or more of {choices}.", field="status"
        )
    return frozenset(Verdict(word) for word in words)


def parse_count(text: str | None, default: int, field: str) -> int:
    """A whole number such as a page size or offset; the default when absent."""
    if text is None or not text.strip():
        return default
    try:
        return int(text)
    except ValueError:
        raise SearchInputError(f"{field} must be a whole number.", field=field) from None
