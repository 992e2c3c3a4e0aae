"""File downloads: Colorado's licence table as a Socrata CSV export, and the OIG LEIE file."""

from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from localweb.paths import DATA_DIR
from localweb.site import Handler, Site


def _download(relative: str, attachment: str | None = None) -> Handler:
    """A route that sends one CSV file under `data/`, optionally as a named attachment."""

    def download(site: Site, request: Request) -> Response:
        return send_file(
            DATA_DIR / relative,
            request.environ,
            mimetype="text/csv",
            as_attachment=attachment is not None,
            download_name=attachment,
        )

    return download


COLORADO_ROUTES: dict[str, Handler] = {
    "/api/views/7s5z-vewr/rows.csv": _download(
        "co-licenses/rows.csv", "Professional_and_Occupational_Licenses_in_Colorado.csv"
    ),
}
OIG_ROUTES: dict[str, Handler] = {
    "/exclusions/downloadables/UPDATED.csv": _download("oig/UPDATED.csv"),
}
