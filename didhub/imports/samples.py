"""The sample upload files and the upload-format document, written from ``columns``.

``template.csv`` and ``template.xlsx`` are what the portal and the API offer for
download; ``docs/upload-format.md`` is :func:`upload_format_markdown` (a test keeps the
file in step; ``python -m didhub.imports.samples`` writes it again).

:data:`VENDOR_SAMPLES` are number exports of other systems (see ``vendors``), written
from each vendor's published column names with made-up values; the tests upload each
one, and the docs show them.
"""

import csv
import io
import sys
from pathlib import Path

from didhub.imports.columns import (
    COLUMNS,
    ERROR_CODES,
    FILE_ERROR_CODES,
    template_header,
    template_rows,
)
from didhub.imports.vendors import VENDORS
from didhub.numbers.attributes import FALSE_WORDS, MAX_RANGE, TRUE_WORDS
from didhub.numbers.e164 import E164_MAX_DIGITS

DOC_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "upload-format.md"


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(template_header())
    writer.writerows(template_rows())
    return out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Numbers"
    sheet.append(template_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in template_rows():
        sheet.append(row)
    # Phone numbers and country codes as text: Excel would otherwise show 2.13E+09.
    for column in ("A", "B"):
        for cell in sheet[column]:
            cell.number_format = "@"
        sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Vendor exports as their systems write them: the header with the published column names,
# then rows. The values are invented; numbers are in the ranges of the other samples.
VENDOR_SAMPLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "teams": (
        (
            "TelephoneNumber",
            "OperatorId",
            "NumberType",
            "ActivationState",
            "AssignedPstnTargetId",
            "Capability",
            "City",
            "IsoCountryCode",
        ),
        (
            "+12125550140",
            "2b24d246-a9ee-428b-96bc-fb9d9a053c8d",
            "DirectRouting",
            "Activated",
            "dc13d97b-7897-494e-bc28-6b469bf7a70e",
            "UserAssignment",
            "New York",
            "US",
        ),
        (
            "+12125550141",
            "7a9e5c0f-1b2d-4e3f-8a9b-0c1d2e3f4a5b",
            "OperatorConnect",
            "Activated",
            "",
            "ConferenceAssignment, VoiceApplicationAssignment",
            "New York",
            "US",
        ),
        ("+442079460140", "", "DirectRouting", "Activated", "", "", "London", "GB"),
    ),
    "webex": (
        (
            "phoneNumber",
            "extension",
            "routingPrefix",
            "esn",
            "state",
            "phoneNumberType",
            "mainNumber",
            "includedTelephonyTypes",
            "tollFreeNumber",
            "isServiceNumber",
            "location.name",
            "owner.type",
            "owner.firstName",
            "owner.lastName",
        ),
        (
            "+12125550150",
            "1050",
            "8001",
            "80011050",
            "ACTIVE",
            "PRIMARY",
            "true",
            "PSTN_NUMBER",
            "false",
            "false",
            "New York HQ",
            "PEOPLE",
            "Ava",
            "Anders",
        ),
        (
            "+12125550151",
            "",
            "",
            "",
            "ACTIVE",
            "PRIMARY",
            "false",
            "PSTN_NUMBER",
            "false",
            "true",
            "New York HQ",
            "",
            "",
            "",
        ),
        (
            "+12125550152",
            "1052",
            "8001",
            "80011052",
            "INACTIVE",
            "FAX",
            "false",
            "PSTN_NUMBER",
            "false",
            "false",
            "New York HQ",
            "PLACE",
            "",
            "",
        ),
    ),
    "twilio": (
        (
            "sid",
            "account_sid",
            "friendly_name",
            "phone_number",
            "capabilities_voice",
            "capabilities_sms",
            "capabilities_mms",
            "capabilities_fax",
            "status",
            "origin",
            "date_created",
        ),
        (
            "PN3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c",
            "AC0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d",
            "(212) 555-0160",
            "+12125550160",
            "true",
            "true",
            "true",
            "false",
            "in-use",
            "twilio",
            "Mon, 16 Aug 2021 23:00:23 +0000",
        ),
        (
            "PN4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d",
            "AC0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d",
            "SMS line",
            "+12125550161",
            "false",
            "true",
            "false",
            "false",
            "in-use",
            "hosted",
            "Tue, 17 Aug 2021 09:12:00 +0000",
        ),
    ),
    "telnyx": (
        (
            "id",
            "phone_number",
            "status",
            "phone_number_type",
            "connection_name",
            "messaging_profile_name",
            "t38_fax_gateway_enabled",
            "tags",
            "customer_reference",
            "purchased_at",
        ),
        (
            "1293384261075731499",
            "+12125550170",
            "active",
            "local",
            "pbx-trunk-nyc",
            "regional-customers",
            "false",
            "nyc,sales",
            "order 4711",
            "2021-10-23T18:10:00.000Z",
        ),
        (
            "1293384261075731500",
            "+12125550171",
            "active",
            "local",
            "",
            "regional-customers",
            "false",
            "",
            "",
            "2021-10-23T18:10:00.000Z",
        ),
        (
            "1293384261075731501",
            "+12125550172",
            "active",
            "local",
            "fax-gateway",
            "",
            "true",
            "fax",
            "",
            "2021-10-24T08:00:00.000Z",
        ),
    ),
    "bandwidth": (
        (
            "FullNumber",
            "City",
            "State",
            "Lata",
            "RateCenter",
            "Tier",
            "VendorName",
            "Status",
            "AccountId",
            "SiteId",
            "SipPeerId",
            "LastModified",
        ),
        (
            "2125550180",
            "NEW YORK",
            "NY",
            "132",
            "NWYRCYZN01",
            "0",
            "Bandwidth CLEC",
            "Inservice",
            "9900000",
            "12345",
            "886599",
            "2021-11-20T18:49:58.919Z",
        ),
        (
            "+12125550181",
            "NEW YORK",
            "NY",
            "132",
            "NWYRCYZN01",
            "0",
            "Bandwidth CLEC",
            "Inservice",
            "9900000",
            "12345",
            "886599",
            "2021-11-20T18:49:58.919Z",
        ),
    ),
}


