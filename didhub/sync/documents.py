"""A number as the platforms see it: the document every message carries.

The same document feeds the digest kept in ``SyncedNumber``, so that a resync can tell
whether the platform holds the number as didhub has it now.
"""

import hashlib

from didhub.numbers.models import CallingProfile, Carrier, SmsProfile, Target
from didhub.sync import sql

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

# What a document shows of the objects a number refers to. Editing one of these fields
# changes the document of every number referring to the object, so the edit queues them
# all (``didhub.sync.outbox.enqueue_referring``); a test holds this to ``document``.
SHOWN_FIELDS = {
    Carrier: ("name",),
    SmsProfile: ("carrier_name", "name"),
    CallingProfile: ("name", "sbc_device"),
    Target: ("kind", "name", "external_id"),
}


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
        "capabilities": {
            "voice": bool(row["voice"]),
            "sms": bool(row["sms"]),
            "fax": bool(row["fax"]),
        },
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
        "external": bool(row["external"]),
        "assignments": assignments,
    }


def documents(*, enterprise_id: int, e164s: list[str] | None = None) -> dict[str, dict]:
    """Documents of the enterprise's numbers (all of them, or those named), by E.164.

    Two plain SQL reads (numbers with their catalog names, then assignments with their
    targets): this runs for every message the worker packs.
    """
    if e164s is not None and not e164s:
        return {}
    rows = [
        dict(zip(NUMBER_FIELDS, row, strict=True)) for row in sql.number_rows(enterprise_id, e164s)
    ]
    by_number: dict[int, list[dict]] = {}
    if rows and any(row["state"] == "assigned" for row in rows):
        ids = [row["id"] for row in rows if row["state"] == "assigned"]
        for number_id, channel, kind, name, external_id in sql.assignment_rows(ids):
            by_number.setdefault(number_id, []).append(
                {
                    "channel": channel,
                    "target_kind": kind,
                    "target_name": name,
                    "target_external_id": external_id,
                }
            )
    return {row["e164"]: document(row, by_number.get(row["id"], [])) for row in rows}


def digest(doc: dict) -> str:
    """A short fingerprint of a document (keys come in one fixed order, see ``document``)."""
    return hashlib.blake2b(repr(doc).encode(), digest_size=16).hexdigest()
