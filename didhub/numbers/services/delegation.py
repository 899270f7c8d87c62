"""Moving numbers down the account tree (delegate) and back up (reclaim).

Set-based, so that a reseller can hand a hundred thousand numbers to a customer in
one request: the rows are locked and read once, checked in memory, changed with one
UPDATE per batch, and recorded with one event per number written in batches.

Which numbers move: only unused ones (available, or still porting in) held by the
actor's account or below it. Delegation moves a number *down*: to an account below
the one holding it. Reclaim moves it *up*: to the actor's account, or to
``to_account`` above the holder. Numbers already held by the destination are left
as they are and not counted. Assigned, reserved and aging numbers stay where they
are (Conflict naming the target or the state), and so do an enterprise's external
numbers: they are its own, not its provider's.

Both ask the placement rules (``didhub.numbers.placement``) as an upload does: a
number outside the destination's location country is refused with its reason, and
carriers and profiles the destination may not use are cleared, with an event.
"""

from django.db import transaction
from django.utils import timezone

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import Conflict, DomainError, ValidationFailed, invalid
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Assignment, Number
from didhub.numbers.rules import kind_name
from didhub.numbers.services.common import (
    NumberFacts,
    RowErrors,
    SetCheck,
    account_ref,
    chunks,
    notify,
    policy_refusal,
    to_pks,
)
from didhub.numbers.services.placing import (
    PLACEMENT_FIELDS,
    Placed,
    clear_unusable,
    refuse_unfit,
)

MOVABLE_STATES = {NumberState.AVAILABLE, NumberState.PORTING_IN}
ROW_FIELDS = ("pk", "e164", "owner_id", "state", "external", *PLACEMENT_FIELDS)


def unmovable(text: str, state: str, external: bool, owner: Account) -> Conflict | None:
    """Why a number stays where it is, whichever way it would move; or None."""
    if state == NumberState.ASSIGNED:
        return Conflict(f"{text} is assigned; unassign it first.", code="assigned")
    if state not in MOVABLE_STATES:
        return Conflict(f"{text} is {state}; only unused numbers move.", code=state)
    if external:
        return Conflict(f"{text} is {owner.name}'s own number; it stays there.", code="external")
    return None


def delegate_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """Why ``number`` cannot move down to any account now; or None."""
    if error := policy_refusal(actor, Action.NUMBER_DELEGATE, number):
        return error
    if error := unmovable(number.e164, number.state, number.external, number.owner):
        return error
    facts = facts or NumberFacts.of([number])
    if not facts.has_children(number.owner_id):
        return Conflict(
            f"{number.e164} is held by {number.owner.name}, which has no account below it.",
            code="no_account_below",
        )
    return None


def reclaim_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """Why ``number`` cannot move back up to the actor's account now; or None."""
    if error := policy_refusal(actor, Action.NUMBER_RECLAIM, number):
        return error
    return unmovable(number.e164, number.state, number.external, number.owner)


def assigned_conflict(text: str, targets: str) -> Conflict:
    return Conflict(f"{text} is assigned to {targets}; unassign it first.", code="assigned")


def move_refusal(number: Number) -> DomainError | None:
    """Why ``number`` stays where it is, an assigned one naming its targets; or None."""
    refusal = unmovable(number.e164, number.state, number.external, number.owner)
    if refusal is None or refusal.code != "assigned" or number.pk is None:
        return refusal
    return assigned_conflict(number.e164, targets_of([number.pk]).get(number.pk, "a target"))


def delegate_direction(owner: Account, to_account: Account) -> str | None:
    """Why a number ``owner`` holds cannot be delegated to ``to_account`` ("" when it is
    there already, and is left as it is); or None."""
    if owner.pk == to_account.pk:
        return ""
    if not to_account.is_within(owner):
        return f"held by {owner.name}, which is not above {to_account.name}; reclaim it first."
    return None


def reclaim_direction(owner: Account, to_account: Account) -> str | None:
    """As ``delegate_direction``, for a number reclaimed up to ``to_account``."""
    if owner.pk == to_account.pk:
        return ""
    if not owner.is_within(to_account):
        return f"held by {owner.name}, which is not below {to_account.name}."
    return None


def targets_of(pks: list[int]) -> dict[int, str]:
    """ "PBX user Alice (voice)" per assigned number, for the refusal."""
    names: dict[int, list[str]] = {}
    for batch in chunks(pks):
        for number_id, name, kind, channel in Assignment.objects.filter(
            number_id__in=batch
        ).values_list("number_id", "target__name", "target_kind", "channel"):
            names.setdefault(number_id, []).append(f"{name} ({kind_name(kind)}, {channel})")
    return {pk: ", ".join(items) for pk, items in names.items()}


delegate_refusals = SetCheck(delegate_refusal, ("owner_id", "state", "external"))
reclaim_refusals = SetCheck(reclaim_refusal, ("owner_id", "state", "external"))


