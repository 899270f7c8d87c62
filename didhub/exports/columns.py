"""The export columns: one definition for CSV, XLSX and PDF.

A column turns the numbers of a chunk (rows of :data:`FIELDS`, read with
``values_list``) and the names resolved for the chunk (:class:`Names`) into cell values:
text, a whole number, a date and time, or ``None`` for an empty cell. Writers only
decide how a value looks in their format. The first columns are those of the Phone
Numbers table people know from calling portals (docs/domain.md, "Finding numbers"); the
rest is everything else a number carries.

Each column also says what its cell is (:class:`Cell`: a field, a field looked up in a
table of labels, a name, the assignments, the services, the tags), so that on PostgreSQL
the database can write the CSV itself: ``didhub.exports.sql`` turns each cell into SQL.
The Python values and the SQL are built from the same description and the same tables,
so the two ways cannot drift apart; this module holds no SQL.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import itemgetter, methodcaller

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

# The columns of Number read for every exported row (foreign keys as ids).
FIELDS = (
    "id",
    "e164",
    "voice",
    "sms",
    "fax",
    "voice_target_kind",
    "sms_target_kind",
    "fax_target_kind",
    "route",
    "usage",
    "cac_limit",
    "owner_id",
    "uploaded_by_id",
    "external",
    "voice_carrier_id",
    "sms_profile_id",
    "calling_profile_id",
    "sip_connection",
    "service_info",
    "tags",
    "state",
    "reserved_until",
    "aging_until",
    "activity",
    "last_call_at",
    "sync_state",
    "country_code",
    "region",
    "number_type",
    "created_at",
)

# The short service names (docs/domain.md, "Words"), derived from what a number is
# assigned to.
SERVICE_LABELS = {
    TargetKind.PBX_USER: "PBX",
    TargetKind.CALLAPP_USER: "CallApp",
    TargetKind.TRUNK: "Trunk",
    TargetKind.EXTERNAL_TRUNK: "ET",
    TargetKind.OPERATOR_CONNECT_TRUNK: "OC",
    TargetKind.SMS_USER: "SMS",
    TargetKind.SMS_GROUP: "SMS",
    TargetKind.FAX: "Fax",
    TargetKind.SERVICE: "Service",
    TargetKind.GROUP: "Group",
    TargetKind.CONTACT_CENTER_AGENT: "Contact Center",
}

CHANNEL_LABELS = dict(Channel.choices)
CHANNEL_ORDER = {channel: index for index, channel in enumerate(Channel.values)}


@dataclass
class Names:
    """Names of the related objects of one chunk, keyed by id.

    Accounts, carriers and profiles repeat from chunk to chunk, so one ``Names`` lives
    for a whole export and only ids not seen before are looked up (see selectors).
    Only names the exporting user may read are filled in (``didhub.numbers.lineage``);
    the others are empty. ``assigned_to`` is replaced for every chunk.
    """

    accounts: dict[int, str] = field(default_factory=dict)
    carriers: dict[int, str] = field(default_factory=dict)
    sms_profiles: dict[int, str] = field(default_factory=dict)
    calling_profiles: dict[int, str] = field(default_factory=dict)
    assigned_to: dict[int, str] = field(default_factory=dict)


class Labels(dict):
    """A choice's labels by value; a value without a label shows as it is."""

    def __missing__(self, key):
        return key


def _labels(choices) -> Labels:
    return Labels({**dict(choices.choices), "": ""})


ROUTES = _labels(Route)
USAGES = _labels(Usage)
STATES = _labels(NumberState)
ACTIVITIES = _labels(Activity)
SYNC_STATES = _labels(SyncState)
NUMBER_TYPES = _labels(NumberType)
YES_NO = {True: "Yes", False: "No"}
CAPABILITIES = {
    (voice, sms, fax): ", ".join(
        name for name, on in (("Voice", voice), ("SMS", sms), ("Fax", fax)) if on
    )
    for voice in (False, True)
    for sms in (False, True)
    for fax in (False, True)
}


