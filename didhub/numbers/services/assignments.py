"""Assigning numbers to the targets that use them, and freeing them again."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts.policy import Action, check
from didhub.core.errors import Conflict, DomainError, NotVisible, invalid
from didhub.numbers.choices import Channel, NumberState
from didhub.numbers.models import Assignment, Number, Tally, Target
from didhub.numbers.rules import STATION_KINDS, TARGET_RULES, check_fit, kind_name
from didhub.numbers.services.common import (
    CHANNEL_FIELDS,
    TARGET_KIND_FIELDS,
    NumberFacts,
    SetCheck,
    lock_account,
    lock_number,
    notify,
    policy_refusal,
    record_number_event,
)

# States in which a number can take a new assignment.
ASSIGNABLE_STATES = {NumberState.AVAILABLE, NumberState.RESERVED, NumberState.ASSIGNED}


def assign_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """Why no target can take ``number`` now, before any target is named; or None.

    Targets belong to enterprises, so only an enterprise's numbers are assigned, and
    only on a channel the number carries that is still free.
    """
    if error := policy_refusal(actor, Action.NUMBER_ASSIGN, number):
        return error
    if number.state not in ASSIGNABLE_STATES:
        return Conflict(
            f"{number.e164} is {number.get_state_display().lower()} and cannot be assigned.",
            code="not_assignable",
        )
    if not number.owner.is_enterprise:
        return Conflict(
            f"{number.e164} is held by {number.owner.name}; numbers are assigned by the "
            "enterprise holding them, to its targets.",
            code="not_enterprise",
        )
    if not any(
        getattr(number, channel) and not number.target_kind_for(channel)
        for channel in Channel.values
    ):
        return Conflict(
            f"{number.e164} is already assigned on every channel it carries.", code="assigned"
        )
    return None


def unassign_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    if error := policy_refusal(actor, Action.NUMBER_UNASSIGN, number):
        return error
    if not number.is_assigned:
        return Conflict(f"{number.e164} is not assigned to anything.", code="not_assigned")
    return None


assign_refusals = SetCheck(assign_refusal, ("owner_id", "state", *CHANNEL_FIELDS))
unassign_refusals = SetCheck(unassign_refusal, ("owner_id", *TARGET_KIND_FIELDS))


def stations_in_use(enterprise_id: int) -> int:
    """Voice assignments of an enterprise's station-using targets (docs/domain.md,
    "Stations"), from its tallies."""
    return Tally.objects.stations_in_use(enterprise_id)


def fit_or_refuse(number: Number, target: Target, channel: str) -> None:
    """Every rule between a number and a target, each refusal naming its rule."""
    # Numbers are assigned by the enterprise that holds them, to its own targets.
    if target.enterprise_id != number.owner_id:
        raise invalid(
            f"{target.name} belongs to {target.enterprise.name}, but {number.e164} is held by "
            f"{number.owner.name}; a number serves only targets of the enterprise holding it.",
            field="target",
            code="other_enterprise",
        )
    if reason := check_fit(number, target, channel):
        field = "channel" if channel != TARGET_RULES[target.kind].channel else "target"
        raise invalid(reason, field=field, code="does_not_fit")
    if channel == Channel.VOICE and target.kind in STATION_KINDS:
        enterprise = lock_account(target.enterprise)
        purchased = enterprise.stations_purchased
        if purchased is not None and stations_in_use(enterprise.pk) >= purchased:
            raise stations_used_up(enterprise)


def stations_used_up(enterprise) -> Conflict:
    """The refusal of an assignment beyond the enterprise's purchased stations."""
    return Conflict(
        f"{enterprise.name} uses all {enterprise.stations_purchased} purchased stations; "
        "ask your provider for more or free one first.",
        code="station_quota",
    )


def attach(number: Number, target: Target, channel: str) -> Assignment:
    """Create the assignment and keep the number's state and kind columns in step.

    The unique (number, channel) constraint is the last guard against a concurrent
    assignment that slipped past the row lock.
    """
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                number=number, channel=channel, target=target, target_kind=target.kind
            )
    except IntegrityError as error:
        raise Conflict(
            f"{number.e164} is already assigned on the {channel} channel.", code="assigned"
        ) from error
    setattr(number, f"{channel}_target_kind", target.kind)
    number.state = NumberState.ASSIGNED
    number.reserved_until = None
    number.reserved_for = None
    number.updated_at = timezone.now()
    number.save(
        update_fields=[
            f"{channel}_target_kind",
            "state",
            "reserved_until",
            "reserved_for",
            "updated_at",
        ]
    )
    return assignment


