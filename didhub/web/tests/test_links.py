"""Platform links in the portal: pages per role, write-only credentials, consent, outbox."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from didhub.core.models import Event
from didhub.imports import adding
from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import delivery, targets
from didhub.sync import services as sync_services
from didhub.sync.choices import Connector, LinkMode, LinkStatus, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink
from didhub.web.tests.test_pages import ROLES, expect

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_NfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def webhook_form(tree, **extra) -> dict:
    return {
        "enterprise": tree.acme.pk,
        "connector": "webhook",
        "mode": "integrated",
        "name": "Acme hook",
        "endpoint": "http://127.0.0.1:9/hook",
        **extra,
    }


def dead_message(link) -> OutboxMessage:
    """The link's waiting changes packed into a message that ran out of attempts."""
    message = delivery.pack(link.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.DEAD, attempts=12, last_status=500, last_error="HTTP 500 from receiver"
    )
    return OutboxMessage.objects.get(pk=message.pk)


def link_pages(client, link) -> str:
    """Everything a signed-in user can read about a link, as one text."""
    pages = [
        reverse("web:link_list"),
        reverse("web:link_detail", args=[link.pk]),
        reverse("web:link_edit", args=[link.pk]),
        reverse("web:event_list"),
    ]
    return "".join(client.get(url).content.decode() for url in pages)


@pytest.fixture
def synced_link(tree, inventory):
    """Acme's integrated link with a secret given: Acme's five numbers are queued at once."""
    link, _ = sync_services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        name="Acme sync",
        endpoint="http://127.0.0.1:9/hook",
        credentials=SECRET,
    )
    return link


@pytest.fixture
def foreign_link(tree):
    """Initech's link (the foreign tenant's), with a dead message."""
    link, _ = sync_services.link_create(
        actor=tree.foreign_admin,
        enterprise=tree.initech,
        connector=Connector.WEBHOOK,
        mode=LinkMode.NON_INTEGRATED,
        endpoint="http://127.0.0.1:9/hook",
    )
    message = OutboxMessage.objects.create(
        link=link, message_id="msg_foreign", body="{}", state=OutboxState.DEAD, attempts=12
    )
    return link, message


# Pages and buttons per role -----------------------------------------------------------

LISTED = expect("1 1 1 1 1 1 0 0 0")
ADD = expect("1 0 1 1 0 0 0 1 0")
BUTTONS = {
    # Acme's link waits for consent: resellers send a consent link, Acme's admin consents.
    "Create consent link": expect("1 0 1 1 0 0 0 0 0"),
    "Consent</button>": expect("0 0 0 0 1 0 0 0 0"),
    "Edit</a>": expect("1 0 1 1 0 0 0 0 0"),
    "Disable</a>": expect("1 0 1 1 0 0 0 0 0"),
    "Replay</button>": expect("1 0 1 1 1 0 0 0 0"),
    "Resync</button>": expect("0 0 0 0 0 0 0 0 0"),
}
REPLAY = expect("302 403 302 302 302 403 404 404 404")


@pytest.mark.parametrize("role", ROLES)
def test_link_pages_show_only_what_the_policy_allows(client, tree, acme_link, role):
    OutboxMessage.objects.create(
        link=acme_link, message_id="msg_dead", body="{}", state=OutboxState.DEAD
    )
    client.force_login(getattr(tree, role))
    listing = client.get(reverse("web:link_list")).content.decode()
    assert 'title="Platform links"' in listing
    assert ("Acme provisioning" in listing) is bool(LISTED[role])
    assert ("Add platform link" in listing) is bool(ADD[role])
    detail = client.get(reverse("web:link_detail", args=[acme_link.pk]))
    shown = detail.content.decode() if detail.status_code == 200 else ""
    wrong = {
        button: "shown" if button in shown else "hidden"
        for button, wanted in BUTTONS.items()
        if (button in shown) is not bool(wanted[role])
    }
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_a_post_is_checked_again_by_the_service(client, tree, acme_link, role):
    message = OutboxMessage.objects.create(
        link=acme_link, message_id="msg_dead", body="{}", state=OutboxState.DEAD
    )
    client.force_login(getattr(tree, role))
    url = reverse("web:link_message_replay", args=[acme_link.pk, message.pk])
    assert client.post(url).status_code == REPLAY[role]
    message.refresh_from_db()
    assert (message.state == OutboxState.PENDING) is (REPLAY[role] == 302)


