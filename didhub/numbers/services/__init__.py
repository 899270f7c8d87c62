"""Every change of numbers, targets, carriers, profiles and blocks.

Each service is one transaction: the policy check first, then the change, its events
and the sync outbox hand-off, so that all of it commits or none of it does.
"""

from didhub.numbers.services.actions import NUMBER_ACTIONS, number_actions, numbers_actions
from didhub.numbers.services.assignments import number_assign, number_unassign
from didhub.numbers.services.bulk import numbers_bulk
from didhub.numbers.services.catalog import (
    block_create,
    block_delete,
    calling_profile_create,
    calling_profile_delete,
    calling_profile_update,
    carrier_create,
    carrier_delete,
    carrier_update,
    sms_profile_create,
    sms_profile_delete,
    sms_profile_update,
    target_create,
    target_delete,
    target_update,
)
from didhub.numbers.services.delegation import numbers_delegate, numbers_reclaim
from didhub.numbers.services.lifecycle import number_delete, number_update
from didhub.numbers.services.states import (
    number_port_cancel,
    number_port_complete,
    number_release,
    number_reserve,
    number_restore,
    number_unreserve,
    numbers_expire,
    numbers_port_complete_by_call,
)

__all__ = [
    "NUMBER_ACTIONS",
    "block_create",
    "block_delete",
    "calling_profile_create",
    "calling_profile_delete",
    "calling_profile_update",
    "carrier_create",
    "carrier_delete",
    "carrier_update",
    "number_actions",
    "number_assign",
    "number_delete",
    "number_port_cancel",
    "number_port_complete",
    "number_release",
    "number_reserve",
    "number_restore",
    "number_unassign",
    "number_unreserve",
    "number_update",
    "numbers_actions",
    "numbers_bulk",
    "numbers_delegate",
    "numbers_expire",
    "numbers_port_complete_by_call",
    "numbers_reclaim",
    "sms_profile_create",
    "sms_profile_delete",
    "sms_profile_update",
    "target_create",
    "target_delete",
    "target_update",
]
