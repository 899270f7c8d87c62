"""How a stored value reads to a person: the one formatting home of the portal.

History, the audit log and the detail pages store and receive machine values: choice
keys (``direct_routing``), booleans, tag strings (``;demo;us;``), references as
``{"id", "name"}`` and ISO timestamps inside events. Every page that shows such a
value to a person formats it here, as a template filter (``{% load formatting %}``)
or by importing the function, so that a choice reads as its label, a flag as Yes or
No, a tag list as tags and a field by its label everywhere alike.
"""

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import ngettext

from didhub.accounts.choices import AccountKind, Role, TokenScope
from didhub.numbers import attributes
from didhub.numbers.choices import (
    Activity,
    Channel,
    NumberState,
    NumberType,
    Route,
    SyncState,
    TargetKind,
    Usage,
)
from didhub.numbers.models import Number
from didhub.sync.choices import Connector, LinkMode, LinkStatus, OutboxState

register = template.Library()

EMPTY = "—"

# Which choices give a stored key its label, by the field the key is stored under.
CHOICES_BY_FIELD = {
    "route": Route,
    "usage": Usage,
    "state": NumberState,
    "previous_state": NumberState,
    "activity": Activity,
    "sync_state": SyncState,
    "channel": Channel,
    "number_type": NumberType,
    "kind": (TargetKind, AccountKind),
    "target_kind": TargetKind,
    "voice_target_kind": TargetKind,
    "sms_target_kind": TargetKind,
    "fax_target_kind": TargetKind,
    "role": Role,
    "scope": TokenScope,
    "connector": Connector,
    "mode": LinkMode,
    "status": (LinkStatus, OutboxState),
}

# Labels of fields that are not a number attribute of ``didhub.numbers.attributes``
# (which labels its own) and whose name does not read well as it is (Django's default
# verbose_name is the name with spaces: "sms profile").
FIELD_LABELS = {
    "e164": "Number",
    "voice_carrier": "Voice carrier",
    "sms_profile": "SMS carrier profile",
    "uploaded_by": "Uploaded by",
    "owner": "Owner",
    "reserved_for": "Held for",
    "reserved_until": "Reserved until",
    "aging_until": "Aging until",
    "aging_days": "Aging period (days)",
    "assignments": "Assignments",
    "not_restored": "Not restored",
    "sync_state": "Sync",
    "sync_error": "Last sync error",
    "last_call_at": "Last call",
    "stations_purchased": "Stations purchased",
    "allow_external_numbers": "Allow external numbers",
    "location_country": "Country",
    "default_voice_carrier": "Default voice carrier",
    "default_sms_profile": "Default SMS carrier profile",
    "external_id": "External id",
    "sbc_device": "SBC device",
    "carrier_name": "Underlying carrier",
    "url": "URL",
    "from": "From",
    "to": "To",
    "count": "Numbers",
    "numbers": "Numbers",
    "committed": "Numbers imported",
}
# Words spelled in capitals wherever they appear in a field name.
ACRONYMS = {"sms": "SMS", "cac": "CAC", "sip": "SIP", "sbc": "SBC", "url": "URL", "id": "id"}

# Actions whose generated label would read badly; the rest read as "Number assigned".
ACTION_LABELS = {
    "import.committed": "Upload committed",
    "import.created": "Upload checked",
    "import.failed": "Upload failed",
    "imports.abandoned": "Uploads abandoned",
    "tasks.abandoned": "Background tasks abandoned",
    "numbers.changed": "Numbers changed",
    "number.aged_out": "Number aged out (available again)",
    "number.port_completed": "Number port completed",
    "number.catalog_cleared": "Carrier or profile cleared (the new holder may not use it)",
    "portal.account_opened": "Account opened in the portal",
    "platform_link.consent_link_created": "Consent link created",
    "calls.recorded": "Call activity recorded",
}


