"""Leaflet's files, served by the app from the `xstatic-leaflet` package (no CDN, no npm)."""

from flask import Blueprint, Flask
from xstatic.pkg import leaflet

LEAFLET_VERSION = leaflet.VERSION


def init_app(app: Flask) -> None:
    """Serve the package's folder at /static/leaflet/<version>/."""
    bp = Blueprint(
        "leaflet",
        __name__,
        static_folder=leaflet.BASE_DIR,
        static_url_path=f"/static/leaflet/{LEAFLET_VERSION}",
    )
    app.register_blueprint(bp)
