"""Adding numbers in one call (``didhub.imports.adding``): the upload's two phases,
all or none, and nothing else written than an upload writes."""

import pytest

from didhub.accounts import services as account_services
from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.imports import adding
from didhub.imports.choices import ImportSource, ImportState
from didhub.imports.models import Import, ImportRow
from didhub.numbers import services
from didhub.numbers.choices import NumberState, Route, Usage
from didhub.numbers.models import Number
from didhub.numbers.tests import conftest as numbers_fixtures
from didhub.numbers.tests.conftest import e, upload

outbox = numbers_fixtures.outbox  # the numbers app's fixture: what the sync outbox heard


def test_number_add_normalizes_raw_input_and_writes_what_an_upload_writes(tree, outbox):
    number = adding.number_add(
        actor=tree.master_admin,
        account=tree.master,
        e164="(212) 555-0100",
        country_code="1",
        voice=True,
        route=Route.DIRECT_ROUTING,
        tags=["b", "a", "a"],
    )
    assert number.e164 == "+12125550100"
    assert (number.country_code, number.region) == (1, "US")
    assert number.state == NumberState.AVAILABLE
    assert number.owner == tree.master and number.uploaded_by == tree.master
    assert number.tags == ";a;b;"
    assert not number.external
    run = Import.objects.get()
    assert number.source_import == run
    assert (run.source, run.state, run.committed) == (ImportSource.SINGLE, ImportState.DONE, 1)
    # The history of an upload: its creation and its commit, no event per number.
    actions = list(Event.objects.filter(import_id=run.pk).values_list("action", flat=True))
    assert sorted(actions) == ["import.committed", "import.created"]
    assert not Event.objects.filter(number_e164="+12125550100").exists()
    committed = Event.objects.get(action="import.committed")
    assert committed.actor_label == "admin@master.test"
    assert committed.account_id == tree.master.pk
    assert outbox == [{"action": "added", "import_id": run.pk}]
    assert not ImportRow.objects.exists(), "nothing stays staged"


def test_numbers_of_an_upload_are_found_by_their_moment(tree):
    made = adding.numbers_add_range(
        actor=tree.master_admin, account=tree.master, start=e(0), end=e(2)
    )
    moment = Number.objects.get(pk=made[0].pk).created_at
    assert Number.objects.filter(created_at=moment, updated_at=moment).count() == 3
    assert Number.objects.filter(created_at__lt=moment).count() == 0


def test_invalid_number_is_field_keyed_and_leaves_nothing(tree):
    with pytest.raises(ValidationFailed) as error:
        adding.number_add(actor=tree.master_admin, account=tree.master, e164="+1212555010")
    item = error.value.errors[0]
    assert item.field == "phone_number" and item.row is None
    assert "not a valid number" in item.message.lower()
    assert not Number.objects.exists()
    assert not Import.objects.exists()
    assert not Event.objects.filter(action__startswith="import.").exists()


def test_voice_needs_route_and_route_needs_voice(tree):
    with pytest.raises(ValidationFailed) as error:
        adding.number_add(actor=tree.master_admin, account=tree.master, e164=e(0), voice=True)
    assert error.value.errors[0].field == "route"
    with pytest.raises(ValidationFailed, match="Voice Route Type needs Voice TRUE"):
        adding.numbers_add(
            actor=tree.master_admin,
            account=tree.master,
            entries=[{"e164": e(0), "route": Route.DIRECT_ROUTING}],
        )
    # A route given for the whole upload is for its voice numbers: one without keeps none.
    number = adding.number_add(
        actor=tree.master_admin, account=tree.master, e164=e(0), route=Route.DIRECT_ROUTING
    )
    assert (number.voice, number.route) == (False, "")


def test_usage_user_has_fixed_cac_others_take_given_value(tree):
    user = upload(tree.master_admin, tree.master, 0, cac_limit=7)
    service = upload(tree.master_admin, tree.master, 1, usage=Usage.SERVICE, cac_limit=7)
    assert (user.cac_limit, service.cac_limit) == (2, 7)
    with pytest.raises(ValidationFailed) as error:
        upload(tree.master_admin, tree.master, 2, usage=Usage.SERVICE, cac_limit=0)
    assert error.value.errors[0].field == "cac_limit"
    with pytest.raises(ValidationFailed) as error:
        upload(tree.master_admin, tree.master, 2, usage="vip")
    assert error.value.errors[0].field == "usage"


