"""Reading numbers, targets, catalogs and events: the gate, N+1-free lists, counts."""

import pytest
from django.db import connection

from didhub.accounts.events import event_list
from didhub.accounts.models import User
from didhub.core.counting import count_with_estimate
from didhub.core.errors import NotVisible, ValidationFailed
from didhub.numbers import selectors, services
from didhub.numbers.selectors.history import timeline
from didhub.numbers.tests import test_selectors_inventory as shared
from didhub.numbers.tests.test_selectors_inventory import NUMBERS

ACME = {label for label, (_, owner, _) in NUMBERS.items() if owner == "acme"} - {"aging"}
GLOBEX = {"globex_external", "globex_pbx"}
SUB = ACME | {"aging", "sub_voice"}
MASTER = SUB | GLOBEX | {"porting", "master_voice", "master_sms"}
FOREIGN = {"initech_free", "initech_pbx"}


# One inventory for the whole module, rolled back after it (see shared_inventory).
shared_inventory = shared.shared_inventory


@pytest.fixture
def inventory(shared_inventory, db):
    return shared_inventory


def visible(user) -> set[str]:
    return set(selectors.number_list(user=user).values_list("e164", flat=True))


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("platform_admin", MASTER | FOREIGN),
        ("platform_viewer", MASTER | FOREIGN),
        ("master_admin", MASTER),
        ("sub_admin", SUB),
        ("acme_admin", ACME),
        ("acme_viewer", ACME),
        ("globex_admin", GLOBEX),
        ("foreign_admin", FOREIGN),
        ("initech_admin", FOREIGN),
    ],
)
def test_each_user_sees_its_subtree_never_a_sibling_or_parent(inventory, user, expected):
    assert visible(getattr(inventory.tree, user)) == inventory.e164s(*expected)


def test_anonymous_sees_nothing(inventory):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()


def test_list_with_relations_costs_two_queries_for_any_page(
    inventory, django_assert_max_num_queries
):
    tree = inventory.tree
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Lumen")
    services.number_update(
        actor=tree.master_admin, number=inventory.numbers["master_voice"], voice_carrier=carrier
    )
    admin = User.objects.select_related("account").get(pk=tree.master_admin.pk)
    with django_assert_max_num_queries(2):
        rows = [
            (
                number.e164,
                number.owner.name,
                number.uploaded_by.name,
                str(number.voice_carrier or ""),
                str(number.sms_profile or ""),
                [(a.channel, a.target.name) for a in number.assignments.all()],
            )
            for number in selectors.number_list(user=admin, with_related=True)
        ]
    assert len(rows) == len(MASTER)
    by_number = {row[0]: row for row in rows}
    assert by_number[inventory.numbers["pbx_and_sms"].e164][5] == [
        ("sms", "Support texts"),
        ("voice", "Bob"),
    ]
    assert by_number[inventory.numbers["master_voice"].e164][3] == "Lumen"


@pytest.mark.parametrize(
    "text", ["+12125550101", "12125550101", " 12125550101", "+1 (212) 555-0101"]
)
def test_number_get_accepts_every_spelling(inventory, text):
    number = selectors.number_get(user=inventory.tree.acme_admin, e164=text)
    assert number.e164 == "+12125550101"
    assert [a.target.name for a in number.assignments.all()] == ["Alice"]


@pytest.mark.parametrize("text", ["+442071234501", "+19999999999", "", "not a number"])
def test_number_get_hides_foreign_and_missing_numbers_alike(inventory, text):
    with pytest.raises(NotVisible):
        selectors.number_get(user=inventory.tree.master_admin, e164=text)


