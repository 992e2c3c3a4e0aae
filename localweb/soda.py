"""A Socrata SODA 2.x look-alike serving the Texas licence table at `/resource/tx7m-4qbd.json`.

Supported: `$limit` (default 1000, at most 50000), `$offset`, `$order` (`:id` or one column, with
ASC or DESC), `$where` (conditions `col = '…'`, `col like '…'`, `upper(col) …`, `col IS [NOT] NULL`
joined by AND) and `column=value` filters. Anything else is a 400 with a JSON error body, shaped
like Socrata's (`code`, `error`, `message`); the codes for cases we never saw live are ours.
"""

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache

from werkzeug.wrappers import Request, Response

from localweb.clock import shift_dates
from localweb.fillers import texas_license_rows
from localweb.paths import load_json
from localweb.site import Handler, Site

COLUMNS = (
    "license_number",
    "license_type",
    "last_name",
    "first_name",
    "middle_name",
    "license_status",
    "original_issue_date",
    "expiration_date",
    "city",
    "zip",
)
TIMESTAMP_COLUMNS = frozenset({"original_issue_date", "expiration_date"})
DEFAULT_LIMIT = 1000
MAX_LIMIT = 50_000
FILLER_COUNT = 2500
SOQL_PARAMETERS = frozenset({"$limit", "$offset", "$order", "$where"})

Row = dict[str, str]
Predicate = Callable[[Row], bool]

_CONDITION = re.compile(
    r"""\s*(?:upper\(\s*(?P<upper>[:\w]+)\s*\)|(?P<column>[:\w]+))\s*
    (?:(?P<op>=|like)\s*'(?P<value>(?:[^']|'')*)'|is\s+(?P<negate>not\s+)?null)
    \s*(?:(?P<conjunction>and)\b|$)""",
    re.IGNORECASE | re.VERBOSE,
)
_ORDER = re.compile(r"\s*(?P<column>[:\w]+)(?:\s+(?P<direction>asc|desc))?\s*", re.IGNORECASE)


class SoqlError(Exception):
    """A query Socrata would refuse with HTTP 400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@cache
def rows() -> list[Row]:
    """The whole table in `:id` order: the seeded fillers with the story's rows spread through."""
    story: list[Row] = load_json("tx-licenses/rows.json")
    reserved = {row["license_number"] for row in story if "license_number" in row}
    table = texas_license_rows(FILLER_COUNT, reserved)
    for index, row in enumerate(story):
        table.insert(137 + index * 500, row)
    return table


@contextmanager
def amended(license_number: str, **columns: str) -> Iterator[None]:
    """The table with one licence's columns changed while inside: the board updating a record
    between two crawls (dates as of the story's day, shifted like the rest)."""
    row = next(row for row in rows() if row.get("license_number") == license_number)
    before = dict(row)
    row.update(columns)
    try:
        yield
    finally:
        row.clear()
        row.update(before)


def resource(site: Site, request: Request) -> Response:
    """Answer one request for the dataset's JSON resource."""
    try:
        selected = query(request.args)
    except SoqlError as error:
        body = {"code": error.code, "error": True, "message": error.message}
        return Response(json.dumps(body, indent=2), status=400, mimetype="application/json")
    # Socrata writes one row per line, each line after the first starting with a comma.
    lines = "\n,".join(json.dumps(row, separators=(",", ":")) for row in selected)
    body = shift_dates(f"[{lines}]\n", site.date_shift)
    response = Response(body, mimetype="application/json")
    response.headers["X-SODA2-Fields"] = json.dumps(COLUMNS, separators=(",", ":"))
    types = ["floating_timestamp" if c in TIMESTAMP_COLUMNS else "text" for c in COLUMNS]
    response.headers["X-SODA2-Types"] = json.dumps(types, separators=(",", ":"))
    return response


def query(args: Mapping[str, str]) -> list[Row]:
    """The rows a request selects, in order, after offset and limit."""
    unknown = sorted(key for key in args if key.startswith("$") and key not in SOQL_PARAMETERS)
    if unknown:
        raise SoqlError("query.soql.unrecognized-parameter", f"Unrecognized arguments {unknown}")
    predicates = [_equals(_column(key), value) for key, value in args.items() if key[0] != "$"]
    if "$where" in args:
        predicates += parse_where(args["$where"])
    order = parse_order(args.get("$order", ":id"))
    limit = _whole_number(args, "$limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise SoqlError("query.soql.invalid-limit", f"$limit must be at most {MAX_LIMIT}")
    offset = _whole_number(args, "$offset", 0)
    selected = order([row for row in rows() if all(test(row) for test in predicates)])
    return selected[offset : offset + limit]


def parse_where(text: str) -> list[Predicate]:
    """The conditions of a `$where` clause, all of which a row must meet."""
    predicates: list[Predicate] = []
    position = 0
    while True:
        match = _CONDITION.match(text, position)
        if match is None or match.end() == position:
            raise SoqlError("query.compiler.malformed", f"Could not parse SoQL $where: {text!r}")
        predicates.append(_condition(match))
        position = match.end()
        if not match["conjunction"]:
            return predicates


def _condition(match: re.Match[str]) -> Predicate:
    """One parsed `$where` condition as a test on a row."""
    column = _column(match["upper"] or match["column"])
    if match["op"] is None:
        present = match["negate"] is not None
        return lambda row: (column in row) is present
    value = match["value"].replace("''", "'")
    fold: Callable[[str], str] = str.upper if match["upper"] else str
    if match["op"].lower() == "like":
        pattern = re.compile(
            "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in value),
            re.DOTALL,
        )
        return lambda row: column in row and pattern.fullmatch(fold(row[column])) is not None
    return lambda row: column in row and fold(row[column]) == value


def _equals(column: str, value: str) -> Predicate:
    """A `column=value` filter from the query string."""
    return lambda row: row.get(column) == value


def parse_order(text: str) -> Callable[[list[Row]], list[Row]]:
    """Sort rows by `:id` (their order in the table) or by one column, nulls last."""
    match = _ORDER.fullmatch(text)
    if match is None:
        raise SoqlError("query.compiler.malformed", f"Could not parse SoQL $order: {text!r}")
    descending = (match["direction"] or "asc").lower() == "desc"
    column = match["column"]
    if column == ":id":
        return lambda selected: selected[::-1] if descending else selected
    column = _column(column)

    def ordered(selected: list[Row]) -> list[Row]:
        with_value = [row for row in selected if column in row]
        missing = [row for row in selected if column not in row]
        return sorted(with_value, key=lambda row: row[column], reverse=descending) + missing

    return ordered


def _column(name: str) -> str:
    """A column of the dataset, or the error Socrata gives for one it does not have."""
    if name not in COLUMNS:
        raise SoqlError("query.soql.no-such-column", f"No such column: {name}")
    return name


def _whole_number(args: Mapping[str, str], key: str, default: int) -> int:
    """A non-negative integer parameter."""
    text = args.get(key)
    if text is None:
        return default
    if not text.strip().isdigit():
        raise SoqlError("query.soql.type-mismatch", f"{key} must be a non-negative integer")
    return int(text)


ROUTES: dict[str, Handler] = {"/resource/tx7m-4qbd.json": resource}
