"""A number as the API shows it, built from plain values: one home for the shape.

The list reads a page as values (one query, the owner and uploader joined) and looks up
what the page's rows point at in one small query each: assignments with their targets,
carriers, profiles, reservation targets, only when some row of the page has one. Model
instances, the prefetch machinery and DRF's field-by-field serializer cost a page of 50
numbers more than its SQL does (docs/performance.md, "The API list at a million
numbers"); the document is the same, built here for the list and, from a model
instance, for one number (``NumberSerializer``).

References a viewer may not read (uploader, carriers and profiles off its line of the
tree, ``didhub.numbers.lineage``) are null, as everywhere.
"""

from collections.abc import Iterable, Mapping

from didhub.numbers.lineage import References
from didhub.numbers.models import Assignment, CallingProfile, Carrier, SmsProfile, Target
from didhub.numbers.rules import TARGET_RULES

# The number's own columns, shown as they are stored (datetimes as ISO 8601).
PLAIN = (
    "id",
    "e164",
    "country_code",
    "region",
    "number_type",
    "voice",
    "sms",
    "fax",
    "route",
    "usage",
    "cac_limit",
    "sip_connection",
    "service_info",
    "external",
    "state",
    "activity",
    "sync_state",
    "sync_error",
)
MOMENTS = ("reserved_until", "aging_until", "last_call_at", "created_at", "updated_at")
KINDS = ("voice_target_kind", "sms_target_kind", "fax_target_kind")
# What a list page reads of each number: one row, the owner and the uploader joined.
LIST_COLUMNS = (
    *PLAIN,
    *MOMENTS,
    *KINDS,
    "tags",
    "owner_id",
    "owner__name",
    "uploaded_by_id",
    "uploaded_by__name",
    "uploaded_by__path",
    "voice_carrier_id",
    "sms_profile_id",
    "calling_profile_id",
    "reserved_for_id",
)


def iso(moment) -> str | None:
    """A datetime as DRF renders it (ISO 8601, ``Z`` for UTC)."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def tag_list(tags: str) -> list[str]:
    return [tag for tag in tags.split(";") if tag]


def assignment_item(channel, target_id, target_name, target_kind, kind, created_at) -> dict:
    """One assignment as the API shows it; ``kind`` is the assignment's copy of the kind."""
    return {
        "channel": channel,
        "target": {"id": target_id, "name": target_name, "kind": target_kind},
        "service": TARGET_RULES[kind].service,
        "created_at": iso(created_at),
    }