def field_label(name: str) -> str:
    """A field's label: a number attribute's own, the table above, the model's
    verbose_name, or its words."""
    if name in attributes.BY_KEY:
        return attributes.BY_KEY[name].label
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    try:
        verbose = str(Number._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        verbose = name
    words = [ACRONYMS.get(word, word) for word in verbose.replace("_", " ").split()]
    return capfirst(" ".join(words)) or name


def choice_label(value: str, field: str | None) -> str | None:
    """The label of ``value`` in the choices of ``field``, or None when it has none."""
    found = CHOICES_BY_FIELD.get(field or "")
    for choices in found if isinstance(found, tuple) else (found,):
        if choices is not None and value in choices.values:
            return str(choices(value).label)
    return None


def tag_list(value) -> list[str]:
    """``";demo;us;"`` (as stored) or a list -> ``["demo", "us"]``."""
    if isinstance(value, list | tuple):
        return [str(tag) for tag in value if str(tag)]
    return [tag for tag in str(value or "").split(";") if tag.strip()]


def moment(value: str) -> datetime | None:
    """An ISO timestamp as events store one, or None for any other text."""
    if len(value) < 16 or value[4:5] != "-" or "T" not in value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed


def display_value(value, field: str | None = None) -> str:
    """One stored value as a person reads it (the field says which choices apply)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field == "tags" or field == "tag_list":
        return ", ".join(tag_list(value)) or EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(intcomma(value))
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, str):
        label = choice_label(value, field)
        if label is not None:
            return label
        when = moment(value)
        return when.strftime("%Y-%m-%d %H:%M") if when is not None else value
    if isinstance(value, dict):
        return display_reference(value, field)
    if isinstance(value, list | tuple):
        return ", ".join(display_value(item, field) for item in value)
    return str(value)


def display_reference(value: dict, field: str | None) -> str:
    """A reference (``{"id", "name"}``), an assignment, or a small record of fields."""
    if "channel" in value and "target" in value:
        channel = choice_label(value["channel"], "channel") or value["channel"]
        return f"{channel}: {display_value(value['target'], 'target')}"
    if value.get("name") is not None:
        return str(value["name"])
    if value.get("e164"):
        return str(value["e164"])
    return "; ".join(
        f"{field_label(key)}: {display_value(item, key)}" for key, item in value.items()
    )


def described_fields(value) -> list[tuple[str, str]]:
    """A before or after record as ``(label, value)`` pairs for a person to read."""
    if value is None:
        return []
    if not isinstance(value, dict):
        return [("", display_value(value))]
    return [(field_label(key), display_value(item, key)) for key, item in value.items()]


def changes(before, after) -> list[tuple[str, str, str]]:
    """``(label, before, after)`` per field of an event, each value formatted."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (
            field_label(key),
            display_value(before.get(key), key) if key in before else "",
            display_value(after.get(key), key) if key in after else "",
        )
        for key in keys
    ]


def action_label(action: str) -> str:
    """``number.assigned`` -> ``Number assigned``."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    words = " ".join(action.replace(".", " ").replace("_", " ").split())
    words = " ".join(ACRONYMS.get(word, word) for word in words.split())
    return capfirst(words)


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """``1 number``, ``2,810 numbers``: the count with the noun it agrees with."""
    count = int(count)
    noun = ngettext(singular, plural or f"{singular}s", count)
    return f"{intcomma(count)} {noun}"


@register.filter
def label(value, field: str = ""):
    """``{{ number.route|label:"route" }}``: a stored value as a person reads it."""
    return display_value(value, field or None)


@register.filter
def yesno_label(value) -> str:
    return display_value(bool(value))


@register.filter
def tags(value) -> list[str]:
    """The tags of a number (or a stored tag string) as a list."""
    return tag_list(value)


@register.filter(name="field_label")
def field_label_filter(name: str) -> str:
    return field_label(name)


@register.filter(name="action_label")
def action_label_filter(action: str) -> str:
    return action_label(action)


@register.filter(name="described")
def described_filter(value) -> list[tuple[str, str]]:
    return described_fields(value)


@register.filter(name="changes")
def changes_filter(event) -> list[tuple[str, str, str]]:
    """``{% for label, old, new in event|changes %}``: an event's fields, formatted."""
    return changes(event.before, event.after)


@register.simple_tag
def counted(count, singular: str, plural: str = "") -> str:
    """``{% counted page.count "number" %}`` -> ``1 number`` or ``2,810 numbers``."""
    return count_of(count, singular, plural or None)
