"""Adding one number from the Upload page in a real browser: the form's own defaults
can be submitted, and so can a voice number with its route and a CAC."""

import pytest
from playwright.sync_api import expect

from didhub.accounts.testing import build_tree
from didhub.numbers.models import Number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree(transactional_db):
    return build_tree()


def add_single(page, number: str) -> None:
    page.get_by_role("link", name="Phone Numbers").first.click()
    page.get_by_role("link", name="Upload Phone Numbers").first.click()
    page.get_by_label("Single").check()
    page.get_by_role("textbox", name="Phone number").fill(number)
    page.get_by_label("Enterprises and Resellers").select_option(label="Master Reseller (Reseller)")


def test_a_single_number_added_with_the_forms_defaults(page, live_server, tree, login):
    login(page, "admin@master.test")
    add_single(page, "+16465550120")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("valid-count")).to_have_text("1")
    expect(page.get_by_test_id("invalid-count")).to_have_text("0")
    page.get_by_test_id("submit-import").click()
    expect(page.get_by_test_id("committed-count")).to_have_text("1")
    assert Number.objects.filter(e164="+16465550120").exists()


def test_a_single_voice_number_with_route_and_cac(page, live_server, tree, login):
    login(page, "admin@master.test")
    add_single(page, "+16465550121")
    page.get_by_label("Voice", exact=True).check()
    page.get_by_label("Voice Route Type").select_option(label="Operator Connect")
    page.get_by_label("Usage").select_option(label="Contact Center")
    page.get_by_label("CAC").fill("12")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("valid-count")).to_have_text("1")
    page.get_by_test_id("submit-import").click()
    expect(page.get_by_test_id("committed-count")).to_have_text("1")
    number = Number.objects.get(e164="+16465550121")
    assert (number.route, number.usage, number.cac_limit) == (
        "operator_connect",
        "contact_center",
        12,
    )
