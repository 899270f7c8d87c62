"""Targets, carriers, SMS carrier profiles, calling profiles and number blocks."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.accounts.services import ValidationFailedFrom
from didhub.core import audit
from didhub.core.errors import Conflict, NotVisible, invalid
from didhub.numbers import e164
from didhub.numbers.choices import TargetKind
from didhub.numbers.models import Block, CallingProfile, Carrier, SmsProfile, Target


def _validate(obj: models.Model, exclude=()) -> None:
    try:
        obj.full_clean(exclude=set(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationFailedFrom(error) from error


def _save(obj: models.Model, duplicate: str) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise Conflict(duplicate, code="duplicate") from error


def _record(actor, action: str, obj, account, fields) -> None:
    audit.record(
        actor=actor, action=action, obj=obj, account=account, after=audit.snapshot(obj, fields)
    )


def _locked(obj):
    """The object's row, locked and read fresh (NotVisible once it is gone)."""
    try:
        return type(obj).objects.select_for_update().get(pk=obj.pk)
    except type(obj).DoesNotExist as error:
        raise NotVisible("Not found.", code="not_found") from error


def manage_action(obj) -> Action:
    # Enterprises manage their own targets; carriers and profiles are the resellers'.
    return Action.TARGET_MANAGE if isinstance(obj, Target) else Action.CATALOG_MANAGE


def _update(*, actor, obj, owner_field: str, fields: tuple, action: str, changes: dict, duplicate):
    """Shared body of the ``*_update`` services: lock, check, change, validate, record.

    Numbers of linked enterprises show their target's and catalog entries' names to the
    platforms, so an edit also queues every number that shows what changed.
    """
    if unknown := sorted(set(changes) - set(fields)):
        raise invalid(f"{unknown[0]} cannot be changed.", field=unknown[0])
    with transaction.atomic():
        obj = _locked(obj)
        owner = getattr(obj, owner_field)
        check(actor, manage_action(obj), owner)
        before = audit.snapshot(obj, fields)
        for name, value in changes.items():
            setattr(obj, name, value.strip() if isinstance(value, str) else value)
        _validate(obj, exclude={owner_field})
        _save(obj, duplicate)
        after = audit.snapshot(obj, fields)
        changed = [name for name in fields if before[name] != after[name]]
        if changed:
            audit.record(
                actor=actor,
                action=action,
                obj=obj,
                account=owner,
                before={name: before[name] for name in changed},
                after={name: after[name] for name in changed},
            )
            audit.numbers_changed(action=action.replace(".", "_"), referenced=obj, fields=changed)
    return obj


def _delete(*, actor, obj, owner_field: str, fields: tuple, action: str, in_use: str):
    with transaction.atomic():
        obj = _locked(obj)
        owner = getattr(obj, owner_field)
        check(actor, manage_action(obj), owner)
        audit.record(
            actor=actor, action=action, obj=obj, account=owner, before=audit.snapshot(obj, fields)
        )
        try:
            with transaction.atomic():
                obj.delete()
        except models.ProtectedError as error:
            raise Conflict(in_use, code="in_use") from error


TARGET_FIELDS = ("kind", "name", "external_id", "email")


def target_create(
    *, actor, enterprise: Account, kind: str, name: str, external_id: str = "", email: str = ""
) -> Target:
    """A user, trunk, service, group, SMS group, agent or fax target of an enterprise."""
    if kind not in TargetKind.values:
        raise invalid("Unknown target kind: " + ", ".join(TargetKind.values) + ".", field="kind")
    with transaction.atomic():
        check(actor, Action.TARGET_MANAGE, enterprise)
        target = Target(
            enterprise=enterprise,
            kind=kind,
            name=name.strip(),
            external_id=external_id.strip(),
            email=email.strip(),
        )
        _validate(target, exclude={"enterprise"})
        _save(target, f"{enterprise.name} already has a {kind} named {target.name!r}.")
        _record(actor, "target.created", target, enterprise, TARGET_FIELDS)
    return target


def target_update(*, actor, target: Target, **changes) -> Target:
    """Rename a target or change its external id or email; its kind stays what it is
    (assignments were checked against it)."""
    if "kind" in changes and changes["kind"] != target.kind:
        raise invalid("A target's kind cannot change; create a new target.", field="kind")
    changes.pop("kind", None)
    return _update(
        actor=actor,
        obj=target,
        owner_field="enterprise",
        fields=TARGET_FIELDS,
        action="target.updated",
        changes=changes,
        duplicate="Another target of that kind has that name.",
    )


def target_delete(*, actor, target: Target) -> None:
    """Delete a target that uses no number (unassign its numbers first)."""
    _delete(
        actor=actor,
        obj=target,
        owner_field="enterprise",
        fields=TARGET_FIELDS,
        action="target.deleted",
        in_use=f"{target.name} still uses numbers; unassign them first.",
    )


CARRIER_FIELDS = ("owner", "name")
SMS_PROFILE_FIELDS = ("owner", "carrier_name", "name")
CALLING_PROFILE_FIELDS = ("owner", "name", "sbc_device")


