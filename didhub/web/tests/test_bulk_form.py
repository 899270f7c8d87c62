"""The portal's bulk form: "select all N matching" by the list's filter, a confirmation
naming the action, the count and the first numbers, and refusals listed and counted."""

import pytest
from django.urls import reverse

from didhub.numbers.models import Number
from didhub.numbers.services import bulk_checks

pytestmark = pytest.mark.django_db


def list_form(client, query: str) -> dict:
    """The bulk form of the Phone Numbers list as the page renders it (its defaults)."""
    page = client.get(reverse("web:number_list") + "?" + query).content.decode()
    form = page.split('id="bulk-form"')[1].split("</form>")[0]
    filter_query = form.split('name="filter_query" value="')[1].split('"')[0]
    assert 'name="all_matching" value="1"' in form
    return {"filter_query": filter_query.replace("&amp;", "&"), "all_matching": "1"}


def test_select_all_matching_confirms_count_and_first_numbers_then_acts(client, tree, inventory):
    client.force_login(tree.master_admin)
    form = list_form(client, f"owner={tree.master.pk}&owner_exact=1")
    page = client.post(reverse("web:number_bulk"), {**form, "action": "tags_add"})
    first = page.content.decode().split('data-testid="bulk-first"')[1].split("</p>")[0]
    master = list(
        Number.objects.filter(owner=tree.master).order_by("e164").values_list("e164", flat=True)
    )
    assert f"Add tags: {len(master)} numbers" in first
    assert master[0] in first and master[-1] in first
    done = client.post(
        reverse("web:number_bulk"),
        {**form, "action": "tags_add", "tags": "spare; hq", "confirmed": "1"},
    )
    assert done.status_code == 302
    assert set(Number.objects.filter(owner=tree.master).values_list("tags", flat=True)) == {
        ";hq;spare;"
    }
    assert not Number.objects.exclude(owner=tree.master).filter(tags__contains="spare").exists()


def test_refusals_are_listed_and_the_rest_counted(client, tree, inventory, monkeypatch):
    monkeypatch.setattr(bulk_checks, "REFUSALS_LISTED", 2)
    client.force_login(tree.acme_admin)
    form = list_form(client, "")
    states = dict(Number.objects.values_list("e164", "state"))
    page = client.post(
        reverse("web:number_bulk"), {**form, "action": "port_complete", "confirmed": "1"}
    ).content.decode()
    assert "Nothing was changed." in page
    assert "5 numbers cannot be changed; the first 2 are listed." in page
    assert "3 more refused numbers, not listed here" in page
    assert dict(Number.objects.values_list("e164", "state")) == states
