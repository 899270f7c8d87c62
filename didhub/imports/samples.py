"""The sample upload files and the upload-format document, written from ``columns``.

``template.csv`` and ``template.xlsx`` are what the portal and the API offer for
download; ``docs/upload-format.md`` is :func:`upload_format_markdown` (a test keeps the
file in step; ``python -m didhub.imports.samples`` writes it again).
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
from didhub.numbers.attributes import FALSE_WORDS, TRUE_WORDS

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


def upload_format_markdown() -> str:
    """docs/upload-format.md, from the same definitions the reader and validator use."""
    lines = [
        "# Upload file format",
        "",
        "<!-- Written by `python -m didhub.imports.samples` from didhub/imports/columns.py;"
        " a test fails when they differ. -->",
        "",
        "An upload is a CSV file (`,` `;` or tab separated, UTF-8 with or without BOM; a "
        "file that is not UTF-8 is read as Latin-1 and the import says so) or the first "
        "sheet of an XLSX workbook, with a header row. Headers are matched in any case and "
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
        "- Numbers are valid exactly when libphonenumber's `is_valid_number` says so; they "
        "are stored as E.164 (`+12125550100`) with the region and number type it reports.",
        "- Without a Country Code, a number must start with `+` or `00`; a destination "
        "enterprise with a location country supplies its code, and all its numbers must "
        "carry it (seeds/004).",
        "- A national number that starts with the trunk prefix (`020 7946 0000` with "
        "country code 44) is read without it; a full number in the Phone Number column "
        "(`12125550100` with country code 1) is recognized.",
        "- A number repeated in the file counts once; the later rows are reported as "
        "`duplicate` with the line of the first.",
        "- A number the uploading account (or an account below it) holds already is "
        "counted as present and left unchanged by the commit; one held by any other "
        "account is refused as `not_available`, without naming the holder.",
        "- A row with Range End stands for every number from Phone Number to Range End "
        "(at most 100,000), and counts as that many rows: each is validated, and an "
        "invalid one inside the range is reported on the row's line.",
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
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC_PATH.write_text(upload_format_markdown())
    sys.stdout.write(f"wrote {DOC_PATH}\n")
