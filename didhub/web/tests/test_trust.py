"""What a person meets in the portal: released numbers, error pages, values written for
people, lists that say when they are cut and page on, columns, blocks, point in time.

Every test goes through HTTP as the person would.
"""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.views import defaults

from didhub.accounts import services as account_services
from didhub.accounts.choices import AccountKind
from didhub.core.models import Event
from didhub.imports import adding
from didhub.numbers import services
from didhub.numbers.models import Number


def rows(response) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)"', response.content.decode())


def text(response) -> str:
    return response.content.decode()


# Released numbers (issue item 4)


@pytest.mark.django_db
def test_an_enterprise_finds_what_it_released_and_restores_it(client, tree, inventory):
    number = inventory.acme_numbers[0]  # assigned to Alice Adams
    client.force_login(tree.acme_admin)
    url = reverse("web:number_release", args=[number.e164])
    client.post(url, {"confirmed": "1"})
    assert Number.objects.get(pk=number.pk).state == "aging"

    page = client.get(reverse("web:number_detail", args=[number.e164]))
    assert page.status_code == 200
    content = text(page)
    assert "Aging" in content and "Alice Adams" in content
    assert reverse("web:number_restore", args=[number.e164]) in content

    aging = client.get(reverse("web:number_list"), {"state": "aging"})
    assert rows(aging) == [number.e164]
    everything = client.get(reverse("web:number_list"))
    assert number.e164 not in rows(everything)
    assert 'data-testid="released-notice"' in text(everything)
    dashboard = client.get(reverse("web:dashboard"))
    assert re.search(r"Aging</span><span class=\"value\">1<", text(dashboard))

    confirm = client.get(reverse("web:number_restore", args=[number.e164]))
    assert "Alice Adams" in text(confirm)
    client.post(reverse("web:number_restore", args=[number.e164]), {"confirmed": "1"})
    restored = Number.objects.get(pk=number.pk)
    assert restored.owner_id == tree.acme.pk and restored.state == "assigned"


@pytest.mark.django_db
def test_nobody_else_sees_a_released_number_and_a_viewer_cannot_restore(client, tree, inventory):
    number = inventory.acme_numbers[2]
    services.number_release(actor=tree.acme_admin, number=number)
    for user in (tree.globex_admin, tree.initech_admin):
        client.force_login(user)
        assert client.get(reverse("web:number_detail", args=[number.e164])).status_code == 404
        assert client.get(reverse("web:number_restore", args=[number.e164])).status_code == 404
        assert rows(client.get(reverse("web:number_list"), {"state": "aging"})) == []
    client.force_login(tree.acme_viewer)
    page = client.get(reverse("web:number_detail", args=[number.e164]))
    assert page.status_code == 200
    assert reverse("web:number_restore", args=[number.e164]) not in text(page)
    refused = client.post(reverse("web:number_restore", args=[number.e164]), {"confirmed": "1"})
    assert refused.status_code == 403
    assert Number.objects.get(pk=number.pk).state == "aging"


# Error pages (item 4)


@pytest.mark.django_db
def test_a_missing_page_is_the_portals_not_found_page(client, tree, settings):
    settings.DEBUG = False
    client.force_login(tree.acme_admin)
    response = client.get(reverse("web:number_detail", args=["+19995550100"]))
    assert response.status_code == 404
    assert "didhub/didhub.css" in text(response) and "Not found" in text(response)
    assert 'data-testid="error-page"' in text(response)


def test_the_server_error_page_needs_no_database_and_no_request_context():
    # No django_db mark: any query would fail this test.
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "didhub/didhub.css" in text(response) and "Something went wrong" in text(response)


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_the_portals_expired_form_page(tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("web:login"), {"username": "x@y.test", "password": "x"})
    assert response.status_code == 403
    assert "This form has expired" in text(response) and "didhub/didhub.css" in text(response)


# Values written for people (item 8)


@pytest.mark.django_db
def test_history_and_audit_log_read_as_labels_not_as_stored_values(client, tree, inventory):
    number = inventory.master_numbers[6]
    services.number_update(actor=tree.master_admin, number=number, tags=["demo", "us"], fax=True)
    client.force_login(tree.master_admin)
    history = text(client.get(reverse("web:number_detail", args=[number.e164])))
    audit = text(client.get(reverse("web:event_list"), {"number": number.e164}))
    for content in (history, audit):
        assert "demo, us" in content
        assert ";demo;us;" not in content
        assert "Number updated" in content
        assert "{&#x27;" not in content and "{'" not in content
    assert "Yes" in history and "False" not in history


# Silent caps (item 6)


@pytest.mark.django_db
def test_the_target_picker_searches_beyond_its_first_page(client, tree, inventory):
    numbers = adding.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12125551000",
        end="+12125551079",
        voice=True,
        route="direct_routing",
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=numbers, to_account=tree.sub)
    services.numbers_delegate(actor=tree.sub_admin, numbers=numbers, to_account=tree.acme)
    client.force_login(tree.acme_admin)
    page = text(client.get(reverse("web:target_detail", args=[inventory.trunk.pk])))
    assert "+12125551079" not in page
    assert re.search(r"8\d fit; the first 50 are shown", page)
    found = text(
        client.get(reverse("web:target_numbers", args=[inventory.trunk.pk]), {"q": "1079"})
    )
    assert "+12125551079" in found and "+12125551000" not in found


