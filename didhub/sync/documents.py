"""A number as the platforms see it: the document every message carries.

The same document feeds the digest kept in ``SyncedNumber``, so that a resync can tell
whether the platform holds the number as didhub has it now.
"""

import hashlib
import json

from didhub.numbers.models import Assignment, Number

NUMBER_FIELDS = (
    "id",
    "e164",
    "country_code",
    "region",
    "number_type",
    "state",
    "voice",
    "sms",
    "fax",
    "route",
    "usage",
    "cac_limit",
    "voice_carrier__name",
    "sms_profile__carrier_name",
    "sms_profile__name",
    "calling_profile__name",
    "calling_profile__sbc_device",
    "sip_connection",
    "service_info",
    "tags",
    "external",
)


def document(row: dict, assignments: list[dict]) -> dict:
    sms_profile = (
        f"{row['sms_profile__carrier_name']}({row['sms_profile__name']})"
        if row["sms_profile__name"]
        else None
    )
    return {
        "e164": row["e164"],
        "country_code": row["country_code"],
        "region": row["region"],
        "number_type": row["number_type"],
        "state": row["state"],
        "capabilities": {"voice": row["voice"], "sms": row["sms"], "fax": row["fax"]},
        "route": row["route"],
        "usage": row["usage"],
        "cac_limit": row["cac_limit"],
        "voice_carrier": row["voice_carrier__name"],
        "sms_profile": sms_profile,
        "calling_profile": row["calling_profile__name"],
        "sbc_device": row["calling_profile__sbc_device"] or None,
        "sip_connection": row["sip_connection"],
        "service_info": row["service_info"],
        "tags": [tag for tag in row["tags"].split(";") if tag],
        "external": row["external"],
        "assignments": assignments,
    }


def documents(*, enterprise_id: int, e164s: list[str] | None = None) -> dict[str, dict]:
    """Documents of the enterprise's numbers (all of them, or those named), by E.164."""
    numbers = Number.objects.filter(owner_id=enterprise_id)
    if e164s is not None:
        numbers = numbers.filter(e164__in=e164s)
    rows = list(numbers.order_by("e164").values(*NUMBER_FIELDS))
    by_number: dict[int, list[dict]] = {}
    if rows:
        assignments = (
            Assignment.objects.filter(number_id__in=[row["id"] for row in rows])
            .order_by("number_id", "channel")
            .values("number_id", "channel", "target__kind", "target__name", "target__external_id")
        )
        for item in assignments:
            by_number.setdefault(item["number_id"], []).append(
                {
                    "channel": item["channel"],
                    "target_kind": item["target__kind"],
                    "target_name": item["target__name"],
                    "target_external_id": item["target__external_id"],
                }
            )
    return {row["e164"]: document(row, by_number.get(row["id"], [])) for row in rows}


def digest(doc: dict) -> str:
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:32]
