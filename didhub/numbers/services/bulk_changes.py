"""What each bulk action checks and changes, over the selection of ``bulk_checks``.

A plan per action: its ``checks`` (the predicate beside the single-number service, then
the checks of its parameters, each a ``SetCheck``), and ``apply``, which runs the
action's statements from ``didhub.numbers.sql``: one history event per number written
by ``INSERT ... SELECT`` (before the change, so that it can read what was), the change
itself (``UPDATE``/``DELETE``/``INSERT ... SELECT`` over the selection), and the hand-off
to the sync outbox (``audit.numbers_changed`` with the selection as SQL). The events
are those the single-number services write, field for field; a bulk update's event
lists the attributes that changed on that number, as ``number_update``'s does.
"""

from abc import ABC, abstractmethod

from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import Conflict, DomainError, NotVisible, ValidationFailed, invalid
from didhub.core.logs import current_request_id
from didhub.numbers import attributes, sql
from didhub.numbers.choices import Channel, NumberState
from didhub.numbers.models import Number, SmsProfile, Target
from didhub.numbers.placement import catalog_models, country_refusals, unusable_references
from didhub.numbers.rules import STATION_KINDS, TARGET_RULES
from didhub.numbers.services.assignments import (
    assign_refusals,
    channel_taken,
    fit_or_refuse,
    not_assigned_on,
    reserved_for_another,
    stations_in_use,
    stations_used_up,
    unassign_refusals,
)
from didhub.numbers.services.bulk_checks import (
    Limit,
    Refusals,
    choose,
    refusals,
)
from didhub.numbers.services.common import (
    ATTRIBUTE_FIELDS,
    CATALOG_FIELDS,
    CHANNEL_FIELDS,
    TARGET_KIND_FIELDS,
    SetCheck,
    account_ref,
    catalog_ref,
    resolve_catalog,
    target_ref,
)
from didhub.numbers.services.delegation import (
    delegate_destination,
    delegate_direction,
    move_refusal,
    reclaim_destination,
    reclaim_direction,
)
from didhub.numbers.services.lifecycle import (
    CATALOG_MODELS,
    change_refusal,
    changed_values,
    delete_refusals,
    update_refusals,
    update_values,
)
from didhub.numbers.services.states import port_refusals, release_refusals, reserve_refusals

OWNER_REF = sql.json_object(("id", "o.id"), ("name", "o.name"))
TARGET_JSON = sql.json_object(("id", "t.id"), ("name", "t.name"), ("kind", "t.kind"))


def record(actor, action: str, before: tuple, after: tuple, **options) -> int:
    """One ``action`` event per selected number (``before``/``after``: SQL and params)."""
    return sql.insert_events(
        actor_fields=audit.actor_fields(actor),
        action=action,
        at=timezone.now(),
        request_id=current_request_id.get(),
        before=before,
        after=after,
        **options,
    )


def constant(value) -> tuple[str, list]:
    return sql.json_value(audit.jsonable(value)), []


def catalog_refs(field: str) -> dict[int, dict]:
    """``{"id", "name"}`` of every catalog entry the selected numbers show in ``field``."""
    model = CATALOG_MODELS[field]
    ids = [row[0] for row in sql.distinct_values(f"n.{field}_id")]
    related = model.objects.select_related("owner") if model is SmsProfile else model.objects
    return {entry.pk: catalog_ref(entry) for entry in related.filter(pk__in=ids)}


def attribute_json(field: str) -> str:
    """The number's ``field`` as ``attribute_values`` shows it in events."""
    if field in CATALOG_FIELDS:
        return sql.ref_case(f"n.{field}_id", catalog_refs(field))
    if field in attributes.FLAGS:
        return sql.json_bool(f"n.{field}")
    return f"n.{field}"


def targets_of(number: Number) -> list[tuple[str, Target]]:
    """A number's assignments as ``(channel, target)``; for a representative of many
    numbers (unsaved), a target of each kind it is assigned to."""
    if number.pk is None:
        return [
            (channel, Target(kind=number.target_kind_for(channel), name=""))
            for channel in Channel.values
            if number.target_kind_for(channel)
        ]
    return [(a.channel, a.target) for a in number.assignments.select_related("target")]