def number_assign(*, actor, number: Number, target: Target, channel: str | None = None):
    """Assign ``number`` to ``target`` on ``channel`` (by default the target's channel).

    Two admins assigning the same number at once: the number's row lock makes the
    second wait, then it sees the first one's assignment and gets a Conflict.
    """
    with transaction.atomic():
        number = lock_number(number)
        check(actor, Action.NUMBER_ASSIGN, number)
        try:
            target = Target.objects.select_related("enterprise").get(pk=target.pk)
        except Target.DoesNotExist as error:
            raise NotVisible("Not found.", code="not_found") from error
        check(actor, Action.VIEW, target)
        channel = channel or TARGET_RULES[target.kind].channel
        if channel not in Channel.values:
            raise invalid("The channel is voice, sms or fax.", field="channel")
        if error := channel_taken(number, channel):
            raise error
        # The target's own rules first: their refusals name the rule that fails.
        fit_or_refuse(number, target, channel)
        if error := assign_refusal(actor, number):
            raise error
        if error := reserved_for_another(number, target):
            raise error
        before_state = number.state
        assignment = attach(number, target, channel)
        record_number_event(
            actor=actor,
            action="number.assigned",
            number=number,
            account=number.owner,
            before={"state": before_state},
            after={
                "state": number.state,
                "channel": channel,
                "target": {"id": target.pk, "name": target.name, "kind": target.kind},
            },
        )
        notify("assigned", [number.pk])
    return assignment


def channel_taken(number: Number, channel: str) -> Conflict | None:
    """The refusal of a second assignment on a channel the number already uses."""
    if not number.target_kind_for(channel):
        return None
    current = None
    if number.pk is not None:
        current = number.assignments.filter(channel=channel).select_related("target").first()
    name = current.target.name if current else "a target"
    return Conflict(
        f"{number.e164} is already assigned to {name} "
        f"({kind_name(number.target_kind_for(channel))}) on the {channel} channel.",
        code="assigned",
    )


def reserved_for_another(number: Number, target: Target) -> Conflict | None:
    """A number reserved for one target goes to that target only, until its reservation
    ends."""
    if not (
        number.state == NumberState.RESERVED
        and number.reserved_for_id
        and number.reserved_for_id != target.pk
    ):
        return None
    until = f"{number.reserved_until:%Y-%m-%d %H:%M}" if number.reserved_until else "later"
    return Conflict(
        f"{number.e164} is reserved for {number.reserved_for.name} until {until}.",
        code="reserved",
    )


def not_assigned_on(number: Number, channel: str | None) -> Conflict | None:
    """The refusal of unassigning a channel the number does not use."""
    if number.is_assigned if channel is None else number.target_kind_for(channel):
        return None
    where = f"on the {channel} channel" if channel else "to anything"
    return Conflict(f"{number.e164} is not assigned {where}.", code="not_assigned")


def detach(number: Number, channels: list[str] | None = None) -> list[Assignment]:
    """Remove assignments (all, or those on ``channels``) and put the columns in step."""
    assignments = list(number.assignments.select_related("target").order_by("channel"))
    if channels is not None:
        assignments = [a for a in assignments if a.channel in channels]
    if not assignments:
        return []
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).delete()
    fields = ["state", "updated_at"]
    for assignment in assignments:
        setattr(number, f"{assignment.channel}_target_kind", "")
        fields.append(f"{assignment.channel}_target_kind")
    if not number.is_assigned:
        number.state = NumberState.AVAILABLE
    number.updated_at = timezone.now()
    number.save(update_fields=fields)
    return assignments


def number_unassign(*, actor, number: Number, channel: str | None = None) -> list[str]:
    """Free ``number`` on ``channel`` (None: on every channel); returns the channels freed.

    The number is available again once its last assignment ends.
    """
    if channel is not None and channel not in Channel.values:
        raise invalid("The channel is voice, sms or fax.", field="channel")
    with transaction.atomic():
        number = lock_number(number)
        if error := unassign_refusal(actor, number):
            raise error
        removed = detach(number, None if channel is None else [channel])
        if not removed:
            raise not_assigned_on(number, channel)
        record_number_event(
            actor=actor,
            action="number.unassigned",
            number=number,
            account=number.owner,
            before={
                "state": NumberState.ASSIGNED,
                "assignments": [
                    {
                        "channel": a.channel,
                        "target": {"id": a.target_id, "name": a.target.name, "kind": a.target_kind},
                    }
                    for a in removed
                ],
            },
            after={"state": number.state},
        )
        notify("unassigned", [number.pk])
    return [a.channel for a in removed]