class Selection:
    """The locked rows of the numbers a request names, with their holders."""

    def __init__(self, numbers):
        pks, unknown = to_pks(numbers)
        self.unknown = unknown
        self.rows = []
        for batch in chunks(pks):
            locked = Number.objects.select_for_update().filter(pk__in=batch)
            self.rows.extend(locked.values_list(*ROW_FIELDS))
        self.owners = Account.objects.in_bulk({row[2] for row in self.rows})

    def placed(self, rows: list) -> list[Placed]:
        """The rows as the placement rules read them (``didhub.numbers.placement``)."""
        start = len(ROW_FIELDS) - len(PLACEMENT_FIELDS)
        return [
            Placed.from_values(row[0], row[1], row[start:], self.owners[row[2]]) for row in rows
        ]


def check_rows(selection: Selection, actor_account: Account, fits, errors: RowErrors) -> list:
    """The rows that move; the rest become row errors. ``fits(owner)`` -> reason or None."""
    for text in selection.unknown:
        errors.not_visible(text)
    moving, assigned = [], []
    for row in selection.rows:
        pk, text, owner_id, state, external, *_ = row
        owner = selection.owners[owner_id]
        if not owner.is_within(actor_account):
            # Outside the actor's subtree: not disclosed (404), like a missing number.
            errors.not_visible(text)
        elif (reason := fits(owner)) == "":
            continue
        elif reason:
            errors.add(ValidationFailed, text, "wrong_direction", f"{text} is {reason}")
        elif (refusal := unmovable(text, state, external, owner)) is None:
            moving.append(row)
        elif refusal.code == "assigned":
            assigned.append(row)  # refused below, naming the targets
        else:
            errors.add_error(text, refusal)
    if assigned:
        targets = targets_of([row[0] for row in assigned])
        for pk, text, *_ in assigned:
            refusal = assigned_conflict(text, targets.get(pk, "a target"))
            errors.add(Conflict, text, "assigned", refusal.message)
    return moving


def move(*, actor, action: str, rows: list, selection: Selection, to_account: Account, deepest):
    """One UPDATE per batch, one event per number, one outbox hand-off.

    Carriers and profiles that ``to_account`` may not use are cleared first, each
    clearing recorded on the account that held the number.
    """
    clear_unusable(actor=actor, destination=to_account, numbers=selection.placed(rows))
    now = timezone.now()
    events, removed = [], []
    destination = account_ref(to_account)
    for batch in chunks(rows):
        Number.objects.filter(pk__in=[row[0] for row in batch]).update(
            owner=to_account, updated_at=now
        )
        for pk, text, owner_id, *_ in batch:
            owner = selection.owners[owner_id]
            events.append(
                audit.build_event(
                    actor=actor,
                    action=action,
                    object_type="number",
                    object_id=pk,
                    account=deepest(owner),
                    number_e164=text,
                    before={"owner": account_ref(owner)},
                    after={"owner": destination},
                )
            )
            if owner.is_enterprise:
                removed.append({"number_id": pk, "e164": text, "owner_id": owner_id})
    audit.record_many(events)
    notify(action.removeprefix("number."), [row[0] for row in rows], removed=removed)


def delegate_destination(actor, to_account: Account) -> None:
    """Refuses a destination no number of the actor's may be delegated to."""
    check(actor, Action.NUMBER_DELEGATE, to_account)
    if to_account.pk == actor.account_id or to_account.is_platform:
        raise invalid("Numbers are delegated to an account below yours.", field="to_account")


def reclaim_destination(actor, to_account: Account | None) -> Account:
    """The account numbers are reclaimed to (the actor's by default), if allowed."""
    check(actor, Action.NUMBER_RECLAIM)
    to_account = to_account or actor.account
    check(actor, Action.VIEW, to_account)
    if to_account.is_platform and not actor.account.is_platform:
        raise invalid("Numbers are reclaimed to a reseller.", field="to_account")
    return to_account


def numbers_delegate(*, actor, numbers, to_account: Account) -> int:
    """Give unused numbers to an account below their holder; returns how many moved.

    ``numbers``: a queryset (a filter), Number instances, ids or E.164 texts. All of
    them move or none: every refused number comes back as a row-keyed error item.
    """
    with transaction.atomic():
        delegate_destination(actor, to_account)
        selection = Selection(numbers)

        def fits(owner):
            return delegate_direction(owner, to_account)

        errors = RowErrors()
        rows = check_rows(selection, actor.account, fits, errors)
        refuse_unfit(to_account, selection.placed(rows), errors)
        errors.raise_if_any()
        move(
            actor=actor,
            action="number.delegated",
            rows=rows,
            selection=selection,
            to_account=to_account,
            deepest=lambda owner: to_account,
        )
    return len(rows)


def numbers_reclaim(*, actor, numbers, to_account: Account | None = None) -> int:
    """Take unused numbers back up to the actor's account (or ``to_account``, which
    must be above their holder); returns how many moved. All or none."""
    with transaction.atomic():
        to_account = reclaim_destination(actor, to_account)
        selection = Selection(numbers)

        def fits(owner):
            return reclaim_direction(owner, to_account)

        errors = RowErrors()
        rows = check_rows(selection, actor.account, fits, errors)
        refuse_unfit(to_account, selection.placed(rows), errors)
        errors.raise_if_any()
        move(
            actor=actor,
            action="number.reclaimed",
            rows=rows,
            selection=selection,
            to_account=to_account,
            deepest=lambda owner: owner,
        )
    return len(rows)