def test_default_carriers_of_the_uploading_reseller_apply_per_capability(tree, catalog):
    voice_only = upload(tree.master_admin, tree.master, 0, sms=False)
    both = upload(tree.master_admin, tree.master, 1)
    chosen = upload(tree.master_admin, tree.master, 2, voice_carrier=catalog.other_carrier)
    later = upload(tree.master_admin, tree.master, 3, voice_carrier_later=True)
    assert (voice_only.voice_carrier_id, voice_only.sms_profile_id) == (catalog.carrier.pk, None)
    assert (both.voice_carrier_id, both.sms_profile_id) == (catalog.carrier.pk, catalog.profile.pk)
    assert chosen.voice_carrier_id == catalog.other_carrier.pk
    assert (later.voice_carrier_id, later.sms_profile_id) == (None, catalog.profile.pk)
    # Sub Reseller has no default of its own: Master's, above it, applies.
    from_sub = upload(tree.sub_admin, tree.sub, 4)
    assert from_sub.voice_carrier_id == catalog.carrier.pk


def test_foreign_carrier_is_refused(tree, catalog):
    with pytest.raises(ValidationFailed) as error:
        upload(tree.master_admin, tree.master, 0, voice_carrier=catalog.foreign_carrier)
    assert error.value.errors[0].field == "voice_carrier"
    assert not Import.objects.exists()


def test_calling_profile_is_given_by_name(tree, catalog):
    number = upload(tree.master_admin, tree.master, 0, calling_profile=catalog.calling)
    assert number.calling_profile == catalog.calling
    with pytest.raises(ValidationFailed) as error:
        upload(tree.master_admin, tree.master, 1, calling_profile="No such profile")
    assert error.value.errors[0].code == "unknown_calling_profile"


def test_location_country_refuses_other_country_codes(tree):
    account_services.account_update(
        actor=tree.master_admin, account=tree.sub, location_country="gb"
    )
    with pytest.raises(ValidationFailed, match=r"holds only \+44 numbers"):
        upload(tree.sub_admin, tree.sub, 0)
    number = adding.number_add(actor=tree.sub_admin, account=tree.sub, e164="+442079460000")
    assert number.region == "GB"


def test_numbers_add_is_all_or_nothing_with_row_keyed_errors(tree):
    entries = [
        {"e164": e(0)},
        {"e164": "+1212555"},
        {"e164": e(0)},
        {"e164": e(3), "voice": True},
    ]
    with pytest.raises(ValidationFailed) as error:
        adding.numbers_add(actor=tree.master_admin, account=tree.master, entries=entries)
    rows = {(item.row, item.code) for item in error.value.errors}
    assert rows == {(2, "too_short"), (3, "duplicate"), (4, "voice_without_route")}
    assert error.value.message == "3 rows are refused."
    assert not Number.objects.exists()
    assert not Import.objects.exists()


def test_numbers_add_answers_the_new_numbers_in_e164_order(tree):
    made = adding.numbers_add(
        actor=tree.master_admin,
        account=tree.master,
        entries=[{"e164": e(5), "fax": True}, e(1), {"phone_number": e(3), "sms": True}],
    )
    assert [(n.e164, n.fax, n.sms) for n in made] == [
        (e(1), False, False),
        (e(3), False, True),
        (e(5), True, False),
    ]
    assert Import.objects.get().source == ImportSource.LIST


def test_number_held_by_another_tenant_is_refused_without_naming_its_owner(tree):
    upload(tree.foreign_admin, tree.foreign, 0)
    with pytest.raises(ValidationFailed) as error:
        upload(tree.master_admin, tree.master, 0)
    assert error.value.errors[0].code == "not_available"
    assert "Foreign" not in error.value.message


def test_number_already_in_the_uploaders_inventory_is_refused(tree):
    held = upload(tree.master_admin, tree.acme, 0)
    with pytest.raises(ValidationFailed) as error:
        adding.numbers_add(actor=tree.master_admin, account=tree.master, entries=[e(1), e(0)])
    assert [(item.row, item.code) for item in error.value.errors] == [(2, "exists")]
    assert list(Number.objects.all()) == [held]


