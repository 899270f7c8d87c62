"""NumberFilterSet through ``number_list``: every predefined search, every filter, ordering."""

import pytest

from didhub.core.errors import ValidationFailed
from didhub.numbers import selectors, services
from didhub.numbers.choices import Route
from didhub.numbers.models import Number
from didhub.numbers.tests import test_selectors_inventory as shared
from didhub.numbers.tests.test_selectors_inventory import NUMBERS

ALL = set(NUMBERS)
UNASSIGNED = {
    "free_dr",
    "free_et",
    "free_oc",
    "free_sms",
    "reserved",
    "aging",
    "porting",
    "globex_external",
    "master_voice",
    "master_sms",
    "sub_voice",
    "initech_free",
}
USED = ALL - UNASSIGNED

PREDEFINED = {
    "unassigned": UNASSIGNED,
    "available": UNASSIGNED,
    "used": USED,
    "available_voice": {
        "sms_only_used",
        "free_dr",
        "free_et",
        "free_oc",
        "reserved",
        "aging",
        "porting",
        "globex_external",
        "master_voice",
        "sub_voice",
        "initech_free",
    },
    "available_et": {"free_et", "sub_voice"},
    "available_oc": {"free_oc"},
    "available_sms": {"free_sms", "aging", "master_sms"},
    "assigned_pbx": {"pbx", "trunk", "pbx_and_sms", "globex_pbx", "initech_pbx"},
    "assigned_callapp": {"callapp"},
    "assigned_et": {"et"},
    "assigned_oc": {"oc"},
    "assigned_sms": {"sms_user", "pbx_and_sms", "sms_only_used"},
}


# One inventory for the whole module, rolled back after it (see shared_inventory).
shared_inventory = shared.shared_inventory


@pytest.fixture
def inventory(shared_inventory, db):
    return shared_inventory


def listed(user, **filters) -> set[str]:
    return set(selectors.number_list(user=user, filters=filters).values_list("e164", flat=True))


def labels(inventory, *names) -> set[str]:
    return inventory.e164s(*names)


def field_of(error) -> list[str]:
    return [item.field for item in error.value.errors]


@pytest.mark.parametrize("search", sorted(PREDEFINED))
def test_each_predefined_search_returns_exactly_its_numbers(inventory, search):
    assert listed(inventory.tree.platform_admin, search=search) == labels(
        inventory, *PREDEFINED[search]
    )


def test_predefined_searches_stay_inside_the_visibility_gate(inventory):
    acme_admin = inventory.tree.acme_admin
    assert listed(acme_admin, search="available_et") == labels(inventory, "free_et")
    assert listed(acme_admin, search="assigned_pbx") == labels(
        inventory, "pbx", "trunk", "pbx_and_sms"
    )


def test_quick_search_ignores_separators_and_plus(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, q="555 0101") == labels(inventory, "pbx")
    assert listed(admin, q="+1 (212) 555-011") == labels(
        inventory,
        "agent",
        "service",
        "group",
        "free_dr",
        "free_et",
        "free_oc",
        "free_sms",
        "reserved",
        "aging",
    )
    assert listed(admin, q=" + ") == labels(inventory, *ALL)


def test_quick_search_with_letters_finds_target_names(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, q="support") == labels(inventory, "pbx_and_sms", "sms_only_used")
    assert listed(admin, q="ALICE") == labels(inventory, "pbx")
    assert listed(admin, q="nobody") == set()


def test_exact_number_and_prefix_with_or_without_plus(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, e164="12125550101") == labels(inventory, "pbx")
    assert listed(admin, e164="+1 212 555 0101") == labels(inventory, "pbx")
    nanp_1312 = {"porting", "globex_external", "globex_pbx", "master_voice", "master_sms"}
    nanp_1312.add("sub_voice")
    assert listed(admin, e164__startswith="1312") == labels(inventory, *nanp_1312)
    assert listed(admin, e164__startswith="+1312") == labels(inventory, *nanp_1312)
    # A prefix ending in 9 bounds its range by carrying: +13125550119 .. +1312555012.
    assert listed(admin, e164__startswith="13125550119") == labels(inventory, "porting")
    assert listed(admin, e164__startswith="+4") == labels(inventory, "initech_free", "initech_pbx")
    assert listed(admin, e164__startswith="+9") == set()


def test_country_and_region(inventory):
    admin = inventory.tree.platform_admin
    initech = labels(inventory, "initech_free", "initech_pbx")
    assert listed(admin, country_code=44) == initech
    assert listed(admin, region="gb") == initech
    assert listed(inventory.tree.master_admin, country_code=44) == set()


