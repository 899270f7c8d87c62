"""Number exports of the systems providers leave, read with those systems' meanings.

A provider moving to didhub uploads what its old system exported. Those files name
their columns in their own words, and some of the words mean something else in
didhub: Microsoft Teams' ``NumberType`` is the route (``DirectRouting``,
``CallingPlan``, ``OperatorConnect``), not the Usage that didhub's ``Number Type``
alias stands for. So an export is recognised by its set of column names (its
*signature*) and every row is translated into didhub's own columns before
validation; the validator and its rules stay those of every other upload.

Each :class:`Field` says, for one vendor column, which didhub columns it fills and how
(the same definitions write the export sections of docs/upload-format.md). Columns the
export has that carry nothing didhub stores (ids, geography, states) are listed as not
read. Any other column of the file that names a didhub column (``Voice Route Type``
added by hand, say) is read as usual, unless the export fills that column already.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from didhub.imports.columns import COLUMNS, COLUMNS_BY_KEY, column_for_header, header_key

# What a vendor cell becomes: text for didhub columns, by column key.
Reading = Callable[[str], dict[str, str]]

TRUE_TEXT, FALSE_TEXT = "TRUE", "FALSE"
MAX_LISTED = 10  # columns named in the upload's note; docs/upload-format.md lists all


@dataclass(frozen=True)
class Field:
    """One column of a vendor's export: its name there, and how didhub reads it."""

    header: str
    meaning: str  # how it is read, in words (docs and the upload's note)
    read: Reading | None = None  # None: the column is known but not read
    fills: tuple[str, ...] = ()  # the didhub columns ``read`` fills

    def fills_text(self) -> str:
        """The didhub columns it fills, by header: ``Voice and Voice Route Type``."""
        return " and ".join(COLUMNS_BY_KEY[key].header for key in self.fills)


@dataclass(frozen=True)
class Vendor:
    """A system's number export: where it comes from, how it is recognised and read."""

    key: str
    title: str  # "a Microsoft Teams number export"
    source: str  # where the column names are published
    signature: tuple[str, ...]  # headers that together identify the export
    fields: tuple[Field, ...]
    advice: str = ""  # what the uploader must add (a route, say), for the docs


@dataclass
class Export:
    """A header recognised as a vendor's export: didhub's keys and the row translation."""

    vendor: Vendor
    keys: list[str]
    translate: Callable[[list[str]], list[str]]
    note: str = ""
    positions: dict[str, int] = field(default_factory=dict)


# Readings ------------------------------------------------------------------------------


def into(key: str) -> Reading:
    """The cell as it is, into one didhub column."""
    return lambda text: {key: text}


def present(key: str) -> Reading:
    """TRUE when the cell names something (a connection, a profile), else FALSE."""
    return lambda text: {key: TRUE_TEXT if text.strip() else FALSE_TEXT}


def _powershell_list(text: str) -> list[str]:
    """Items of a list as PowerShell writes it: ``{A, B}``, ``A,B`` or ``A;B``.

    ``Export-Csv`` without ``-join`` writes a list's type name
    (``System.Collections.Generic.List`1[System.String]``), which holds no items.
    """
    text = text.strip()
    if text.startswith("System."):
        return []
    text = text.strip("{}[]")
    return [item.strip().strip("'\"") for item in text.replace(";", ",").split(",") if item.strip()]


def teams_number_type(text: str) -> dict[str, str]:
    """Teams' route type: a routed number is a voice number; CallingPlan is refused.

    ``DirectRouting`` and ``OperatorConnect`` read as didhub's routes of those names;
    ``CallingPlan`` (a number Microsoft itself provides) is passed on as it is and
    refused by validation as ``bad_route``: no provider routes it.
    """
    text = text.strip()
    return {"voice": TRUE_TEXT if text else "", "route": text}


TEAMS_USER_CAPABILITY = "userassignment"


def teams_capability(text: str) -> dict[str, str]:
    """Usage from what Teams lets the number be assigned to.

    A number users may hold is a User number; one only for voice applications or
    conferencing (a service number in Teams' words) is a Service number.
    """
    capabilities = {header_key(item) for item in _powershell_list(text)}
    if not capabilities or TEAMS_USER_CAPABILITY in capabilities:
        return {"usage": ""}
    return {"usage": "Service"}