def services_of(voice_kind: str, sms_kind: str, fax_kind: str) -> str:
    """``PBX, SMS``: the services of a number's assignments, each named once."""
    labels = []
    for kind in (voice_kind, sms_kind, fax_kind):
        label = SERVICE_LABELS.get(kind)
        if label and label not in labels:
            labels.append(label)
    return ", ".join(labels)


class ServiceLabels(dict):
    """``(voice_kind, sms_kind, fax_kind) -> "PBX, SMS"``, computed once per combination."""

    def __missing__(self, key):
        label = self[key] = services_of(*key)
        return label


def assigned_to_text(assignments: list[tuple[str, str]]) -> str:
    """Target names per channel: ``Alice`` alone, or ``Alice (Voice); Sales (SMS)``."""
    if len(assignments) == 1:
        return assignments[0][1]
    ordered = sorted(assignments, key=lambda item: CHANNEL_ORDER[item[0]])
    return "; ".join(f"{name} ({CHANNEL_LABELS[channel]})" for channel, name in ordered)


def sms_profile_label(carrier_name: str, name: str, owner_name: str) -> str:
    """As the portal shows it: ``Bandwidth(BW for Testing) - (Demo Company)``
    (docs/domain.md, "Carriers and profiles")."""
    return f"{carrier_name}({name}) - ({owner_name})"


# Where each field sits in a row of FIELDS.
AT = {name: index for index, name in enumerate(FIELDS)}


@dataclass(frozen=True)
class Cell:
    """What a column's cell is, for ``didhub.exports.sql`` to say in SQL.

    ``how``: ``plain`` (the field as it is), ``mapped`` (the field, or the tuple of
    ``fields``, looked up in ``table``; with ``default`` a missing key shows as itself),
    ``named`` (the name of kind ``names`` whose id is in the field, see ``Names``),
    ``assigned_to``, ``services`` or ``tags`` (see the helpers below).
    """

    how: str
    fields: tuple[str, ...] = ()
    table: dict | None = None
    default: bool = False
    names: str = ""


@dataclass(frozen=True)
class Source:
    """Where a column's cells come from.

    ``values(records, names)`` gives the column's cell for every record of a chunk, in
    order; the helpers below build it from ``map`` and ``itemgetter`` so that a chunk is
    turned into cells column by column at C speed, not cell by cell in Python. ``cell``
    says the same for the database (``didhub.exports.sql``).
    """

    values: Callable[[list[tuple], Names], Iterable]
    cell: Cell


@dataclass(frozen=True)
class Column:
    """One export column.

    ``source`` gives its cells (see ``Source``). ``kind`` is ``text``, ``int`` or
    ``datetime``; ``free_text`` marks text that users type (names, tags), which
    spreadsheets must not run as a formula; ``pdf_width`` in points places the column
    in the PDF (0: spreadsheets only, the page is too narrow).
    """

    header: str
    source: Source
    kind: str = "text"
    free_text: bool = False
    pdf_width: int = 0


def plain(name: str) -> Source:
    """The field as it is."""
    get = itemgetter(AT[name])
    return Source(lambda records, names: map(get, records), Cell("plain", (name,)))


def mapped(table: dict, *fields: str) -> Source:
    """The field (or the tuple of fields) looked up in ``table``."""
    get = itemgetter(*(AT[name] for name in fields))
    cell = Cell("mapped", fields, table, default=isinstance(table, Labels))
    return Source(lambda records, names: map(table.__getitem__, map(get, records)), cell)


def named(kind: str, name: str) -> Source:
    """The name of the related object whose id is in the field (see ``Names``)."""
    get = itemgetter(AT[name])
    return Source(
        lambda records, names: map(getattr(names, kind).get, map(get, records), repeat("")),
        Cell("named", (name,), names=kind),
    )


def assigned_to() -> Source:
    """Who the number is assigned to (see ``assigned_to_text``)."""
    get = itemgetter(AT["id"])
    return Source(
        lambda records, names: map(names.assigned_to.get, map(get, records), repeat("")),
        Cell("assigned_to", ("id",)),
    )


