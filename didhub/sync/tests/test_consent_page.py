"""The customer's consent page, as the customer opens it, and what the logs keep of it."""

import logging
from datetime import timedelta

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client
from django.utils import timezone

from didhub.sync import services
from didhub.sync.choices import LinkMode, LinkStatus
from didhub.sync.models import PlatformLink
from didhub.sync.tests.conftest import webhook_link
from didhub.sync.urls import consent_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(tree):
    link, _ = webhook_link(tree, "http://127.0.0.1:9", mode=LinkMode.NON_INTEGRATED)
    token = services.consent_link_create(actor=tree.sub_admin, link=link)
    return link, token


def expire(link) -> None:
    PlatformLink.objects.filter(pk=link.pk).update(
        consent_expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_a_valid_link_shows_the_form(waiting):
    _link, token = waiting
    page = Client().get(consent_path(token))
    assert page.status_code == 200
    assert b"I consent" in page.content


def test_an_expired_link_says_so_and_offers_no_form(waiting):
    link, token = waiting
    expire(link)
    page = Client().get(consent_path(token))
    assert page.status_code == 410
    text = " ".join(page.content.decode().split())
    assert "This consent link expired on" in text
    assert "Ask your service provider for a new consent link" in text
    assert "I consent" not in text and "<form" not in text
    # Posting it anyway changes nothing.
    posted = Client().post(consent_path(token))
    assert posted.status_code == 410
    link.refresh_from_db()
    assert (link.status, link.consented_at) == (LinkStatus.PENDING_CONSENT, None)


def test_consent_tokens_stay_out_of_the_logs(waiting, caplog):
    link, token = waiting
    bad = "not-a-token-" + "x" * 30
    with caplog.at_level(logging.INFO):
        assert Client().get(consent_path(bad)).status_code == 404
        expire(link)
        assert Client().get(consent_path(token)).status_code == 410
        assert Client().post(consent_path(token)).status_code == 410
        # The access log of `didhub serve`, as its request handler writes it.
        access_log_line(f"GET {consent_path(token)} HTTP/1.1", 410)
    messages = [record.getMessage() for record in caplog.records]
    assert any("Gone: /sync/consent/[redacted]/" in m for m in messages), messages
    assert any("Not Found: /sync/consent/[redacted]/" in m for m in messages), messages
    assert any(m.startswith('"GET /sync/consent/[redacted]/') for m in messages), messages
    for record in caplog.records:
        assert token not in record.getMessage() and bad not in record.getMessage()


def access_log_line(requestline: str, status: int) -> None:
    """What ``runserver``'s handler logs for one request (``django.server``)."""
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.requestline = requestline
    handler.request_version = "HTTP/1.1"
    handler.command = "GET"
    handler.request = None
    handler.client_address = ("127.0.0.1", 50000)
    handler.log_request(status, 0)