def test_history_is_newest_first_and_only_what_the_user_may_see(inventory):
    tree = inventory.tree
    pbx = inventory.numbers["pbx"]
    actions = [
        event.action for event in selectors.number_history(user=tree.master_admin, number=pbx)
    ]
    # It came in by an upload: its history starts with the upload's one commit event.
    assert actions == [
        "number.assigned",
        "number.delegated",
        "number.delegated",
        "import.committed",
    ]
    acme_actions = [
        event.action for event in selectors.number_history(user=tree.acme_admin, number=pbx)
    ]
    assert acme_actions == ["number.assigned", "number.delegated"]
    with pytest.raises(NotVisible):
        selectors.number_history(user=tree.foreign_admin, number=pbx)


def test_history_outlives_the_number(inventory):
    tree = inventory.tree
    number = inventory.numbers["master_voice"]
    services.number_delete(actor=tree.master_admin, number=number)
    events = event_list(user=tree.master_admin, filters={"number": number.e164})
    assert [event.action for event in events] == ["number.deleted"]
    # The deletion keeps the upload the number came from, where its history starts.
    assert events[0].import_id == number.source_import_id is not None
    moment = events[0].at
    assert [event.action for event in timeline(number.e164, moment)] == [
        "import.committed",
        "number.deleted",
    ]


def test_targets_by_gate_kind_and_name(inventory):
    tree = inventory.tree
    acme_names = set(selectors.target_list(user=tree.acme_admin).values_list("name", flat=True))
    assert "Alice" in acme_names and "Gus" not in acme_names and "Peter" not in acme_names
    assert set(selectors.target_list(user=tree.master_admin).values_list("name", flat=True)) == (
        acme_names | {"Gus"}
    )
    sms = selectors.target_list(user=tree.master_admin, filters={"kind": "sms_user,sms_group"})
    assert sorted(sms.values_list("name", flat=True)) == ["Dave texts", "Support texts"]
    named = selectors.target_list(user=tree.master_admin, filters={"q": "trunk"})
    assert sorted(named.values_list("name", flat=True)) == ["Main trunk"]
    by_enterprise = selectors.target_list(
        user=tree.platform_admin, filters={"enterprise": tree.globex.pk}
    )
    assert list(by_enterprise.values_list("name", flat=True)) == ["Gus"]
    with pytest.raises(ValidationFailed) as error:
        selectors.target_list(user=tree.master_admin, filters={"kind": "robot"})
    assert [item.field for item in error.value.errors] == ["kind"]


def test_target_get_hides_foreign_and_malformed_ids(inventory):
    tree = inventory.tree
    alice = inventory.targets["Alice"]
    assert selectors.target_get(user=tree.sub_admin, pk=str(alice.pk)) == alice
    for user, pk in (
        (tree.globex_admin, alice.pk),
        (tree.acme_admin, "x"),
        (tree.acme_admin, None),
    ):
        with pytest.raises(NotVisible):
            selectors.target_get(user=user, pk=pk)


def test_catalogs_are_visible_below_their_owner_and_to_the_owner_above(inventory):
    tree = inventory.tree
    root_carrier = services.carrier_create(actor=tree.platform_admin, owner=tree.root, name="Tier1")
    master_carrier = services.carrier_create(
        actor=tree.master_admin, owner=tree.master, name="Lumen"
    )
    sub_carrier = services.carrier_create(actor=tree.sub_admin, owner=tree.sub, name="Local")
    foreign_carrier = services.carrier_create(
        actor=tree.foreign_admin, owner=tree.foreign, name="Elsewhere"
    )

    def names(user):
        return list(selectors.carrier_list(user=user).values_list("name", flat=True))

    assert names(tree.platform_viewer) == ["Elsewhere", "Local", "Lumen", "Tier1"]
    assert names(tree.master_admin) == ["Local", "Lumen", "Tier1"]
    assert names(tree.acme_admin) == ["Local", "Lumen", "Tier1"]
    assert names(tree.globex_admin) == ["Lumen", "Tier1"]
    assert names(tree.initech_admin) == ["Elsewhere", "Tier1"]
    assert {root_carrier, master_carrier, sub_carrier, foreign_carrier} >= set(
        selectors.carrier_list(user=tree.sub_admin)
    )

    services.sms_profile_create(
        actor=tree.master_admin, owner=tree.master, carrier_name="Bandwidth", name="BW"
    )
    services.calling_profile_create(actor=tree.sub_admin, owner=tree.sub, name="SBC east")
    assert [str(p) for p in selectors.sms_profile_list(user=tree.acme_admin)] == [
        "Bandwidth(BW) - (Master Reseller)"
    ]
    assert list(selectors.sms_profile_list(user=tree.initech_admin)) == []
    assert [p.name for p in selectors.calling_profile_list(user=tree.acme_admin)] == ["SBC east"]
    assert list(selectors.calling_profile_list(user=tree.globex_admin)) == []


