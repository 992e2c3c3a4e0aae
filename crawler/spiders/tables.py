"""Reading published tables: CSV bodies into rows, keeping malformed lines out."""

import csv
import io
from collections.abc import Iterator

from scrapy.http import Response


def decode_body(response: Response) -> str:
    """A CSV body as text: UTF-8 (BOM or not), else Windows-1252, as publishers often use."""
    try:
        return response.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return response.body.decode("cp1252", errors="replace")


def csv_rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str] | None]]]:
    """The header and the rows (line number, row); a row with the wrong field count is None."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]

    def rows() -> Iterator[tuple[int, dict[str, str] | None]]:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                yield reader.line_num, None
            else:
                yield reader.line_num, dict(zip(header, values, strict=True))

    return header, rows()