class Plan(ABC):
    """One bulk action: what it checks, and its statements (``apply``, each action's own)."""

    checks: list[SetCheck] = []

    def __init__(self, actor, params):  # noqa: B027 (a default, not an abstract step)
        """Plans without parameters take none."""

    def limits(self) -> list[Limit]:
        return []

    def refusals(self, actor, missing) -> Refusals:
        return refusals(actor, self.checks, missing=missing, limits=self.limits())

    @abstractmethod
    def apply(self, actor) -> dict:
        """Change the selected numbers; the answer's fields besides ``action``."""


class UpdatePlan(Plan):
    """update: the attributes of ``number_update`` set on every number."""

    reads = (
        "owner_id",
        "route",
        "usage",
        "cac_limit",
        "voice_carrier_id",
        "sms_profile_id",
        "calling_profile_id",
        *CHANNEL_FIELDS,
    )

    def __init__(self, actor, params):
        self.given = update_values(params)
        if not self.given:
            raise invalid("Choose at least one attribute to change.", field="changes")
        self.resolved: dict[tuple, object] = {}
        self.checks = [update_refusals, SetCheck(self.change_check, self.reads)]

    def new_for(self, number: Number):
        """The given values with catalog entries resolved for the number's holder, or
        the refusal of one it may not use."""
        new = dict(self.given)
        for field in CATALOG_FIELDS & new.keys():
            key = (field, number.owner_id)
            if key not in self.resolved:
                try:
                    self.resolved[key] = resolve_catalog(
                        CATALOG_MODELS[field], new[field], number.owner, field
                    )
                except ValidationFailed as error:
                    self.resolved[key] = error
            if isinstance(self.resolved[key], DomainError):
                return self.resolved[key]
            new[field] = self.resolved[key]
        return new

    def change_check(self, actor, number, facts) -> DomainError | None:
        new = self.new_for(number)
        if isinstance(new, DomainError):
            return new
        return change_refusal(actor, number, changed_values(number, new), targets_of(number))

    def values(self) -> dict:
        """Column -> value set on every number (what follows from a change included:
        numbers that already had the value are not changed by it)."""
        values = {}
        for field, value in self.given.items():
            if field in CATALOG_FIELDS:
                resolved = next((v for (f, _), v in self.resolved.items() if f == field), None)
                values[f"{field}_id"] = resolved.pk if resolved is not None else None
            else:
                values[field] = value
        if self.given.get("voice") is False and "route" not in self.given:
            values["route"] = ""
        if self.given.get("usage") == attributes.USER_USAGE and "cac_limit" not in self.given:
            values["cac_limit"] = attributes.USER_CAC_LIMIT
        return values

    def apply(self, actor) -> dict:
        values = self.values()
        fields = [
            column.removesuffix("_id") if column.endswith("_id") else column for column in values
        ]
        afters = {}
        for column, field in zip(values, fields, strict=True):
            if field in CATALOG_FIELDS:
                entry = next((v for (f, _), v in self.resolved.items() if f == field), None)
                afters[field] = catalog_ref(entry)
            else:
                afters[field] = values[column]
        changed = [
            (field, sql.distinct_from(f"n.{column}"))
            for column, field in zip(values, fields, strict=True)
        ]
        params = list(values.values())
        # Numbers that already hold every value are left as they are.
        sql.keep_selected(" OR ".join(condition for _, condition in changed), params)
        before = sql.json_only_changed(
            sql.json_object(*((field, attribute_json(field)) for field in fields)), changed
        )
        after = sql.json_only_changed(
            sql.json_object(*((f, sql.json_value(audit.jsonable(afters[f]))) for f in fields)),
            changed,
        )
        record(
            actor,
            "number.updated",
            (before, params),
            (after, params),
            account="o",
            where=" OR ".join(condition for _, condition in changed),
            params=params,
        )
        count = sql.update_selected(values, timezone.now())
        audit.numbers_changed(action="updated", selection=sql.SELECTED_IDS)
        return {"count": count}


