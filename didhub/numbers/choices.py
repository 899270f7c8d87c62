from django.db import models

from didhub.numbers import attributes


def _choices(name: str, pairs: tuple[tuple[str, str], ...]) -> type[models.TextChoices]:
    """Django choices for a vocabulary owned by ``didhub.numbers.attributes``."""
    members = [(value.upper(), (value, label)) for value, label in pairs]
    return models.TextChoices(name, members, module=__name__, qualname=name)


class Channel(models.TextChoices):
    VOICE = "voice", "Voice"
    SMS = "sms", "SMS"
    FAX = "fax", "Fax"


# Route.DIRECT_ROUTING, Route.EXTERNAL_TRUNK, Route.OPERATOR_CONNECT.
Route = _choices("Route", attributes.ROUTES)
# Usage.USER, Usage.SERVICE, Usage.CONTACT_CENTER.
Usage = _choices("Usage", attributes.USAGES)


class NumberState(models.TextChoices):
    AVAILABLE = "available", "Available"
    RESERVED = "reserved", "Reserved"
    ASSIGNED = "assigned", "Assigned"
    AGING = "aging", "Aging"
    PORTING_IN = "porting_in", "Porting in"


class Activity(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"


# SyncState.NOT_LINKED, PENDING_CONSENT, PENDING, READY, FAILED.
SyncState = _choices("SyncState", attributes.SYNC_STATES)


class NumberType(models.TextChoices):
    FIXED_LINE = "fixed_line", "Fixed line"
    MOBILE = "mobile", "Mobile"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile", "Fixed line or mobile"
    TOLL_FREE = "toll_free", "Toll free"
    PREMIUM_RATE = "premium_rate", "Premium rate"
    SHARED_COST = "shared_cost", "Shared cost"
    VOIP = "voip", "VoIP"
    PERSONAL_NUMBER = "personal_number", "Personal number"
    PAGER = "pager", "Pager"
    UAN = "uan", "UAN"
    VOICEMAIL = "voicemail", "Voicemail"
    UNKNOWN = "unknown", "Unknown"


class TargetKind(models.TextChoices):
    PBX_USER = "pbx_user", "PBX user"
    CALLAPP_USER = "callapp_user", "CallApp user"
    TRUNK = "trunk", "Trunk"
    EXTERNAL_TRUNK = "external_trunk", "External trunk"
    OPERATOR_CONNECT_TRUNK = "operator_connect_trunk", "Operator Connect trunk"
    SMS_USER = "sms_user", "SMS user"
    SMS_GROUP = "sms_group", "SMS group"
    SERVICE = "service", "Service"
    GROUP = "group", "Group"
    CONTACT_CENTER_AGENT = "contact_center_agent", "Contact-center agent"
    FAX = "fax", "Fax"
