"""Hostile sources files: any entry either loads as a valid source or names file, entry and key."""

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.sources import SourcesError, load_sources
from directory.vocab import SourceKind

KEYS = [
    "name",
    "kind",
    "url",
    "urls",
    "urls_file",
    "page_budget",
    "item_links",
    "next_page",
    "fields",
    "format",
    "state",
    "columns",
    "status_map",
    "type_map",
    "surprise",
]
scalars = st.one_of(
    st.text(max_size=30),
    st.sampled_from([*SourceKind, "http://127.0.0.1:8801/", "TX", "soda", "active", "MD"]),
    st.integers(min_value=-5, max_value=10**6),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)
entries = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


def toml_value(value: Any) -> str:
    """A TOML literal for a JSON-like value (JSON's string escapes are TOML's too)."""
    if isinstance(value, dict):
        pairs = ", ".join(f"{json.dumps(key)} = {toml_value(item)}" for key, item in value.items())
        return "{" + pairs + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value)


def sources_file(entries: list[dict[str, Any]]) -> str:
    """The entries as `[[source]]` tables."""
    tables = []
    for entry in entries:
        lines = [f"{key} = {toml_value(value)}" for key, value in entry.items()]
        tables.append("\n".join(["[[source]]", *lines]))
    return "\n\n".join(tables) + "\n"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(entries, max_size=3))
def test_any_sources_file_loads_or_names_what_is_wrong(
    tmp_path: Path, entries: list[dict[str, Any]]
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(sources_file(entries), encoding="utf-8")
    try:
        sources = load_sources(path)
    except SourcesError as error:
        message = str(error)
    else:
        assert all(source.kind in set(SourceKind) and source.name for source in sources)
        return
    assert str(path) in message


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_load_or_name_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "sources.toml"
    path.write_bytes(content)
    try:
        load_sources(path)
    except SourcesError as error:
        message = str(error)
    else:
        return
    assert str(path) in message