def tag_list(text: str) -> dict[str, str]:
    """A vendor's tag list (``{a, b}``, ``a,b``, ``["a","b"]``) as didhub's ``a;b``."""
    return {"tags": ";".join(_powershell_list(text))}


def webex_number_type(text: str) -> dict[str, str]:
    """A Webex FAX number is a fax number; PRIMARY, ALTERNATE and DNIS say nothing more."""
    return {"fax": TRUE_TEXT} if text.strip().upper() == "FAX" else {}


def webex_service_number(text: str) -> dict[str, str]:
    """Webex service numbers (high-concurrency PSTN numbers) are didhub Service numbers."""
    return {"usage": "Service"} if text.strip().lower() == "true" else {}


def nanp_number(text: str) -> dict[str, str]:
    """Bandwidth writes US and Canadian numbers as 10 digits: their country code is 1."""
    international = text.strip().lstrip("'").startswith(("+", "00"))
    return {"phone_number": text, "country_code": "" if international else "1"}


def not_read(header: str, why: str) -> Field:
    return Field(header, f"not read: {why}")


# The exports -------------------------------------------------------------------------

TEAMS = Vendor(
    key="teams",
    title="a Microsoft Teams number export",
    source="the output of the Teams PowerShell cmdlet `Get-CsPhoneNumberAssignment` "
    "(`| Export-Csv`), whose properties Microsoft documents under that cmdlet",
    signature=("TelephoneNumber", "NumberType", "ActivationState"),
    fields=(
        Field("TelephoneNumber", "Phone Number", into("phone_number"), ("phone_number",)),
        Field(
            "NumberType",
            "Voice Route Type (`DirectRouting`, `OperatorConnect`), and Voice TRUE when "
            "given; `CallingPlan` numbers are Microsoft's own and are refused as `bad_route`",
            teams_number_type,
            ("voice", "route"),
        ),
        Field(
            "Capability",
            "Usage: User when the number may be assigned to users (`UserAssignment`) or "
            "the list is empty, else Service (voice applications, conferencing)",
            teams_capability,
            ("usage",),
        ),
        Field("Tag", "Tags", tag_list, ("tags",)),
        not_read("OperatorId", "the operator's id in Teams"),
        not_read("ActivationState", "Teams' own provisioning state"),
        not_read("AssignedPstnTargetId", "the Teams user or resource account holding it"),
        not_read("AssignmentCategory", "Teams' own assignment detail"),
        not_read("City", "the number's city; didhub derives the region from the number"),
        not_read("CivicAddressId", "Teams' emergency address"),
        not_read("IsoCountryCode", "the country; the number carries its country code"),
        not_read("IsoSubdivision", "the number's state or province"),
        not_read("LocationId", "Teams' emergency location"),
        not_read("NetworkSiteId", "Teams' network site"),
        not_read("PstnAssignmentStatus", "Teams' own assignment state"),
        not_read("PstnPartnerId", "the operator's partner id"),
        not_read("PstnPartnerName", "the operator's name"),
        not_read("NumberSource", "where Teams got the number"),
    ),
)

WEBEX = Vendor(
    key="webex",
    title="a Webex Calling number export",
    source="the number list of Webex Calling (`GET /v1/telephony/config/numbers`, the "
    "numbers of Control Hub's Calling > Numbers), one column per field, nested fields "
    "as `location.name`, `owner.type`",
    signature=("phoneNumber", "phoneNumberType"),
    fields=(
        Field("phoneNumber", "Phone Number", into("phone_number"), ("phone_number",)),
        Field(
            "phoneNumberType",
            "Fax TRUE for `FAX`; `PRIMARY`, `ALTERNATE` and `DNIS` leave Voice to the "
            "upload's default",
            webex_number_type,
            ("fax",),
        ),
        Field(
            "isServiceNumber",
            "Usage Service when `true` (a high-concurrency service number), else User",
            webex_service_number,
            ("usage",),
        ),
        not_read("extension", "the extension dialled inside Webex"),
        not_read("routingPrefix", "the location's routing prefix"),
        not_read("esn", "the enterprise significant number (prefix and extension)"),
        not_read("state", "Webex's ACTIVE or INACTIVE"),
        not_read("mainNumber", "whether it is the location's main number"),
        not_read("includedTelephonyTypes", "Webex's PSTN or mobile number kind"),
        not_read("tollFreeNumber", "toll-free; didhub reads the number type from the number"),
        not_read("location.id", "the Webex location's id"),
        not_read("location.name", "the Webex location"),
        not_read("owner.id", "who holds it in Webex"),
        not_read("owner.type", "who holds it in Webex"),
        not_read("owner.firstName", "who holds it in Webex"),
        not_read("owner.lastName", "who holds it in Webex"),
    ),
    advice="Webex numbers are voice numbers: upload them with Voice TRUE and a Voice Route "
    "Type chosen for the upload (its column defaults).",
)

