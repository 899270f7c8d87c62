"""The portal on a laptop and a phone, and what a person meets on it: no page wider
than the screen, a list that fits, released numbers that can be restored, values
written for people, pickers that search, blocks and point in time.

Screenshots of every page at both widths are saved under test-artifacts/screenshots/.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from didhub.accounts.testing import build_tree
from didhub.imports import adding
from didhub.numbers import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def world(transactional_db):
    tree = build_tree()
    numbers = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125550100",
        end="+12125550179",
        voice=True,
        sms=True,
        route="direct_routing",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=numbers[:70], to_account=tree.sub)
    services.numbers_delegate(actor=tree.sub_admin, numbers=numbers[:70], to_account=tree.acme)
    ava = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Ava A. Anders"
    )
    services.number_assign(actor=tree.acme_admin, number=numbers[0], target=ava)
    services.number_update(actor=tree.master_admin, number=numbers[75], tags=["demo", "us"])
    services.block_create(
        actor=tree.master_admin,
        owner=tree.master,
        start="+12125550100",
        end="+12125550199",
        name="Manhattan",
    )
    return tree, numbers, ava


def portal_pages(numbers, ava) -> dict[str, str]:
    return {
        "dashboard": reverse("web:dashboard"),
        "numbers": reverse("web:number_list"),
        "number-detail": reverse("web:number_detail", args=[numbers[75].e164]),
        "upload": reverse("web:upload"),
        "imports": reverse("web:import_list"),
        "accounts": reverse("web:account_list"),
        "switch": reverse("web:account_switch"),
        "targets": reverse("web:target_list"),
        "target-detail": reverse("web:target_detail", args=[ava.pk]),
        "links": reverse("web:link_list"),
        "catalog": reverse("web:catalog"),
        "blocks": reverse("web:block_list"),
        "point-in-time": reverse("web:number_at"),
        "audit": reverse("web:event_list"),
        "tokens": reverse("web:token_list"),
        "password": reverse("web:password_change"),
    }


def overflow(page) -> int:
    """How many pixels the document is wider than the window (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_page_is_wider_than_the_screen(page, live_server, world, login, shot, device):
    _tree, numbers, ava = world
    width, height = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": height})
    login(page, "admin@master.test")
    too_wide = {}
    for name, path in portal_pages(numbers, ava).items():
        page.goto(live_server.url + path)
        shot(page, f"layout-{device}-{name}", full_page=True)
        if (extra := overflow(page)) > 0:
            too_wide[name] = extra
    assert too_wide == {}


def test_the_numbers_list_fits_a_laptop_with_its_menu_in_reach(page, live_server, world, login):
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "admin@master.test")
    page.goto(f"{live_server.url}/numbers/")
    row = page.locator("tr[data-number='+12125550149']")
    for column in ("col-activity", "col-sync", "actions-cell"):
        box = row.locator(f"td.{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280, column
    # Company and VAR name the enterprise and the reseller above it.
    acme_row = page.locator("tr[data-number='+12125550101']")
    expect(acme_row.locator("td.col-company")).to_have_text("Acme Corp")
    expect(acme_row.locator("td.col-var")).to_have_text("Sub Reseller")


def test_the_phone_menu_folds_and_the_list_reads_as_cards(page, live_server, world, login, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "admin@master.test")
    page.goto(f"{live_server.url}/numbers/")
    nav = page.get_by_role("navigation").get_by_role("link", name="Blocks")
    expect(nav).to_be_hidden()
    page.get_by_test_id("menu-button").click()
    expect(nav).to_be_visible()
    page.get_by_test_id("menu-button").click()
    # The first thing on a phone is the list, not an empty sidebar.
    heading = page.get_by_role("heading", name="Phone Numbers").bounding_box()
    assert heading is not None and heading["y"] < 300
    expect(page.locator("tr[data-number='+12125550149'] td.col-state")).to_be_visible()
    shot(page, "phone-numbers-cards", full_page=False)
    assert overflow(page) <= 0


def test_the_column_chooser_keeps_a_persons_columns(page, live_server, world, login):
    login(page, "admin@master.test")
    page.goto(f"{live_server.url}/numbers/")
    page.get_by_test_id("column-chooser").locator("summary").click()
    chooser = page.get_by_test_id("column-chooser")
    chooser.get_by_role("checkbox", name="Use type").check()
    chooser.get_by_role("checkbox", name="Activity").uncheck()
    page.get_by_role("button", name="Show these columns").click()
    expect(page.locator("th.col-usage")).to_be_visible()
    expect(page.locator("th.col-activity")).to_have_count(0)
    page.goto(f"{live_server.url}/numbers/")
    expect(page.locator("th.col-usage")).to_be_visible()


def test_an_enterprise_restores_a_number_it_released(page, live_server, world, login, shot):
    login(page, "admin@acme.test")
    page.goto(f"{live_server.url}/numbers/+12125550100/")
    page.get_by_test_id("number-actions").get_by_role("link", name="Release").click()
    page.get_by_role("button", name="Confirm").click()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Aging").click()
    row = page.locator("tr[data-number='+12125550100']")
    expect(row.locator("td.col-state")).to_have_text("Aging")
    row.get_by_role("link", name="Details").click()
    expect(page.get_by_test_id("released-explainer")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Ava A. Anders")
    shot(page, "released-number")
    page.get_by_test_id("number-actions").get_by_role("link", name="Restore").click()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_test_id("message").first).to_contain_text("is restored")
    expect(page.locator("body")).to_contain_text("Ava A. Anders")


def test_a_missing_number_is_the_portals_styled_page(page, live_server, world, login, shot):
    login(page, "admin@acme.test")
    response = page.goto(f"{live_server.url}/numbers/+19995550100/")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("error-page")).to_contain_text("Not found")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    shot(page, "error-404")


def test_history_reads_as_labels_and_the_picker_searches(page, live_server, world, login):
    _tree, _numbers, ava = world
    login(page, "admin@master.test")
    page.goto(f"{live_server.url}/numbers/+12125550175/")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("demo, us")
    expect(history).not_to_contain_text(";demo;us;")
    expect(history).not_to_contain_text("direct_routing")
    # The target picker: 69 numbers fit Ava, 50 are listed, a search finds the others.
    page.goto(f"{live_server.url}/targets/{ava.pk}/")
    expect(page.get_by_test_id("picker-more").first).to_contain_text("the first 50 are shown")
    page.get_by_placeholder("Find a free number by digits").fill("0169")
    expect(page.locator("#free-numbers option[value='+12125550169']")).to_have_count(1)


def test_tags_blocks_and_point_in_time_from_the_menu(page, live_server, world, login, shot):
    login(page, "admin@master.test")
    page.goto(f"{live_server.url}/numbers/")
    page.get_by_test_id("filter-panel").locator("summary").click()
    page.get_by_test_id("tag-filter").fill("demo")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("tbody tr[data-number]")).to_have_count(1)
    expect(page.locator("tr[data-number='+12125550175']")).to_be_visible()

    page.get_by_role("link", name="Blocks").first.click()
    page.get_by_role("link", name="+12125550100 \u2013 +12125550199").click()
    expect(page.get_by_test_id("block-usage")).to_contain_text("80")
    shot(page, "block-detail")

    page.get_by_role("link", name="Point in time").first.click()
    page.get_by_label("Number").fill("+12125550100")
    page.get_by_label("At").fill("2099-01-01T00:00")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("number-at-owner")).to_have_text("Acme Corp")
    expect(page.get_by_test_id("number-at-answer")).to_contain_text("Ava A. Anders")
    shot(page, "point-in-time")