@pytest.mark.django_db
def test_the_list_counts_exactly_as_the_dashboard_does(client, tree, inventory):
    numbers = adding.numbers_add_range(
        actor=tree.master_admin, account=tree.master, start="+12125560000", end="+12125561099"
    )
    client.force_login(tree.master_admin)
    listed = text(client.get(reverse("web:number_list")))
    owned = len(inventory.master_numbers) + len(numbers)
    assert f"{owned:,} numbers" in listed
    assert re.search(rf'data-testid="owned">{owned:,}<', text(client.get(reverse("web:dashboard"))))


@pytest.mark.django_db
def test_a_long_history_pages_on(client, tree, inventory):
    number = inventory.master_numbers[7]
    for index in range(60):
        services.number_update(actor=tree.master_admin, number=number, service_info=f"note {index}")
    client.force_login(tree.master_admin)
    page = text(client.get(reverse("web:number_detail", args=[number.e164])))
    assert "note 59" in page and "note 5<" not in page
    older = re.search(r'href="([^"]+/history/\?before=\d+)"', page).group(1)
    rest = text(client.get(older.replace("&amp;", "&")))
    assert "note 5" in rest and "note 59" not in rest


@pytest.mark.django_db
def test_switch_account_says_how_many_and_pages_on(client, tree):
    for index in range(105):
        account_services.account_create(
            actor=tree.master_admin,
            parent=tree.master,
            name=f"Customer {index:03d}",
            kind=AccountKind.ENTERPRISE,
        )
    client.force_login(tree.master_admin)
    page = text(client.get(reverse("web:account_switch")))
    assert "109 accounts" in page
    seen, pages = re.findall(r'aria-label="Open (Customer \d{3})"', page), 1
    while next_url := re.search(r'href="(\?[^"]+)" data-testid="switch-next"', page):
        url = reverse("web:account_switch") + next_url.group(1).replace("&amp;", "&")
        page = text(client.get(url))
        seen += re.findall(r'aria-label="Open (Customer \d{3})"', page)
        pages += 1
    assert pages == 2 and sorted(seen) == [f"Customer {index:03d}" for index in range(105)]
    found = text(client.get(reverse("web:account_switch"), {"q": "Customer 104"}))
    assert "1 account match" in found


# Columns (items 7 and 30)


@pytest.mark.django_db
def test_company_and_var_columns_without_a_query_per_row(
    client, tree, inventory, django_assert_max_num_queries
):
    client.force_login(tree.master_admin)
    content = text(client.get(reverse("web:number_list")))
    assert 'class="col-company" data-label="Company">' in content
    row = re.search(r'<tr data-number="\+12125550100">.*?</tr>', content, re.S).group(0)
    assert "Acme Corp" in row and "Sub Reseller" in row
    with django_assert_max_num_queries(30):
        client.get(reverse("web:number_list"), {"limit": 200})
    client.force_login(tree.acme_admin)
    enterprise = text(client.get(reverse("web:number_list")))
    assert "col-company" not in enterprise and "Sub Reseller" not in enterprise


@pytest.mark.django_db
def test_the_column_chooser_is_kept_per_person(client, tree, inventory):
    client.force_login(tree.master_admin)
    client.post(reverse("web:number_columns"), {"columns": ["number", "carrier", "usage"]})
    content = text(client.get(reverse("web:number_list")))
    assert 'data-label="Use type"' in content and 'data-label="Carrier"' in content
    assert 'data-label="Activity"' not in content
    other = Client()
    other.force_login(tree.sub_admin)
    assert 'data-label="Activity"' in text(other.get(reverse("web:number_list")))


@pytest.mark.django_db
def test_the_tag_filter_narrows_the_list(client, tree, inventory):
    services.number_update(
        actor=tree.master_admin, number=inventory.master_numbers[8], tags=["spare"]
    )
    client.force_login(tree.master_admin)
    response = client.get(reverse("web:number_list"), {"tag": "spare"})
    assert rows(response) == [inventory.master_numbers[8].e164]
    assert 'data-testid="tag-filter"' in text(response)


# Blocks and point in time (item 32)


@pytest.mark.django_db
def test_blocks_show_utilization_and_are_added_from_their_page(client, tree, inventory):
    client.force_login(tree.master_admin)
    response = client.post(
        reverse("web:block_list"),
        {"owner": tree.master.pk, "start": "+12125550100", "end": "+12125550119", "name": "NYC"},
    )
    assert response.status_code == 302
    detail = text(client.get(response["Location"]))
    assert "10%" in detail  # 2 of 20 assigned
    assert "Acme Corp" in detail
    assert "NYC" in text(client.get(reverse("web:block_list")))
    client.force_login(tree.initech_admin)
    assert client.get(response["Location"]).status_code == 404


@pytest.mark.django_db
def test_point_in_time_answers_who_held_a_number(client, tree, inventory):
    number = inventory.acme_numbers[0]
    client.force_login(tree.sub_admin)
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    later = (timezone.localtime() + timezone.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    answer = text(client.get(reverse("web:number_at"), {"e164": number.e164, "when": later}))
    assert 'data-testid="number-at-owner">Acme Corp<' in answer
    assert "Alice Adams" in answer
    client.force_login(tree.initech_admin)
    refused = text(client.get(reverse("web:number_at"), {"e164": number.e164, "when": when}))
    assert 'data-testid="number-at-none"' in refused and "Acme" not in refused
    assert Event.objects.filter(number_e164=number.e164).exists()
