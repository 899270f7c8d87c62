from django.db import models


class Channel(models.TextChoices):
    VOICE = "voice", "Voice"
    SMS = "sms", "SMS"
    FAX = "fax", "Fax"


class Route(models.TextChoices):
    DIRECT_ROUTING = "direct_routing", "Direct Routing"
    EXTERNAL_TRUNK = "external_trunk", "External Trunk"
    OPERATOR_CONNECT = "operator_connect", "Operator Connect"


class Usage(models.TextChoices):
    USER = "user", "User"
    SERVICE = "service", "Service"
    CONTACT_CENTER = "contact_center", "Contact Center"


# Usage `user` has a fixed CAC of 2 (seeds/004); the others take 1..n.
USER_CAC_LIMIT = 2


class NumberState(models.TextChoices):
    AVAILABLE = "available", "Available"
    RESERVED = "reserved", "Reserved"
    ASSIGNED = "assigned", "Assigned"
    AGING = "aging", "Aging"
    PORTING_IN = "porting_in", "Porting in"


class Activity(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"


class SyncState(models.TextChoices):
    NOT_LINKED = "not_linked", "Not linked"
    PENDING_CONSENT = "pending_consent", "Pending consent"
    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


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