def test_owner_includes_the_subtree_unless_exact(inventory):
    tree = inventory.tree
    acme_labels = {label for label, (_, owner, _) in NUMBERS.items() if owner == "acme"}
    below_sub = (acme_labels - {"aging"}) | {"aging", "sub_voice"}
    assert listed(tree.master_admin, owner=tree.sub.pk) == labels(inventory, *below_sub)
    assert listed(tree.master_admin, owner=tree.sub.pk, owner_exact="1") == labels(
        inventory, "aging", "sub_voice"
    )
    # Another tenant's account filters nothing into view: the gate came first.
    assert listed(tree.master_admin, owner=tree.foreign.pk) == set()
    assert listed(tree.master_admin, owner=999_999) == set()


def test_states_activity_and_sync_state(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, state="reserved,aging") == labels(inventory, "reserved", "aging")
    assert listed(admin, state=["porting_in"]) == labels(inventory, "porting")
    assert listed(admin, activity="pending") == labels(inventory, *ALL)
    assert listed(admin, activity="active") == set()
    assert listed(admin, sync_state="not_linked") == labels(inventory, *ALL)


def test_capabilities_route_and_usage(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, voice="false") == labels(
        inventory, "sms_user", "fax", "free_sms", "master_sms"
    )
    assert listed(admin, sms=True) == labels(
        inventory, "sms_user", "pbx_and_sms", "sms_only_used", "free_sms", "aging", "master_sms"
    )
    assert listed(admin, fax="yes") == labels(inventory, "fax")
    assert listed(admin, route=Route.OPERATOR_CONNECT) == labels(inventory, "oc", "free_oc")
    assert listed(admin, usage="contact_center") == labels(inventory, "agent")


def test_target_target_kind_and_assigned(inventory):
    admin = inventory.tree.platform_admin
    support = inventory.targets["Support texts"]
    assert listed(admin, target=support.pk) == labels(inventory, "pbx_and_sms", "sms_only_used")
    assert listed(admin, target_kind="sms_group") == labels(
        inventory, "pbx_and_sms", "sms_only_used"
    )
    assert listed(admin, target_kind="fax,external_trunk") == labels(inventory, "fax", "et")
    assert listed(admin, assigned="true") == labels(inventory, *USED)
    assert listed(admin, assigned=False) == labels(inventory, *UNASSIGNED)


def test_external_and_uploaded_by(inventory):
    tree = inventory.tree
    assert listed(tree.platform_admin, external=True) == labels(inventory, "globex_external")
    assert listed(tree.platform_admin, uploaded_by=tree.globex.pk) == labels(
        inventory, "globex_external"
    )


def test_carrier_profile_and_tag(inventory):
    tree = inventory.tree
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Lumen")
    profile = services.sms_profile_create(
        actor=tree.master_admin, owner=tree.master, carrier_name="Bandwidth", name="BW"
    )
    services.number_update(
        actor=tree.master_admin, number=inventory.numbers["master_voice"], voice_carrier=carrier
    )
    services.number_update(
        actor=tree.master_admin, number=inventory.numbers["master_sms"], sms_profile=profile
    )
    services.number_update(
        actor=tree.master_admin, number=inventory.numbers["free_dr"], tags=["vip", "gold"]
    )
    admin = tree.platform_admin
    assert listed(admin, voice_carrier=carrier.pk) == labels(inventory, "master_voice")
    assert listed(admin, sms_profile=profile.pk) == labels(inventory, "master_sms")
    assert listed(admin, tag="vip") == labels(inventory, "free_dr")
    assert listed(admin, tag="vi") == set()


def test_created_after_and_before(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, created_after="2000-01-01") == labels(inventory, *ALL)
    assert listed(admin, created_before="2000-01-01T00:00:00Z") == set()


def test_patterns_are_wildcards_over_digits(inventory):
    admin = inventory.tree.platform_admin
    assert listed(admin, pattern="*0101") == labels(inventory, "pbx")
    assert listed(admin, pattern="1212555011?") == listed(admin, q="1212555011")
    assert listed(admin, pattern="+44*") == labels(inventory, "initech_free", "initech_pbx")
    assert listed(admin, pattern="1312555011*") == labels(inventory, "porting")
    assert listed(admin, pattern="1312555012?") == labels(
        inventory, "globex_external", "globex_pbx", "master_voice", "master_sms", "sub_voice"
    )
    assert listed(admin, pattern="*555*") == labels(
        inventory, *(ALL - {"initech_free", "initech_pbx"})
    )
    # Without a star the pattern is the whole number.
    assert listed(admin, pattern="1212555010") == set()