def document(row: Mapping, links: Mapping) -> dict:
    """The number document: ``row`` holds ``PLAIN``, ``MOMENTS`` and ``tags``; ``links``
    the rendered references (``owner``, ``uploaded_by``, ``voice_carrier``,
    ``sms_profile``, ``calling_profile``, ``reserved_for``) and ``assignments``."""
    assignments = links["assignments"]
    services = []
    for item in assignments:
        if item["service"] not in services:
            services.append(item["service"])
    return {
        "id": row["id"],
        "e164": row["e164"],
        "country_code": row["country_code"],
        "region": row["region"],
        "number_type": row["number_type"],
        "voice": row["voice"],
        "sms": row["sms"],
        "fax": row["fax"],
        "route": row["route"],
        "usage": row["usage"],
        "cac_limit": row["cac_limit"],
        "voice_carrier": links["voice_carrier"],
        "sms_profile": links["sms_profile"],
        "calling_profile": links["calling_profile"],
        "sip_connection": row["sip_connection"],
        "service_info": row["service_info"],
        "tags": tag_list(row["tags"]),
        "owner": links["owner"],
        "uploaded_by": links["uploaded_by"],
        "external": row["external"],
        "state": row["state"],
        "assignments": assignments,
        "services": services,
        "reserved_until": iso(row["reserved_until"]),
        "reserved_for": links["reserved_for"],
        "aging_until": iso(row["aging_until"]),
        "activity": row["activity"],
        "last_call_at": iso(row["last_call_at"]),
        "sync_state": row["sync_state"],
        "sync_error": row["sync_error"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def ids_of(rows: list[Mapping], column: str) -> set:
    return {row[column] for row in rows if row[column] is not None}


def catalog(rows: list[Mapping], references: References) -> dict[str, dict]:
    """``{column: {id: rendered ref or None}}`` for the catalog references of a page."""
    found: dict[str, dict] = {"voice_carrier_id": {}, "sms_profile_id": {}}
    found["calling_profile_id"], found["reserved_for_id"] = {}, {}
    if ids := ids_of(rows, "voice_carrier_id"):
        for pk, name, owner_id, path in Carrier.objects.filter(pk__in=ids).values_list(
            "pk", "name", "owner_id", "owner__path"
        ):
            shown = references.sees_entry(owner_id, path)
            found["voice_carrier_id"][pk] = {"id": pk, "name": name} if shown else None
    if ids := ids_of(rows, "sms_profile_id"):
        for pk, carrier, name, owner_id, owner, path in SmsProfile.objects.filter(
            pk__in=ids
        ).values_list("pk", "carrier_name", "name", "owner_id", "owner__name", "owner__path"):
            shown = references.sees_entry(owner_id, path)
            # As ``SmsProfile.__str__``: carrier(profile) - (owner).
            label = f"{carrier}({name}) - ({owner})"
            found["sms_profile_id"][pk] = {"id": pk, "name": label} if shown else None
    if ids := ids_of(rows, "calling_profile_id"):
        for pk, name, owner_id, path in CallingProfile.objects.filter(pk__in=ids).values_list(
            "pk", "name", "owner_id", "owner__path"
        ):
            shown = references.sees_entry(owner_id, path)
            found["calling_profile_id"][pk] = {"id": pk, "name": name} if shown else None
    if ids := ids_of(rows, "reserved_for_id"):
        for pk, name, kind in Target.objects.filter(pk__in=ids).values_list("pk", "name", "kind"):
            found["reserved_for_id"][pk] = {"id": pk, "name": name, "kind": kind}
    return found


def page_assignments(rows: list[Mapping]) -> dict[int, list[dict]]:
    """Number id -> its assignments by channel, in one query; none when no row of the
    page is assigned (the target-kind columns mirror the assignments)."""
    ids = [row["id"] for row in rows if any(row[kind] for kind in KINDS)]
    found: dict[int, list[dict]] = {}
    if not ids:
        return found
    for number_id, *values in (
        Assignment.objects.filter(number_id__in=ids)
        .order_by("number_id", "channel")
        .values_list(
            "number_id", "channel", "target_id", "target__name", "target__kind", "target_kind",
            "created_at",
        )
    ):  # fmt: skip
        found.setdefault(number_id, []).append(assignment_item(*values))
    return found


def list_documents(rows: Iterable[Mapping], references: References) -> list[dict]:
    """The API documents of a page read with ``LIST_COLUMNS``."""
    rows = list(rows)
    assignments = page_assignments(rows)
    entries = catalog(rows, references)
    uploaders: dict[int, dict | None] = {}
    documents = []
    for row in rows:
        uploader = row["uploaded_by_id"]
        if uploader not in uploaders:
            shown = references.sees_path(row["uploaded_by__path"])
            uploaders[uploader] = (
                {"id": uploader, "name": row["uploaded_by__name"]} if shown else None
            )
        links = {
            "owner": {"id": row["owner_id"], "name": row["owner__name"]},
            "uploaded_by": uploaders[uploader],
            "voice_carrier": entries["voice_carrier_id"].get(row["voice_carrier_id"]),
            "sms_profile": entries["sms_profile_id"].get(row["sms_profile_id"]),
            "calling_profile": entries["calling_profile_id"].get(row["calling_profile_id"]),
            "reserved_for": entries["reserved_for_id"].get(row["reserved_for_id"]),
            "assignments": assignments.get(row["id"], []),
        }
        documents.append(document(row, links))
    return documents
