"""English and Spanish: the language from a chosen cookie, else the browser's preference."""

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale

LANGUAGES = {"en": "English", "es": "Español"}
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with our translations and the language switch."""
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)


def select_locale() -> str:
    """The language chosen with the switch, else the best of the browser's, else English."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


@bp.get("/language/<code>")
def switch(code: str) -> ResponseReturnValue:
    """Remember a language and go back to the page the switch was used on."""
    back = request.args.get("next", "/")
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or not back.startswith("/") or back.startswith("//"):
        back = "/"  # never send a patient off the site
    response = redirect(back)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax")
    return response
