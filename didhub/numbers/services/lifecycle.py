"""Changing numbers' attributes, deleting them, and the default carriers of uploads.

Numbers come in through an upload only (``didhub.imports``: ``import_create`` and
``import_commit``, or ``didhub.imports.adding`` for one number, a list or a range).
"""

import copy

from django.db import transaction
from django.utils import timezone

from didhub.accounts.policy import Action, check
from didhub.core.errors import Conflict, DomainError, ErrorItem, ValidationFailed, invalid
from didhub.numbers import attributes
from didhub.numbers.models import CallingProfile, Carrier, Number, SmsProfile
from didhub.numbers.rules import check_fit
from didhub.numbers.services.common import (
    ATTRIBUTE_FIELDS,
    CATALOG_FIELDS,
    TARGET_KIND_FIELDS,
    NumberFacts,
    SetCheck,
    account_ref,
    attribute_values,
    clean_tags,
    lock_number,
    notify,
    policy_refusal,
    record_number_event,
    removed_entry,
    resolve_catalog,
)

CATALOG_MODELS = {
    "voice_carrier": Carrier,
    "sms_profile": SmsProfile,
    "calling_profile": CallingProfile,
}


UPDATABLE = set(ATTRIBUTE_FIELDS)


def update_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """Resellers change attributes; which changes fit is decided with the changes."""
    return policy_refusal(actor, Action.NUMBER_UPDATE, number)


def delete_refusal(actor, number: Number, facts: NumberFacts | None = None) -> DomainError | None:
    """The uploader deletes an unused number it holds (the policy's object rule)."""
    return policy_refusal(actor, Action.NUMBER_DELETE, number)


update_refusals = SetCheck(update_refusal, ("owner_id",))
delete_refusals = SetCheck(
    delete_refusal, ("owner_id", "uploaded_by_id", "state", *TARGET_KIND_FIELDS)
)


def number_update(*, actor, number: Number, **changes) -> Number:
    """Change capabilities, route, usage, CAC, carriers, profile and texts (resellers).

    Carriers change only while the number is not assigned (docs/domain.md, "Carriers and
    profiles"). A change that
    would make a current assignment unfit (voice turned off under a PBX user, a route
    the trunk does not take) is refused: unassign first.
    """
    given = update_values(changes)
    with transaction.atomic():
        number = lock_number(number)
        if error := update_refusal(actor, number):
            raise error
        before_values = attribute_values(number)
        new = dict(given)
        for field in CATALOG_FIELDS:
            if field in new:
                new[field] = resolve_catalog(CATALOG_MODELS[field], new[field], number.owner, field)
        changed = changed_values(number, new)
        targets = [
            (assignment.channel, assignment.target)
            for assignment in number.assignments.select_related("target")
        ]
        if error := change_refusal(actor, number, changed, targets):
            raise error
        if not changed:
            return number
        for field, value in changed.items():
            setattr(number, field, value)
        number.updated_at = timezone.now()
        number.save(update_fields=[*changed, "updated_at"])
        after_values = attribute_values(number)
        record_number_event(
            actor=actor,
            action="number.updated",
            number=number,
            account=number.owner,
            before={k: before_values[k] for k in changed},
            after={k: after_values[k] for k in changed},
        )
        notify("updated", [number.pk])
    return number


def update_values(changes: dict) -> dict:
    """The attributes a change sets, as stored (texts stripped, tags encoded); catalog
    entries stay as given, to be resolved for the account holding each number."""
    if unknown := sorted(set(changes) - UPDATABLE):
        raise invalid(f"{unknown[0]} cannot be changed here.", field=unknown[0])
    new = dict(changes)
    if "tags" in new:
        new["tags"] = clean_tags(new["tags"])
    for field in attributes.PLAIN_TEXTS:
        if field in new:
            new[field] = str(new[field] or "").strip()
    return new


def changed_values(number: Number, new: dict) -> dict:
    """What ``new`` changes on ``number`` (catalog entries resolved, as instances), with
    what follows from it: turning voice off takes the route with it (a route needs
    voice), usage User takes its fixed CAC."""
    changed = {k: v for k, v in new.items() if getattr(number, k) != v}
    if changed.get("voice") is False and "route" not in changed:
        changed["route"] = ""
    if changed.get("usage") == attributes.USER_USAGE and "cac_limit" not in changed:
        changed["cac_limit"] = attributes.USER_CAC_LIMIT
    return changed


def change_refusal(actor, number: Number, changed: dict, targets) -> DomainError | None:
    """Why ``changed`` cannot be made to ``number`` now; or None. ``targets``: its
    assignments as ``(channel, target)``. Asked by ``number_update`` for one number and
    by the bulk update once per kind of number it changes."""
    if {"voice_carrier", "sms_profile"} & set(changed):
        try:
            check(actor, Action.NUMBER_CHANGE_CARRIER, number)
        except DomainError as error:
            return error
    changed_number = copy.copy(number)
    for field, value in changed.items():
        setattr(changed_number, field, value)
    try:
        validate_attributes(changed_number, touched=set(changed))
    except ValidationFailed as error:
        return error
    for channel, target in targets:
        if reason := check_fit(changed_number, target, channel):
            return Conflict(
                f"{number.e164} is assigned to {target.name}; {reason} Unassign it first.",
                code="assigned",
            )
    return None


def validate_attributes(number: Number, *, touched: set[str]) -> None:
    """Field-keyed checks of a number's attributes after a change (``touched``: the
    fields the change set; the rules between attributes read the others too)."""
    values = {key: getattr(number, key) for key in attributes.CHECKED}
    errors = [
        ErrorItem(code=problem.code, message=problem.message, field=problem.key)
        for problem in attributes.problems(values)
    ]
    if errors:
        raise ValidationFailed(message=errors[0].message, code=errors[0].code, errors=errors)


def number_delete(*, actor, number: Number) -> None:
    """Delete an unused number; only the account that uploaded it may (docs/domain.md,
    "Deleting a number").

    Its history stays: events keep the E.164 text, not a reference to the row. The
    event keeps the upload the number came from (``import_id``), so that the point in
    time of this life can still find where it began.
    """
    with transaction.atomic():
        number = lock_number(number)
        if error := delete_refusal(actor, number):
            raise error
        record_number_event(
            actor=actor,
            action="number.deleted",
            number=number,
            account=number.owner,
            import_id=number.source_import_id,
            before={
                "owner": account_ref(number.owner),
                "state": number.state,
                **attribute_values(number),
            },
        )
        notify("deleted", removed=[removed_entry(number, number.owner_id)])
        number.delete()
