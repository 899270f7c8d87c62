"""Bringing numbers in, changing their attributes, deleting them."""

import copy

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import Conflict, DomainError, ErrorItem, ValidationFailed, invalid
from didhub.numbers import attributes, e164
from didhub.numbers.account_defaults import default_carriers
from didhub.numbers.choices import NumberState
from didhub.numbers.models import CallingProfile, Carrier, Number, SmsProfile
from didhub.numbers.placement import CountryRule
from didhub.numbers.rules import check_fit
from didhub.numbers.services.common import (
    ATTRIBUTE_FIELDS,
    CATALOG_FIELDS,
    TARGET_KIND_FIELDS,
    NumberFacts,
    SetCheck,
    account_ref,
    attribute_values,
    chunks,
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
ENTRY_FIELDS = {"e164", "country_code", "row", "porting", *ATTRIBUTE_FIELDS}


def entry_values(entry: dict) -> dict:
    """An entry's flags, route, usage, CAC and texts as a new number stores them.

    Omitted values take their defaults; usage User takes its fixed CAC whatever the
    entry says, as an upload does. ``attributes.problems`` then judges the result.
    """
    values = {key: bool(entry.get(key, attributes.DEFAULTS[key])) for key in attributes.FLAGS}
    values["route"] = entry.get("route") or ""
    values["usage"] = entry.get("usage") or attributes.DEFAULTS["usage"]
    given = entry.get("cac_limit")
    values["cac_limit"] = attributes.cac_for(
        values["usage"], None if given in (None, "") else given
    )
    for key in attributes.PLAIN_TEXTS:
        values[key] = str(entry.get(key) or "").strip()
    values["tags"] = clean_tags(entry.get("tags"))
    return values


class NumberBuilder:
    """Turns upload entries into unsaved numbers for one destination account.

    Look-ups (default carriers, catalog entries) are done once per batch, so that
    ten thousand entries cost ten thousand parses and not ten thousand queries.
    """

    def __init__(self, *, actor, account: Account, source_import=None):
        self.account = account
        self.uploader = actor.account
        self.source_import = source_import
        self.now = timezone.now()
        self.catalog: dict[tuple[str, object], object] = {}
        self.country = CountryRule.of_account(account)
        # The uploading reseller's default carriers, inherited from above.
        self.default_carrier_id, self.default_profile_id = default_carriers(self.uploader)

    def lookup(self, field: str, value):
        if value is None or value == "":
            return None
        key = (field, getattr(value, "pk", value))
        if key not in self.catalog:
            self.catalog[key] = resolve_catalog(CATALOG_MODELS[field], value, self.account, field)
        return self.catalog[key]

    def build(self, entry: dict) -> Number:
        """One unsaved number, or ValidationFailed with field-keyed items."""
        errors: list[ErrorItem] = []

        def fail(field, message, code="invalid"):
            errors.append(ErrorItem(code=code, message=message, field=field))

        if unknown := sorted(set(entry) - ENTRY_FIELDS):
            fail(unknown[0], f"{unknown[0]} is not a number attribute.", "unknown_field")
        parsed = None
        try:
            parsed = e164.parse(str(entry.get("e164") or ""), entry.get("country_code") or None)
        except e164.NumberError as error:
            fail("e164", error.message, error.code)
        if parsed and not self.country.fits(parsed.country_code):
            reason = self.country.reason(parsed.country_code, self.account.name)
            fail("e164", reason, "wrong_country")
        values = entry_values(entry)
        for problem in attributes.problems(values):
            fail(problem.key, problem.message, problem.code)
        catalog = {}
        for field in CATALOG_FIELDS:
            try:
                catalog[field] = self.lookup(field, entry.get(field))
            except ValidationFailed as error:
                errors.extend(error.errors)
        if errors:
            raise ValidationFailed(message=errors[0].message, code=errors[0].code, errors=errors)
        external = self.uploader.is_enterprise
        carrier, profile = catalog["voice_carrier"], catalog["sms_profile"]
        default_carrier = self.default_carrier_id if values["voice"] else None
        default_profile = self.default_profile_id if values["sms"] else None
        return Number(
            e164=parsed.e164,
            country_code=parsed.country_code,
            region=parsed.region,
            number_type=parsed.number_type,
            **values,
            voice_carrier_id=carrier.pk if carrier else default_carrier,
            sms_profile_id=profile.pk if profile else default_profile,
            calling_profile=catalog["calling_profile"],
            owner=self.account,
            uploaded_by=self.uploader,
            external=external,
            source_import=self.source_import,
            state=NumberState.PORTING_IN if entry.get("porting") else NumberState.AVAILABLE,
            created_at=self.now,
            updated_at=self.now,
        )

    def added_event(self, actor, number: Number):
        return audit.build_event(
            actor=actor,
            action="number.added",
            obj=number,
            account=self.account,
            number_e164=number.e164,
            import_id=self.source_import.pk if self.source_import else None,
            after={
                "owner": account_ref(self.account),
                "uploaded_by": account_ref(self.uploader),
                "state": number.state,
                "external": number.external,
                "voice": number.voice,
                "sms": number.sms,
                "fax": number.fax,
                "route": number.route,
                "usage": number.usage,
            },
        )


def numbers_add(*, actor, account: Account, entries: list[dict], source_import=None):
    """Add numbers to ``account``'s inventory, all of them or none.

    Each entry takes the arguments of ``number_add``; problems come back together as
    one ValidationFailed whose items carry the entry's ``row`` (its ``row`` key, else
    its position from 1). Numbers already in the inventory are refused without naming
    their owner: a foreign tenant's holdings are not disclosed.
    """
    with transaction.atomic():
        # Fresh settings: the location country and external-number grant decide here.
        account = Account.objects.get(pk=account.pk)
        check(actor, Action.NUMBERS_UPLOAD, account)
        builder = NumberBuilder(actor=actor, account=account, source_import=source_import)
        numbers, rows, errors = [], {}, []
        for index, entry in enumerate(entries, start=1):
            row = entry.get("row", index)
            try:
                number = builder.build(entry)
            except ValidationFailed as error:
                errors.extend(
                    ErrorItem(code=item.code, message=item.message, field=item.field, row=row)
                    for item in error.errors
                )
                continue
            if number.e164 in rows:
                errors.append(
                    ErrorItem(
                        code="duplicate",
                        message=f"{number.e164} appears twice (also row {rows[number.e164]}).",
                        field="e164",
                        row=row,
                    )
                )
                continue
            rows[number.e164] = row
            numbers.append(number)
        for batch in chunks(list(rows)):
            for text in Number.objects.filter(e164__in=batch).values_list("e164", flat=True):
                errors.append(
                    ErrorItem(
                        code="exists",
                        message=f"{text} is already in the inventory.",
                        field="e164",
                        row=rows[text],
                    )
                )
        if errors:
            errors.sort(key=lambda item: str(item.row))
            message = errors[0].message if len(errors) == 1 else f"{len(errors)} rows are invalid."
            raise ValidationFailed(message=message, code=errors[0].code, errors=errors)
        try:
            with transaction.atomic():
                Number.objects.bulk_create(numbers, batch_size=2000)
        except IntegrityError as error:
            raise Conflict(
                "Some of these numbers were added by someone else meanwhile; validate again.",
                code="exists",
            ) from error
        audit.record_many([builder.added_event(actor, number) for number in numbers])
        if source_import is not None:
            audit.numbers_changed(action="added", import_id=source_import.pk)
        else:
            notify("added", [number.pk for number in numbers])
    return numbers


def number_add(*, actor, account: Account, e164: str, **attributes) -> Number:
    """Add one number (raw input accepted: normalized and validated exactly).

    Attributes are those of the upload file: voice, sms, fax, route, usage, cac_limit,
    voice_carrier, sms_profile, calling_profile, sip_connection, service_info, tags,
    porting. With a capability on and no carrier given, the uploader's default carrier
    is set (docs/domain.md, "Uploading"). Errors are field-keyed.
    """
    try:
        return numbers_add(actor=actor, account=account, entries=[{"e164": e164, **attributes}])[0]
    except ValidationFailed as error:
        items = [ErrorItem(code=i.code, message=i.message, field=i.field) for i in error.errors]
        raise ValidationFailed(message=error.message, code=error.code, errors=items) from None


def numbers_add_range(*, actor, account: Account, start: str, end: str, **values):
    """Add every number from ``start`` to ``end`` (at most DIDHUB_MAX_RANGE), all or none."""
    try:
        first = e164.normalize(str(start), values.get("country_code"))
    except e164.NumberError as error:
        raise invalid(error.message, field="start", code=error.code) from None
    try:
        last = e164.normalize(str(end), values.get("country_code"))
    except e164.NumberError as error:
        raise invalid(error.message, field="end", code=error.code) from None
    if problem := attributes.range_problem(first, last, limit=settings.DIDHUB_MAX_RANGE):
        raise invalid(problem, field="end", code="bad_range")
    values.pop("country_code", None)
    width = len(first) - 1
    entries = [
        {"e164": f"+{value:0{width}d}", "row": f"+{value:0{width}d}", **values}
        for value in range(int(first), int(last) + 1)
    ]
    return numbers_add(actor=actor, account=account, entries=entries)


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
