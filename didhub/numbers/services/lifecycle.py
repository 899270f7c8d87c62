"""Bringing numbers in, changing their attributes, completing ports, deleting them."""

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts.models import Account
from didhub.core import audit
from didhub.core.errors import Conflict, ErrorItem, ValidationFailed, invalid
from didhub.core.policy import Action, check
from didhub.numbers import e164
from didhub.numbers.choices import USER_CAC_LIMIT, NumberState, Route, Usage
from didhub.numbers.models import CallingProfile, Carrier, Number, SmsProfile
from didhub.numbers.rules import check_fit
from didhub.numbers.services.common import (
    ATTRIBUTE_FIELDS,
    CATALOG_FIELDS,
    account_ref,
    attribute_values,
    chunks,
    clean_tags,
    lock_number,
    notify,
    record_number_event,
    removed_entry,
    resolve_catalog,
)

MAX_RANGE = 100_000
TEXT_FIELDS = {"sip_connection": 200, "service_info": 200}
CATALOG_MODELS = {
    "voice_carrier": Carrier,
    "sms_profile": SmsProfile,
    "calling_profile": CallingProfile,
}
ENTRY_FIELDS = {"e164", "country_code", "row", "porting", *ATTRIBUTE_FIELDS}


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
        self.country_code = None
        if account.location_country:
            self.country_code = phonenumbers.country_code_for_region(
                account.location_country.upper()
            )
        # The uploading reseller's default carriers, inherited from above (seeds/001).
        self.default_carrier_id = self.default_profile_id = None
        chain = Account.objects.filter(pk__in=self.uploader.ancestor_ids()).order_by("-depth")
        for ancestor in chain.only("default_voice_carrier_id", "default_sms_profile_id"):
            self.default_carrier_id = self.default_carrier_id or ancestor.default_voice_carrier_id
            self.default_profile_id = self.default_profile_id or ancestor.default_sms_profile_id

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
        if parsed and self.country_code and parsed.country_code != self.country_code:
            fail(
                "e164",
                f"Numbers of {self.account.name} must carry country code +{self.country_code} "
                f"({self.account.location_country.upper()}); {parsed.e164} does not.",
                "wrong_country",
            )
        voice, sms, fax = (bool(entry.get(name, False)) for name in ("voice", "sms", "fax"))
        route = entry.get("route") or ""
        if voice and route not in Route.values:
            fail("route", "A voice number needs a route: " + ", ".join(Route.values) + ".")
        if not voice and route:
            fail("route", "A route needs the voice capability.")
        usage = entry.get("usage") or Usage.USER
        cac_limit = entry.get("cac_limit")
        if usage not in Usage.values:
            fail("usage", "Usage is one of " + ", ".join(Usage.values) + ".")
        # Usage `user` has a fixed CAC (seeds/004): a given value is ignored, as in uploads.
        if usage == Usage.USER or cac_limit in (None, ""):
            cac_limit = USER_CAC_LIMIT
        elif not (isinstance(cac_limit, int) and not isinstance(cac_limit, bool)) or cac_limit < 1:
            fail("cac_limit", "The CAC is a whole number of at least 1.")
        texts = {}
        for field, limit in TEXT_FIELDS.items():
            texts[field] = str(entry.get(field) or "").strip()
            if len(texts[field]) > limit:
                fail(field, f"At most {limit} characters.", "too_long")
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
        default_carrier = self.default_carrier_id if voice else None
        default_profile = self.default_profile_id if sms else None
        return Number(
            e164=parsed.e164,
            country_code=parsed.country_code,
            region=parsed.region,
            number_type=parsed.number_type,
            voice=voice,
            sms=sms,
            fax=fax,
            route=route if voice else "",
            usage=usage,
            cac_limit=cac_limit,
            voice_carrier_id=carrier.pk if carrier else default_carrier,
            sms_profile_id=profile.pk if profile else default_profile,
            calling_profile=catalog["calling_profile"],
            tags=clean_tags(entry.get("tags")),
            owner=self.account,
            uploaded_by=self.uploader,
            external=external,
            source_import=self.source_import,
            state=NumberState.PORTING_IN if entry.get("porting") else NumberState.AVAILABLE,
            created_at=self.now,
            updated_at=self.now,
            **texts,
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
    is set (seeds/001). Errors are field-keyed.
    """
    try:
        return numbers_add(actor=actor, account=account, entries=[{"e164": e164, **attributes}])[0]
    except ValidationFailed as error:
        items = [ErrorItem(code=i.code, message=i.message, field=i.field) for i in error.errors]
        raise ValidationFailed(message=error.message, code=error.code, errors=items) from None


def numbers_add_range(*, actor, account: Account, start: str, end: str, **attributes):
    """Add every number from ``start`` to ``end`` (at most 100,000), all or none."""
    try:
        first = e164.normalize(str(start), attributes.get("country_code"))
    except e164.NumberError as error:
        raise invalid(error.message, field="start", code=error.code) from None
    try:
        last = e164.normalize(str(end), attributes.get("country_code"))
    except e164.NumberError as error:
        raise invalid(error.message, field="end", code=error.code) from None
    if len(first) != len(last):
        raise invalid("Start and end must have the same number of digits.", field="end")
    size = int(last) - int(first) + 1
    if size < 1:
        raise invalid("The end must not come before the start.", field="end")
    if size > MAX_RANGE:
        raise invalid(f"A range holds at most {MAX_RANGE:,} numbers, not {size:,}.", field="end")
    attributes.pop("country_code", None)
    width = len(first) - 1
    entries = [
        {"e164": f"+{value:0{width}d}", "row": f"+{value:0{width}d}", **attributes}
        for value in range(int(first), int(last) + 1)
    ]
    return numbers_add(actor=actor, account=account, entries=entries)


UPDATABLE = set(ATTRIBUTE_FIELDS)


def number_update(*, actor, number: Number, **changes) -> Number:
    """Change capabilities, route, usage, CAC, carriers, profile and texts (resellers).

    Carriers change only while the number is not assigned (seeds/001). A change that
    would make a current assignment unfit (voice turned off under a PBX user, a route
    the trunk does not take) is refused: unassign first.
    """
    if unknown := sorted(set(changes) - UPDATABLE):
        raise invalid(f"{unknown[0]} cannot be changed here.", field=unknown[0])
    with transaction.atomic():
        number = lock_number(number)
        check(actor, Action.NUMBER_UPDATE, number)
        before_values = attribute_values(number)
        new = dict(changes)
        for field in CATALOG_FIELDS:
            if field in new:
                new[field] = resolve_catalog(CATALOG_MODELS[field], new[field], number.owner, field)
        if "tags" in new:
            new["tags"] = clean_tags(new["tags"])
        for field in TEXT_FIELDS:
            if field in new:
                new[field] = str(new[field] or "").strip()
        changed = {k: v for k, v in new.items() if getattr(number, k) != v}
        carrier_changes = {"voice_carrier", "sms_profile"} & set(changed)
        if carrier_changes:
            check(actor, Action.NUMBER_CHANGE_CARRIER, number)
        # Turning voice off takes the route with it: a route needs voice.
        if changed.get("voice") is False and "route" not in changed:
            changed["route"] = ""
        if changed.get("usage") == Usage.USER and "cac_limit" not in changed:
            changed["cac_limit"] = USER_CAC_LIMIT
        for field, value in changed.items():
            setattr(number, field, value)
        validate_attributes(number, touched=set(changed))
        for assignment in number.assignments.select_related("target"):
            if reason := check_fit(number, assignment.target, assignment.channel):
                raise Conflict(
                    f"{number.e164} is assigned to {assignment.target.name}; {reason} "
                    "Unassign it first.",
                    code="assigned",
                )
        if not changed:
            return number
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


def validate_attributes(number: Number, *, touched: set[str]) -> None:
    """Field-keyed checks of a number's attributes after a change."""
    errors = []
    for field in ("voice", "sms", "fax"):
        if field in touched and not isinstance(getattr(number, field), bool):
            errors.append(ErrorItem(code="invalid", message="True or false.", field=field))
    if number.route and number.route not in Route.values:
        message = "Route is one of " + ", ".join(Route.values) + "."
        errors.append(ErrorItem(code="invalid", message=message, field="route"))
    elif number.voice and not number.route:
        errors.append(
            ErrorItem(code="invalid", message="A voice number needs a route.", field="route")
        )
    elif number.route and not number.voice:
        message = "A route needs the voice capability."
        errors.append(ErrorItem(code="invalid", message=message, field="route"))
    if number.usage not in Usage.values:
        message = "Usage is one of " + ", ".join(Usage.values) + "."
        errors.append(ErrorItem(code="invalid", message=message, field="usage"))
    cac = number.cac_limit
    if not isinstance(cac, int) or isinstance(cac, bool) or cac < 1:
        message = "The CAC is a whole number of at least 1."
        errors.append(ErrorItem(code="invalid", message=message, field="cac_limit"))
    elif number.usage == Usage.USER and cac != USER_CAC_LIMIT:
        message = f"Numbers for users have a fixed CAC of {USER_CAC_LIMIT}."
        errors.append(ErrorItem(code="invalid", message=message, field="cac_limit"))
    for field, limit in TEXT_FIELDS.items():
        if len(getattr(number, field)) > limit:
            errors.append(
                ErrorItem(code="too_long", message=f"At most {limit} characters.", field=field)
            )
    if errors:
        raise ValidationFailed(message=errors[0].message, code=errors[0].code, errors=errors)


def number_port_complete(*, actor, number: Number) -> Number:
    """A number uploaded before its port completed (``porting_in``) becomes available.

    The account that uploaded it, or one above it, says so.
    """
    with transaction.atomic():
        number = lock_number(number)
        check(actor, Action.VIEW, number)
        check(actor, Action.NUMBERS_UPLOAD, number.uploaded_by)
        if number.state != NumberState.PORTING_IN:
            raise Conflict(f"{number.e164} is {number.state}, not porting in.", code="not_porting")
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


def number_delete(*, actor, number: Number) -> None:
    """Delete an unused number; only the account that uploaded it may (seeds/001).

    Its history stays: events keep the E.164 text, not a reference to the row.
    """
    with transaction.atomic():
        number = lock_number(number)
        check(actor, Action.NUMBER_DELETE, number)
        record_number_event(
            actor=actor,
            action="number.deleted",
            number=number,
            account=number.owner,
            before={
                "owner": account_ref(number.owner),
                "state": number.state,
                **attribute_values(number),
            },
        )
        notify("deleted", removed=[removed_entry(number, number.owner_id)])
        number.delete()
