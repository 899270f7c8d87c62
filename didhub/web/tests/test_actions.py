"""Forms and actions: each calls its service, confirms, or shows the error by the field."""

import pytest
from django.urls import reverse

from didhub.accounts.models import Account, ApiToken
from didhub.core.models import Event
from didhub.numbers.models import Number, Target

pytestmark = pytest.mark.django_db


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_assign_from_the_numbers_actions_menu(client, tree, inventory):
    client.force_login(tree.acme_admin)
    number = inventory.acme_numbers[2]
    url = reverse("web:number_assign", args=[number.e164])
    assert b"Save Settings" in client.get(url).content
    response = client.post(url, {"target": inventory.trunk.pk}, follow=True)
    assert "is assigned to Main trunk" in messages_of(response)
    assert Number.objects.get(pk=number.pk).voice_target_kind == "trunk"


def test_a_target_that_does_not_fit_is_refused_beside_the_field(client, tree, inventory):
    client.force_login(tree.acme_admin)
    number = inventory.acme_numbers[2]
    services_number = Number.objects.get(pk=number.pk)
    services_number.sms = False
    services_number.save(update_fields=["sms"])
    response = client.post(
        reverse("web:number_assign", args=[number.e164]), {"target": inventory.sales.pk}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert "SMS" in str(form.errors)
    assert Number.objects.get(pk=number.pk).sms_target_kind == ""


def test_required_fields_are_marked_beside_the_field(client, tree):
    client.force_login(tree.master_admin)
    response = client.post(reverse("web:account_create"), {"name": "", "kind": "enterprise"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="field has-error"' in content
    assert "This field is required." in content


def test_add_an_enterprise_with_its_settings(client, tree):
    client.force_login(tree.master_admin)
    response = client.post(
        reverse("web:account_create"),
        {
            "name": "Umbrella",
            "kind": "enterprise",
            "allow_external_numbers": "on",
            "stations_purchased": "25",
            "location_country": "it",
            "aging_days": "90",
        },
        follow=True,
    )
    assert "Umbrella is created." in messages_of(response)
    umbrella = Account.objects.get(name="Umbrella")
    assert (umbrella.parent, umbrella.allow_external_numbers) == (tree.master, True)
    assert (umbrella.stations_purchased, umbrella.location_country) == (25, "IT")


def test_a_duplicate_name_is_a_form_error_not_a_500(client, tree):
    client.force_login(tree.master_admin)
    response = client.post(
        reverse("web:account_create"), {"name": "Globex", "kind": "enterprise", "aging_days": 90}
    )
    assert response.status_code == 200
    assert "already has an account named" in response.content.decode()


def test_delete_asks_first_then_deletes(client, tree, inventory):
    client.force_login(tree.master_admin)
    number = inventory.master_numbers[9]
    url = reverse("web:number_delete", args=[number.e164])
    confirm = client.get(url)
    assert b'data-testid="confirm-question"' in confirm.content
    assert Number.objects.filter(pk=number.pk).exists()
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert f"{number.e164}: deleted." in messages_of(response)
    assert not Number.objects.filter(pk=number.pk).exists()


def test_a_refused_action_says_why_and_changes_nothing(client, tree, inventory):
    client.force_login(tree.acme_admin)
    number = inventory.acme_numbers[3]
    response = client.post(reverse("web:number_delete", args=[number.e164]), {"confirmed": "1"})
    assert response.status_code == 403
    assert "Only the account that uploaded this number can delete it." in (
        response.content.decode()
    )
    assert Number.objects.filter(pk=number.pk).exists()


def test_a_service_refusal_becomes_a_message(client, tree, inventory):
    client.force_login(tree.master_admin)
    number = inventory.master_numbers[9]
    response = client.post(
        reverse("web:number_delegate", args=[number.e164]), {"to_account": tree.initech.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Number.objects.get(pk=number.pk).owner == tree.master


def test_sms_group_dids_move_between_boxes(client, tree, inventory):
    client.force_login(tree.acme_admin)
    url = reverse("web:target_detail", args=[inventory.sales.pk])
    page = client.get(url).content.decode()
    assert "Unassigned DIDs" in page and "Assigned DIDs" in page
    wanted = [inventory.acme_numbers[1].e164, inventory.acme_numbers[3].e164]
    response = client.post(url, {"assigned": wanted}, follow=True)
    assert f"assigned {inventory.acme_numbers[3].e164}" in messages_of(response)
    held = Number.objects.filter(assignments__target=inventory.sales).order_by("e164")
    assert [n.e164 for n in held] == wanted
    response = client.post(url, {"assigned": [wanted[1]], "confirmed": "1"}, follow=True)
    assert f"unassigned {wanted[0]}" in messages_of(response)


def test_pbx_users_numbers_change_in_the_same_boxes(client, tree, inventory):
    """A PBX user may hold several voice numbers; swapping one asks before it unassigns."""
    client.force_login(tree.acme_admin)
    url = reverse("web:target_detail", args=[inventory.alice.pk])
    old, new = inventory.acme_numbers[0].e164, inventory.acme_numbers[4].e164
    asked = client.post(url, {"assigned": [new]})
    assert f"Unassigned from Alice Adams: {old}" in asked.content.decode()
    assert f"Assigned to Alice Adams: {new}" in asked.content.decode()
    response = client.post(url, {"assigned": [new], "confirmed": "1"}, follow=True)
    text = messages_of(response)
    assert f"assigned {new}" in text and f"unassigned {old}" in text


def test_targets_are_created_from_the_portal(client, tree):
    client.force_login(tree.acme_admin)
    response = client.post(
        reverse("web:target_create"), {"kind": "pbx_user", "name": "Bob"}, follow=True
    )
    assert "Bob is created." in messages_of(response)
    assert Target.objects.get(name="Bob").enterprise == tree.acme


def test_token_is_shown_once_then_revoked(client, tree):
    client.force_login(tree.acme_admin)
    response = client.post(reverse("web:token_list"), {"name": "CI", "scope": "read"})
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    again = client.get(reverse("web:token_list")).content.decode()
    assert key not in again
    token = ApiToken.objects.get(user=tree.acme_admin)
    client.post(reverse("web:token_revoke", args=[token.pk]), {"confirmed": "1"})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_a_viewer_cannot_create_a_write_token(client, tree):
    client.force_login(tree.acme_viewer)
    response = client.post(reverse("web:token_list"), {"name": "CI", "scope": "write"})
    assert "read-only role" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_someone_elses_token_is_not_found(client, tree):
    client.force_login(tree.acme_admin)
    client.post(reverse("web:token_list"), {"name": "mine", "scope": "read"})
    token = ApiToken.objects.get()
    client.force_login(tree.acme_viewer)
    assert client.get(reverse("web:token_revoke", args=[token.pk])).status_code == 404


def test_every_form_carries_a_csrf_token(client, tree, inventory):
    client.force_login(tree.master_admin)
    for url in (
        reverse("web:upload"),
        reverse("web:account_create"),
        reverse("web:token_list"),
        reverse("web:number_edit", args=[inventory.master_numbers[5].e164]),
    ):
        content = client.get(url).content.decode()
        assert content.count('method="post"') <= content.count("csrfmiddlewaretoken"), url


def test_audit_log_filters_by_number(client, tree, inventory):
    client.force_login(tree.acme_admin)
    e164 = inventory.acme_numbers[0].e164
    content = client.get(reverse("web:event_list") + f"?number={e164}").content.decode()
    assert "number.assigned" in content or "assigned" in content
    assert Event.objects.filter(number_e164=e164).exists()
    other = client.get(reverse("web:event_list") + "?number=%2B13125550100").content.decode()
    assert "No events match." in other


def test_unassign_one_channel_from_the_dialogs_url(client, tree, inventory):
    from didhub.numbers import services

    number = inventory.acme_numbers[0]
    services.number_assign(
        actor=tree.acme_admin, number=number, target=inventory.sales, channel="sms"
    )
    client.force_login(tree.acme_admin)
    url = reverse("web:number_unassign", args=[number.e164]) + "?channel=sms"
    client.post(url, {"confirmed": "1"})
    fresh = Number.objects.get(pk=number.pk)
    assert (fresh.voice_target_kind, fresh.sms_target_kind) == ("pbx_user", "")
