"""The demo in a real browser: sign in with a login ``didhub demo`` printed, and see the
call activity and the sync states its platforms gave the numbers (Ready, Pending, Failed).
"""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from didhub.numbers.models import Number
from didhub.sync import delivery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIGN_IN_AS = "admin@northwind.example"


def printed_password(output: str, email: str) -> str:
    """The password in ``email``'s row of the table under "Sign in at"."""
    for line in output.split("Sign in at", 1)[1].splitlines():
        cells = line.split()
        if cells and cells[0] == email:
            return cells[-1]
    raise AssertionError(f"no login printed for {email}")


def test_a_demo_login_sees_activity_and_every_sync_state(page, live_server, settings, shot):
    # Messages of 20 numbers: at this scale Contoso's British and Canadian numbers fill
    # the first message (refused by its US-only platform), its US numbers the next three.
    settings.DIDHUB_SYNC_BATCH = 20
    settings.DIDHUB_SYNC_TIMEOUT = 5.0
    out = io.StringIO()
    call_command("demo", "--scale", "0.02", "--url", live_server.url, stdout=out)
    password = printed_password(out.getvalue(), SIGN_IN_AS)
    delivery.deliver_all()  # what the worker of `didhub serve --with-worker` does

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(SIGN_IN_AS)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    # Calls were recorded on some numbers: both activities are counted.
    for card in ("activity-active", "activity-pending"):
        value = page.get_by_test_id(card).locator(".value").inner_text()
        assert int(value.replace(",", "")) > 0, card
    expect(page.get_by_test_id("failed-syncs").locator(".value")).to_have_text("20")
    shot(page, "demo-dashboard", full_page=True)

    page.get_by_role("link", name="Platform links").first.click()
    page.get_by_role("link", name="Contoso calling platform (US location)").click()
    expect(page.get_by_test_id("link-status")).to_have_text("Failed")
    expect(page.get_by_test_id("state-ready")).to_have_text("57")
    expect(page.get_by_test_id("state-failed")).to_have_text("20")
    expect(page.get_by_test_id("state-pending")).to_have_text("0")
    shot(page, "demo-link-contoso", full_page=True)

    page.get_by_role("link", name="Platform links").first.click()
    page.get_by_role("link", name="Fabrikam calling platform (in maintenance)").click()
    fabrikam = Number.objects.filter(owner__name="Fabrikam Inc").count()
    expect(page.get_by_test_id("state-pending")).to_have_text(str(fabrikam))
    expect(page.get_by_text("HTTP 503 Service Unavailable").first).to_be_visible()

    # The Phone Numbers list, filtered by each sync state, shows it on every row.
    for value, label in (("ready", "Ready"), ("pending", "Pending"), ("failed", "Failed")):
        page.goto(f"{live_server.url}/numbers/?sync_state={value}")
        rows = page.locator("#numbers-table tbody tr")
        expect(rows.first).to_be_visible()
        expect(rows.first.locator(f".badge-{value}", has_text=label).first).to_be_visible()
    shot(page, "demo-numbers-failed")
