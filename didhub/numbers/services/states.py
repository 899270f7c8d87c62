"""Reservations, release through aging, restore, and the system's expiry sweep."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from didhub.accounts.models import Account
from didhub.core import audit
from didhub.core.errors import Conflict, NotVisible, invalid
from didhub.core.policy import Action, check
from didhub.numbers.choices import NumberState
from didhub.numbers.models import Number, Target
from didhub.numbers.rules import TARGET_RULES
from didhub.numbers.services.assignments import attach, detach, fit_or_refuse
from didhub.numbers.services.common import (
    account_ref,
    chunks,
    lock_number,
    notify,
    record_number_event,
    removed_entry,
    target_ref,
)


def number_reserve(*, actor, number: Number, until, target: Target | None = None) -> Number:
    """Hold an available number until ``until``, optionally for one target.

    A reserved number can still be assigned (to its target, or to any when no target
    was named); past ``until`` the expiry sweep makes it available again. Reserving a
    reserved number again moves its expiry or its target.
    """
    with transaction.atomic():
        number = lock_number(number)
        check(actor, Action.NUMBER_RESERVE, number)
        if until is None or until <= timezone.now():
            raise invalid("A reservation ends in the future.", field="until", code="past")
        if number.state not in (NumberState.AVAILABLE, NumberState.RESERVED):
            raise Conflict(
                f"{number.e164} is {number.get_state_display().lower()}; only available "
                "numbers can be reserved.",
                code="not_available",
            )
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
        check(actor, Action.NUMBER_RESERVE, number)
        if number.state != NumberState.RESERVED:
            raise Conflict(f"{number.e164} is not reserved.", code="not_reserved")
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
        check(actor, Action.NUMBER_RELEASE, number)
        enterprise = number.owner
        if not enterprise.is_enterprise:
            raise Conflict(
                f"{number.e164} is held by {enterprise.name}, not by an enterprise; resellers "
                "reclaim numbers instead of releasing them.",
                code="not_enterprise",
            )
        if number.external:
            raise Conflict(
                f"{number.e164} is {enterprise.name}'s own number, not one from its provider; "
                "delete it instead.",
                code="external",
            )
        if number.state in (NumberState.PORTING_IN, NumberState.AGING):
            raise Conflict(
                f"{number.e164} is {number.get_state_display().lower()} and cannot be released.",
                code="not_releasable",
            )
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
        released = number.released_from or {}
        previous = None
        if number.state == NumberState.AGING and released.get("owner"):
            previous = Account.objects.filter(pk=released["owner"]["id"]).first()
        if previous is None or not previous.is_within(number.owner):
            check(actor, Action.NUMBER_RESTORE, number)
            raise Conflict(
                f"{number.e164} is not aging after a release; nothing to restore.",
                code="not_aging",
            )
        check(actor, Action.NUMBER_RESTORE, previous)
        reseller = number.owner
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