def test_resync_is_offered_once_the_link_sends(client, tree, synced_link):
    for user, offered in (("sub_admin", True), ("acme_admin", True), ("acme_viewer", False)):
        client.force_login(getattr(tree, user))
        page = client.get(reverse("web:link_detail", args=[synced_link.pk])).content.decode()
        assert ("Resync</button>" in page) is offered, user
        assert "Create consent link" not in page and "Consent</button>" not in page


def test_a_reseller_who_opened_the_enterprise_may_consent_for_it(client, tree, acme_link):
    client.force_login(tree.master_admin)
    client.post(reverse("web:account_open", args=[tree.acme.pk]))
    page = client.get(reverse("web:link_detail", args=[acme_link.pk])).content.decode()
    assert "Consent</button>" in page


@pytest.mark.parametrize(
    "user", ["master_admin", "sub_admin", "acme_admin", "acme_viewer", "globex_admin"]
)
def test_a_foreign_link_is_not_found_on_every_page_and_post(client, tree, foreign_link, user):
    link, message = foreign_link
    events = Event.objects.count()
    client.force_login(getattr(tree, user))
    pages = ["web:link_detail", "web:link_edit", "web:link_disable"]
    answers = {f"GET {p}": client.get(reverse(p, args=[link.pk])).status_code for p in pages}
    body = {"confirmed": "1", "name": "mine now", "credentials": SECRET}
    for page in [*pages, "web:link_consent_link", "web:link_consent", "web:link_resync"]:
        answers[f"POST {page}"] = client.post(reverse(page, args=[link.pk]), body).status_code
    replay = reverse("web:link_message_replay", args=[link.pk, message.pk])
    answers["POST replay"] = client.post(replay).status_code
    assert set(answers.values()) == {404}, answers
    assert "Initech" not in client.get(reverse("web:link_list")).content.decode()
    link.refresh_from_db()
    message.refresh_from_db()
    assert (link.status, link.name, link.consent_token_hash) == (LinkStatus.PENDING_CONSENT, "", "")
    assert message.state == OutboxState.DEAD
    assert Event.objects.count() == events


def test_a_message_of_another_link_is_not_found(client, tree, acme_link, foreign_link):
    _, foreign_message = foreign_link
    client.force_login(tree.platform_admin)
    url = reverse("web:link_message_replay", args=[acme_link.pk, foreign_message.pk])
    assert client.post(url).status_code == 404
    foreign_message.refresh_from_db()
    assert foreign_message.state == OutboxState.DEAD


# The list -----------------------------------------------------------------------------


def test_the_list_shows_status_and_counts_and_filters_by_status(
    client, tree, acme_link, inventory, django_assert_max_num_queries
):
    globex_numbers = adding.numbers_add_range(
        actor=tree.master_admin, account=tree.globex, start="+14155550100", end="+14155550102"
    )
    globex_link, _ = sync_services.link_create(
        actor=tree.master_admin,
        enterprise=tree.globex,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        name="Globex hook",
        endpoint="http://127.0.0.1:9/hook",
    )
    dead_message(globex_link)
    client.force_login(tree.master_admin)
    with django_assert_max_num_queries(5):
        page = client.get(reverse("web:link_list")).content.decode()
    assert page.count('data-testid="link-row"') == 2
    assert 'data-testid="link-status">Pending consent<' in page
    assert 'data-testid="link-status">Syncing<' in page
    globex_row = page.split("Globex hook</a>")[1].split("</tr>")[0]
    # Globex's three changes wait, packed into one dead message.
    assert re.findall(r'class="num">(\d+)<', globex_row) == [str(len(globex_numbers)), "1"]
    assert "consent API (integrated onboarding)" in globex_row

    filtered = client.get(reverse("web:link_list"), {"status": "pending_consent"})
    content = filtered.content.decode()
    assert content.count('data-testid="link-row"') == 1 and "Acme provisioning" in content
    nothing = client.get(reverse("web:link_list"), {"status": "failed"}).content.decode()
    assert "No platform links with this status." in nothing
    unknown = client.get(reverse("web:link_list"), {"status": "bogus"}).content.decode()
    assert unknown.count('data-testid="link-row"') == 2