def vendor_sample_csv(key: str) -> bytes:
    """A vendor's sample export as the CSV its system writes."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(VENDOR_SAMPLES[key])
    return out.getvalue().encode("utf-8")


def vendor_sections() -> list[str]:
    """docs/upload-format.md's section of each vendor: how its columns are read."""
    lines = [
        "## Exports of other systems",
        "",
        "A number export of one of these systems is uploaded as it is: its header is "
        "recognised by the columns named under *recognised by* (in any case and spacing), "
        "and every row is translated into the columns above before validation, with the "
        "same rules and error codes. The import's notes say which export was recognised "
        "and which columns were read. Columns not listed for a system are ignored, unless "
        "they name an upload column (a `Voice Route Type` added to the export, say). A "
        "column default given for the upload fills what the export leaves blank; a "
        "default Voice Route Type applies to voice numbers only.",
    ]
    for vendor in VENDORS:
        name = vendor.title.removeprefix("a ").removesuffix(" number export")
        lines += [
            "",
            f"### {name}",
            "",
            f"Written from {vendor.source}; recognised by "
            f"{', '.join(f'`{header}`' for header in vendor.signature)}."
            + (f" {vendor.advice}" if vendor.advice else ""),
            "",
            "| column | read as |",
            "| --- | --- |",
        ]
        lines += [f"| `{f.header}` | {f.meaning} |" for f in vendor.fields]
        lines += ["", "Sample:", "", "```csv"]
        lines += vendor_sample_csv(vendor.key).decode().splitlines()
        lines += ["```"]
    return lines


