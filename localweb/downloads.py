"""File downloads: Colorado's licence table as a Socrata CSV export, and the OIG LEIE file."""

from werkzeug.wrappers import Request, Response

from localweb.clock import shift_dates
from localweb.paths import DATA_DIR
from localweb.site import Handler, Site


def _download(relative: str, attachment: str | None = None) -> Handler:
    """A route that sends one CSV file under `data/` (dates as of today), maybe as an attachment."""

    def download(site: Site, request: Request) -> Response:
        # newline="" keeps the files' own line endings (the LEIE file is CRLF).
        with (DATA_DIR / relative).open(encoding="utf-8", newline="") as file:
            text = shift_dates(file.read(), site.date_shift)
        response = Response(text, mimetype="text/csv")
        if attachment:
            response.headers["Content-Disposition"] = f'attachment; filename="{attachment}"'
        return response

    return download


COLORADO_ROUTES: dict[str, Handler] = {
    "/api/views/7s5z-vewr/rows.csv": _download(
        "co-licenses/rows.csv", "Professional_and_Occupational_Licenses_in_Colorado.csv"
    ),
}
OIG_ROUTES: dict[str, Handler] = {
    "/exclusions/downloadables/UPDATED.csv": _download("oig/UPDATED.csv"),
}