def carrier_create(*, actor, owner: Account, name: str) -> Carrier:
    """A voice carrier, usable by ``owner`` and every account below it."""
    with transaction.atomic():
        check(actor, Action.CATALOG_MANAGE, owner)
        carrier = Carrier(owner=owner, name=name.strip())
        _validate(carrier, exclude={"owner"})
        _save(carrier, f"{owner.name} already has a carrier named {carrier.name!r}.")
        _record(actor, "carrier.created", carrier, owner, CARRIER_FIELDS)
    return carrier


def carrier_update(*, actor, carrier: Carrier, **changes) -> Carrier:
    return _update(
        actor=actor,
        obj=carrier,
        owner_field="owner",
        fields=("name",),
        action="carrier.updated",
        changes=changes,
        duplicate="Another carrier of that account has that name.",
    )


def carrier_delete(*, actor, carrier: Carrier) -> None:
    """Delete a carrier no number uses."""
    _delete(
        actor=actor,
        obj=carrier,
        owner_field="owner",
        fields=CARRIER_FIELDS,
        action="carrier.deleted",
        in_use=f"Numbers still use {carrier.name}; change their carrier first.",
    )


def sms_profile_create(*, actor, owner: Account, carrier_name: str, name: str) -> SmsProfile:
    """An SMS carrier profile: underlying carrier and the profile holding credentials."""
    with transaction.atomic():
        check(actor, Action.CATALOG_MANAGE, owner)
        profile = SmsProfile(owner=owner, carrier_name=carrier_name.strip(), name=name.strip())
        _validate(profile, exclude={"owner"})
        _save(profile, f"{owner.name} already has that SMS carrier profile.")
        _record(actor, "sms_profile.created", profile, owner, SMS_PROFILE_FIELDS)
    return profile


def sms_profile_update(*, actor, sms_profile: SmsProfile, **changes) -> SmsProfile:
    return _update(
        actor=actor,
        obj=sms_profile,
        owner_field="owner",
        fields=("carrier_name", "name"),
        action="sms_profile.updated",
        changes=changes,
        duplicate="Another SMS carrier profile of that account has that name.",
    )


def sms_profile_delete(*, actor, sms_profile: SmsProfile) -> None:
    _delete(
        actor=actor,
        obj=sms_profile,
        owner_field="owner",
        fields=SMS_PROFILE_FIELDS,
        action="sms_profile.deleted",
        in_use=f"Numbers still use {sms_profile.name}; change their profile first.",
    )


def calling_profile_create(
    *, actor, owner: Account, name: str, sbc_device: str = ""
) -> CallingProfile:
    """A calling profile and the SBC device its numbers are routed through."""
    with transaction.atomic():
        check(actor, Action.CATALOG_MANAGE, owner)
        profile = CallingProfile(owner=owner, name=name.strip(), sbc_device=sbc_device.strip())
        _validate(profile, exclude={"owner"})
        _save(profile, f"{owner.name} already has a calling profile named {profile.name!r}.")
        _record(actor, "calling_profile.created", profile, owner, CALLING_PROFILE_FIELDS)
    return profile


def calling_profile_update(*, actor, calling_profile: CallingProfile, **changes):
    return _update(
        actor=actor,
        obj=calling_profile,
        owner_field="owner",
        fields=("name", "sbc_device"),
        action="calling_profile.updated",
        changes=changes,
        duplicate="Another calling profile of that account has that name.",
    )


def calling_profile_delete(*, actor, calling_profile: CallingProfile) -> None:
    _delete(
        actor=actor,
        obj=calling_profile,
        owner_field="owner",
        fields=CALLING_PROFILE_FIELDS,
        action="calling_profile.deleted",
        in_use=f"Numbers still use {calling_profile.name}; change their profile first.",
    )


BLOCK_FIELDS = ("owner", "start", "end", "size", "name")


def block_create(*, actor, owner: Account, start: str, end: str, name: str = "") -> Block:
    """A contiguous range of numbers (at most DIDHUB_MAX_RANGE) that no other block overlaps."""
    with transaction.atomic():
        check(actor, Action.NUMBERS_UPLOAD, owner)
        bounds = {}
        for field, raw in (("start", start), ("end", end)):
            try:
                bounds[field] = e164.normalize(str(raw))
            except e164.NumberError as error:
                raise invalid(error.message, field=field, code=error.code) from None
        block = Block(owner=owner, name=name.strip(), **bounds)
        block.size = max(int(block.end) - int(block.start) + 1, 0)
        _validate(block, exclude={"owner", "size"})
        _save(block, f"A block starting at {block.start} exists already.")
        _record(actor, "block.created", block, owner, BLOCK_FIELDS)
    return block


def block_delete(*, actor, block: Block) -> None:
    """Delete a block; its numbers stay (a block is a view on the inventory)."""
    with transaction.atomic():
        block = _locked(block)
        check(actor, Action.NUMBERS_UPLOAD, block.owner)
        audit.record(
            actor=actor,
            action="block.deleted",
            obj=block,
            account=block.owner,
            before=audit.snapshot(block, BLOCK_FIELDS),
        )
        block.delete()