class TagsPlan(Plan):
    """tags_add / tags_remove: tags added to or taken from every number's own."""

    def __init__(self, actor, params, *, adding: bool):
        stored = update_values({"tags": params.get("tags")})["tags"]
        self.tags = {tag for tag in stored.split(";") if tag}
        if not self.tags:
            raise invalid("Name at least one tag.", field="tags")
        self.adding = adding
        self.checks = [update_refusals, SetCheck(self.tags_check, ("owner_id", "tags"))]

    def new_tags(self, old: str) -> str:
        current = {tag for tag in old.split(";") if tag}
        return attributes.encode_tags(current | self.tags if self.adding else current - self.tags)

    def tags_check(self, actor, number, facts) -> DomainError | None:
        changed = changed_values(number, {"tags": self.new_tags(number.tags)})
        return change_refusal(actor, number, changed, [])

    def apply(self, actor) -> dict:
        pairs = [(old, self.new_tags(old)) for (old,) in sql.distinct_values("n.tags")]
        sql.create_tags_map([(old, new) for old, new in pairs if old != new])
        # Numbers whose tags stay as they are (already tagged so) are left as they are.
        sql.keep_retagged()
        record(
            actor,
            "number.updated",
            (sql.json_object(("tags", "n.tags")), []),
            (sql.json_object(("tags", "m.new")), []),
            account="o",
            source=sql.SELECTED_ROWS + sql.TAGS_MAP_JOIN,
        )
        sql.update_tags(timezone.now())
        audit.numbers_changed(action="updated", selection=sql.SELECTED_IDS)
        return {"count": sql.selection_size()}


class ReservePlan(Plan):
    """reserve: hold every number until ``until``, optionally for one target."""

    def __init__(self, actor, params):
        self.until = params.get("until")
        if self.until is None or self.until <= timezone.now():
            raise invalid("A reservation ends in the future.", field="until", code="past")
        self.target = params.get("target")
        self.checks = [reserve_refusals]
        if self.target is not None:
            self.target = target_of(actor, self.target)
            self.checks.append(
                SetCheck(self.fit_check, ("owner_id", "route", "usage", *CHANNEL_FIELDS))
            )

    def fit_check(self, actor, number, facts) -> DomainError | None:
        try:
            fit_or_refuse(number, self.target, TARGET_RULES[self.target.kind].channel)
        except DomainError as error:
            return error
        return None

    def apply(self, actor) -> dict:
        reserved_for = sql.distinct_values("n.reserved_for_id")
        refs = {
            t.pk: target_ref(t) for t in Target.objects.filter(pk__in=[r[0] for r in reserved_for])
        }
        before = sql.json_object(
            ("state", "n.state"),
            ("reserved_until", sql.iso_moment_or_null("n.reserved_until")),
            ("reserved_for", sql.ref_case("n.reserved_for_id", refs)),
        )
        after = {
            "state": NumberState.RESERVED.value,
            "reserved_until": self.until,
            "reserved_for": target_ref(self.target),
        }
        record(actor, "number.reserved", (before, []), constant(after), account="o")
        count = sql.update_selected(
            {
                "state": NumberState.RESERVED.value,
                "reserved_until": sql.moment(self.until),
                "reserved_for_id": self.target.pk if self.target else None,
            },
            timezone.now(),
        )
        audit.numbers_changed(action="reserved", selection=sql.SELECTED_IDS)
        return {"count": count}


class ReleasePlan(Plan):
    """release: every number back to its enterprise's reseller, aging; what the release
    took away kept in ``released_from`` for a restore."""

    checks = [release_refusals]

    def apply(self, actor) -> dict:
        now = timezone.now()
        parents = Account.objects.in_bulk(sql.released_parents())
        aging = {pk: now + timezone.timedelta(days=p.aging_days) for pk, p in parents.items()}
        sql.release_selected(aging, now, OWNER_REF, TARGET_JSON)
        sql.delete_selected_assignments()
        after = sql.json_object(
            ("owner", sql.json_object(("id", "p.id"), ("name", "p.name"))),
            ("state", sql.json_value(NumberState.AGING.value)),
            (
                "aging_until",
                sql.case_of("p.id", {pk: audit.jsonable(until) for pk, until in aging.items()}),
            ),
        )
        record(
            actor,
            "number.released",
            (sql.json_stored("n.released_from"), []),
            (after, []),
            account="o",
            source=sql.SELECTED_FROM_HOLDERS + sql.PARENT_JOIN,
        )
        audit.numbers_changed(
            action="released", selection=sql.SELECTED_IDS, left_selection=sql.SELECTED_LEFT
        )
        return {"count": sql.selection_size()}