def upload_format_markdown() -> str:
    """docs/upload-format.md, from the same definitions the reader and validator use."""
    lines = [
        "# Upload file format",
        "",
        "<!-- Written by `python -m didhub.imports.samples` from didhub/imports/columns.py;"
        " a test fails when they differ. -->",
        "",
        "An upload is a CSV file (`,` `;` or tab separated, as its header line is) or the "
        "first sheet of an XLSX workbook, with a header row. A CSV is read as UTF-8 (with "
        "or without BOM) or UTF-16 (Excel's *Unicode Text*, with its byte-order mark or "
        "without it), else as Windows-1252 (Excel's *CSV* on a Western Windows) and the "
        "import says so; a C1 control character (U+0080 to U+009F) in a cell is refused "
        "as `control_characters`, since it is text read with the wrong code page. An "
        "image, a PDF, an archive, an Excel 97-2003 `.xls` or any file holding NUL bytes "
        "is refused as `unreadable`; a `#TYPE` line that Windows PowerShell's "
        "`Export-Csv` writes above the header is skipped. Headers are matched in any case and "
        "spacing (`phone_number`, `PHONE NUMBER` and `Phone-Number` are the same), in any "
        "order; unknown columns are ignored with a note. Blank lines are skipped. The "
        "sample file is `GET /api/v1/imports/template.csv` (or `template.xlsx`).",
        "",
        "## Columns",
        "",
        "| column | also accepted | required | values |",
        "| --- | --- | --- | --- |",
    ]
    for column in COLUMNS:
        aliases = ", ".join(column.aliases)
        lines.append(f"| {column.header} | {aliases} | {column.required} | {column.values} |")
    lines += [
        "",
        f"True is any of {', '.join(f'`{w}`' for w in TRUE_WORDS)}; false is any of "
        f"{', '.join(f'`{w}`' for w in FALSE_WORDS if w)} or a blank cell (any case).",
        "",
        "The JSON forms of `POST /api/v1/imports/` use the same columns: `numbers` is a list "
        "of strings (a number each) or of objects keyed by column key (`phone_number`, "
        "`country_code`, `voice`, `route`, ...) or header; `range` is `{start, end}`; "
        "`defaults` gives a value for any column but the number's, used where a row leaves "
        "it blank. Lines of a JSON list are the entries' positions, from 1.",
        "",
        "## Rules",
        "",
        "- Numbers are valid exactly when libphonenumber's `is_valid_number` says so, with "
        f"one deviation: E.164 allows at most {E164_MAX_DIGITS} digits (country code "
        "included), and so does didhub, while libphonenumber calls a few longer numbers "
        "valid (some German, Indonesian, Japanese, Korean, Nigerian and Uruguayan ranges, "
        "such as `+4980012834567890`); those are refused as `over_15_digits`. Valid numbers "
        "are stored as E.164 (`+12125550100`) with the region and number type "
        "libphonenumber reports.",
        "- Without a Country Code, a number must start with `+` or `00`; a destination "
        "enterprise with a location country supplies its code, and all its numbers must "
        "carry it ([domain.md](domain.md#the-account-tree)).",
        "- A national number that starts with the trunk prefix (`020 7946 0000` with "
        "country code 44) is read without it; a full number in the Phone Number column "
        "(`12125550100` with country code 1) is recognized.",
        "- A number repeated in the file counts once; the later rows are reported as "
        "`duplicate`, with the number as typed on that row and the line of the first.",
        "- Lines are those of the file (the header is line 1); a record whose quoted cell "
        "spans several lines is reported on the line it starts.",
        "- A number the uploading account (or an account below it) holds already is "
        "counted as present and left unchanged by the commit; one held by any other "
        "account is refused as `not_available`, without naming the holder.",
        "- A row with Range End stands for every number from Phone Number to Range End "
        f"(at most {MAX_RANGE:,}, or the DIDHUB_MAX_RANGE setting), and counts as that "
        "many rows: each is validated, and an invalid one inside the range is reported on "
        "the row's line.",
        "- Counts always add up: valid + invalid + duplicate = total rows.",
        "- Carriers: voice numbers get the voice carrier chosen for the upload, else the "
        "default voice carrier of the uploading reseller (inherited from the nearest "
        "account above it that has one, as for a single number); SMS numbers likewise get "
        'an SMS carrier profile. "Assign later" leaves them empty. A chosen carrier or '
        "profile must be usable by the destination account.",
        "- Commit imports every valid row not present in one transaction: all of them or "
        "none. Numbers taken by another account since validation are reported as "
        "`not_available` and skipped; a crash or kill during commit leaves nothing behind "
        "and the import shows `failed` with the reason.",
        "- History: the commit writes one `import.committed` event (with `import_id`), and "
        "every number it created points at the import (`source_import`): a number's "
        'history starts with "added by import N".',
        "",
        "## Error codes",
        "",
        "Every refused row is reported with its line (the header is line 1), the column, "
        "the value and one of these codes; `GET /api/v1/imports/{id}/errors.csv` lists them "
        "all.",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in ERROR_CODES.items()]
    lines.append("| `duplicate` | The number appeared on an earlier line of the file. |")
    lines += [
        "",
        "A file that cannot be read at all is refused as a whole (400, field `file`):",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in FILE_ERROR_CODES.items()]
    lines += ["", *vendor_sections()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC_PATH.write_text(upload_format_markdown())
    sys.stdout.write(f"wrote {DOC_PATH}\n")
