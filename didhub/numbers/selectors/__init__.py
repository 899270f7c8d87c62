"""Every read of numbers, targets, catalogs and inventory figures.

Selectors start from the visibility gate (``Model.objects.visible_to(user)``) and
raise ``NotVisible`` for anything outside it; ``from didhub.numbers import selectors``
gives all of them.
"""

from didhub.numbers.selectors.catalog import (
    calling_profile_list,
    carrier_list,
    sms_profile_list,
    target_get,
    target_list,
)
from didhub.numbers.selectors.history import number_at
from didhub.numbers.selectors.inventory import (
    account_activity,
    account_children_utilization,
    account_inventory,
    block_utilization,
)
from didhub.numbers.selectors.numbers import (
    NUMBER_ORDERINGS,
    number_get,
    number_history,
    number_list,
    number_ordering,
    released_by,
    released_number_get,
    with_list_relations,
)

__all__ = [
    "NUMBER_ORDERINGS",
    "account_activity",
    "account_children_utilization",
    "account_inventory",
    "block_utilization",
    "calling_profile_list",
    "carrier_list",
    "number_at",
    "number_get",
    "number_history",
    "number_list",
    "number_ordering",
    "released_by",
    "released_number_get",
    "sms_profile_list",
    "target_get",
    "target_list",
    "with_list_relations",
]