@pytest.mark.parametrize(
    ("filters", "through_the_trigram_index"),
    [
        ({"pattern": "*555*"}, False),
        ({"pattern": "*5*5*5*"}, False),
        ({"q": "555"}, False),
        ({"pattern": "*5550*"}, True),
        ({"pattern": "1212*0101"}, True),
        ({"q": "5550"}, True),
    ],
)
def test_only_runs_of_four_digits_or_more_are_left_to_the_trigram_index(
    inventory, filters, through_the_trigram_index
):
    """Three digits are one trigram most numbers of a large inventory share: the list
    reads such a search in its own order instead (docs/performance.md)."""
    listing = selectors.number_list(user=inventory.tree.platform_admin, filters=filters)
    sql = str(listing.query)
    assert ('e164" LIKE' in sql) is through_the_trigram_index
    assert ("e164\" || '') LIKE" in sql) is not through_the_trigram_index


def test_pattern_never_passes_sql_wildcards_through(inventory):
    with pytest.raises(ValidationFailed) as error:
        listed(inventory.tree.platform_admin, pattern="1212%")
    assert field_of(error) == ["pattern"]
    with pytest.raises(ValidationFailed):
        listed(inventory.tree.platform_admin, pattern="*")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("state", "gone"),
        ("activity", "busy"),
        ("sync_state", "later"),
        ("route", "pigeon"),
        ("usage", "everyone"),
        ("target_kind", "robot"),
        ("voice", "maybe"),
        ("assigned", "perhaps"),
        ("owner", "acme"),
        ("target", "1.5"),
        ("country_code", "uk"),
        ("created_after", "last tuesday"),
        ("search", "everything"),
    ],
)
def test_invalid_filter_values_name_their_field(inventory, name, value):
    tree = inventory.tree
    with pytest.raises(ValidationFailed) as error:
        selectors.number_list(user=tree.platform_admin, filters={name: value})
    assert field_of(error) == [name]
    assert error.value.status == 400


def test_unknown_parameters_are_left_to_the_caller(inventory):
    # limit, cursor and the like belong to pagination, not to the filter.
    assert listed(inventory.tree.platform_admin, limit="5") == labels(inventory, *ALL)


def ordered(user, ordering) -> list[str]:
    return list(selectors.number_list(user=user, ordering=ordering).values_list("e164", flat=True))


def test_default_ordering_is_e164_and_descending_reverses_it(inventory):
    admin = inventory.tree.platform_admin
    ascending = ordered(admin, None)
    assert ascending == sorted(labels(inventory, *ALL))
    assert ordered(admin, "-e164") == ascending[::-1]


@pytest.mark.parametrize("column", sorted(selectors.NUMBER_ORDERINGS))
def test_every_column_orders_with_e164_as_tiebreak(inventory, column):
    admin = inventory.tree.platform_admin
    numbers = list(selectors.number_list(user=admin, ordering=column).select_related("owner"))
    path = selectors.NUMBER_ORDERINGS[column]

    def key(number):
        value = number
        for part in path.split("__"):
            value = getattr(value, part) if value is not None else None
        return (value is None, value if value is not None else 0, number.e164)

    assert [n.e164 for n in numbers] == [n.e164 for n in sorted(numbers, key=key)]
    descending = selectors.number_list(user=admin, ordering=f"-{column}")
    assert list(descending.values_list("e164", flat=True)) == [
        n.e164 for n in sorted(numbers, key=key, reverse=True)
    ]


def test_ordering_by_owner_name_then_state(inventory):
    admin = inventory.tree.master_admin
    rows = list(
        selectors.number_list(user=admin, ordering="owner,-state").values_list(
            "owner__name", "state", "e164"
        )
    )
    assert rows == sorted(sorted(rows, key=lambda r: r[1], reverse=True), key=lambda r: r[0])
    assert rows[0][0] == "Acme Corp"


def test_unknown_ordering_is_a_field_error(inventory):
    tree = inventory.tree
    with pytest.raises(ValidationFailed) as error:
        selectors.number_list(user=tree.platform_admin, ordering="password")
    assert field_of(error) == ["ordering"]


def test_filters_from_a_query_string(inventory, rf):
    request = rf.get("/numbers/", {"search": "assigned_sms", "owner": inventory.tree.acme.pk})
    result = selectors.number_list(user=inventory.tree.master_admin, filters=request.GET)
    assert set(result.values_list("e164", flat=True)) == labels(
        inventory, "sms_user", "pbx_and_sms", "sms_only_used"
    )
    assert Number.objects.count() == len(NUMBERS)