# The fields that say what a number is assigned to, one per channel.
TARGET_KINDS = ("voice_target_kind", "sms_target_kind", "fax_target_kind")


def services() -> Source:
    """``services_of`` the number's three target kinds (see ``ServiceLabels``)."""
    get = itemgetter(*(AT[name] for name in TARGET_KINDS))
    table = ServiceLabels()
    return Source(
        lambda records, names: map(table.__getitem__, map(get, records)),
        Cell("services", TARGET_KINDS, SERVICE_LABELS),
    )


def tags() -> Source:
    """The tags as stored (``;vip;eu;``), without the outer separators."""
    get = itemgetter(AT["tags"])
    return Source(
        lambda records, names: map(methodcaller("strip", ";"), map(get, records)),
        Cell("tags", ("tags",)),
    )


COLUMNS: tuple[Column, ...] = (
    Column("Number", plain("e164"), pdf_width=72),
    Column("Assigned To", assigned_to(), free_text=True, pdf_width=128),
    Column("Capabilities", mapped(CAPABILITIES, "voice", "sms", "fax"), pdf_width=62),
    Column("Services", services(), pdf_width=62),
    Column("Route", mapped(ROUTES, "route"), pdf_width=74),
    Column("Usage", mapped(USAGES, "usage"), pdf_width=52),
    Column("CAC", plain("cac_limit"), kind="int"),
    Column("Owner", named("accounts", "owner_id"), free_text=True, pdf_width=104),
    Column("Uploaded By", named("accounts", "uploaded_by_id"), free_text=True),
    Column("External", mapped(YES_NO, "external")),
    Column("Voice Carrier", named("carriers", "voice_carrier_id"), free_text=True, pdf_width=80),
    Column("SMS Carrier Profile", named("sms_profiles", "sms_profile_id"), free_text=True),
    Column("Calling Profile", named("calling_profiles", "calling_profile_id"), free_text=True),
    Column("SIP Connection", plain("sip_connection"), free_text=True),
    Column("Service Info", plain("service_info"), free_text=True),
    Column("Tags", tags(), free_text=True),
    Column("State", mapped(STATES, "state"), pdf_width=52),
    Column("Reserved Until", plain("reserved_until"), kind="datetime"),
    Column("Aging Until", plain("aging_until"), kind="datetime"),
    Column("Activity", mapped(ACTIVITIES, "activity"), pdf_width=44),
    Column("Last Call", plain("last_call_at"), kind="datetime"),
    Column("Sync", mapped(SYNC_STATES, "sync_state"), pdf_width=56),
    Column("Country Code", plain("country_code"), kind="int"),
    Column("Region", plain("region")),
    Column("Number Type", mapped(NUMBER_TYPES, "number_type")),
    Column("Created", plain("created_at"), kind="datetime"),
)

HEADERS = tuple(column.header for column in COLUMNS)


PDF_COLUMNS = tuple(index for index, column in enumerate(COLUMNS) if column.pdf_width)


def rows_of(records: list[tuple], names: Names) -> list[tuple]:
    """The cells of a chunk of numbers, one tuple per number, in ``COLUMNS`` order."""
    return list(zip(*(column.source.values(records, names) for column in COLUMNS), strict=True))


# How a writer wants a column's values: given the column and its values, the cells.
Prepare = Callable[[Column, Iterable], Iterable]


def prepared(rows: list[tuple], prepare: Prepare) -> list[tuple]:
    """``rows`` with every column passed through ``prepare``, column by column."""
    if not rows:
        return rows
    columns = zip(*rows, strict=True)
    return list(
        zip(
            *(prepare(column, values) for column, values in zip(COLUMNS, columns, strict=True)),
            strict=True,
        )
    )


def format_datetime(value: datetime | None, tz) -> str:
    """``2026-03-01 14:05:09`` in the export's time zone, or empty."""
    if value is None:
        return ""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
