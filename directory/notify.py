"""Telling maintainers: one `notify(event)` that posts JSON to a webhook and/or sends an email.

Configured from the environment: `CLINICS_NOTIFY_WEBHOOK` (a URL that takes a JSON POST) and
`CLINICS_SMTP_HOST` with `CLINICS_NOTIFY_TO` (comma-separated), plus optionally
`CLINICS_SMTP_PORT` (25), `CLINICS_SMTP_USER`, `CLINICS_SMTP_PASSWORD`, `CLINICS_SMTP_STARTTLS=1`
and `CLINICS_NOTIFY_FROM`. A channel that fails is logged; notifying never breaks the caller.
"""

import json
import logging
import os
import smtplib
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)
TIMEOUT = 10.0


@dataclass(frozen=True)
class Event:
    """Something maintainers should hear about: a suspect crawl run, a licence status change."""

    kind: str
    subject: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Channels:
    """Where notifications go."""

    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    starttls: bool = False
    sender: str = "clinics@localhost"
    recipients: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Channels":
        """The channels the environment configures (none when it sets nothing)."""
        recipients = environ.get("CLINICS_NOTIFY_TO", "")
        return cls(
            webhook_url=environ.get("CLINICS_NOTIFY_WEBHOOK") or None,
            smtp_host=environ.get("CLINICS_SMTP_HOST") or None,
            smtp_port=int(environ.get("CLINICS_SMTP_PORT", "25")),
            smtp_user=environ.get("CLINICS_SMTP_USER") or None,
            smtp_password=environ.get("CLINICS_SMTP_PASSWORD") or None,
            starttls=environ.get("CLINICS_SMTP_STARTTLS") == "1",
            sender=environ.get("CLINICS_NOTIFY_FROM", "clinics@localhost"),
            recipients=tuple(r.strip() for r in recipients.split(",") if r.strip()),
        )


def notify(event: Event, channels: Channels | None = None) -> list[str]:
    """Send the event to every configured channel; the names of those that took it."""
    channels = channels or Channels.from_environment()
    delivered = []
    if channels.webhook_url and _deliver("webhook", _post, event, channels):
        delivered.append("webhook")
    if channels.smtp_host and channels.recipients and _deliver("email", _mail, event, channels):
        delivered.append("email")
    if not delivered:
        log.warning("notification not delivered: %s", event.subject)
    return delivered


def _deliver(name: str, send: Any, event: Event, channels: Channels) -> bool:
    """Send on one channel; a failure is logged, not raised."""
    try:
        send(event, channels)
    except (OSError, smtplib.SMTPException) as error:
        log.error("could not notify by %s (%s): %s", name, error, event.subject)
        return False
    return True


def _post(event: Event, channels: Channels) -> None:
    """POST the event as JSON to the webhook."""
    body = json.dumps(asdict(event), default=str).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - a URL the maintainers configured
        str(channels.webhook_url),
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        response.read()


def _mail(event: Event, channels: Channels) -> None:
    """Email the event, its details as readable JSON."""
    message = EmailMessage()
    message["Subject"] = f"[clinics] {event.subject}"
    message["From"] = channels.sender
    message["To"] = ", ".join(channels.recipients)
    message.set_content(json.dumps(dict(event.details), indent=2, default=str) + "\n")
    with smtplib.SMTP(str(channels.smtp_host), channels.smtp_port, timeout=TIMEOUT) as smtp:
        if channels.starttls:
            smtp.starttls()
        if channels.smtp_user:
            smtp.login(channels.smtp_user, channels.smtp_password or "")
        smtp.send_message(message)