# Creating and editing: credentials are write-only ----------------------------------------


def test_a_generated_webhook_secret_is_shown_once(client, tree, inventory):
    client.force_login(tree.sub_admin)
    response = client.post(reverse("web:link_create"), webhook_form(tree))
    assert response.status_code == 200
    content = response.content.decode()
    assert "it will not be shown again" in content
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", content).group(0)
    assert "no-store" in response["Cache-Control"]
    link = PlatformLink.objects.get()
    assert link.credentials == secret
    assert (link.status, link.consented_by) == (
        LinkStatus.SYNCING,
        "consent API (integrated onboarding)",
    )

    seen = link_pages(client, link)
    assert "whsec_" not in seen and secret not in seen
    assert "Acme hook" in seen
    assert secret not in str(list(Event.objects.values_list("before", "after")))


def test_given_credentials_are_never_rendered_back(client, tree):
    client.force_login(tree.sub_admin)
    response = client.post(reverse("web:link_create"), webhook_form(tree, credentials=SECRET))
    link = PlatformLink.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/links/{link.pk}/")
    assert link.credentials == SECRET
    seen = link_pages(client, link)
    assert SECRET not in seen and "whsec_" not in seen
    edit = client.get(reverse("web:link_edit", args=[link.pk])).content.decode()
    field = re.search(r'<input[^>]*name="credentials"[^>]*>', edit).group(0)
    assert 'type="password"' in field and "value=" not in field


def test_a_refused_form_does_not_echo_the_credentials(client, tree):
    client.force_login(tree.sub_admin)
    response = client.post(
        reverse("web:link_create"), webhook_form(tree, endpoint="ftp://x", credentials=SECRET)
    )
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


def test_errors_of_the_service_stand_beside_their_field(client, tree):
    client.force_login(tree.sub_admin)
    url = reverse("web:link_create")
    bad_endpoint = client.post(url, webhook_form(tree, endpoint="ftp://x"))
    assert list(bad_endpoint.context["form"].errors) == ["endpoint"]
    assert "http(s) endpoint" in bad_endpoint.content.decode()
    bad_secret = client.post(url, webhook_form(tree, credentials="whsec_%%%"))
    assert list(bad_secret.context["form"].errors) == ["credentials"]
    webex = client.post(
        url, webhook_form(tree, connector="webex_calling", endpoint="", credentials="token")
    )
    assert list(webex.context["form"].errors) == ["organization_id"]
    assert "organization id" in webex.content.decode()
    assert not PlatformLink.objects.exists()

    client.post(url, webhook_form(tree))
    twice = client.post(url, webhook_form(tree))
    assert list(twice.context["form"].errors) == ["enterprise"]
    assert "already has an active platform link" in twice.content.decode()
    assert PlatformLink.objects.count() == 1


def test_only_visible_enterprises_are_offered(client, tree):
    client.force_login(tree.sub_admin)
    page = client.get(reverse("web:link_create")).content.decode()
    assert "Acme Corp" in page and "Globex" not in page and "Initech" not in page
    response = client.post(
        reverse("web:link_create"), webhook_form(tree, enterprise=tree.initech.pk)
    )
    assert list(response.context["form"].errors) == ["enterprise"]
    assert not PlatformLink.objects.exists()


def test_enterprise_users_cannot_create_links(client, tree):
    client.force_login(tree.acme_admin)
    assert client.get(reverse("web:link_create")).status_code == 403
    assert client.post(reverse("web:link_create"), webhook_form(tree)).status_code == 403
    assert not PlatformLink.objects.exists()


