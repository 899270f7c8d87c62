"""Which actions a number allows its viewer now: decided once, read everywhere.

Every action has one predicate beside its service (``release_refusal`` beside
``number_release`` in states.py, ``assign_refusal`` beside ``number_assign`` ...). A
predicate returns the error its service raises before it looks at its parameters (the
target, the destination account, the new attributes), or None; the service raises that
very error. ``number_actions`` offers an action where its predicate finds nothing, and
the number's page, the rows of the Phone Numbers list and the API's ``actions`` field
all read it, so none of them offers what the service would refuse.

Beside each predicate lives its set-based counterpart (``release_refusals`` beside
``release_refusal``, a ``SetCheck``): bulk actions ask it once per distinct combination
of the columns the predicate reads, so a million numbers get the same answers, in the
same words, as one (``SET_CHECKS``; restore, which reads what a release kept, has none).
"""

from didhub.core.errors import DomainError
from didhub.numbers.models import Number
from didhub.numbers.services.assignments import (
    assign_refusal,
    assign_refusals,
    unassign_refusal,
    unassign_refusals,
)
from didhub.numbers.services.common import NumberFacts
from didhub.numbers.services.delegation import (
    delegate_refusal,
    delegate_refusals,
    reclaim_refusal,
    reclaim_refusals,
)
from didhub.numbers.services.lifecycle import (
    delete_refusal,
    delete_refusals,
    update_refusal,
    update_refusals,
)
from didhub.numbers.services.states import (
    port_refusal,
    port_refusals,
    release_refusal,
    release_refusals,
    reserve_refusal,
    reserve_refusals,
    restore_refusal,
    unreserve_refusal,
    unreserve_refusals,
)

# Action name -> its predicate, in the order the portal shows them.
PREDICATES = {
    "assign": assign_refusal,
    "unassign": unassign_refusal,
    "delegate": delegate_refusal,
    "reclaim": reclaim_refusal,
    "reserve": reserve_refusal,
    "unreserve": unreserve_refusal,
    "update": update_refusal,
    "restore": restore_refusal,
    "release": release_refusal,
    "port_complete": port_refusal,
    "port_cancel": port_refusal,
    "delete": delete_refusal,
}
NUMBER_ACTIONS = tuple(PREDICATES)
# Action name -> the set-based counterpart of its predicate.
SET_CHECKS = {
    "assign": assign_refusals,
    "unassign": unassign_refusals,
    "delegate": delegate_refusals,
    "reclaim": reclaim_refusals,
    "reserve": reserve_refusals,
    "unreserve": unreserve_refusals,
    "update": update_refusals,
    "release": release_refusals,
    "port_complete": port_refusals,
    "port_cancel": port_refusals,
    "delete": delete_refusals,
}

ACTION_DESCRIPTIONS = {
    "assign": "assign to a target of the enterprise holding it",
    "unassign": "end its assignments",
    "delegate": "give it to an account below its holder",
    "reclaim": "take it back up to your account",
    "reserve": "hold it (or move its reservation)",
    "unreserve": "end its reservation",
    "update": "change capabilities, route, usage, carriers and texts",
    "restore": "undo its release while it ages",
    "release": "give it back to the enterprise's provider (it ages)",
    "port_complete": "the port is done: it becomes available",
    "port_cancel": "the port failed: it leaves the inventory",
    "delete": "remove it from the inventory",
}


def number_refusals(
    user, number: Number, facts: NumberFacts | None = None
) -> dict[str, DomainError | None]:
    """Every action with the error its service would raise now (None: offered)."""
    facts = facts or NumberFacts.of([number])
    return {name: predicate(user, number, facts) for name, predicate in PREDICATES.items()}


def number_actions(user, number: Number, facts: NumberFacts | None = None) -> list[str]:
    """The actions ``user`` may take on ``number`` now, in the portal's order."""
    refusals = number_refusals(user, number, facts)
    return [name for name, refusal in refusals.items() if refusal is None]


def numbers_actions(user, numbers) -> dict[int, list[str]]:
    """``number_actions`` for a page of numbers: what the predicates need beyond each
    row (accounts below the holders, who released an aging number) is read once for
    the page. The numbers carry their ``owner``."""
    numbers = list(numbers)
    facts = NumberFacts.of(numbers)
    return {number.pk: number_actions(user, number, facts) for number in numbers}