class UnassignPlan(Plan):
    """unassign: end every number's assignments (on ``channel``, or all)."""

    def __init__(self, actor, params):
        self.channel = params.get("channel")
        if self.channel is not None and self.channel not in Channel.values:
            raise invalid("The channel is voice, sms or fax.", field="channel")
        self.checks = [unassign_refusals]
        if self.channel is not None:
            self.checks.append(
                SetCheck(
                    lambda actor, number, facts: not_assigned_on(number, self.channel),
                    ("owner_id", *TARGET_KIND_FIELDS),
                )
            )

    def apply(self, actor) -> dict:
        before = sql.json_object(
            ("state", sql.json_value(NumberState.ASSIGNED.value)),
            ("assignments", sql.assigned_items()),
        )
        after = sql.json_object(("state", sql.state_after_unassign(self.channel)))
        join, params = sql.assignments_join(TARGET_JSON, channel=self.channel)
        record(
            actor,
            "number.unassigned",
            (before, []),
            (after, []),
            account="o",
            source=sql.SELECTED_ROWS + join,
            params=params,
        )
        freed = sql.delete_selected_assignments(self.channel)
        sql.clear_channels(self.channel, timezone.now())
        audit.numbers_changed(action="unassigned", selection=sql.SELECTED_IDS)
        return {"count": sql.selection_size(), "channels_freed": freed}


class AssignPlan(Plan):
    """assign: every number to one target that takes many (an SMS group, a trunk ...)."""

    def __init__(self, actor, params):
        self.target = target_of(actor, params.get("target"))
        self.channel = params.get("channel") or TARGET_RULES[self.target.kind].channel
        if self.channel not in Channel.values:
            raise invalid("The channel is voice, sms or fax.", field="channel")
        number_columns = ("owner_id", "state", "route", "usage", "reserved_for_id", *CHANNEL_FIELDS)
        self.checks = [
            SetCheck(self.policy_check, ("owner_id",)),
            SetCheck(
                lambda a, number, f: channel_taken(number, self.channel),
                ("owner_id", *TARGET_KIND_FIELDS),
            ),
            SetCheck(self.fit_check, number_columns),
            assign_refusals,
            SetCheck(
                lambda a, number, f: reserved_for_another(number, self.target),
                ("owner_id", "state", "reserved_for_id"),
            ),
        ]

    def policy_check(self, actor, number, facts) -> DomainError | None:
        try:
            check(actor, Action.NUMBER_ASSIGN, number)
        except DomainError as error:
            return error
        return None

    def fit_check(self, actor, number, facts) -> DomainError | None:
        try:
            fit_or_refuse(number, self.target, self.channel)
        except DomainError as error:
            return error
        return None

    def limits(self) -> list[Limit]:
        """Beyond the enterprise's purchased stations: the numbers after the free ones,
        in E.164 order (as one number after the other would be refused)."""
        enterprise = self.target.enterprise
        if not (self.channel == Channel.VOICE and self.target.kind in STATION_KINDS):
            return []
        if enterprise.stations_purchased is None:
            return []
        free = max(enterprise.stations_purchased - stations_in_use(enterprise.pk), 0)
        over = sql.selection_size() - free
        if over <= 0:
            return []
        refusal = stations_used_up(enterprise)
        return [Limit(f"n.id IN ({sql.ids_after(free)})", [], over, lambda number: refusal)]

    def apply(self, actor) -> dict:
        after = {
            "state": NumberState.ASSIGNED.value,
            "channel": self.channel,
            "target": target_ref(self.target),
        }
        record(
            actor,
            "number.assigned",
            (sql.json_object(("state", "n.state")), []),
            constant(after),
            account="o",
        )
        try:
            with transaction.atomic():
                count = sql.insert_assignments(self.target, self.channel, timezone.now())
        except IntegrityError as error:
            raise Conflict(
                f"Some of these numbers were assigned on the {self.channel} channel "
                "meanwhile; try again.",
                code="assigned",
            ) from error
        sql.mark_assigned(self.channel, self.target.kind, timezone.now())
        audit.numbers_changed(action="assigned", selection=sql.SELECTED_IDS)
        return {"count": count}