TWILIO = Vendor(
    key="twilio",
    title="a Twilio number export",
    source="the IncomingPhoneNumbers list of Twilio's REST API as CSV (the `capabilities` "
    "object flattened into `capabilities_voice`, `capabilities_sms`, ...)",
    signature=("phone_number", "capabilities_voice"),
    fields=(
        Field("phone_number", "Phone Number", into("phone_number"), ("phone_number",)),
        Field("capabilities_voice", "Voice (`true`/`false`)", into("voice"), ("voice",)),
        Field("capabilities_sms", "SMS (`true`/`false`)", into("sms"), ("sms",)),
        Field("capabilities_fax", "Fax (`true`/`false`)", into("fax"), ("fax",)),
        not_read("capabilities_mms", "MMS; didhub records SMS only"),
        not_read("sid", "Twilio's id of the number"),
        not_read("account_sid", "the Twilio account"),
        not_read("friendly_name", "Twilio's display label"),
        not_read("status", "Twilio's provisioning state"),
        not_read("origin", "`twilio` or `hosted`"),
        not_read("voice_url", "Twilio's call webhook"),
        not_read("sms_url", "Twilio's message webhook"),
        not_read("trunk_sid", "the Twilio SIP trunk"),
        not_read("emergency_status", "Twilio's emergency calling state"),
        not_read("date_created", "when Twilio provisioned it"),
    ),
    advice="Voice numbers need a Voice Route Type: choose it for the upload (its column "
    "defaults), or add a Voice Route Type column.",
)

TELNYX = Vendor(
    key="telnyx",
    title="a Telnyx number export",
    source="the phone number records of Telnyx's API (`GET /v2/phone_numbers`, also "
    "offered as a CSV download), one column per field",
    signature=("phone_number", "connection_name"),
    fields=(
        Field("phone_number", "Phone Number", into("phone_number"), ("phone_number",)),
        Field(
            "connection_name",
            "SIP Connection, and Voice TRUE when a voice connection is named (else FALSE)",
            lambda text: {"sip_connection": text, **present("voice")(text)},
            ("voice", "sip_connection"),
        ),
        Field(
            "messaging_profile_name",
            "SMS TRUE when a messaging profile is named, else FALSE",
            present("sms"),
            ("sms",),
        ),
        Field("t38_fax_gateway_enabled", "Fax (`true`/`false`)", into("fax"), ("fax",)),
        Field("tags", "Tags", tag_list, ("tags",)),
        Field("customer_reference", "Service Info", into("service_info"), ("service_info",)),
        not_read("id", "Telnyx's id of the number"),
        not_read("status", "Telnyx's provisioning state"),
        not_read("phone_number_type", "local, toll-free...; didhub reads it from the number"),
        not_read("connection_id", "the connection's id (its name is read)"),
        not_read("messaging_profile_id", "the profile's id (its name is read)"),
        not_read("billing_group_id", "Telnyx billing"),
        not_read("emergency_enabled", "Telnyx's emergency calling"),
        not_read("emergency_address_id", "Telnyx's emergency address"),
        not_read("call_forwarding_enabled", "a Telnyx feature"),
        not_read("cnam_listing_enabled", "a Telnyx feature"),
        not_read("caller_id_name_enabled", "a Telnyx feature"),
        not_read("call_recording_enabled", "a Telnyx feature"),
        not_read("external_pin", "the port-out PIN; didhub does not keep it"),
        not_read("purchased_at", "when Telnyx provisioned it"),
        not_read("created_at", "when Telnyx created the record"),
        not_read("updated_at", "when Telnyx last changed the record"),
    ),
    advice="Voice numbers need a Voice Route Type: choose it for the upload (its column "
    "defaults), or add a Voice Route Type column.",
)

