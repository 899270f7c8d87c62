"""One action on many numbers, all or nothing, in a few set-based statements.

The numbers are chosen by a list or by the list's filter and checked set-based
(``bulk_checks``); if anything is refused nothing changes, and the answer counts every
refused number and lists the first ``REFUSALS_LISTED`` with their reasons. Otherwise
the action's statements run (``bulk_changes``): the change, one history event per
number by ``INSERT ... SELECT``, and the sync outbox rows of linked enterprises, in the
same transaction.
"""

from django.db import transaction

from didhub.core.errors import invalid
from didhub.numbers import sql
from didhub.numbers.services.bulk_changes import PLANS, assign_by_item
from didhub.numbers.services.bulk_checks import REFUSALS_LISTED, choose

__all__ = ["ACTIONS", "REFUSALS_LISTED", "numbers_bulk"]

ACTIONS = tuple(PLANS)


def numbers_bulk(*, actor, action: str, numbers, **params) -> dict:
    """Run ``action`` on every number of ``numbers``; if any is refused, nothing changes.

    ``numbers``: a queryset (every number a filter selects, e.g. ``selectors.number_list``)
    or a list of E.164 texts, instances or ids. ``action`` and its parameters: update
    (the attributes of ``number_update``), tags_add and tags_remove (``tags``), reserve
    (``until``, ``target`` optional), release, unassign (``channel``), assign (``target``
    and ``channel``, or per-item dicts ``{"number", "target", "channel"}``), delete,
    port_complete, port_cancel, delegate (``to_account``), reclaim (``to_account``
    optional). Refusals are raised together as the most serious kind among them (404,
    403, 409, 400): at most ``REFUSALS_LISTED`` items keyed by E.164 text, and
    ``errors_total`` counting all of them.
    """
    if action not in PLANS:
        raise invalid("The action is one of " + ", ".join(ACTIONS) + ".", field="action")
    with transaction.atomic():
        if action == "assign" and "target" not in params:
            result = assign_by_item(actor, numbers, params)
        else:
            plan = PLANS[action](actor, params)
            missing = choose(actor, numbers)
            found = plan.refusals(actor, missing)
            found.raise_if_any()
            result = plan.apply(actor)
        sql.drop_selection()
    return {"action": action, **result}
