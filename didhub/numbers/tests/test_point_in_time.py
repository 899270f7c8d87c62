"""Who held a number, and who used it, at a given moment (replayed from history)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from didhub.core.errors import NotVisible, ValidationFailed
from didhub.imports import adding
from didhub.numbers import selectors, services
from didhub.numbers.choices import Route, TargetKind

E164 = "+12125550150"


@pytest.fixture
def life(tree):
    """One number's whole life, with the moment after each step."""
    moments = {"before": timezone.now()}
    number = adding.number_add(
        actor=tree.master_admin,
        account=tree.master,
        e164=E164,
        voice=True,
        sms=True,
        route=Route.DIRECT_ROUTING,
    )
    moments["added"] = timezone.now()
    services.numbers_delegate(actor=tree.master_admin, numbers=[number], to_account=tree.sub)
    services.numbers_delegate(actor=tree.sub_admin, numbers=[number], to_account=tree.acme)
    moments["delegated"] = timezone.now()
    alice = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind=TargetKind.PBX_USER, name="Alice"
    )
    texts = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind=TargetKind.SMS_GROUP, name="Texts"
    )
    services.number_assign(actor=tree.acme_admin, number=number, target=alice)
    services.number_assign(actor=tree.acme_admin, number=number, target=texts)
    moments["assigned"] = timezone.now()
    services.number_unassign(actor=tree.acme_admin, number=number, channel="voice")
    moments["voice_freed"] = timezone.now()
    services.number_release(actor=tree.acme_admin, number=number)
    moments["released"] = timezone.now()
    services.number_restore(actor=tree.acme_admin, number=number)
    moments["restored"] = timezone.now()
    services.number_unassign(actor=tree.acme_admin, number=number)
    services.numbers_reclaim(actor=tree.master_admin, numbers=[number])
    services.number_delete(actor=tree.master_admin, number=number)
    moments["deleted"] = timezone.now()
    return moments, alice, texts


def at(user, when):
    return selectors.number_at(user=user, e164=E164, when=when)


def test_owner_and_users_at_each_moment(tree, life):
    moments, alice, texts = life
    admin = tree.platform_viewer
    alice_ref = {"id": alice.pk, "name": "Alice", "kind": TargetKind.PBX_USER}
    texts_ref = {"id": texts.pk, "name": "Texts", "kind": TargetKind.SMS_GROUP}
    master = {"id": tree.master.pk, "name": "Master Reseller"}
    acme = {"id": tree.acme.pk, "name": "Acme Corp"}
    sub = {"id": tree.sub.pk, "name": "Sub Reseller"}
    expected = {
        "before": (False, None, None, {}),
        "added": (True, master, "available", {}),
        "delegated": (True, acme, "available", {}),
        "assigned": (True, acme, "assigned", {"sms": texts_ref, "voice": alice_ref}),
        "voice_freed": (True, acme, "assigned", {"sms": texts_ref}),
        "released": (True, sub, "aging", {}),
        "restored": (True, acme, "assigned", {"sms": texts_ref}),
        "deleted": (False, None, None, {}),
    }
    for moment, (existed, owner, state, assignments) in expected.items():
        answer = at(admin, moments[moment])
        assert (
            answer["existed"],
            answer["owner"],
            answer["state"],
            answer["assignments"],
        ) == (existed, owner, state, assignments), moment


def test_answer_names_the_number_the_moment_and_the_last_event(tree, life):
    moments, _, _ = life
    answer = selectors.number_at(
        user=tree.platform_admin, e164="1 (212) 555-0150", when=moments["delegated"]
    )
    assert answer["e164"] == E164
    assert answer["when"] == moments["delegated"]
    assert answer["last_event"]["action"] == "number.delegated"


def test_names_survive_later_deletion_of_the_target(tree, life):
    moments, alice, _ = life
    services.target_delete(actor=tree.acme_admin, target=alice)
    assert at(tree.acme_admin, moments["assigned"])["assignments"]["voice"]["name"] == "Alice"


def test_an_enterprise_hears_only_about_its_own_time(tree, life):
    moments, _, _ = life
    assert at(tree.acme_admin, moments["assigned"])["owner"]["name"] == "Acme Corp"
    # Held by its reseller then: not disclosed to the enterprise.
    for moment in ("added", "released"):
        with pytest.raises(NotVisible):
            at(tree.acme_admin, moments[moment])
    # It may see some of the number's history, so "did not exist yet" is no secret.
    assert at(tree.acme_admin, moments["before"])["existed"] is False


def test_a_foreign_tenant_learns_nothing(tree, life):
    moments, _, _ = life
    for moment in ("before", "assigned", "deleted"):
        with pytest.raises(NotVisible):
            at(tree.foreign_admin, moments[moment])


def test_when_accepts_dates_and_iso_text(tree, life):
    moments, _, _ = life
    assert at(tree.platform_admin, "2000-01-01")["existed"] is False
    iso = moments["assigned"].isoformat()
    assert at(tree.platform_admin, iso)["state"] == "assigned"
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert at(tree.platform_admin, tomorrow)["existed"] is False


@pytest.mark.parametrize(
    ("e164", "when", "field"), [("", "2025-01-01", "e164"), (E164, "soon", "when")]
)
def test_bad_input_names_its_field(tree, e164, when, field):
    with pytest.raises(ValidationFailed) as error:
        selectors.number_at(user=tree.platform_admin, e164=e164, when=when)
    assert [item.field for item in error.value.errors] == [field]


def test_unknown_number_existed_never(tree):
    answer = selectors.number_at(user=tree.platform_admin, e164="+19175550000", when=timezone.now())
    assert (answer["existed"], answer["owner"], answer["last_event"]) == (False, None, None)
    with pytest.raises(NotVisible):
        selectors.number_at(user=tree.master_admin, e164="+19175550000", when=timezone.now())