def test_reseller_uploads_straight_into_an_enterprise_below(tree):
    number = upload(tree.master_admin, tree.acme, 0)
    assert (number.owner, number.uploaded_by, number.external) == (tree.acme, tree.master, False)


def test_enterprise_uploads_only_when_allowed_and_numbers_are_external(tree):
    with pytest.raises(PolicyDenied, match="Allow External Numbers"):
        upload(tree.acme_admin, tree.acme, 0)
    number = upload(tree.globex_admin, tree.globex, 1)
    assert number.external and number.uploaded_by == tree.globex


def test_upload_into_foreign_or_sibling_account_is_not_visible(tree):
    with pytest.raises(NotVisible):
        upload(tree.master_admin, tree.initech, 0)
    with pytest.raises(NotVisible):
        upload(tree.globex_admin, tree.acme, 0)
    with pytest.raises(PolicyDenied):
        upload(tree.platform_viewer, tree.master, 0)
    assert not Import.objects.exists()


def test_porting_numbers_wait_for_the_port(tree, outbox):
    number = upload(tree.master_admin, tree.master, 0, porting=True)
    assert number.state == NumberState.PORTING_IN
    with pytest.raises(NotVisible):
        services.number_port_complete(actor=tree.foreign_admin, number=number)
    with pytest.raises(PolicyDenied):
        services.number_port_complete(actor=tree.platform_viewer, number=number)
    number = services.number_port_complete(actor=tree.master_admin, number=number)
    assert number.state == NumberState.AVAILABLE
    event = Event.objects.get(action="number.port_completed")
    assert (event.before, event.after) == ({"state": "porting_in"}, {"state": "available"})
    assert outbox[-1]["action"] == "port_completed"
    with pytest.raises(Conflict, match="not porting in"):
        services.number_port_complete(actor=tree.master_admin, number=number)


def test_range_adds_every_number_and_refuses_oversized_ranges(tree):
    made = adding.numbers_add_range(
        actor=tree.master_admin, account=tree.master, start=e(10), end=e(19), voice=False
    )
    assert [n.e164 for n in made] == [e(n) for n in range(10, 20)]
    run = Import.objects.get()
    assert (run.source, run.committed) == (ImportSource.RANGE, 10)
    assert Event.objects.get(action="import.committed").after["committed"] == 10
    with pytest.raises(ValidationFailed) as error:
        adding.numbers_add_range(
            actor=tree.master_admin, account=tree.master, start="+12125500000", end="+12125700000"
        )
    assert (error.value.errors[0].field, error.value.errors[0].code) == ("range_end", "bad_range")
    with pytest.raises(ValidationFailed, match="comes before"):
        adding.numbers_add_range(
            actor=tree.master_admin, account=tree.master, start=e(19), end=e(10)
        )
    assert Import.objects.count() == 1


def test_range_reports_the_invalid_numbers_inside_it(tree):
    # Jamaica's exchange 222 (+1 876 222) is not allocated; 221 and 223 are.
    with pytest.raises(ValidationFailed) as error:
        adding.numbers_add_range(
            actor=tree.master_admin, account=tree.master, start="+18762219999", end="+18762230000"
        )
    rows = [item.row for item in error.value.errors]
    assert len(rows) == 10_000
    assert error.value.message == "10,000 numbers of the range are refused."
    assert (rows[0], rows[-1]) == ("+18762220000", "+18762229999")
    assert {item.code for item in error.value.errors} == {"invalid"}
    assert not Number.objects.exists()


def test_range_whose_ends_are_not_numbers_is_refused_as_one_row(tree):
    # Exchange 199 does not exist in NANP; exchange 200 does.
    with pytest.raises(ValidationFailed) as error:
        adding.numbers_add_range(
            actor=tree.master_admin, account=tree.master, start="+12121999998", end="+12122000001"
        )
    [item] = error.value.errors
    assert (item.field, item.row, item.code) == ("phone_number", "+12121999998", "invalid")
    assert not Number.objects.exists()


def test_unknown_attribute_is_refused(tree):
    with pytest.raises(ValidationFailed, match="No column default for colour"):
        adding.number_add(actor=tree.master_admin, account=tree.master, e164=e(0), colour="red")
