"""The demo as a person meets it: ``didhub demo``, its logins, its platform and its calls."""

import io
import json
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.models import Account, User
from didhub.demo.builder import build_inventory
from didhub.demo.loader import load_demo
from didhub.demo.models import DemoPlatform
from didhub.numbers.choices import NumberState, SyncState, TargetKind
from didhub.numbers.models import Number, Target
from didhub.sync import delivery
from didhub.sync.models import PlatformLink
from didhub.sync.services import webhook_secret_generate
from didhub.sync.tests.conftest import history_cleanup  # noqa: F401  (a fixture)

# At this scale Contoso holds 10 British, 10 Canadian and 57 US numbers (60 less the 3 it
# released).
SCALE = 0.02


@dataclass
class PrintedLogin:
    email: str
    role: str
    account: str
    password: str


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--scale", str(SCALE), *args, stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> list[PrintedLogin]:
    """The table under "Sign in at ...", read by its columns as a person reads it."""
    lines = output.split("Sign in at", 1)[1].splitlines()[1:]
    header, rule, *rows = lines
    starts = [match.start() for match in re.finditer(r"-+", rule)]
    assert header.split() == ["Email", "Role", "Account", "Password"]
    logins = []
    for row in rows:
        cells = [
            row[start:end].strip() for start, end in zip(starts, [*starts[1:], None], strict=True)
        ]
        logins.append(PrintedLogin(*cells))
    return logins


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, sessions aside."""
    return {
        model._meta.label_lower: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.label_lower != "sessions.session"
    }


def test_demo_has_the_shape_of_a_real_inventory(db):
    report = load_demo(scale=0.05)

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert len(report.logins) == User.objects.count()
    sub = Account.objects.get(name="Blue Harbor Networks")
    assert sub.parent.kind == AccountKind.RESELLER
    assert Account.objects.filter(kind=AccountKind.ENTERPRISE).count() >= 4
    assert set(Target.objects.values_list("kind", flat=True)) == set(TargetKind.values)
    states = set(Number.objects.values_list("state", flat=True))
    assert states == set(NumberState.values)
    assert Number.objects.values("country_code").distinct().count() >= 10


def test_demo_prints_every_login_with_its_role_and_each_one_signs_in(db, client):
    output = run_demo()

    logins = printed_logins(output)
    assert {login.role for login in logins} == set(Role.labels)
    assert {login.email for login in logins} == set(User.objects.values_list("email", flat=True))
    by_email = {login.email: login for login in logins}
    assert by_email["pro@contoso.example"].role == "Professional"
    assert by_email["pro@contoso.example"].account == "Contoso Ltd"
    assert by_email["admin@northwind.example"].account == "Northwind Telecom"
    for login in logins:
        answer = client.post(
            reverse("web:login"), {"username": login.email, "password": login.password}
        )
        assert answer.status_code == 302, login.email
        client.logout()


def test_running_the_demo_twice_changes_nothing(db):
    first = run_demo()
    before = snapshot()

    second = run_demo()

    assert snapshot() == before
    assert "Demo already loaded" in second
    assert printed_logins(second) == printed_logins(first)
    assert "(unchanged)" in second


def test_an_older_demo_gets_what_it_lacks_and_its_links_follow_the_server(db):
    # A data folder loaded by an earlier didhub: the inventory, without calls or links.
    build_inventory(scale=SCALE)
    assert not Number.objects.filter(last_call_at__isnull=False).exists()

    output = run_demo("--url", "http://0.0.0.0:8123")

    assert "Demo already loaded" in output
    assert Number.objects.filter(activity="active", last_call_at__isnull=False).exists()
    contoso = DemoPlatform.objects.get(name="contoso").link
    # A server listening on every address is reached on loopback.
    assert contoso.endpoint == "http://127.0.0.1:8123/demo/platform/contoso/"
    moved = run_demo("--url", "http://127.0.0.1:8124")
    assert "Platform link of Contoso Ltd (moved)" in moved
    contoso.refresh_from_db()
    assert contoso.endpoint == "http://127.0.0.1:8124/demo/platform/contoso/"
    assert PlatformLink.objects.count() == 2


def test_without_private_targets_the_demo_says_how_to_add_its_platform_links(db, settings):
    settings.DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS = False

    output = run_demo()

    assert not PlatformLink.objects.exists()
    assert "No webhook may go to the demo's platform" in output
    assert "resolves to a loopback address (127.0.0.1)" in output
    assert "DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS=true" in output
    assert "Sign in at http://127.0.0.1:8000/ with:" in output
    settings.DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS = True
    assert "Platform link of Contoso Ltd (created)" in run_demo()


def signed(secret: str, body: str) -> dict:
    now = timezone.now()
    message_id = "msg_test"
    return {
        "HTTP_WEBHOOK_ID": message_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(now.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": Webhook(secret).sign(message_id, now, body),
    }


def message_with(region: str) -> str:
    """A ``numbers.changed`` body adding one number of ``region``."""
    item = {"e164": "+15550100", "op": "add", "number": {"e164": "+15550100", "region": region}}
    return json.dumps({"type": "numbers.changed", "data": {"numbers": [item]}})


def test_the_demo_platform_answers_only_signed_messages_of_its_own_links(db, client):
    url = reverse("demo:platform", args=["contoso"])
    body = message_with("US")
    assert client.post(url, body, content_type="application/json").status_code == 404

    run_demo()
    secret = DemoPlatform.objects.get(name="contoso").link.credentials

    unsigned = client.post(url, body, content_type="application/json")
    assert unsigned.status_code == 400
    forged = client.post(
        url, body, content_type="application/json", **signed(webhook_secret_generate(), body)
    )
    assert forged.status_code == 400
    taken = client.post(url, body, content_type="application/json", **signed(secret, body))
    assert taken.status_code == 204
    british = message_with("GB")
    refused = client.post(url, british, content_type="application/json", **signed(secret, british))
    assert refused.status_code == 422
    assert "outside the countries" in refused.json()["message"]
    assert client.get(url).status_code == 405

    fabrikam = DemoPlatform.objects.get(name="fabrikam").link.credentials
    down = client.post(
        reverse("demo:platform", args=["fabrikam"]),
        body,
        content_type="application/json",
        **signed(fabrikam, body),
    )
    assert down.status_code == 503
    assert down["Retry-After"] == "3600"
    other = client.post(
        reverse("demo:platform", args=["nobody"]),
        body,
        content_type="application/json",
        **signed(secret, body),
    )
    assert other.status_code == 404


def sync_states(enterprise: str) -> dict[str, int]:
    numbers = Number.objects.filter(owner__name=enterprise)
    return {
        state: numbers.filter(sync_state=state).count()
        for state in SyncState.values
        if numbers.filter(sync_state=state).exists()
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("history_cleanup")
def test_after_delivery_the_demo_reads_ready_pending_and_failed(live_server, client, settings):
    # Messages of 20 numbers: Contoso's British and Canadian numbers fill the first, its
    # US numbers the next three (at the default 1,000, the full demo splits the same).
    settings.DIDHUB_SYNC_BATCH = 20
    settings.DIDHUB_SYNC_TIMEOUT = 5.0
    output = run_demo("--url", live_server.url)
    assert f"{live_server.url}/demo/platform/contoso/" in output
    logins = {login.email: login.password for login in printed_logins(output)}

    delivery.deliver_all()

    assert sync_states("Contoso Ltd") == {SyncState.READY: 57, SyncState.FAILED: 20}
    failed = Number.objects.filter(owner__name="Contoso Ltd", sync_state=SyncState.FAILED)
    assert {number.region for number in failed} == {"CA", "GB"}
    assert set(failed.values_list("sync_error", flat=True)) == {"HTTP 422 Unprocessable Entity"}
    fabrikam = Number.objects.filter(owner__name="Fabrikam Inc")
    assert sync_states("Fabrikam Inc") == {SyncState.PENDING: fabrikam.count()}
    down = PlatformLink.objects.get(enterprise__name="Fabrikam Inc")
    assert down.failures == 1
    assert down.last_error == "HTTP 503 Service Unavailable"
    assert (down.retry_at - timezone.now()).total_seconds() > 3500

    # The master reseller's Phone Numbers list shows all three, each with its label.
    client.post(
        reverse("web:login"),
        {"username": "admin@northwind.example", "password": logins["admin@northwind.example"]},
    )
    for state, label in (("ready", "Ready"), ("pending", "Pending"), ("failed", "Failed")):
        page = client.get(reverse("web:number_list"), {"sync_state": state})
        assert page.status_code == 200
        assert f'badge-{state}">{label}<' in page.content.decode(), state


def test_the_dashboard_shows_active_and_pending_activity(db, client):
    output = run_demo()
    password = {login.email: login.password for login in printed_logins(output)}
    client.post(
        reverse("web:login"),
        {"username": "admin@contoso.example", "password": password["admin@contoso.example"]},
    )

    page = client.get(reverse("web:dashboard")).content.decode()

    contoso = Number.objects.filter(owner__name="Contoso Ltd")
    active = contoso.filter(activity="active").count()
    pending = contoso.filter(activity="pending").count()
    assert active and pending
    assert contoso.filter(activity="active", last_call_at__isnull=True).count() == 0
    assert re.search(
        rf'data-testid="activity-active">.*?<span class="value">{active}</span>', page, re.S
    )
    assert re.search(
        rf'data-testid="activity-pending">.*?<span class="value">{pending}</span>', page, re.S
    )
