"""The Phone Numbers table: what each role sees, filters, searches, sorting, pages."""

import re

import pytest
from django.urls import reverse

from didhub.imports import adding
from didhub.numbers import selectors
from didhub.web.paging import decode_cursor, encode_cursor, paginate

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)"', response.content.decode())


def test_enterprise_admin_sees_its_numbers_with_columns(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(reverse("web:number_list"))
    assert rows(response) == [n.e164 for n in inventory.acme_numbers]
    content = response.content.decode()
    assert 'href="tel:+12125550100"' in content
    assert "Alice Adams" in content and "Sales SMS" in content
    assert '<span class="service">PBX</span>' in content
    assert 'aria-label="Voice"' in content  # capability icons speak to screen readers
    assert "+13125550100" not in content


def test_the_list_stays_within_a_bounded_number_of_queries(
    client, tree, inventory, django_assert_max_num_queries
):
    client.force_login(tree.master_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("web:number_list"))
    assert len(rows(response)) == 10


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=assigned_pbx", ["+12125550100"]),
        ("search=assigned_sms", ["+12125550101"]),
        ("view=used", ["+12125550100", "+12125550101"]),
        ("view=available", ["+12125550102", "+12125550103", "+12125550104"]),
        ("q=0103", ["+12125550103"]),
        ("q=alice", ["+12125550100"]),
        ("e164__startswith=%2B1212555010", None),
        ("cap=sms&state=assigned", ["+12125550100", "+12125550101"]),
    ],
)
def test_filters_and_predefined_searches(client, tree, inventory, query, expected):
    client.force_login(tree.acme_admin)
    response = client.get(f"{reverse('web:number_list')}?{query}")
    assert rows(response) == (expected or [n.e164 for n in inventory.acme_numbers])


def test_a_bad_filter_value_is_shown_not_a_500(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(reverse("web:number_list") + "?voice=perhaps")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert rows(response) == []


def test_sorting_by_a_column_and_descending(client, tree, inventory):
    client.force_login(tree.acme_admin)
    descending = rows(client.get(reverse("web:number_list") + "?sort=-number"))
    assert descending == sorted(descending, reverse=True)
    by_state = client.get(reverse("web:number_list") + "?sort=state")
    assert rows(by_state)[-2:] == ["+12125550100", "+12125550101"] or rows(by_state)[:2] == [
        "+12125550100",
        "+12125550101",
    ]
    assert 'aria-sort="ascending"' in by_state.content.decode()


@pytest.mark.parametrize("sort", ["number", "-number", "state", "-owner", "carrier", "services"])
def test_cursor_pages_walk_every_row_once_forwards_and_back(tree, inventory, sort):
    queryset = selectors.number_list(user=tree.master_admin, with_related=True)
    forward, cursor = [], None
    while True:
        page = paginate(queryset, sort=sort, cursor=cursor, limit=3)
        forward.append([number.e164 for number in page.rows])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    flat = [e164 for rows_ in forward for e164 in rows_]
    assert sorted(flat) == sorted(n.e164 for n in inventory.master_numbers)
    assert len(flat) == len(set(flat))
    assert [len(rows_) for rows_ in forward] == [3, 3, 3, 1]
    backward, cursor = [], page.previous_cursor
    while cursor is not None:
        page = paginate(queryset, sort=sort, cursor=cursor, limit=3)
        backward.append([number.e164 for number in page.rows])
        cursor = page.previous_cursor
    assert backward == forward[-2::-1]


def test_next_link_follows_the_page(client, tree, inventory):
    client.force_login(tree.master_admin)
    content = client.get(reverse("web:number_list") + "?limit=25").content.decode()
    assert 'rel="next"' not in content and 'rel="prev"' not in content
    assert 'data-testid="numbers-count">10 numbers<' in content


def test_cursor_round_trip_and_garbage():
    cursor = encode_cursor("n", "available", "+12125550100")
    assert decode_cursor(cursor) == ("n", "available", "+12125550100")
    assert decode_cursor("not-a-cursor!") is None
    assert decode_cursor(None) is None


def test_viewer_sees_no_actions_and_no_bulk_bar(client, tree, inventory):
    client.force_login(tree.acme_viewer)
    content = client.get(reverse("web:number_list")).content.decode()
    assert 'data-testid="row-actions"' not in content
    assert "Apply to selection" not in content
    assert "Upload Phone Numbers" not in content


def test_delete_appears_only_for_the_uploader(client, tree, inventory):
    """No Delete button where delete is not allowed (docs/domain.md, "Deleting a number")."""
    mine = adding.number_add(
        actor=tree.sub_admin, account=tree.sub, e164="+12125550900", voice=True,
        route="direct_routing",
    )  # fmt: skip
    client.force_login(tree.master_admin)
    content = client.get(reverse("web:number_list")).content.decode()
    assert reverse("web:number_delete", args=["+12125550109"]) in content
    assert reverse("web:number_delete", args=[mine.e164]) not in content
    client.force_login(tree.sub_admin)
    content = client.get(reverse("web:number_list")).content.decode()
    assert reverse("web:number_delete", args=[mine.e164]) in content


def test_htmx_gets_only_the_table(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.get(
        reverse("web:number_list") + "?search=assigned_pbx", HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="numbers-table">')
    assert "<html" not in content
    assert rows(response) == ["+12125550100"]


def test_export_links_carry_the_filter(client, tree, inventory):
    client.force_login(tree.acme_admin)
    content = client.get(reverse("web:number_list") + "?search=assigned_sms").content.decode()
    assert "/api/v1/numbers/export.csv?search=assigned_sms" in content
    assert "/api/v1/numbers/export.xlsx?search=assigned_sms" in content
    assert "/api/v1/numbers/export.pdf?search=assigned_sms" in content


def test_export_of_the_selection_goes_to_the_api_export(client, tree, inventory):
    client.force_login(tree.acme_admin)
    response = client.post(
        reverse("web:number_export_selection"),
        {"numbers": ["+12125550100", "+12125550102"], "format": "csv"},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "/api/v1/numbers/export.csv?numbers=%2B12125550100%2C%2B12125550102"
    )


def test_empty_account_shows_an_empty_state(client, tree):
    client.force_login(tree.globex_admin)
    content = client.get(reverse("web:number_list")).content.decode()
    assert "No numbers yet." in content
    assert "Upload Phone Numbers" in content  # Globex may upload its own numbers
