"""The sources file: every source a crawl uses, declared in TOML so maintainers add one, no code.

A bad file raises `SourcesError` naming the file, the entry and the key, never a bare traceback.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.triggers.cron import CronTrigger

from directory.vocab import LicenseField, LicenseStatus, LicenseType, SourceKind


class SourcesError(ValueError):
    """A sources file that cannot be used, with where the problem is."""

    def __init__(self, path: Path, message: str, entry: str | None = None, key: str | None = None):
        where = str(path)
        if entry is not None:
            where += f", entry {entry}"
        if key is not None:
            where += f", key {key!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Source:
    """One `[[source]]` entry, validated."""

    name: str
    kind: SourceKind
    urls: tuple[str, ...] = ()
    url: str | None = None
    format: str | None = None
    state: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    status_map: Mapping[str, LicenseStatus] = field(default_factory=dict)
    type_map: Mapping[str, LicenseType] = field(default_factory=dict)
    item_links: str | None = None
    next_page: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    page_budget: int = 8
    states: tuple[str, ...] = ()
    names: tuple[str, ...] = ("ketamine*",)
    query: str | None = None
    schedule: str = ""
    shard_size: int = 25


DEFAULT_SCHEDULES: dict[SourceKind, str] = {
    SourceKind.CLINIC_SITES: "0 2 * * 1",  # weekly, Monday 02:00 UTC
    SourceKind.DIRECTORY: "30 2 * * 1",  # weekly
    SourceKind.NPPES_API: "0 4 1 * *",  # monthly, on the 1st
    SourceKind.NPPES_ORGANIZATIONS: "30 4 1 * *",  # monthly, like the registry's look-ups
    SourceKind.OSM_OVERPASS: "0 5 * * 1",  # weekly, like the other listing sources
    SourceKind.LICENSE_TABLE: "0 3 * * *",  # daily
    SourceKind.LEIE_CSV: "30 3 * * *",  # daily
}
"""When each kind of source is crawled unless its entry says `schedule` (cron, in UTC)."""

_COMMON_KEYS = {"name", "kind", "schedule"}
_ALLOWED_KEYS: dict[SourceKind, set[str]] = {
    SourceKind.CLINIC_SITES: {"urls", "urls_file", "page_budget", "shard_size"},
    SourceKind.DIRECTORY: {"url", "item_links", "next_page", "fields"},
    SourceKind.NPPES_API: {"url", "shard_size"},
    SourceKind.NPPES_ORGANIZATIONS: {"url", "states", "names"},
    SourceKind.OSM_OVERPASS: {"url", "query"},
    SourceKind.LICENSE_TABLE: {"url", "format", "state", "columns", "status_map", "type_map"},
    SourceKind.LEIE_CSV: {"url"},
}
_REQUIRED_KEYS: dict[SourceKind, set[str]] = {
    SourceKind.CLINIC_SITES: set(),
    SourceKind.DIRECTORY: {"url"},
    SourceKind.NPPES_API: {"url"},
    SourceKind.NPPES_ORGANIZATIONS: {"url", "states"},
    SourceKind.OSM_OVERPASS: {"url", "query"},
    SourceKind.LICENSE_TABLE: {"url", "format", "state", "columns", "status_map"},
    SourceKind.LEIE_CSV: {"url"},
}
_FORMATS = {"soda", "csv"}
_Vocabulary = TypeVar("_Vocabulary", LicenseStatus, LicenseType)


def load_sources(path: Path | str) -> list[Source]:
    """Read and validate a sources file."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesError(path, f"cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(path, f"is not valid TOML ({error})") from None
    unknown = set(document) - {"source"}
    if unknown:
        raise SourcesError(path, "unknown top-level table", key=sorted(unknown)[0])
    entries = document.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise SourcesError(path, "declares no [[source]] entries")
    sources = [_parse_entry(path, index, entry) for index, entry in enumerate(entries, start=1)]
    names = [source.name for source in sources]
    for name in names:
        if names.count(name) > 1:
            raise SourcesError(path, "the name is used by more than one entry", f"{name!r}", "name")
    return sources


def _parse_entry(path: Path, index: int, entry: Mapping[str, Any]) -> Source:
    """Validate one `[[source]]` table."""
    label = f"#{index}"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourcesError(path, "every source needs a non-empty string name", label, "name")
    label = f"#{index} ({name!r})"
    kind_text = entry.get("kind")
    try:
        kind = SourceKind(str(kind_text))
    except ValueError:
        kinds = ", ".join(k.value for k in SourceKind)
        raise SourcesError(path, f"kind must be one of {kinds}", label, "kind") from None
    extra = set(entry) - _COMMON_KEYS - _ALLOWED_KEYS[kind]
    if extra:
        raise SourcesError(path, f"not a key of a {kind} source", label, sorted(extra)[0])
    missing = _REQUIRED_KEYS[kind] - set(entry)
    if missing:
        raise SourcesError(path, f"a {kind} source needs it", label, sorted(missing)[0])
    check = _EntryChecker(path, label, entry)
    return Source(
        name=name.strip(),
        kind=kind,
        urls=check.urls(),
        url=check.url("url"),
        format=check.choice("format", _FORMATS),
        state=check.state(),
        columns=check.columns(),
        status_map=check.mapping("status_map", LicenseStatus),
        type_map=check.mapping("type_map", LicenseType),
        item_links=check.string("item_links"),
        next_page=check.string("next_page"),
        fields=check.string_table("fields"),
        page_budget=check.positive_int("page_budget", default=8),
        states=check.states(),
        names=check.strings("names") or ("ketamine*",),
        query=check.string("query"),
        schedule=check.schedule(DEFAULT_SCHEDULES[kind]),
        shard_size=check.positive_int("shard_size", default=25),
    )