class RemovePlan(Plan):
    """delete / port_cancel: the numbers leave the inventory; their history stays."""

    def __init__(self, actor, params, *, action: str, checks, keeps_import: bool):
        self.action = action
        self.checks = checks
        self.keeps_import = keeps_import

    def apply(self, actor) -> dict:
        before = sql.json_object(
            ("owner", OWNER_REF),
            ("state", "n.state"),
            *((field, attribute_json(field)) for field in ATTRIBUTE_FIELDS),
        )
        record(
            actor,
            f"number.{self.action}",
            (before, []),
            ("NULL", []),
            account="o",
            import_id="n.source_import_id" if self.keeps_import else "NULL",
        )
        audit.numbers_changed(action=self.action, left_selection=sql.SELECTED_LEFT)
        sql.delete_selected_assignments()
        return {"count": sql.delete_selected()}


class PortCompletePlan(Plan):
    checks = [port_refusals]

    def apply(self, actor) -> dict:
        record(
            actor,
            "number.port_completed",
            constant({"state": NumberState.PORTING_IN.value}),
            constant({"state": NumberState.AVAILABLE.value}),
            account="o",
        )
        count = sql.update_selected({"state": NumberState.AVAILABLE.value}, timezone.now())
        audit.numbers_changed(action="port_completed", selection=sql.SELECTED_IDS)
        return {"count": count}


class MovePlan(Plan):
    """delegate / reclaim: every number to another account, by the rules of
    ``delegation.py`` (direction, unused numbers only, the destination's location
    country) asked set-based; numbers already there are left out, carriers and profiles
    the destination may not use are cleared first (``number.catalog_cleared``)."""

    def __init__(self, actor, params, *, delegate: bool):
        self.delegate = delegate
        to_account = params.get("to_account")
        if delegate:
            if to_account is None:
                raise invalid("Choose the account to delegate the numbers to.", field="to_account")
            delegate_destination(actor, to_account)
            self.to_account = to_account
        else:
            self.to_account = reclaim_destination(actor, to_account)
        self.checks = [
            SetCheck(self.direction_check, ("owner_id",)),
            SetCheck(lambda a, number, f: move_refusal(number), ("owner_id", "state", "external")),
            SetCheck(self.country_check, ("owner_id", "country_code")),
        ]

    def direction_check(self, actor, number, facts) -> DomainError | None:
        direction = delegate_direction if self.delegate else reclaim_direction
        if reason := direction(number.owner, self.to_account):
            return invalid(f"{number.e164} is {reason}", code="wrong_direction")
        return None

    def country_check(self, actor, number, facts) -> DomainError | None:
        pairs = [(number.e164, number.country_code)]
        for _, reason in country_refusals(self.to_account, pairs):
            return invalid(reason, code="wrong_country")
        return None

    def refusals(self, actor, missing) -> Refusals:
        sql.leave_out_holder(self.to_account.pk)
        return super().refusals(actor, missing)

    def apply(self, actor) -> dict:
        now = timezone.now()
        self.clear_unusable(actor)
        action = "number.delegated" if self.delegate else "number.reclaimed"
        destination = sql.json_value(audit.jsonable(account_ref(self.to_account)))
        record(
            actor,
            action,
            (sql.json_object(("owner", OWNER_REF)), []),
            (sql.json_object(("owner", destination)), []),
            account="d" if self.delegate else "o",
            source=sql.SELECTED_ROWS + sql.DESTINATION_JOIN,
            params=[self.to_account.pk],
        )
        count = sql.update_selected({"owner_id": self.to_account.pk}, now)
        audit.numbers_changed(
            action=action.removeprefix("number."),
            selection=sql.SELECTED_IDS,
            left_selection=sql.LEFT_ENTERPRISES,
        )
        return {"count": count}

    def clear_unusable(self, actor) -> None:
        """Carriers and profiles the destination may not use, cleared with an event on
        the account holding each number (``placing.clear_unusable``, set-based)."""
        fields = list(catalog_models())
        combos = sql.distinct_rows([f"n.{field}_id" for field in fields])
        rows = [
            (index, dict(zip(fields, combo, strict=True))) for index, combo in enumerate(combos)
        ]
        unusable: dict[str, set[int]] = {}
        for _, found in unusable_references(self.to_account, rows).items():
            for field, value in found.items():
                unusable.setdefault(field, set()).add(value)
        if not unusable:
            return
        conditions = [
            (field, f"n.{field}_id IN ({', '.join(str(int(pk)) for pk in ids)})")
            for field, ids in unusable.items()
        ]
        before = sql.json_only_changed(
            sql.json_object(*((field, attribute_json(field)) for field, _ in conditions)),
            [(field, condition) for field, condition in conditions],
        )
        after = sql.json_only_changed(
            sql.json_object(*((field, "NULL") for field, _ in conditions)),
            [(field, condition) for field, condition in conditions],
        )
        record(
            actor,
            "number.catalog_cleared",
            (before, []),
            (after, []),
            account="o",
            where=" OR ".join(condition for _, condition in conditions),
        )
        for field, condition in conditions:
            sql.clear_reference(f"{field}_id", condition.replace("n.", ""))


