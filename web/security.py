"""The site's defences: CSRF tokens on every form, rate limits, secure session cookies, and
security headers with a Content-Security-Policy that allows no inline script."""

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from web.errors import handle_http_error

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def defaults() -> Mapping[str, Any]:
    """Security settings, from the environment where production sets them."""
    return {
        # Redis in production (one count for all gunicorn workers); memory:// is per process.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "FLAG_RATE_LIMIT": os.environ.get("FLAG_RATE_LIMIT", "5 per hour"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;20 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour"),
        "REPORTER_HASH_KEY": os.environ.get("REPORTER_HASH_KEY"),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "1") != "0",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CONTENT_SECURITY_POLICY": CONTENT_SECURITY_POLICY,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    }


def init_app(app: Flask) -> None:
    """Protect every form with a CSRF token, start the limiter, and add the headers."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(add_security_headers)
    app.register_error_handler(CSRFError, refuse_without_token)


def refuse_without_token(error: CSRFError) -> ResponseReturnValue:
    """A form without a valid token (expired, replayed from another session, or forged)."""
    refusal = BadRequest(
        gettext(
            "This form has expired or did not come from this site, so nothing was saved. "
            "Go back, reload the page and send it again."
        )
    )
    return handle_http_error(refusal)


def add_security_headers(response: Response) -> Response:
    """The Content-Security-Policy and the other headers, on every response."""
    policy = current_app.config["CONTENT_SECURITY_POLICY"]
    response.headers.setdefault(
        "Content-Security-Policy", "; ".join(f"{key} {value}" for key, value in policy.items())
    )
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def reporter_hash(address: str) -> str:
    """A keyed hash of a client's address: it tells repeat reports apart, and cannot be reversed
    into the address without the key (the address itself is never stored)."""
    key = current_app.config["REPORTER_HASH_KEY"] or current_app.config["SECRET_KEY"]
    keyed = hmac.new(str(key).encode(), b"reporter-address", hashlib.sha256).digest()
    return hmac.new(keyed, address.encode(), hashlib.sha256).hexdigest()


def client_address() -> str:
    """The client's address as the rate limiter sees it."""
    return get_remote_address()
