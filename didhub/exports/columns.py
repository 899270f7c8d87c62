"""The export columns: one definition for CSV, XLSX and PDF.

A column turns the numbers of a chunk (rows of :data:`FIELDS`, read with
``values_list``) and the names resolved for the chunk (:class:`Names`) into cell values:
text, a whole number, a date and time, or ``None`` for an empty cell. Writers only
decide how a value looks in their format. The first columns are those of the Phone
Numbers table people know from calling portals (docs/domain.md, "Finding numbers"); the
rest is everything else a number carries.

Each column also says the same in SQL (:class:`Source`), so that on PostgreSQL the
database can write the CSV itself (see ``writers/csv.py``): an expression over ``n``, a
chunk's rows of :data:`FIELDS`. Both are built by the same helpers from the same
tables, so the two ways cannot drift apart.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import itemgetter, methodcaller

from didhub.accounts.models import Account
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
from didhub.numbers.models import Assignment, CallingProfile, Carrier, SmsProfile, Target

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


def sql_literal(value) -> str:
    """A constant as SQL text, for statements whose parameters are merged with ``%s``.

    Only the export's own labels and choice values go through here, never user input.
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("'", "''").replace("%", "%%")
    return f"'{text}'"


def sql_lookup(table: dict, expression: str, *, default: bool) -> str:
    """``table[expression]`` in SQL; with ``default`` a missing key shows as itself.

    Text keys are looked up in the table as a JSON object, a constant: a search by
    bytes, where ``CASE`` would compare the value with every key in turn.
    """
    if all(isinstance(key, str) for key in table):
        labels = json.dumps({str(key): str(label) for key, label in table.items()})
        lookup = f"({sql_literal(labels)}::jsonb ->> {expression})"
        return f"COALESCE({lookup}, {expression})" if default else lookup
    whens = " ".join(
        f"WHEN {sql_literal(key)} THEN {sql_literal(label)}" for key, label in table.items()
    )
    otherwise = f" ELSE {expression}" if default else ""
    return f"CASE {expression} {whens}{otherwise} END"


# Where each field sits in a row of FIELDS.
AT = {name: index for index, name in enumerate(FIELDS)}


@dataclass(frozen=True)
class Source:
    """Where a column's cells come from, in Python and in SQL.

    ``values(records, names)`` gives the column's cell for every record of a chunk, in
    order; the helpers below build it from ``map`` and ``itemgetter`` so that a chunk is
    turned into cells column by column at C speed, not cell by cell in Python. ``sql``
    is the same cell as an SQL expression over ``n`` (a chunk's rows of ``FIELDS``),
    without joins, so that the rows keep the order they are read in; NULL stands for
    ``None`` and for a missing name alike.
    """

    values: Callable[[list[tuple], Names], Iterable]
    sql: str


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
    return Source(lambda records, names: map(get, records), f"n.{name}")


def mapped(table: dict, *fields: str) -> Source:
    """The field (or the tuple of fields) looked up in ``table``."""
    get = itemgetter(*(AT[name] for name in fields))
    if len(fields) == 1:
        sql = sql_lookup(table, f"n.{fields[0]}", default=isinstance(table, Labels))
    else:
        whens = " ".join(
            "WHEN "
            + " AND ".join(
                f"n.{name} = {sql_literal(value)}" for name, value in zip(fields, key, strict=True)
            )
            + f" THEN {sql_literal(label)}"
            for key, label in table.items()
        )
        sql = f"CASE {whens} END"
    return Source(lambda records, names: map(table.__getitem__, map(get, records)), sql)


# The exporting user's account path, set for each statement that reads names
# (``selectors.export_copy_chunks``). A statement run without it fails: no export can
# forget whose names it may write.
VIEWER_PATH = "didhub.viewer_path"


def _on_viewer_line(alias: str) -> str:
    """The account ``alias`` is the viewer, above it or below it, in SQL.

    ``didhub.numbers.lineage.in_lineage``: the accounts whose names (and whose
    carriers' and profiles' names) the viewer may read.
    """
    viewer = f"current_setting('{VIEWER_PATH}')"
    return f"(starts_with({alias}.path, {viewer}) OR starts_with({viewer}, {alias}.path))"


