"""Every path that puts numbers in an account applies the same rules, as a user meets them.

The location country (an Italian enterprise holds only +39 numbers) is refused alike by
an upload, a delegation through the API (listed numbers or a filter), the portal's single
and bulk delegation, a reclaim to an account below, and a restore; every refused number
is reported with the same reason. A default carrier or profile an account may not use
(a sibling's) is refused by the API and the portal; numbers, bulk changes and uploads
refuse them too.
"""

import pytest
from django.urls import reverse

from didhub.accounts import services as account_services
from didhub.accounts.choices import AccountKind
from didhub.accounts.models import Account
from didhub.imports import adding
from didhub.numbers import account_defaults, services
from didhub.numbers.choices import NumberState
from didhub.numbers.models import AccountDefaults, Number

REASON = "Tailspin Italia holds only +39 numbers (location IT), not +1."
ITALIAN = "+390212345678"


@pytest.fixture
def italia(tree, world):
    """An Italian enterprise below Master, and an Italian number in Master's stock."""
    account = account_services.account_create(
        actor=tree.master_admin,
        parent=tree.master,
        name="Tailspin Italia",
        kind=AccountKind.ENTERPRISE,
        location_country="IT",
    )
    adding.numbers_add(actor=tree.master_admin, account=tree.master, entries=[{"e164": ITALIAN}])
    return account


def owner_of(e164: str) -> Account:
    return Number.objects.select_related("owner").get(e164=e164).owner


def refused(response) -> dict[str, tuple[str, str]]:
    """The refused numbers of a problem answer: {number: (code, message)}."""
    return {item["row"]: (item["code"], item["message"]) for item in response.json()["errors"]}


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# -- the country rule ---------------------------------------------------------------


