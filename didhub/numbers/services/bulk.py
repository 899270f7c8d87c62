"""One action on many numbers, all or nothing, with one error item per failing number."""

from django.db import transaction

from didhub.core.errors import DomainError, invalid
from didhub.numbers.models import Number, Target
from didhub.numbers.services.assignments import number_assign, number_unassign
from didhub.numbers.services.common import RowErrors, chunks, to_pks
from didhub.numbers.services.delegation import numbers_delegate, numbers_reclaim
from didhub.numbers.services.lifecycle import number_delete, number_update
from didhub.numbers.services.states import (
    number_port_cancel,
    number_port_complete,
    number_release,
)

ACTIONS = (
    "delegate",
    "reclaim",
    "assign",
    "unassign",
    "release",
    "update",
    "delete",
    "port_complete",
    "port_cancel",
)
# The per-number services of the actions that take no parameters.
SIMPLE = {
    "release": number_release,
    "delete": number_delete,
    "port_complete": number_port_complete,
    "port_cancel": number_port_cancel,
}


def _numbers(numbers) -> tuple[list[Number], list[str]]:
    pks, unknown = to_pks(numbers)
    found = []
    for batch in chunks(pks):
        found.extend(Number.objects.filter(pk__in=batch))
    found.sort(key=lambda number: number.e164)
    return found, unknown


def _assign_items(numbers, params) -> list[tuple]:
    """(number, target, channel) triples: one target for all, or one per item
    (``{"number": e164, "target": Target, "channel": ...}``, as in a CSV)."""
    if "target" in params:
        target = params["target"]
        if not isinstance(target, Target):
            raise invalid("Choose the target to assign the numbers to.", field="target")
        found, unknown = _numbers(numbers)
        return [(n, target, params.get("channel")) for n in found], unknown
    items = list(numbers)
    if not all(isinstance(item, dict) for item in items):
        raise invalid("Choose the target to assign the numbers to.", field="target")
    found, unknown = _numbers([item["number"] for item in items])
    by_e164 = {number.e164: number for number in found}
    triples = []
    for item in items:
        number = by_e164.get(getattr(item["number"], "e164", None) or str(item["number"]))
        if number is not None:
            triples.append((number, item["target"], item.get("channel")))
    return triples, unknown


def numbers_bulk(*, actor, action: str, numbers, **params) -> dict:
    """Run ``action`` on every number; if any fails, nothing changes.

    ``action``: delegate (``to_account``), reclaim (``to_account`` optional), assign
    (``target`` and ``channel``, or per-item dicts), unassign (``channel``), release,
    update (the attributes of ``number_update``), delete, port_complete, port_cancel.
    Refusals are raised together as the most serious kind among them (404, 403, 409,
    400), one item per number keyed by its E.164 text.
    """
    if action not in ACTIONS:
        raise invalid("The action is one of " + ", ".join(ACTIONS) + ".", field="action")
    if action == "delegate":
        if params.get("to_account") is None:
            raise invalid("Choose the account to delegate the numbers to.", field="to_account")
        count = numbers_delegate(actor=actor, numbers=numbers, to_account=params["to_account"])
        return {"action": action, "count": count}
    if action == "reclaim":
        count = numbers_reclaim(actor=actor, numbers=numbers, to_account=params.get("to_account"))
        return {"action": action, "count": count}

    errors = RowErrors()
    count = freed = 0
    with transaction.atomic():
        if action == "assign":
            work, unknown = _assign_items(numbers, params)
        else:
            found, unknown = _numbers(numbers)
            work = [(number,) for number in found]
        for text in unknown:
            errors.not_visible(text)
        for item in work:
            number = item[0]
            try:
                if action == "assign":
                    number_assign(actor=actor, number=number, target=item[1], channel=item[2])
                elif action == "unassign":
                    freed += len(
                        number_unassign(actor=actor, number=number, channel=params.get("channel"))
                    )
                elif action == "update":
                    number_update(actor=actor, number=number, **params)
                else:
                    SIMPLE[action](actor=actor, number=number)
            except DomainError as error:
                errors.add_error(number.e164, error)
            else:
                count += 1
        # Raising inside the transaction rolls every change of the batch back.
        errors.raise_if_any()
    result = {"action": action, "count": count}
    if action == "unassign":
        result["channels_freed"] = freed
    return result