def _names_sql(kind: str) -> str:
    """A kind's names (see ``Names``) as one JSON object keyed by id, in SQL.

    An uncorrelated subquery: PostgreSQL computes it once per statement, and each row
    looks its name up in it. The tables of names are small beside the numbers, and a
    lookup keeps the rows in order where a join would not. Only names the viewer may
    read are in it; a number's other references show as an empty cell.
    """
    owners = Account._meta.db_table
    if kind == "accounts":
        return (
            f"(SELECT jsonb_object_agg(o.id, o.name) FROM {owners} o WHERE {_on_viewer_line('o')})"
        )
    tables = {"sms_profiles": SmsProfile, "carriers": Carrier, "calling_profiles": CallingProfile}
    # As sms_profile_label writes it.
    label = (
        "e.carrier_name || '(' || e.name || ') - (' || o.name || ')'"
        if kind == "sms_profiles"
        else "e.name"
    )
    return (
        f"(SELECT jsonb_object_agg(e.id, {label}) FROM {tables[kind]._meta.db_table} e "
        f"JOIN {owners} o ON o.id = e.owner_id WHERE {_on_viewer_line('o')})"
    )


def named(kind: str, name: str) -> Source:
    """The name of the related object whose id is in the field (see ``Names``)."""
    get = itemgetter(AT[name])
    return Source(
        lambda records, names: map(getattr(names, kind).get, map(get, records), repeat("")),
        f"({_names_sql(kind)} ->> n.{name}::text)",
    )


def _assigned_to_sql() -> str:
    """``assigned_to_text`` of a number's assignments, asked only of assigned numbers."""
    assigned = " OR ".join(f"n.{kind} <> ''" for kind in FIELDS if kind.endswith("_target_kind"))
    # One assignment per channel at most: each channel's part, in channel order.
    per_channel = ", ".join(
        f"max(CASE WHEN a.channel = {sql_literal(channel)} "
        f"THEN t.name || {sql_literal(f' ({CHANNEL_LABELS[channel]})')} END)"
        for channel in sorted(CHANNEL_ORDER, key=CHANNEL_ORDER.__getitem__)
    )
    return (
        f"CASE WHEN {assigned} THEN ("
        f"SELECT CASE WHEN count(*) = 1 THEN min(t.name) ELSE concat_ws('; ', {per_channel}) END "
        f"FROM {Assignment._meta.db_table} a JOIN {Target._meta.db_table} t "
        "ON t.id = a.target_id WHERE a.number_id = n.id) END"
    )


def assigned_to() -> Source:
    """Who the number is assigned to (see ``assigned_to_text``)."""
    get = itemgetter(AT["id"])
    return Source(
        lambda records, names: map(names.assigned_to.get, map(get, records), repeat("")),
        _assigned_to_sql(),
    )


def services() -> Source:
    """``services_of`` the number's three target kinds (see ``ServiceLabels``).

    In SQL a channel's label is left out when an earlier channel already gave it.
    """
    fields = ("voice_target_kind", "sms_target_kind", "fax_target_kind")
    get = itemgetter(*(AT[name] for name in fields))
    table = ServiceLabels()
    labels, parts = [], []
    for name in fields:
        label = sql_lookup(SERVICE_LABELS, f"n.{name}", default=False)
        new = " AND ".join(f"{label} IS DISTINCT FROM {earlier}" for earlier in labels)
        parts.append(f"CASE WHEN {new} THEN {label} END" if labels else label)
        labels.append(label)
    return Source(
        lambda records, names: map(table.__getitem__, map(get, records)),
        f"concat_ws(', ', {', '.join(parts)})",
    )


def tags() -> Source:
    """The tags as stored (``;vip;eu;``), without the outer separators."""
    get = itemgetter(AT["tags"])
    return Source(
        lambda records, names: map(methodcaller("strip", ";"), map(get, records)),
        "btrim(n.tags, ';')",
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


def cells_sql(numbers: str) -> str:
    """The cells of the numbers that the query ``numbers`` selects, in SQL.

    ``numbers`` selects :data:`FIELDS` in that order; the result has the number's
    ``e164`` and then ``c0``, ``c1``... in ``COLUMNS`` order.
    """
    cells = ", ".join(f"{column.source.sql} AS c{i}" for i, column in enumerate(COLUMNS))
    # ORDER BY keeps the order ``numbers`` reads in (no sort: nothing is joined), and
    # OFFSET 0 keeps this a subquery of its own: every cell is computed once, however
    # many times the caller's expressions name it.
    return (
        f"SELECT n.e164, {cells} FROM ({numbers}) n ({', '.join(FIELDS)}) ORDER BY n.e164 OFFSET 0"
    )


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


def format_datetime_sql(expression: str) -> str:
    """``format_datetime`` in PostgreSQL; the time zone's name is the ``%s`` parameter."""
    return f"to_char({expression} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')"