def test_an_upload_refuses_a_number_of_another_country(tree, api, italia):
    client = api("master_admin")
    response = client.post(
        "/api/v1/imports/",
        {"account": italia.pk, "numbers": ["+12125550177", "+390212345679"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["valid"], body["invalid"]) == (1, 1)
    (error,) = body["errors"]
    # The same rule and the same words as a delegation (below).
    assert (error["code"], error["message"]) == (
        "wrong_country",
        "This account holds only +39 numbers (location IT), not +1.",
    )


def test_api_delegation_refuses_every_number_of_another_country(tree, api, italia):
    listed = ["+12125550105", "+12125550106", ITALIAN]
    response = api("master_admin").post(
        "/api/v1/numbers/bulk/",
        {"action": "delegate", "numbers": listed, "to_account": italia.pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert refused(response) == {
        text: ("wrong_country", f"{text}: {REASON}") for text in ("+12125550105", "+12125550106")
    }
    # All or nothing: the Italian number did not move either.
    assert {owner_of(text) for text in listed} == {tree.master}

    response = api("master_admin").post(
        "/api/v1/numbers/bulk/",
        {"action": "delegate", "numbers": [ITALIAN], "to_account": italia.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert owner_of(ITALIAN) == italia


def test_api_delegation_by_filter_reports_every_refused_number(tree, api, italia):
    response = api("master_admin").post(
        "/api/v1/numbers/bulk/",
        {
            "action": "delegate",
            "filter": {"owner": tree.master.pk, "owner_exact": True, "country_code": 1},
            "to_account": italia.pk,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert sorted(refused(response)) == [f"+121255501{n:02d}" for n in range(5, 10)]
    assert not Number.objects.filter(owner=italia).exists()


def test_portal_single_delegation_refuses_another_country(client, tree, italia):
    client.force_login(tree.master_admin)
    url = reverse("web:number_delegate", args=["+12125550107"])
    response = client.post(url, {"to_account": italia.pk}, follow=True)
    assert REASON in response.content.decode()
    assert owner_of("+12125550107") == tree.master


def test_portal_bulk_delegation_lists_every_refused_number(client, tree, italia):
    client.force_login(tree.master_admin)
    response = client.post(
        reverse("web:number_bulk"),
        {
            "action": "delegate",
            "numbers": ["+12125550108", "+12125550109"],
            "to_account": italia.pk,
            "confirmed": "1",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing was changed." in messages_of(response)
    for text in ("+12125550108", "+12125550109"):
        assert f"{text}: {REASON}" in page
        assert owner_of(text) == tree.master


def test_reclaim_to_an_account_below_applies_its_country(tree, api, world):
    account_services.account_update(
        actor=tree.master_admin, account=tree.sub, location_country="IT"
    )
    client = api("master_admin")
    # Acme's unused +1 number, taken back up to Sub (Italian now): refused.
    response = client.post(
        "/api/v1/numbers/bulk/",
        {"action": "reclaim", "numbers": ["+12125550103"], "to_account": tree.sub.pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert refused(response) == {
        "+12125550103": (
            "wrong_country",
            "+12125550103: Sub Reseller holds only +39 numbers (location IT), not +1.",
        )
    }
    assert owner_of("+12125550103") == tree.acme
    # To Master, which has no location country, it goes.
    response = client.post(
        "/api/v1/numbers/bulk/",
        {"action": "reclaim", "numbers": ["+12125550103"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert owner_of("+12125550103") == tree.master


def test_restore_applies_the_country_the_enterprise_has_now(client, tree, api, world):
    number = "+12125550104"
    assert api("acme_admin").post(f"/api/v1/numbers/{number}/release/").status_code == 200
    account_services.account_update(actor=tree.sub_admin, account=tree.acme, location_country="IT")
    client.force_login(tree.acme_admin)
    response = client.post(
        reverse("web:number_restore", args=[number]), {"confirmed": "1"}, follow=True
    )
    assert "Acme Corp holds only +39 numbers (location IT), not +1." in messages_of(response)
    stored = Number.objects.get(e164=number)
    assert (stored.owner, stored.state) == (tree.sub, NumberState.AGING)


# -- which carriers and profiles an account may use ---------------------------------


@pytest.fixture
def sibling_catalog(tree):
    """A carrier and an SMS profile of Sub Reseller, the sibling of Globex below Master."""
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.sub, name="Sub Voice")
    profile = services.sms_profile_create(
        actor=tree.master_admin, owner=tree.sub, carrier_name="Sinch", name="Sub SMS"
    )
    return carrier, profile


@pytest.mark.parametrize("field", ["default_voice_carrier", "default_sms_profile"])
def test_api_refuses_a_default_the_account_cannot_use(tree, api, world, sibling_catalog, field):
    entry = sibling_catalog[0] if field == "default_voice_carrier" else sibling_catalog[1]
    client = api("master_admin")
    response = client.patch(f"/api/v1/accounts/{tree.globex.pk}/", {field: entry.pk}, format="json")
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, "not_usable")
    assert account_defaults.stored(tree.globex)[field] is None

    # Master's own carrier and profile are Globex's to use.
    own = world.carrier if field == "default_voice_carrier" else world.sms_profile
    response = client.patch(f"/api/v1/accounts/{tree.globex.pk}/", {field: own.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()[field] == own.pk


def test_api_refuses_a_new_account_with_a_default_it_cannot_use(tree, api, sibling_catalog):
    response = api("master_admin").post(
        "/api/v1/accounts/",
        {
            "parent": tree.master.pk,
            "name": "Wide World Importers",
            "kind": "enterprise",
            "default_voice_carrier": sibling_catalog[0].pk,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "default_voice_carrier"
    assert not Account.objects.filter(name="Wide World Importers").exists()


def test_portal_account_form_offers_exactly_the_usable_catalog(client, tree, sibling_catalog):
    carrier, _ = sibling_catalog
    client.force_login(tree.master_admin)
    # Sub's own carrier is Sub's to use as its default...
    edit_sub = reverse("web:account_edit", args=[tree.sub.pk])
    assert ">Sub Voice<" in client.get(edit_sub).content.decode()
    # ...but not Globex's: not offered, and refused beside the field when posted.
    edit_globex = reverse("web:account_edit", args=[tree.globex.pk])
    assert ">Sub Voice<" not in client.get(edit_globex).content.decode()
    response = client.post(
        edit_globex, {"name": "Globex", "aging_days": 90, "default_voice_carrier": carrier.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["default_voice_carrier"]
    assert account_defaults.stored(tree.globex)["default_voice_carrier"] is None
    response = client.post(
        edit_sub, {"name": "Sub Reseller", "aging_days": 90, "default_voice_carrier": carrier.pk}
    )
    assert response.status_code == 302
    assert account_defaults.stored(tree.sub)["default_voice_carrier"] == carrier.pk


def test_numbers_and_uploads_refuse_a_carrier_the_holder_cannot_use(
    tree, api, world, sibling_catalog
):
    carrier, _ = sibling_catalog
    client = api("master_admin")
    client.post(
        "/api/v1/numbers/bulk/",
        {"action": "delegate", "numbers": ["+12125550105"], "to_account": tree.globex.pk},
        format="json",
    )
    single = client.patch(
        "/api/v1/numbers/+12125550105/", {"voice_carrier": carrier.pk}, format="json"
    )
    bulk = client.post(
        "/api/v1/numbers/bulk/",
        {
            "action": "update",
            "numbers": ["+12125550105"],
            "changes": {"voice_carrier": carrier.pk},
        },
        format="json",
    )
    upload = client.post(
        "/api/v1/imports/",
        {"account": tree.globex.pk, "numbers": ["+12125550178"], "voice_carrier": carrier.pk},
        format="json",
    )
    assert [single.status_code, bulk.status_code, upload.status_code] == [400, 400, 400]
    assert Number.objects.get(e164="+12125550105").voice_carrier_id == world.carrier.pk


def test_a_default_stored_before_the_rule_does_not_block_other_settings(tree, api, sibling_catalog):
    carrier, _ = sibling_catalog
    AccountDefaults.objects.create(account=tree.globex, voice_carrier=carrier)
    client = api("master_admin")
    response = client.patch(
        f"/api/v1/accounts/{tree.globex.pk}/", {"aging_days": 30}, format="json"
    )
    assert response.status_code == 200, response.content
    # Choosing it again is refused like any unusable default.
    response = client.patch(
        f"/api/v1/accounts/{tree.globex.pk}/", {"default_voice_carrier": carrier.pk}, format="json"
    )
    assert response.status_code == 400
