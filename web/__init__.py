"""The public website and JSON API: a Flask application factory with one blueprint per area."""

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from directory.db import database_url
from directory.geocode import CENSUS_GEOCODER_URL
from directory.search import load_gazetteer
from web import (
    accounts,
    api,
    assets,
    auth,
    cache,
    clinics,
    dashboard,
    db,
    errors,
    filters,
    flags,
    i18n,
    licences,
    maintainers,
    pages,
    params,
    reports,
    search,
    security,
)

OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the site; raises SchemaBehindError when the database needs `clinics db upgrade`."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=database_url(),
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        GEOCODER_URL=os.environ.get("CLINICS_GEOCODER_URL", CENSUS_GEOCODER_URL),
        MAP_TILES_URL=os.environ.get("CLINICS_MAP_TILES_URL", OSM_TILES_URL),
        MAP_TILES_CREDIT=os.environ.get("CLINICS_MAP_TILES_CREDIT", "OpenStreetMap contributors"),
        MAP_TILES_CREDIT_URL=os.environ.get(
            "CLINICS_MAP_TILES_CREDIT_URL", "https://www.openstreetmap.org/copyright"
        ),
        STALE_AFTER_DAYS=int(os.environ.get("CLINICS_STALE_AFTER_DAYS", "45")),
        STALE_AFTER_DAYS_BY_SOURCE={},
    )
    app.config.from_mapping(security.defaults())
    app.config.from_mapping(cache.defaults())
    if test_config is not None:
        app.config.from_mapping(test_config)
    _ensure_secret_key(app)
    app.url_map.converters["int"] = params.RowIdConverter  # before any route is added
    db.init_app(app)
    load_gazetteer()
    cache.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    app.register_blueprint(search.bp)
    app.register_blueprint(clinics.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(flags.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(maintainers.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(licences.bp)
    app.register_blueprint(reports.bp)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Fall back to a random key for development, warning that it changes on every start."""
    if app.config["SECRET_KEY"]:
        return
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.logger.warning(
        "SECRET_KEY is not set; using a random key for this process only. "
        "Set SECRET_KEY in production so every worker shares one key."
    )
