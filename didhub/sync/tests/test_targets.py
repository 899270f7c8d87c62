"""No request forgery through a webhook's endpoint (didhub.sync.targets).

Tried as an attacker would: a reseller creates or changes a link through the API and the
portal, and reads what comes back; the worker then sends (or does not). Host names are
resolved by a stand-in resolver, so that no test reaches beyond loopback.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import delivery, services, targets
from didhub.sync.choices import Connector, LinkMode, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink
from didhub.sync.tests.conftest import add_range

pytestmark = pytest.mark.django_db

LINKS = "/api/v1/platform-links/"
# Resolved by the stand-in resolver below. A public address stands for a receiver on the
# internet; no test sends anything while a name resolves to one.
PUBLIC = "93.184.215.14"
NAMES = {
    "hooks.example.net": [PUBLIC],
    "internal.example.net": ["10.1.2.3"],
    "rebind.example.net": [PUBLIC],
    "mixed.example.net": [PUBLIC, "127.0.0.1"],
    "receiver.test": ["127.0.0.1"],
}


@pytest.fixture
def resolver(monkeypatch):
    """Resolves ``NAMES``; literal addresses resolve to themselves."""

    def resolve(host, port):
        if host in NAMES:
            return list(NAMES[host])
        if host[0].isdigit() or ":" in host:
            return [host]
        raise OSError("name does not resolve")

    monkeypatch.setattr(targets, "resolve", resolve)
    return NAMES


@pytest.fixture
def strict(settings, resolver):
    """Production: loopback and private addresses closed, no debug."""
    settings.DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS = False
    settings.DEBUG = False
    return settings


def api(tree):
    client = APIClient()
    client.force_authenticate(tree.sub_admin)
    return client


def create(client, tree, endpoint):
    body = {
        "enterprise": tree.acme.pk,
        "connector": "webhook",
        "mode": "integrated",
        "endpoint": endpoint,
    }
    return client.post(LINKS, body, format="json")


@pytest.mark.parametrize(
    ("endpoint", "words"),
    [
        ("http://127.0.0.1:8102/api/v1/accounts/", "loopback address (127.0.0.1)"),
        ("https://127.0.0.1:8102/api/v1/accounts/", "loopback address (127.0.0.1)"),
        ("https://localhost/hook", "loopback address"),
        ("https://[::1]/hook", "loopback address (::1)"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback address (127.0.0.1)"),
        ("http://169.254.169.254/latest/meta-data/", "link-local address (169.254.169.254)"),
        ("https://internal.example.net/hook", "private address (10.1.2.3)"),
        ("https://192.168.1.1/hook", "private address (192.168.1.1)"),
        ("https://100.64.0.1/hook", "private address (100.64.0.1)"),
        ("https://224.0.0.1/hook", "multicast address"),
        ("https://0.0.0.0/hook", "unspecified address"),
        ("https://240.0.0.1/hook", "reserved address"),
        ("https://mixed.example.net/hook", "loopback address (127.0.0.1)"),
        ("http://hooks.example.net/hook", "must use https://"),
        ("https://nowhere.invalid/hook", "cannot be resolved"),
        ("https://user:pw@hooks.example.net/hook", "user name or password"),
    ],
)
def test_the_api_refuses_endpoints_that_lead_inside(tree, strict, endpoint, words, monkeypatch):
    if endpoint.startswith("https://localhost"):
        NAMES["localhost"] = ["127.0.0.1"]
    answer = create(api(tree), tree, endpoint)
    NAMES.pop("localhost", None)
    assert answer.status_code == 400, answer.content
    problem = answer.json()
    (error,) = problem["errors"]
    assert error["field"] == "endpoint"
    assert words in error["message"]
    assert not PlatformLink.objects.exists()


def test_link_local_stays_closed_with_private_targets_allowed(tree, resolver, settings):
    settings.DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS = True
    answer = create(api(tree), tree, "http://169.254.169.254/latest/meta-data/")
    assert answer.status_code == 400
    assert "link-local" in answer.json()["errors"][0]["message"]
    # Loopback and private are open then, over http too (tests, the demo).
    assert create(api(tree), tree, "http://127.0.0.1:9/hook").status_code == 201


def test_a_public_https_endpoint_is_taken(tree, strict):
    answer = create(api(tree), tree, "https://hooks.example.net/hook")
    assert answer.status_code == 201
    link = PlatformLink.objects.get()
    moved = api(tree).patch(
        f"{LINKS}{link.pk}/", {"endpoint": "http://127.0.0.1:8102/api/v1/"}, format="json"
    )
    assert moved.status_code == 400
    assert "loopback address" in moved.json()["errors"][0]["message"]
    link.refresh_from_db()
    assert link.endpoint == "https://hooks.example.net/hook"


def test_the_portal_refuses_them_too(tree, strict):
    client = Client()
    client.force_login(tree.sub_admin)
    answer = client.post(
        "/links/add/",
        {
            "enterprise": tree.acme.pk,
            "connector": "webhook",
            "mode": "integrated",
            "endpoint": "http://169.254.169.254/latest/meta-data/iam/",
            "credentials": "",
        },
    )
    assert answer.status_code == 200
    assert list(answer.context["form"].errors) == ["endpoint"]
    assert "link-local address (169.254.169.254)" in answer.content.decode()
    assert not PlatformLink.objects.exists()


def test_dns_rebinding_is_refused_at_send_time(tree, receiver, strict, resolver):
    _link, _ = services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint="https://rebind.example.net/hook",
    )
    # The name now answers with loopback, where the receiver listens.
    resolver["rebind.example.net"] = ["127.0.0.1"]
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    assert receiver.requests == []
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DEAD
    assert "loopback address (127.0.0.1)" in message.last_error
    assert Number.objects.get().sync_state == SyncState.FAILED


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(tree, receiver, resolver):
    # ``receiver.test`` exists only for the stand-in resolver: the request reached the
    # receiver because the worker connected to the address the check resolved.
    port = receiver.server.server_address[1]
    _link, _ = services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint=f"http://receiver.test:{port}/hook?tenant=acme",
    )
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    (request,) = receiver.requests
    assert request.headers["host"] == f"receiver.test:{port}"
    assert request.path == "/hook?tenant=acme"


def test_redirects_are_not_followed(tree, receiver, fast_retries):
    receiver.behaviour = lambda n, *a: (302, {"Location": "http://127.0.0.1:8102/api/v1/"}, 0)
    services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint=receiver.url + "/hook",
    )
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()
    assert [r.path for r in receiver.requests] == ["/hook"]
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DEAD
    assert message.last_error.startswith("HTTP 302 Found (redirects are not followed")


def test_an_answer_body_is_never_stored_or_shown(tree, receiver, fast_retries):
    page = b"<!doctype html><html><body>internal admin: token abc123</body></html>"
    receiver.behaviour = lambda n, *a: (404, {"Content-Type": "text/html"}, 0, page)
    client = api(tree)
    link_id = create(client, tree, receiver.url + "/hook").json()["id"]
    add_range(tree, tree.acme, "+12125550100", 1)
    delivery.deliver_all()

    shown = client.get(f"{LINKS}{link_id}/").json()
    assert shown["last_error"] == "HTTP 404 Not Found"
    (message,) = client.get(f"{LINKS}{link_id}/messages/").json()["results"]
    assert (message["last_status"], message["last_error"]) == (404, "HTTP 404 Not Found")
    number = client.get("/api/v1/numbers/+12125550100/").json()
    assert number["sync_error"] == "HTTP 404 Not Found"
    portal = Client()
    portal.force_login(tree.sub_admin)
    assert b"abc123" not in portal.get(f"/links/{link_id}/").content