def test_edit_keeps_blank_credentials_and_replaces_typed_ones(
    client, tree, synced_link, monkeypatch
):
    client.force_login(tree.sub_admin)
    url = reverse("web:link_edit", args=[synced_link.pk])
    form = client.get(url).content.decode()
    assert 'value="Acme sync"' in form and 'value="http://127.0.0.1:9/hook"' in form
    # A name only the test resolves (didhub.sync.targets checks where an endpoint leads).
    monkeypatch.setattr(targets, "resolve", lambda host, port: ["127.0.0.1"])
    fields = {"name": "Acme main", "endpoint": "https://hooks.acme.test/did"}
    response = client.post(url, {**fields, "credentials": ""}, follow=True)
    assert "is saved" in messages_of(response)
    synced_link.refresh_from_db()
    assert (synced_link.name, synced_link.endpoint) == ("Acme main", fields["endpoint"])
    assert synced_link.credentials == SECRET
    assert "credentials" not in Event.objects.filter(action="platform_link.updated").get().after

    client.post(url, {**fields, "credentials": OTHER_SECRET})
    synced_link.refresh_from_db()
    assert synced_link.credentials == OTHER_SECRET
    event = Event.objects.filter(action="platform_link.updated").order_by("-id").first()
    assert event.after["credentials"] == "(changed)"
    assert OTHER_SECRET not in link_pages(client, synced_link)

    bad = client.post(url, {**fields, "endpoint": "not a url"})
    assert list(bad.context["form"].errors) == ["endpoint"]
    same = client.post(url, {**fields, "credentials": ""}, follow=True)
    assert "Nothing changed." in messages_of(same)


# Consent --------------------------------------------------------------------------------


