"""Names reach the platforms: a number's document shows its targets' names and external
ids and its carrier and profiles' names, so editing one of those queues every linked
number showing it, in the edit's own transaction, with one statement."""

import pytest
from django.db import transaction

from didhub.core.models import Event
from didhub.numbers import services as number_services
from didhub.numbers.choices import SyncState, TargetKind
from didhub.numbers.models import CallingProfile, Carrier, Number, SmsProfile, Target
from didhub.sync import delivery, services
from didhub.sync.choices import LinkMode
from didhub.sync.documents import SHOWN_FIELDS, documents
from didhub.sync.models import SyncChange
from didhub.sync.tests.conftest import add_range, webhook_link

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9"
VOICE = {"voice": True, "sms": True, "route": "direct_routing"}


def queued(**filters) -> list[tuple]:
    return list(
        SyncChange.objects.filter(**filters).order_by("id").values_list("link_id", "e164", "action")
    )


def assigned(tree, enterprise, admin, start: str, count: int, name: str):
    """``count`` numbers of ``enterprise`` assigned to a new PBX user ``name``."""
    numbers = add_range(tree, enterprise, start, count, **VOICE)
    target = number_services.target_create(
        actor=admin, enterprise=enterprise, kind=TargetKind.PBX_USER, name=name
    )
    for number in numbers:
        number_services.number_assign(actor=admin, number=number, target=target)
    return target, numbers


def test_renaming_a_target_queues_each_number_assigned_to_it(tree, catalog):
    link, _ = webhook_link(tree, URL)
    target, numbers = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 3, "Ann")
    # Another target's number and an unassigned number of the same enterprise stay put.
    assigned(tree, tree.acme, tree.acme_admin, "+12125550200", 1, "Bob")
    add_range(tree, tree.acme, "+12125550300", 1, **VOICE)
    SyncChange.objects.all().delete()
    Number.objects.update(sync_state=SyncState.READY)

    number_services.target_update(actor=tree.acme_admin, target=target, name="Ann Smith")

    assert queued() == [(link.pk, number.e164, "target_updated") for number in numbers]
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert {states[number.e164] for number in numbers} == {SyncState.PENDING}
    assert states["+12125550200"] == states["+12125550300"] == SyncState.READY
    event = Event.objects.get(action="target.updated")
    assert event.after == {"name": "Ann Smith"}


def test_a_new_external_id_is_queued_too_but_not_an_email(tree, catalog):
    webhook_link(tree, URL)
    target, numbers = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 2, "Ann")
    SyncChange.objects.all().delete()

    number_services.target_update(actor=tree.acme_admin, target=target, email="ann@acme.test")
    assert queued() == []
    number_services.target_update(actor=tree.acme_admin, target=target, external_id="ext-7")
    assert [e164 for _, e164, _ in queued()] == [number.e164 for number in numbers]


def test_renaming_a_carrier_queues_its_numbers_under_each_enterprises_link(tree, catalog):
    acme_link, _ = webhook_link(tree, URL)
    globex_link, _ = webhook_link(tree, URL, enterprise=tree.globex)
    add_range(tree, tree.acme, "+12125550100", 2, **VOICE)
    add_range(tree, tree.globex, "+12125550200", 1, **VOICE)
    # The reseller's own numbers, and numbers of another carrier, are not linked to it.
    add_range(tree, tree.master, "+12125550300", 1, **VOICE)
    add_range(tree, tree.acme, "+12125550400", 1, **VOICE, voice_carrier=catalog.other_carrier)
    SyncChange.objects.all().delete()

    number_services.carrier_update(actor=tree.master_admin, carrier=catalog.carrier, name="TM2")

    assert queued() == [
        (acme_link.pk, "+12125550100", "carrier_updated"),
        (acme_link.pk, "+12125550101", "carrier_updated"),
        (globex_link.pk, "+12125550200", "carrier_updated"),
    ]
    docs = documents(enterprise_id=tree.acme.pk)
    assert docs["+12125550100"]["voice_carrier"] == "TM2"
    assert docs["+12125550400"]["voice_carrier"] == "Lumen"


@pytest.mark.parametrize(
    ("edit", "changes", "action"),
    [
        ("sms_profile", {"name": "BW live"}, "sms_profile_updated"),
        ("sms_profile", {"carrier_name": "Sinch"}, "sms_profile_updated"),
        ("calling", {"name": "Contact Center"}, "calling_profile_updated"),
        ("calling", {"sbc_device": "sbc-2"}, "calling_profile_updated"),
    ],
)
def test_editing_a_profile_queues_the_numbers_using_it(tree, catalog, edit, changes, action):
    link, _ = webhook_link(tree, URL)
    numbers = add_range(
        tree, tree.acme, "+12125550100", 2, **VOICE, calling_profile=catalog.calling
    )
    SyncChange.objects.all().delete()

    if edit == "sms_profile":
        number_services.sms_profile_update(
            actor=tree.master_admin, sms_profile=catalog.profile, **changes
        )
    else:
        number_services.calling_profile_update(
            actor=tree.master_admin, calling_profile=catalog.calling, **changes
        )

    assert queued() == [(link.pk, number.e164, action) for number in numbers]