BANDWIDTH = Vendor(
    key="bandwidth",
    title="a Bandwidth number export",
    source="the telephone number details of the Bandwidth Dashboard API (`FullNumber`, "
    "`RateCenter`, `Lata`, ...), one column per field",
    signature=("FullNumber", "RateCenter"),
    fields=(
        Field(
            "FullNumber",
            "Phone Number; 10 digits without `+` are a US or Canadian number (Country Code 1)",
            nanp_number,
            ("phone_number", "country_code"),
        ),
        Field(
            "SipPeerId",
            "SIP Connection (the Bandwidth location routing it)",
            into("sip_connection"),
            ("sip_connection",),
        ),
        not_read("City", "the rate center's city"),
        not_read("State", "the rate center's state"),
        not_read("Lata", "the LATA"),
        not_read("RateCenter", "the rate center"),
        not_read("Tier", "Bandwidth's number tier"),
        not_read("VendorId", "the underlying carrier"),
        not_read("VendorName", "the underlying carrier"),
        not_read("Status", "Bandwidth's in-service state"),
        not_read("AccountId", "the Bandwidth account"),
        not_read("SiteId", "the Bandwidth sub-account"),
        not_read("LastModified", "when Bandwidth last changed it"),
    ),
    advice="The export says nothing of capabilities: choose Voice, SMS and the Voice Route "
    "Type for the upload (its column defaults).",
)

VENDORS: tuple[Vendor, ...] = (TEAMS, WEBEX, TWILIO, TELNYX, BANDWIDTH)
VENDORS_BY_KEY = {vendor.key: vendor for vendor in VENDORS}


def recognise(header: list[str]) -> Export | None:
    """The export whose signature the header holds, translated into didhub's columns.

    None for any other header (read column by column as usual). When two signatures
    match, the one with more of its columns present wins.
    """
    names = [header_key(cell) for cell in header]
    present_names = set(names)
    matches = [
        vendor
        for vendor in VENDORS
        if all(header_key(name) in present_names for name in vendor.signature)
    ]
    if not matches:
        return None
    vendor = max(
        matches,
        key=lambda v: sum(header_key(f.header) in present_names for f in v.fields),
    )
    return _plan(vendor, header, names)


def _plan(vendor: Vendor, header: list[str], names: list[str]) -> Export:
    from didhub.imports.readers import FileError  # readers imports this module

    by_name = {header_key(f.header): f for f in vendor.fields}
    readings: list[tuple[int, Reading]] = []
    filled: set[str] = set()
    read_headers: list[str] = []
    unread: list[str] = []
    for index, name in enumerate(names):
        known = by_name.get(name)
        if known is None or not name:
            continue
        if known.read is None:
            unread.append(header[index].strip())
            continue
        readings.append((index, known.read))
        filled.update(known.fills)
        read_headers.append(f"{header[index].strip()} as {known.fills_text()}")
    # Other columns that name a didhub column are read as such, unless the export fills it.
    direct: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(names):
        if name in by_name or not name:
            continue
        key = column_for_header(header[index])
        if key is None or key in filled:
            ignored.append(header[index].strip()[:40])
            continue
        if key in direct:
            raise FileError(
                "duplicate_column",
                f"The headers {header[direct[key]]!r} and {header[index]!r} both name the "
                f"column {COLUMNS_BY_KEY[key].header!r}.",
            )
        direct[key] = index
        read_headers.append(f"{header[index].strip()} as {COLUMNS_BY_KEY[key].header}")
    wanted = filled | set(direct)
    keys = [column.key for column in COLUMNS if column.key in wanted]
    slot = {key: position for position, key in enumerate(keys)}
    width = len(header)

    def translate(cells: list[str]) -> list[str]:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        out = [""] * len(keys)
        for index, read in readings:
            for key, text in read(cells[index]).items():
                if text and not out[slot[key]]:
                    out[slot[key]] = text
        for key, index in direct.items():
            out[slot[key]] = cells[index]
        return out

    note = f"Read as {vendor.title}: {', '.join(read_headers)}."
    skipped = unread + ignored
    if skipped:
        more = len(skipped) - MAX_LISTED
        note += f" Not read: {', '.join(skipped[:MAX_LISTED])}" + (
            f" and {more} more." if more > 0 else "."
        )
    if vendor.advice:
        note += f" {vendor.advice}"
    return Export(vendor=vendor, keys=keys, translate=translate, note=note)
