"""Reservations, release through aging, restore, ports, and the system's expiry sweep.

Each action has its predicate here, beside its service (``release_refusal`` beside
``number_release``): the error the service would raise before looking at its
parameters, or None. The service raises exactly that error, and ``number_actions``
(actions.py) offers an action where its predicate finds nothing, so the portal and
the API offer what the services accept.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import Conflict, DomainError, NotVisible, PolicyDenied, invalid
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Number, Target
from didhub.numbers.rules import TARGET_RULES
from didhub.numbers.services.assignments import attach, detach, fit_or_refuse
from didhub.numbers.services.common import (
    NumberFacts,
    SetCheck,
    account_ref,
    attribute_values,
    chunks,
    lock_number,
    notify,
    policy_refusal,
    record_number_event,
    removed_entry,
    target_ref,
)
from didhub.numbers.services.placing import place_one

# A reservation is made on an available number, or moved on a reserved one.
RESERVABLE_STATES = {NumberState.AVAILABLE, NumberState.RESERVED}
# States a release cannot take a number out of.
UNRELEASABLE_STATES = {NumberState.PORTING_IN, NumberState.AGING}


def reserve_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    if error := policy_refusal(actor, Action.NUMBER_RESERVE, number):
        return error
    if number.state not in RESERVABLE_STATES:
        return Conflict(
            f"{number.e164} is {number.get_state_display().lower()}; only available "
            "numbers can be reserved.",
            code="not_available",
        )
    return None


def unreserve_refusal(
    actor, number: Number, facts: NumberFacts | None = None
) -> DomainError | None:
    if error := policy_refusal(actor, Action.NUMBER_RESERVE, number):
        return error
    if number.state != NumberState.RESERVED:
        return Conflict(f"{number.e164} is not reserved.", code="not_reserved")
    return None


def release_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """Only an enterprise releases, only what its provider gave it, only in use or unused."""
    if error := policy_refusal(actor, Action.NUMBER_RELEASE, number):
        return error
    holder = number.owner
    if not holder.is_enterprise:
        return Conflict(
            f"{number.e164} is held by {holder.name}, not by an enterprise; resellers "
            "reclaim numbers instead of releasing them.",
            code="not_enterprise",
        )
    if number.external:
        return Conflict(
            f"{number.e164} is {holder.name}'s own number, not one from its provider; "
            "delete it instead.",
            code="external",
        )
    if number.state in UNRELEASABLE_STATES:
        return Conflict(
            f"{number.e164} is {number.get_state_display().lower()} and cannot be released.",
            code="not_releasable",
        )
    return None


def restore_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """The enterprise that released an aging number may restore it, although it no
    longer holds it: the policy is asked about that enterprise."""
    facts = facts or NumberFacts.of([number])
    previous = facts.released_by(number)
    if previous is None:
        return policy_refusal(actor, Action.NUMBER_RESTORE, number) or Conflict(
            f"{number.e164} is not aging after a release; nothing to restore.",
            code="not_aging",
        )
    return policy_refusal(actor, Action.NUMBER_RESTORE, previous)


def port_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """A port is completed or cancelled by the account that uploaded the number, or one
    above it, while the number is ``porting_in``."""
    if error := policy_refusal(actor, Action.VIEW, number):
        return error
    uploader = number.uploaded_by
    if not uploader.is_within(actor.account):
        return PolicyDenied(
            f"Only {uploader.name}, which uploaded {number.e164}, or an account above it "
            "decides its port.",
            code="not_uploader",
        )
    if error := policy_refusal(actor, Action.NUMBERS_UPLOAD, uploader):
        return error
    if number.state != NumberState.PORTING_IN:
        return Conflict(
            f"{number.e164} is {number.get_state_display().lower()}, not porting in.",
            code="not_porting",
        )
    return None


# The set-based counterparts (``SetCheck``): the columns each predicate above reads.
# Restore has none: it reads what the release kept (``released_from``), and is taken
# one number at a time.
reserve_refusals = SetCheck(reserve_refusal, ("owner_id", "state"))
unreserve_refusals = SetCheck(unreserve_refusal, ("owner_id", "state"))
release_refusals = SetCheck(release_refusal, ("owner_id", "external", "state"))
port_refusals = SetCheck(port_refusal, ("owner_id", "uploaded_by_id", "state"))


def refuse(error: DomainError | None) -> None:
    if error is not None:
        raise error


def number_reserve(*, actor, number: Number, until, target: Target | None = None) -> Number:
    """Hold an available number until ``until``, optionally for one target.

    A reserved number can still be assigned (to its target, or to any when no target
    was named); past ``until`` the expiry sweep makes it available again. Reserving a
    reserved number again moves its expiry or its target.
    """
    with transaction.atomic():
        number = lock_number(number)
        refuse(reserve_refusal(actor, number))
        if until is None or until <= timezone.now():
            raise invalid("A reservation ends in the future.", field="until", code="past")
        if target is not None:
            try:
                target = Target.objects.select_related("enterprise").get(pk=target.pk)
            except Target.DoesNotExist as error:
                raise NotVisible("Not found.", code="not_found") from error
            check(actor, Action.VIEW, target)
            # A reservation for a target is a promise that it can be assigned.
            fit_or_refuse(number, target, TARGET_RULES[target.kind].channel)
        before = {
            "state": number.state,
            "reserved_until": number.reserved_until,
            "reserved_for": target_ref(number.reserved_for),
        }
        number.state = NumberState.RESERVED
        number.reserved_until = until
        number.reserved_for = target
        number.updated_at = timezone.now()
        number.save(update_fields=["state", "reserved_until", "reserved_for", "updated_at"])
        record_number_event(
            actor=actor,
            action="number.reserved",
            number=number,
            account=number.owner,
            before=before,
            after={
                "state": number.state,
                "reserved_until": until,
                "reserved_for": target_ref(target),
            },
        )
        notify("reserved", [number.pk])
    return number


def number_unreserve(*, actor, number: Number) -> Number:
    """End a reservation now: the number is available again."""
    with transaction.atomic():
        number = lock_number(number)
        refuse(unreserve_refusal(actor, number))
        before = {
            "state": number.state,
            "reserved_until": number.reserved_until,
            "reserved_for": target_ref(number.reserved_for),
        }
        number.state = NumberState.AVAILABLE
        number.reserved_until = None
        number.reserved_for = None
        number.updated_at = timezone.now()
        number.save(update_fields=["state", "reserved_until", "reserved_for", "updated_at"])
        record_number_event(
            actor=actor,
            action="number.unreserved",
            number=number,
            account=number.owner,
            before=before,
            after={"state": number.state},
        )
        notify("unreserved", [number.pk])
    return number


def number_release(*, actor, number: Number) -> Number:
    """An enterprise gives a number back: its reseller holds it, aging, for
    ``aging_days`` (carriers quarantine disconnected numbers before reuse).

    What the release took away (owner, assignments, reservation) is kept in
    ``released_from`` so that ``number_restore`` can undo it while it ages.
    """
    with transaction.atomic():
        number = lock_number(number)
        refuse(release_refusal(actor, number))
        enterprise = number.owner
        reseller = Account.objects.get(pk=enterprise.parent_id)
        now = timezone.now()
        released_from = {
            "owner": account_ref(enterprise),
            "state": number.state,
            "reserved_until": number.reserved_until.isoformat() if number.reserved_until else None,
            "reserved_for": target_ref(number.reserved_for),
            "assignments": [],
        }
        for assignment in detach(number):
            released_from["assignments"].append(
                {"channel": assignment.channel, "target": target_ref(assignment.target)}
            )
        number.owner = reseller
        number.state = NumberState.AGING
        number.aging_until = now + timedelta(days=reseller.aging_days)
        number.released_from = released_from
        number.reserved_until = None
        number.reserved_for = None
        number.updated_at = now
        number.save(
            update_fields=[
                "owner",
                "state",
                "aging_until",
                "released_from",
                "reserved_until",
                "reserved_for",
                "updated_at",
            ]
        )
        record_number_event(
            actor=actor,
            action="number.released",
            number=number,
            account=enterprise,
            before=released_from,
            after={
                "owner": account_ref(reseller),
                "state": number.state,
                "aging_until": number.aging_until,
            },
        )
        notify("released", removed=[removed_entry(number, enterprise.pk)])
    return number


def number_restore(*, actor, number: Number) -> Number:
    """Undo a release while the number ages: back to the enterprise and its targets.

    Targets deleted since the release are skipped (the event lists them); every other
    assignment comes back under the same rules as a new one (fit, station quota).
    The enterprise that released the number may restore it although it no longer
    holds it, so the policy is asked about that enterprise.
    """
    with transaction.atomic():
        number = lock_number(number)
        facts = NumberFacts.of([number])
        refuse(restore_refusal(actor, number, facts))
        released = number.released_from
        previous = facts.released_by(number)
        reseller = number.owner
        # As any move into an account: its location country, the catalog it may use.
        place_one(actor=actor, number=number, destination=previous)
        number.owner = previous
        number.state = NumberState.AVAILABLE
        number.aging_until = None
        number.released_from = None
        number.updated_at = timezone.now()
        number.save(update_fields=["owner", "state", "aging_until", "released_from", "updated_at"])
        restored, skipped = [], []
        for item in released.get("assignments", []):
            target = (
                Target.objects.select_related("enterprise")
                .filter(pk=item["target"]["id"], enterprise=previous)
                .first()
            )
            if target is None:
                skipped.append(item)
                continue
            fit_or_refuse(number, target, item["channel"])
            attach(number, target, item["channel"])
            restored.append({"channel": item["channel"], "target": target_ref(target)})
        record_number_event(
            actor=actor,
            action="number.restored",
            number=number,
            account=previous,
            before={"owner": account_ref(reseller), "state": NumberState.AGING},
            after={
                "owner": account_ref(previous),
                "state": number.state,
                "assignments": restored,
                "not_restored": skipped,
            },
        )
        notify("restored", [number.pk])
    return number


def number_port_complete(*, actor, number: Number) -> Number:
    """The port of a number uploaded as ``porting_in`` is done: it becomes available.

    Said by the account that uploaded it or one above it, or by the number's first
    call (``numbers_port_complete_by_call``), as Kazoo activates a ported number.
    """
    with transaction.atomic():
        number = lock_number(number)
        refuse(port_refusal(actor, number))
        number.state = NumberState.AVAILABLE
        number.updated_at = timezone.now()
        number.save(update_fields=["state", "updated_at"])
        record_number_event(
            actor=actor,
            action="number.port_completed",
            number=number,
            account=number.owner,
            before={"state": NumberState.PORTING_IN},
            after={"state": NumberState.AVAILABLE},
        )
        notify("port_completed", [number.pk])
    return number


def number_port_cancel(*, actor, number: Number) -> None:
    """The port of a ``porting_in`` number failed or was withdrawn: the number never
    arrived, so it leaves the inventory. Its history stays (events keep the E.164 text)
    and the platforms are told it is gone, as for a deleted number."""
    with transaction.atomic():
        number = lock_number(number)
        refuse(port_refusal(actor, number))
        record_number_event(
            actor=actor,
            action="number.port_cancelled",
            number=number,
            account=number.owner,
            before={
                "owner": account_ref(number.owner),
                "state": number.state,
                **attribute_values(number),
            },
        )
        notify("port_cancelled", removed=[removed_entry(number, number.owner_id)])
        number.delete()


def numbers_port_complete_by_call(*, actor, calls: dict[int, object]) -> int:
    """Numbers still ``porting_in`` that received a call are ported: available.

    ``calls`` maps number ids to the moment of their latest call. A call reaching a
    number proves the carrier routes it here, so no one has to say so (Kazoo activates
    a ported number on its first call the same way). ``actor`` is whoever recorded the
    calls (``None``: the system, e.g. a CDR import run by the operator). Called inside
    the transaction that records the calls; set-based, one event per number.
    """
    now = timezone.now()
    ported = []
    for batch in chunks(list(calls)):
        ported.extend(
            Number.objects.select_for_update(of=("self",))
            .filter(pk__in=batch, state=NumberState.PORTING_IN)
            .values_list("pk", "e164", "owner_id", "owner__path")
        )
    events = []
    for batch in chunks(ported):
        Number.objects.filter(pk__in=[row[0] for row in batch]).update(
            state=NumberState.AVAILABLE, updated_at=now
        )
        for pk, text, owner_id, owner_path in batch:
            event = audit.build_event(
                actor=actor,
                action="number.port_completed",
                object_type="number",
                object_id=pk,
                number_e164=text,
                before={"state": NumberState.PORTING_IN},
                after={"state": NumberState.AVAILABLE, "first_call_at": calls[pk]},
            )
            event.account_id, event.account_path = owner_id, owner_path
            events.append(event)
    audit.record_many(events)
    notify("port_completed", [row[0] for row in ported])
    return len(ported)


def numbers_expire(*, now=None) -> dict:
    """The system's sweep: expired reservations and finished aging -> available.

    Set-based (one UPDATE per batch) and recorded as the system's events.
    """
    now = now or timezone.now()
    counts = {}
    sweeps = (
        ("reservation_expired", NumberState.RESERVED, "reserved_until"),
        ("aged_out", NumberState.AGING, "aging_until"),
    )
    with transaction.atomic():
        for action, state, deadline in sweeps:
            due = Number.objects.select_for_update(of=("self",)).filter(
                state=state, **{f"{deadline}__lte": now}
            )
            rows = list(due.values_list("pk", "e164", "owner_id", "owner__path", deadline))
            changes = {"state": NumberState.AVAILABLE, deadline: None, "updated_at": now}
            if state == NumberState.RESERVED:
                changes["reserved_for"] = None
            else:
                changes["released_from"] = None
            events = []
            for batch in chunks(rows):
                Number.objects.filter(pk__in=[row[0] for row in batch]).update(**changes)
                for pk, text, owner_id, owner_path, ended in batch:
                    event = audit.build_event(
                        actor=None,
                        action=f"number.{action}",
                        object_type="number",
                        object_id=pk,
                        number_e164=text,
                        before={"state": state, deadline: ended},
                        after={"state": NumberState.AVAILABLE},
                    )
                    event.account_id, event.account_path = owner_id, owner_path
                    events.append(event)
            audit.record_many(events)
            notify(action, [row[0] for row in rows])
            counts[action] = len(rows)
    return counts