def test_events_filter_by_number_account_actor_action_and_time(inventory):
    tree = inventory.tree
    pbx = inventory.numbers["pbx"]

    def actions(user, **filters):
        return [event.action for event in event_list(user=user, filters=filters)]

    assert actions(tree.master_admin, number="1 212 555 0101") == [
        "number.assigned",
        "number.delegated",
        "number.delegated",
    ]
    assert set(actions(tree.master_admin, account=tree.globex.pk)) == {
        "account.created",
        "user.created",
        "import.created",
        "import.committed",
        "number.delegated",
        "number.assigned",
        "target.created",
    }
    assigned_by_acme = event_list(user=tree.master_admin, filters={"actor": "ADMIN@acme.test"})
    assert {event.actor_label for event in assigned_by_acme} == {"admin@acme.test"}
    by_id = event_list(user=tree.master_admin, filters={"actor": str(tree.acme_admin.pk)})
    assert by_id.count() == assigned_by_acme.count() > 0
    assert set(actions(tree.master_admin, action="number.reserved,number.released")) == {
        "number.reserved",
        "number.released",
    }
    prefixed = set(actions(tree.platform_admin, action="account.*"))
    assert prefixed == {"account.created"}
    first = event_list(user=tree.master_admin, filters={"number": pbx.e164}).last()
    assert actions(tree.master_admin, number=pbx.e164, before=first.at.isoformat()) == []
    assert len(actions(tree.master_admin, number=pbx.e164, after=first.at.isoformat())) == 3


def test_events_stay_inside_the_gate(inventory):
    tree = inventory.tree
    initech = inventory.numbers["initech_pbx"]
    assert event_list(user=tree.master_admin, filters={"number": initech.e164}).count() == 0
    assert event_list(user=tree.foreign_admin, filters={"number": initech.e164}).count() > 0
    assert event_list(user=tree.master_admin, filters={"account": tree.foreign.pk}).count() == 0
    acme_paths = set(
        event_list(user=tree.acme_admin).values_list("account_path", flat=True).distinct()
    )
    assert acme_paths == {tree.acme.path}


@pytest.mark.parametrize(
    ("name", "value"), [("account", "acme"), ("after", "soon"), ("before", "2025-13-45")]
)
def test_bad_event_filters_name_their_field(inventory, name, value):
    tree = inventory.tree
    with pytest.raises(ValidationFailed) as error:
        event_list(user=tree.platform_admin, filters={name: value})
    assert [item.field for item in error.value.errors] == [name]


def test_count_is_exact_up_to_the_limit(inventory, django_assert_max_num_queries):
    queryset = selectors.number_list(user=inventory.tree.platform_admin)
    with django_assert_max_num_queries(1):
        assert count_with_estimate(queryset) == (len(NUMBERS), False)
    assert count_with_estimate(queryset.filter(state="aging"), exact_up_to=1) == (1, False)


def test_count_beyond_the_limit_is_an_estimate_on_postgresql(inventory):
    queryset = selectors.number_list(user=inventory.tree.platform_admin)
    count, is_estimate = count_with_estimate(queryset, exact_up_to=5)
    if connection.vendor == "postgresql":
        # The planner's figure, never below what the capped count proved.
        assert is_estimate and count >= 6
    else:
        assert (count, is_estimate) == (len(NUMBERS), False)