def test_a_consent_link_is_shown_once_and_consents_once(client, tree, inventory, acme_link):
    client.force_login(tree.sub_admin)
    response = client.post(reverse("web:link_consent_link", args=[acme_link.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    url = re.search(r"http://testserver/sync/consent/[\w-]+/", content).group(0)
    assert "it is shown only now" in content and "expires on" in content
    assert url not in client.get(reverse("web:link_detail", args=[acme_link.pk])).content.decode()

    customer = Client()
    page = customer.get(url)
    assert page.status_code == 200 and "I consent" in page.content.decode()
    done = customer.post(url)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    acme_link.refresh_from_db()
    assert acme_link.consented_at is not None
    assert (acme_link.consented_by, acme_link.status) == ("consent link", LinkStatus.SYNCING)
    assert customer.post(url).status_code == 404

    detail = client.get(reverse("web:link_detail", args=[acme_link.pk])).content.decode()
    assert 'data-testid="link-status">Syncing<' in detail
    assert "Create consent link" not in detail
    assert re.search(r'data-testid="state-pending"><a [^>]*>5<', detail)


def test_the_enterprise_admin_consents_from_the_link_page(client, tree, inventory, acme_link):
    client.force_login(tree.acme_viewer)
    assert client.post(reverse("web:link_consent", args=[acme_link.pk])).status_code == 403
    client.force_login(tree.acme_admin)
    response = client.post(reverse("web:link_consent", args=[acme_link.pk]), follow=True)
    assert "Consent is recorded" in messages_of(response)
    acme_link.refresh_from_db()
    assert acme_link.consented_by == "admin@acme.test"
    assert Event.objects.filter(action="platform_link.consented", actor_label="admin@acme.test")
    again = client.post(reverse("web:link_consent", args=[acme_link.pk]), follow=True)
    assert "Consent was given already." in messages_of(again)


def test_consent_and_resync_are_posts_only(client, tree, acme_link):
    client.force_login(tree.sub_admin)
    for page in ("web:link_consent", "web:link_consent_link", "web:link_resync"):
        assert client.get(reverse(page, args=[acme_link.pk])).status_code == 405
    acme_link.refresh_from_db()
    assert acme_link.consent_token_hash == ""


# Resync, disable, replay ------------------------------------------------------------------


def test_resync_takes_over_dead_messages_and_says_how_many_it_queued(client, tree, synced_link):
    message = dead_message(synced_link)
    client.force_login(tree.acme_admin)
    response = client.post(reverse("web:link_resync", args=[synced_link.pk]), follow=True)
    assert "Resync queued 5 numbers" in messages_of(response)
    assert "1 dead messages are taken over" in messages_of(response)
    message.refresh_from_db()
    assert message.state == OutboxState.SUPERSEDED
    assert Event.objects.filter(action="platform_link.resynced").get().after["queued"] == 5


def test_resync_waits_for_consent(client, tree, acme_link):
    client.force_login(tree.sub_admin)
    response = client.post(reverse("web:link_resync", args=[acme_link.pk]), follow=True)
    assert "waits for the customer's consent" in messages_of(response)


def test_disable_asks_first_then_stops_the_link(client, tree, inventory, synced_link):
    client.force_login(tree.acme_admin)
    assert client.get(reverse("web:link_disable", args=[synced_link.pk])).status_code == 403
    client.force_login(tree.sub_admin)
    url = reverse("web:link_disable", args=[synced_link.pk])
    question = client.get(url).content.decode()
    assert 'data-testid="confirm-question">Disable Acme sync?' in question
    assert client.post(url).status_code == 200
    synced_link.refresh_from_db()
    assert synced_link.status == LinkStatus.SYNCING
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert "Acme sync is disabled" in messages_of(response)
    synced_link.refresh_from_db()
    assert synced_link.status == LinkStatus.DISABLED
    assert not Number.objects.filter(owner=tree.acme).exclude(sync_state=SyncState.NOT_LINKED)
    page = response.content.decode()
    assert 'data-testid="link-status">Disabled<' in page
    assert "Edit</a>" not in page and "Disable</a>" not in page and "Resync" not in page


def test_a_dead_message_is_replayed_from_the_link_page(client, tree, synced_link):
    message = dead_message(synced_link)
    client.force_login(tree.sub_admin)
    page = client.get(reverse("web:link_detail", args=[synced_link.pk])).content.decode()
    assert "HTTP 500 from receiver" in page and "Replay</button>" in page
    url = reverse("web:link_message_replay", args=[synced_link.pk, message.pk])
    response = client.post(url, follow=True)
    assert f"Message {message.pk} is queued again." in messages_of(response)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    assert Event.objects.filter(action="platform_link.message_replayed").exists()
    assert "Replay</button>" not in response.content.decode()
    again = client.post(url, follow=True)
    assert "Only dead messages can be replayed" in messages_of(again)


def test_the_link_page_counts_numbers_per_sync_state(
    client, tree, synced_link, django_assert_max_num_queries
):
    Number.objects.filter(e164="+12125550100").update(sync_state=SyncState.FAILED)
    client.force_login(tree.sub_admin)
    with django_assert_max_num_queries(7):
        page = client.get(reverse("web:link_detail", args=[synced_link.pk])).content.decode()
    assert re.search(r'data-testid="state-pending"><a [^>]*>4<', page)
    assert f"?owner={tree.acme.pk}&amp;sync_state=failed" in page
    assert 'data-testid="state-ready">0<' in page


# Dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_shows_failed_syncs_of_linked_accounts(
    client, tree, synced_link, django_assert_max_num_queries
):
    client.force_login(tree.globex_admin)
    assert "Failed syncs" not in client.get(reverse("web:dashboard")).content.decode()

    failed = ["+12125550100", "+12125550102"]
    Number.objects.filter(e164__in=failed).update(sync_state=SyncState.FAILED)
    client.force_login(tree.master_admin)
    # 13: one of them asks whether the account or one above it was switched off.
    with django_assert_max_num_queries(13):
        page = client.get(reverse("web:dashboard")).content.decode()
    figure = page.split('data-testid="failed-syncs"')[1].split("</a>")[0]
    assert '<span class="value">2</span>' in figure
    assert 'href="/numbers/?sync_state=failed"' in page
    listed = client.get(reverse("web:number_list"), {"sync_state": "failed"}).content.decode()
    assert all(e164 in listed for e164 in failed)
    assert "+12125550101" not in listed
