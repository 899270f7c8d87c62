"""A target's page, a release, the buttons a number offers and a port, in a real browser.

The target keeps every number it holds when saved untouched, and asks before it gives
one up; a release says whom it unassigns; a reseller sees no Reclaim or Release on an
enterprise's own number; a port is completed from the number's page.
"""

import io
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from didhub.accounts.testing import build_tree
from didhub.imports import services as import_services
from didhub.numbers import services
from didhub.numbers.models import Number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = b"Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"


def upload(actor, account, rows: bytes, *, porting=False) -> list[Number]:
    run = import_services.import_create(
        actor=actor,
        account=account,
        file=io.BytesIO(HEADER + rows),
        file_name="numbers.csv",
        porting=porting,
        inline=True,
    )
    run = import_services.import_commit(actor=actor, import_run=run, inline=True)
    return list(Number.objects.filter(source_import=run).order_by("e164"))


@pytest.fixture
def world(transactional_db):
    tree = build_tree()
    numbers = upload(
        tree.master_admin,
        tree.master,
        b"1,2125550400,TRUE,FALSE,FALSE,Direct Routing\n"
        b"1,2125550401,TRUE,FALSE,FALSE,Direct Routing\n",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=numbers, to_account=tree.sub)
    services.numbers_delegate(actor=tree.sub_admin, numbers=numbers, to_account=tree.acme)
    ava = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Ava A. Anders"
    )
    for number in numbers:
        services.number_assign(actor=tree.acme_admin, number=number, target=ava)
    (external,) = upload(tree.globex_admin, tree.globex, b"1,2125550402,FALSE,TRUE,FALSE,\n")
    (porting,) = upload(
        tree.master_admin,
        tree.master,
        b"1,2125550403,TRUE,FALSE,FALSE,Direct Routing\n",
        porting=True,
    )
    return SimpleNamespace(numbers=numbers, ava=ava, external=external, porting=porting)


def test_a_target_keeps_its_numbers_and_asks_before_giving_one_up(
    page, live_server, world, login, shot
):
    numbers, ava = world.numbers, world.ava
    first, second = (number.e164 for number in numbers)
    login(page, "admin@acme.test")
    page.goto(f"{live_server.url}/targets/")
    page.get_by_role("link", name="Ava A. Anders").click()
    assigned = page.get_by_test_id("assigned-dids")
    expect(assigned.locator("option")).to_have_count(2)
    shot(page, "target-two-numbers")
    page.get_by_role("button", name="Save Settings").click()
    expect(page.get_by_test_id("message").first).to_contain_text("Nothing changed.")
    assert Number.objects.filter(assignments__target=ava).count() == 2

    # Moving one number back to Unassigned names it, and only a confirmation saves.
    assigned.select_option(second)
    page.get_by_role("button", name="Move selected to Unassigned").click()
    page.get_by_role("button", name="Save Settings").click()
    expect(page.get_by_test_id("confirm-details")).to_contain_text(
        f"Unassigned from Ava A. Anders: {second}"
    )
    assert Number.objects.filter(assignments__target=ava).count() == 2
    shot(page, "target-confirm-removal")
    page.locator(".card").get_by_role("button", name="Save Settings").click()
    expect(page.get_by_test_id("message").first).to_contain_text(f"unassigned {second}")
    kept = Number.objects.filter(assignments__target=ava).values_list("e164", flat=True)
    assert list(kept) == [first]


def test_a_release_names_the_target_it_leaves(page, live_server, world, login):
    numbers = world.numbers
    login(page, "admin@acme.test")
    page.goto(f"{live_server.url}/numbers/{numbers[0].e164}/")
    page.get_by_test_id("number-actions").get_by_role("link", name="Release").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Ava A. Anders (PBX user, Voice channel)")
    dialog.get_by_role("button", name="Cancel").click()
    assert Number.objects.get(pk=numbers[0].pk).state == "assigned"


def test_only_the_actions_the_services_accept_are_offered(page, live_server, world, login):
    external, porting = world.external, world.porting
    login(page, "admin@master.test")
    page.goto(f"{live_server.url}/numbers/{external.e164}/")
    actions = page.get_by_test_id("number-actions")
    expect(actions.get_by_role("link", name="Reclaim")).to_have_count(0)
    expect(actions.get_by_role("link", name="Release")).to_have_count(0)

    # A port is completed from the number's page.
    page.goto(f"{live_server.url}/numbers/{porting.e164}/")
    page.get_by_test_id("number-actions").get_by_role("link", name="Complete port").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("message").first).to_contain_text("port completed")
    assert Number.objects.get(pk=porting.pk).state == "available"

    page.context.clear_cookies()
    login(page, "admin@globex.test")
    page.goto(f"{live_server.url}/numbers/{external.e164}/")
    actions = page.get_by_test_id("number-actions")
    expect(actions.get_by_role("link", name="Delete")).to_have_count(1)
    expect(actions.get_by_role("link", name="Release")).to_have_count(0)