def test_a_rolled_back_rename_queues_nothing(tree, catalog):
    webhook_link(tree, URL)
    target, _ = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 2, "Ann")
    SyncChange.objects.all().delete()
    Number.objects.update(sync_state=SyncState.READY)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        number_services.target_update(actor=tree.acme_admin, target=target, name="Ann Smith")
        number_services.carrier_update(actor=tree.master_admin, carrier=catalog.carrier, name="X")
        assert len(queued()) == 4
        raise Abort
    assert queued() == []
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.READY}
    target.refresh_from_db()
    assert target.name == "Ann"


def test_numbers_of_unlinked_enterprises_queue_nothing(tree, catalog):
    target, _ = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 2, "Ann")
    add_range(tree, tree.globex, "+12125550200", 1, **VOICE)
    number_services.target_update(actor=tree.acme_admin, target=target, name="Ann Smith")
    number_services.carrier_update(actor=tree.master_admin, carrier=catalog.carrier, name="X")
    assert SyncChange.objects.count() == 0
    assert set(Number.objects.values_list("sync_state", flat=True)) == {SyncState.NOT_LINKED}


def test_links_waiting_for_consent_or_disabled_queue_nothing(tree, catalog):
    webhook_link(tree, URL, mode=LinkMode.NON_INTEGRATED)
    disabled, _ = webhook_link(tree, URL, enterprise=tree.globex)
    target, _ = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 1, "Ann")
    add_range(tree, tree.globex, "+12125550200", 1, **VOICE)
    services.link_disable(actor=tree.master_admin, link=disabled)

    number_services.target_update(actor=tree.acme_admin, target=target, name="Ann Smith")
    number_services.carrier_update(actor=tree.master_admin, carrier=catalog.carrier, name="X")

    assert SyncChange.objects.count() == 0
    states = dict(Number.objects.values_list("e164", "sync_state"))
    assert states == {"+12125550100": SyncState.PENDING_CONSENT, "+12125550200": "not_linked"}


@pytest.mark.parametrize("count", [2, 60])
def test_a_rename_costs_the_same_statements_for_any_number_of_numbers(
    tree, catalog, django_assert_num_queries, count
):
    webhook_link(tree, URL)
    webhook_link(tree, URL, enterprise=tree.globex)
    add_range(tree, tree.acme, "+12125550100", count, **VOICE)
    add_range(tree, tree.globex, "+12125551100", count, **VOICE)
    SyncChange.objects.all().delete()

    # Savepoints, the carrier, its owner, the save, the event; then the links, one
    # INSERT ... SELECT for both enterprises and one UPDATE of their sync states.
    with django_assert_num_queries(11):
        number_services.carrier_update(actor=tree.master_admin, carrier=catalog.carrier, name="X")
    assert SyncChange.objects.count() == 2 * count


def test_the_platform_receives_the_new_name(tree, catalog, receiver, fast_retries):
    webhook_link(tree, receiver.url)
    target, _ = assigned(tree, tree.acme, tree.acme_admin, "+12125550100", 1, "Ann")
    delivery.deliver_all()
    number_services.target_update(actor=tree.acme_admin, target=target, name="Ann Smith")
    number_services.carrier_update(actor=tree.master_admin, carrier=catalog.carrier, name="TM2")

    delivery.deliver_all()
    last = receiver.accepted()[-1].json()["data"]["numbers"]
    assert [item["changes"] for item in last] == [["target_updated", "carrier_updated"]]
    (item,) = last
    assert item["op"] == "update"
    assert item["number"]["assignments"][0]["target_name"] == "Ann Smith"
    assert item["number"]["voice_carrier"] == "TM2"
    assert Number.objects.get().sync_state == SyncState.READY


EDITABLE = {
    Carrier: {"name": "Renamed"},
    SmsProfile: {"carrier_name": "Renamed", "name": "Renamed"},
    CallingProfile: {"name": "Renamed", "sbc_device": "sbc-renamed"},
    Target: {
        "kind": TargetKind.CALLAPP_USER,
        "name": "Renamed",
        "external_id": "ext-renamed",
        "email": "renamed@acme.test",
    },
}


@pytest.mark.parametrize(
    ("model", "field"), [(model, field) for model, fields in EDITABLE.items() for field in fields]
)
def test_shown_fields_are_exactly_those_a_document_shows(tree, catalog, model, field):
    """Editing a field outside ``SHOWN_FIELDS`` would change no document, and editing one
    inside it would, so the outbox queues exactly the edits the platforms must hear of."""
    (number,) = add_range(
        tree, tree.acme, "+12125550100", 1, **VOICE, calling_profile=catalog.calling
    )
    target = number_services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind=TargetKind.PBX_USER, name="Ann"
    )
    number_services.number_assign(actor=tree.acme_admin, number=number, target=target)
    objects = {
        Carrier: catalog.carrier,
        SmsProfile: catalog.profile,
        CallingProfile: catalog.calling,
        Target: target,
    }
    before = documents(enterprise_id=tree.acme.pk)[number.e164]
    model.objects.filter(pk=objects[model].pk).update(**{field: EDITABLE[model][field]})
    after = documents(enterprise_id=tree.acme.pk)[number.e164]
    assert (before != after) == (field in SHOWN_FIELDS[model])
