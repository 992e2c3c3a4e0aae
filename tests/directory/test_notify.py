"""Notifications, delivered for real: to a local HTTP server and a local SMTP server."""

import logging
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from directory.notify import Channels, Event, notify
from tests.directory.conftest import Received

EVENT = Event(
    kind="crawl_suspect",
    subject="crawl run 7 of tx-licenses is suspect",
    details={"run_id": 7, "findings": ["items fell from 2504 to 12"]},
)


class Inbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        text = envelope.content.decode("utf-8")
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, text))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_webhook_gets_the_event_as_json(webhook):
    assert notify(EVENT, Channels(webhook_url=webhook)) == ["webhook"]
    ((content_type, body),) = Received.bodies
    assert content_type == "application/json"
    assert body == {
        "kind": "crawl_suspect",
        "subject": "crawl run 7 of tx-licenses is suspect",
        "details": {"run_id": 7, "findings": ["items fell from 2504 to 12"]},
    }


def test_maintainers_get_an_email(smtp):
    port, inbox = smtp
    environment = {
        "CLINICS_SMTP_HOST": "127.0.0.1",
        "CLINICS_SMTP_PORT": str(port),
        "CLINICS_NOTIFY_TO": "ops@example.org, lead@example.org",
        "CLINICS_NOTIFY_FROM": "crawler@example.org",
    }
    assert notify(EVENT, Channels.from_environment(environment)) == ["email"]
    ((sender, recipients, text),) = inbox.messages
    assert sender == "crawler@example.org"
    assert recipients == ["ops@example.org", "lead@example.org"]
    assert "Subject: [clinics] crawl run 7 of tx-licenses is suspect" in text
    assert '"items fell from 2504 to 12"' in text


def test_both_channels_at_once(webhook, smtp):
    port, inbox = smtp
    channels = Channels(
        webhook_url=webhook, smtp_host="127.0.0.1", smtp_port=port, recipients=("a@example.org",)
    )
    assert notify(EVENT, channels) == ["webhook", "email"]
    assert len(Received.bodies) == len(inbox.messages) == 1


def test_a_channel_that_is_down_is_logged_not_raised(caplog):
    channels = Channels(
        webhook_url=f"http://127.0.0.1:{free_port()}/",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        recipients=("a@example.org",),
    )
    with caplog.at_level(logging.WARNING, logger="directory.notify"):
        assert notify(EVENT, channels) == []
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("could not notify by webhook") for m in messages)
    assert any(m.startswith("could not notify by email") for m in messages)
    assert messages[-1] == f"notification not delivered: {EVENT.subject}"


def test_nothing_configured_means_nothing_sent():
    assert Channels.from_environment({}) == Channels()
    assert notify(EVENT, Channels()) == []
