"""A platform link in a real browser (docs/sync.md): a reseller links an enterprise without
the consent API, the customer consents through the link it was sent, the numbers sync,
and a refused message shows on the dashboard until it is replayed."""

import re

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from didhub.accounts.testing import build_tree
from didhub.imports import adding
from didhub.sync import delivery
from didhub.sync.tests.receiver import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NUMBERS = ["+12125550600", "+12125550601", "+12125550602"]


@pytest.fixture
def tree(transactional_db):
    return build_tree()


@pytest.fixture
def platform(settings):
    """The customer's platform on loopback: refuses the first message, takes the rest."""
    settings.DIDHUB_SYNC_TIMEOUT = 2.0
    server = Receiver()
    server.behaviour = lambda n, *request: (400 if n == 1 else 200, {}, 0)
    yield server
    server.close()


def test_reseller_links_customer_consents_and_a_refusal_is_replayed(
    page, browser, live_server, tree, login, shot, platform
):
    numbers = adding.numbers_add_range(
        actor=tree.master_admin, account=tree.acme, start=NUMBERS[0], end=NUMBERS[-1]
    )
    assert len(numbers) == 3
    login(page, "admin@sub.test")

    # A non-integrated webhook link: the generated secret is shown once.
    page.get_by_role("link", name="Platform links").first.click()
    page.get_by_role("link", name="Add platform link").click()
    page.get_by_label("Enterprise").select_option(label="Acme Corp")
    page.get_by_label("Connector").select_option(label="Webhook")
    page.get_by_label("Mode").select_option(label="Non-integrated (customer consents)")
    page.get_by_label("Name (optional)", exact=True).fill("Acme CRM hook")
    page.get_by_label("Endpoint").fill(f"{platform.url}/hook")
    page.get_by_role("button", name="Save Settings").click()
    expect(page.get_by_role("heading", name="Acme CRM hook is created")).to_be_visible()
    secret = page.get_by_test_id("new-secret").locator("code").inner_text().strip()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
    page.get_by_role("link", name="I have copied it: open the link").click()
    expect(page.get_by_test_id("link-status")).to_have_text("Pending consent")
    assert secret not in page.content()
    expect(page.get_by_test_id("state-pending_consent")).to_have_text("3")

    # A consent link for the customer, shown on this answer only.
    page.get_by_role("button", name="Create consent link").click()
    consent_url = page.get_by_test_id("consent-url").locator("code").inner_text().strip()
    assert consent_url.startswith(f"{live_server.url}/sync/consent/")
    shot(page, "link-consent-url")

    # The customer, signed out, opens it and consents.
    customer = browser.new_context()
    try:
        consent = customer.new_page()
        consent.goto(consent_url)
        expect(consent.get_by_role("main")).to_contain_text("Acme Corp")
        shot(consent, "link-consent")
        consent.get_by_role("button", name="I consent").click()
        expect(consent.get_by_role("status")).to_contain_text("now being synchronized")
        # Used once: the same link no longer works.
        assert consent.goto(consent_url).status == 404
    finally:
        customer.close()

    page.goto(f"{live_server.url}/links/")
    page.get_by_role("link", name="Acme CRM hook").click()
    expect(page.get_by_test_id("link-status")).to_have_text("Syncing")
    expect(page.get_by_text("by consent link")).to_be_visible()
    expect(page.get_by_test_id("state-pending")).to_have_text("3")
    expect(page.get_by_role("button", name="Create consent link")).to_have_count(0)

    # The platform refuses the first message: the link fails, the dashboard counts it.
    delivery.deliver_all()
    refused = platform.requests[0]
    assert Webhook(secret).verify(refused.body, refused.headers)["type"] == "numbers.changed"
    page.reload()
    expect(page.get_by_test_id("link-status")).to_have_text("Failed")
    expect(page.get_by_test_id("link-error")).to_contain_text("400")
    page.get_by_role("link", name="Dashboard").click()
    failed = page.get_by_test_id("failed-syncs")
    expect(failed.locator(".value")).to_have_text("3")
    shot(page, "dashboard-failed-syncs")
    failed.click()
    rows = page.locator("#numbers-table tr[data-number]")
    expect(rows).to_have_count(3)
    for e164 in NUMBERS:
        expect(page.locator(f"tr[data-number='{e164}']")).to_be_visible()

    # Replayed, the same message goes through: the link is ready, nothing has failed.
    page.goto(f"{live_server.url}/links/")
    page.get_by_role("link", name="Acme CRM hook").click()
    page.get_by_test_id("replay-all").click()
    expect(page.get_by_test_id("message").first).to_contain_text("1 dead message is queued again.")
    delivery.deliver_all()
    assert platform.accepted()[0].headers["webhook-id"] == refused.headers["webhook-id"]
    page.reload()
    expect(page.get_by_test_id("link-status")).to_have_text("Ready")
    expect(page.get_by_test_id("state-ready")).to_have_text("3")
    shot(page, "link-ready", full_page=True)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("failed-syncs").locator(".value")).to_have_text("0")