@dataclass
class _EntryChecker:
    """Typed reads of one entry's keys, each failing with the entry and key named."""

    path: Path
    label: str
    entry: Mapping[str, Any]

    def fail(self, key: str, message: str) -> SourcesError:
        return SourcesError(self.path, message, self.label, key)

    def string(self, key: str) -> str | None:
        value = self.entry.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def url(self, key: str) -> str | None:
        value = self.string(key)
        if value is not None and not value.startswith(("http://", "https://")):
            raise self.fail(key, "must be an http:// or https:// URL")
        return value

    def choice(self, key: str, allowed: set[str]) -> str | None:
        value = self.string(key)
        if value is not None and value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(sorted(allowed))}")
        return value

    def positive_int(self, key: str, default: int) -> int:
        value = self.entry.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.fail(key, "must be a whole number of at least 1")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def states(self) -> tuple[str, ...]:
        states = self.strings("states")
        if "states" in self.entry and not states:
            raise self.fail("states", "lists no states")
        for state in states:
            if len(state) != 2 or not state.isalpha():
                raise self.fail("states", f"{state!r} is not a two-letter state code such as TX")
        return tuple(state.upper() for state in states)

    def schedule(self, default: str) -> str:
        value = self.string("schedule") or default
        try:
            cron_trigger(value)
        except ValueError as error:
            raise self.fail("schedule", f"is not a cron expression ({error})") from None
        return value

    def state(self) -> str | None:
        value = self.string("state")
        if value is not None and (len(value) != 2 or not value.isalpha()):
            raise self.fail("state", "must be a two-letter state code such as TX")
        return value.upper() if value else None

    def string_table(self, key: str) -> dict[str, str]:
        table = self.entry.get(key, {})
        if not isinstance(table, dict):
            raise self.fail(key, "must be a table")
        for name, value in table.items():
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{key}.{name}", "must be a non-empty string")
        return {name: value.strip() for name, value in table.items()}

    def columns(self) -> dict[str, str]:
        columns = self.string_table("columns")
        ours = {f.value for f in LicenseField}
        for name in columns:
            if name not in ours:
                raise self.fail(f"columns.{name}", f"not one of our licence fields: {sorted(ours)}")
        if columns and "license_number" not in columns:
            raise self.fail("columns.license_number", "the column mapping needs license_number")
        if columns and not ({"last_name", "full_name"} & set(columns)):
            raise self.fail("columns.last_name", "the column mapping needs last_name or full_name")
        return columns

    def mapping(self, key: str, enum: type[_Vocabulary]) -> dict[str, _Vocabulary]:
        table = self.string_table(key)
        result: dict[str, _Vocabulary] = {}
        for word, ours in table.items():
            try:
                result[word.strip().upper()] = enum(ours)
            except ValueError:
                allowed = ", ".join(e.value for e in enum)
                raise self.fail(f"{key}.{word}", f"must map to one of {allowed}") from None
        return result

    def urls(self) -> tuple[str, ...]:
        urls = self.entry.get("urls")
        urls_file = self.string("urls_file")
        if urls is None and urls_file is None:
            if self.entry.get("kind") == SourceKind.CLINIC_SITES:
                raise self.fail("urls", "a clinic_sites source needs urls or urls_file")
            return ()
        collected: list[str] = []
        if urls is not None:
            if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
                raise self.fail("urls", "must be a list of URL strings")
            collected.extend(u.strip() for u in urls)
        if urls_file is not None:
            listed = (self.path.parent / urls_file).resolve()
            try:
                lines = listed.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise self.fail("urls_file", f"cannot be read ({error.strerror})") from None
            collected.extend(line.strip() for line in lines)
        collected = [u for u in collected if u and not u.startswith("#")]
        for url in collected:
            if not url.startswith(("http://", "https://")):
                raise self.fail("urls", f"{url!r} is not an http:// or https:// URL")
        if not collected:
            raise self.fail("urls", "lists no URLs")
        return tuple(dict.fromkeys(collected))


def cron_trigger(expression: str) -> CronTrigger:
    """The trigger for a five-field cron expression (minute hour day month weekday), in UTC."""
    return CronTrigger.from_crontab(expression, timezone="UTC")
