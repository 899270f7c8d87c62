"""The portal's journeys in a real browser (issue 5): upload, delegate, assign, find,
export; read-only viewers; a foreign tenant's page."""

import csv

import pytest
from playwright.sync_api import expect

from didhub.accounts.testing import build_tree
from didhub.imports import adding
from didhub.numbers import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UPLOAD_FILE = (
    "Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"
    "1,212 555 0200,TRUE,TRUE,FALSE,Direct Routing\n"
    "1,(212) 555-0201,TRUE,TRUE,FALSE,Direct Routing\n"
    "1,212.555.0202,TRUE,FALSE,FALSE,Direct Routing\n"
    "1,212-555-0203,TRUE,TRUE,FALSE,Direct Routing\n"
    "1,123,TRUE,FALSE,FALSE,Direct Routing\n"
    "1,2125550204,perhaps,FALSE,FALSE,Direct Routing\n"
)


@pytest.fixture
def tree(transactional_db):
    return build_tree()


def test_reseller_uploads_previews_submits_and_delegates(
    page, live_server, tree, login, shot, tmp_path
):
    upload_file = tmp_path / "numbers.csv"
    upload_file.write_text(UPLOAD_FILE)
    login(page, "admin@master.test")
    shot(page, "dashboard-empty")

    page.get_by_role("link", name="Phone Numbers").first.click()
    page.get_by_role("link", name="Upload Phone Numbers").first.click()
    expect(page.get_by_role("heading", name="Bulk Upload Phone Numbers")).to_be_visible()
    page.get_by_label("Upload Phone Numbers").set_input_files(str(upload_file))
    page.get_by_label("Enterprises and Resellers").select_option(label="Master Reseller (Reseller)")
    shot(page, "upload")
    page.get_by_role("button", name="Upload", exact=True).click()

    # The preview: counts and every invalid row with its line and reason.
    expect(page.get_by_test_id("valid-count")).to_have_text("4")
    expect(page.get_by_test_id("invalid-count")).to_have_text("2")
    invalid_rows = page.get_by_test_id("invalid-rows")
    expect(invalid_rows).to_contain_text("123")
    expect(invalid_rows).to_contain_text("perhaps")
    shot(page, "upload-preview", full_page=True)
    page.get_by_test_id("submit-import").click()
    expect(page.get_by_test_id("committed-count")).to_have_text("4")
    expect(page.get_by_test_id("message").first).to_contain_text("4 numbers are imported")

    page.get_by_role("link", name="See them in Phone Numbers").click()
    table = page.locator("#numbers-table")
    for e164 in ("+12125550200", "+12125550201", "+12125550202", "+12125550203"):
        expect(table.locator(f"tr[data-number='{e164}']")).to_be_visible()
    shot(page, "numbers", full_page=False)

    # Delegate two of them to Acme through the bulk action.
    table.get_by_label("Select +12125550200").check()
    table.get_by_label("Select +12125550201").check()
    page.get_by_label("Bulk action").select_option("delegate")
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("2 selected numbers")
    page.get_by_label("Reseller or enterprise").select_option(label="Acme Corp (Enterprise)")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_test_id("message").first).to_contain_text("2 numbers done")
    company_cell = page.locator("tr[data-number='+12125550200'] td.col-company")
    expect(company_cell).to_have_text("Acme Corp")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("owned")).to_have_text("4")
    shot(page, "dashboard", full_page=True)


def test_enterprise_admin_assigns_finds_and_exports(page, live_server, tree, login, shot):
    numbers = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125550300",
        end="+12125550304",
        voice=True,
        sms=True,
        route="direct_routing",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=numbers, to_account=tree.acme)
    login(page, "admin@acme.test")

    # Targets are made in the portal.
    for kind, name in (("PBX user", "Alice Adams"), ("SMS group", "Sales SMS")):
        page.goto(f"{live_server.url}/targets/add/")
        page.get_by_label("Kind").select_option(label=kind)
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Save Settings").click()
        expect(page.get_by_test_id("message").first).to_contain_text(f"{name} is created")

    # A PBX user's number from the number's Actions menu.
    page.goto(f"{live_server.url}/numbers/")
    row = page.locator("tr[data-number='+12125550300']")
    row.get_by_test_id("row-actions").locator("summary").click()
    row.get_by_role("menuitem", name="Assign to a target").click()
    page.get_by_label("Target").select_option(label="Alice Adams (PBX user)")
    shot(page, "assign")
    page.get_by_role("button", name="Save Settings").click()
    expect(page.get_by_test_id("message").first).to_contain_text("assigned to Alice Adams")

    # An SMS group's DIDs moved from Unassigned to Assigned (a target's dual list).
    page.goto(f"{live_server.url}/targets/")
    page.get_by_role("link", name="Sales SMS").click()
    page.get_by_test_id("unassigned-dids").select_option("+12125550301")
    page.get_by_role("button", name="Move selected to Assigned").click()
    shot(page, "target-sms")
    page.get_by_role("button", name="Save Settings").click()
    expect(page.get_by_test_id("message").first).to_contain_text("assigned +12125550301")

    # Found under the predefined searches.
    page.goto(f"{live_server.url}/numbers/")
    page.get_by_text("Advanced Phone Number Search").click()
    page.get_by_role("menuitem", name="Assigned PBX numbers").click()
    table = page.locator("#numbers-table")
    expect(table.locator("tr[data-number]")).to_have_count(1)
    expect(table.locator("tr[data-number='+12125550300']")).to_contain_text("Alice Adams")
    shot(page, "numbers-assigned-pbx")
    page.get_by_text("Advanced Phone Number Search").click()
    page.get_by_role("menuitem", name="Assigned SMS numbers").click()
    expect(table.locator("tr[data-number]")).to_have_count(1)
    expect(table.locator("tr[data-number='+12125550301']")).to_contain_text("Sales SMS")

    # Export CSV of that search: the file holds the number.
    page.get_by_text("Export", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(exported))
    cells = {cell for row in rows for cell in row}
    assert "+12125550301" in cells
    assert "+12125550300" not in cells

    page.goto(f"{live_server.url}/numbers/+12125550300/")
    expect(page.get_by_test_id("history")).to_contain_text("assigned")
    shot(page, "number-detail", full_page=True)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("stations")).to_contain_text("In use")
    shot(page, "dashboard-enterprise", full_page=True)


def test_enterprise_viewer_sees_no_action_buttons(page, live_server, tree, login, shot):
    numbers = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125550400",
        end="+12125550402",
        voice=True,
        route="direct_routing",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=numbers, to_account=tree.acme)
    login(page, "viewer@acme.test")
    page.goto(f"{live_server.url}/numbers/")
    expect(page.locator("tr[data-number]")).to_have_count(3)
    expect(page.get_by_test_id("row-actions")).to_have_count(0)
    expect(page.get_by_role("link", name="Upload Phone Numbers")).to_have_count(0)
    expect(page.get_by_role("button", name="Apply to selection")).to_have_count(0)
    page.goto(f"{live_server.url}/numbers/+12125550400/")
    expect(page.get_by_test_id("number-actions").locator("a")).to_have_count(0)
    shot(page, "viewer-numbers")


def test_foreign_tenants_number_is_not_found(page, live_server, tree, login):
    number = adding.number_add(
        actor=tree.master_admin,
        account=tree.master,
        e164="+12125550500",
        voice=True,
        route="direct_routing",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=[number], to_account=tree.acme)
    login(page, "admin@initech.test")
    response = page.goto(f"{live_server.url}/numbers/+12125550500/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/accounts/{tree.acme.pk}/")
    assert response.status == 404