def target_of(actor, target) -> Target:
    """The target a bulk action names, fresh, if the actor sees it."""
    if not isinstance(target, Target):
        raise invalid("Choose the target to assign the numbers to.", field="target")
    try:
        target = Target.objects.select_related("enterprise").get(pk=target.pk)
    except Target.DoesNotExist as error:
        raise NotVisible("Not found.", code="not_found") from error
    check(actor, Action.VIEW, target)
    return target


PLANS = {
    "update": UpdatePlan,
    "tags_add": lambda actor, params: TagsPlan(actor, params, adding=True),
    "tags_remove": lambda actor, params: TagsPlan(actor, params, adding=False),
    "reserve": ReservePlan,
    "release": ReleasePlan,
    "unassign": UnassignPlan,
    "assign": AssignPlan,
    "delete": lambda actor, params: RemovePlan(
        actor, params, action="deleted", checks=[delete_refusals], keeps_import=True
    ),
    "port_complete": PortCompletePlan,
    "port_cancel": lambda actor, params: RemovePlan(
        actor, params, action="port_cancelled", checks=[port_refusals], keeps_import=False
    ),
    "delegate": lambda actor, params: MovePlan(actor, params, delegate=True),
    "reclaim": lambda actor, params: MovePlan(actor, params, delegate=False),
}


def assign_by_item(actor, numbers, params) -> dict:
    """assign with a target per item (``{"number", "target", "channel"}``, as in a CSV):
    one set-based assign per target and channel, all in the caller's transaction, so
    that one refused number anywhere leaves nothing assigned."""
    items = list(numbers)
    if not items or not all(isinstance(item, dict) and "target" in item for item in items):
        raise invalid("Choose the target to assign the numbers to.", field="target")
    by_target: dict[tuple, list] = {}
    for item in items:
        target = item["target"]
        key = (getattr(target, "pk", None), item.get("channel"))
        by_target.setdefault(key, [target, item.get("channel"), []])[2].append(item["number"])
    found, count = Refusals(), 0
    for target, channel, listed in by_target.values():
        plan = AssignPlan(actor, {**params, "target": target, "channel": channel})
        missing = choose(actor, listed)
        refused = plan.refusals(actor, missing)
        if refused or found:
            found.merge(refused)
            continue
        count += plan.apply(actor)["count"]
    found.raise_if_any()
    return {"count": count}
