"""Files as other programs write them, uploaded through ``POST /api/v1/imports/``.

Windows-1252 and UTF-16 text, images and empty files, quoted multi-line records,
duplicates typed differently, and the number exports of Teams, Webex Calling, Twilio,
Telnyx and Bandwidth: each asserted as a person reads the answer (code, line, message).
"""

import csv
import io

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from didhub.accounts import services as account_services
from didhub.accounts.choices import TokenScope
from didhub.imports.samples import VENDOR_SAMPLES, vendor_sample_csv
from didhub.imports.vendors import VENDORS
from didhub.numbers.models import Number

URL = "/api/v1/imports/"


@pytest.fixture
def client(tree):
    cache.clear()
    _, key = account_services.token_create(
        actor=tree.master_admin, name="tests", scope=TokenScope.WRITE
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def upload(client, tree, data: bytes, name="numbers.csv", **fields):
    stream = io.BytesIO(data)
    stream.name = name
    return client.post(URL, {"file": stream, "account": tree.acme.pk, **fields}, format="multipart")


def errors_of(answer) -> list[tuple]:
    return [
        (e["line"], e["column"], e["value"], e["code"], e["message"])
        for e in answer.json()["errors"]
    ]


def file_error(answer) -> dict:
    assert answer.status_code == 400, answer.content
    return answer.json()["errors"][0]


# Encodings -----------------------------------------------------------------------------

# Umlauts, an en dash, curly quotes, the euro sign: the last four are 0x80-0x9F in cp1252.
WINDOWS_TEXT = "M\u00fcller \u2013 \u201cB\u00fcro\u201d \u20ac5"


def test_a_windows_1252_file_keeps_dashes_quotes_and_the_euro_sign(tree, client):
    data = f"Phone Number,Service Info\r\n+12125550100,{WINDOWS_TEXT}\r\n".encode("cp1252")
    answer = upload(client, tree, data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["valid"], body["invalid"]) == (1, 0)
    assert body["notes"] == [
        "The file is not UTF-8 (byte 0xfc cannot be read as UTF-8); it was read as "
        "Windows-1252 (Western European). Check accented text, or save it as CSV UTF-8."
    ]
    committed = client.post(f"{URL}{body['id']}/commit/")
    assert committed.json()["state"] == "done"
    assert Number.objects.get(e164="+12125550100").service_info == WINDOWS_TEXT


def test_c1_control_characters_are_refused_like_nul(tree, client):
    """Text that went through Latin-1 once: U+0096 where an en dash was meant."""
    data = "Phone Number,Service Info\n+12125550100,Floor 2 \u0096 East\n".encode()
    answer = upload(client, tree, data)
    assert errors_of(answer) == [
        (
            2,
            "Service Info",
            "Floor 2 \u0096 East",
            "control_characters",
            "Control character U+0096 at position 9: control characters (such as NUL) are "
            "not allowed.",
        )
    ]


def test_a_byte_windows_1252_leaves_undefined_is_a_control_character_of_its_row(tree, client):
    data = b"Phone Number,Service Info\n+12125550100,Caf\xe9\n+12125550101,A\x81B\n"
    answer = upload(client, tree, data)
    body = answer.json()
    assert (body["valid"], body["invalid"]) == (1, 1)
    assert [(e[0], e[3]) for e in errors_of(answer)] == [(3, "control_characters")]
    assert "U+0081" in body["errors"][0]["message"]


EXCEL_UNICODE_TEXT = (
    "Country Code\tPhone Number\tVoice\tVoice Route Type\tService Info\r\n"
    "1\t2125550100\tTRUE\tDirect Routing\tZ\u00fcrich \u2013 Haus\r\n"
    "44\t20 7946 0000\tFALSE\t\t\r\n"
)


@pytest.mark.parametrize(
    "encoded",
    [
        EXCEL_UNICODE_TEXT.encode("utf-16"),  # what Excel writes: little endian, with BOM
        "\ufeff".encode("utf-16-be") + EXCEL_UNICODE_TEXT.encode("utf-16-be"),
        EXCEL_UNICODE_TEXT.encode("utf-16-le"),  # the byte-order mark lost on the way
    ],
    ids=["le-bom", "be-bom", "le-without-bom"],
)
def test_utf16_unicode_text_is_read(tree, client, encoded):
    answer = upload(client, tree, encoded, name="numbers.txt")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["total_rows"], body["valid"], body["invalid"]) == (2, 2, 0), body["errors"]
    assert body["notes"] == ["Columns are separated by tabs."]
    client.post(f"{URL}{body['id']}/commit/")
    assert Number.objects.get(e164="+12125550100").service_info == "Z\u00fcrich \u2013 Haus"


def test_utf16_that_breaks_off_is_refused_as_unreadable(tree, client):
    data = "Phone Number\r\n+12125550100\r\n".encode("utf-16") + b"\x00\xd8"  # half a pair
    error = file_error(upload(client, tree, data))
    assert error["code"] == "unreadable"
    assert error["message"].startswith("The file is UTF-16 text, but bytes at offset")


# Wrong reasons -------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            PNG,
            "numbers.csv",
            "The file is a PNG image, not a CSV/TSV text file or an XLSX workbook.",
        ),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            "numbers.pdf",
            "The file is a PDF document, not a CSV/TSV text file or an XLSX workbook.",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "numbers.xls",
            "The file is an Excel 97-2003 workbook (.xls), not a CSV/TSV text file or an "
            "XLSX workbook. Save it as XLSX or CSV.",
        ),
        (
            b"Phone Number\n\x00\x01\x02\x03binary\n",
            "numbers.bin",
            "The file holds binary data (NUL bytes): it is not a CSV/TSV text file or an "
            "XLSX workbook.",
        ),
    ],
    ids=["png", "pdf", "xls", "nul"],
)
def test_a_file_that_is_not_a_table_is_unreadable(tree, client, data, name, message):
    assert file_error(upload(client, tree, data, name)) == {
        "code": "unreadable",
        "field": "file",
        "message": message,
    }


def test_an_empty_upload_is_empty_file_as_documented(tree, client):
    error = file_error(upload(client, tree, b""))
    assert (error["code"], error["field"]) == ("empty_file", "file")
    assert error["message"] == "The file is empty: no header row was found."


def test_a_quoted_multi_line_record_is_reported_on_the_line_it_starts(tree, client):
    data = (
        b"Phone Number,Voice,Service Info\n"
        b'+12125550100,maybe,"first line\nsecond line\nthird line"\n'
        b"+12125550101,no,x\n"
        b"+12125550102,perhaps,y\n"
    )
    answer = upload(client, tree, data)
    assert [(e[0], e[3]) for e in errors_of(answer)] == [(2, "bad_boolean"), (6, "bad_boolean")]


def test_a_duplicate_shows_the_number_as_typed_on_its_line(tree, client):
    data = b"Country Code,Phone Number\n1,212-555-0100\n1,(212) 555-0100\n"
    answer = upload(client, tree, data)
    assert errors_of(answer) == [
        (
            3,
            "Phone Number",
            "(212) 555-0100",
            "duplicate",
            "(212) 555-0100 is +12125550100, already on line 2.",
        )
    ]


# Exports of other systems --------------------------------------------------------------

# What each sample becomes, number by number: (voice, sms, fax, route, usage, sip, tags).
EXPECTED = {
    "teams": {
        "+12125550140": (True, False, False, "direct_routing", "user", "", ""),
        "+12125550141": (True, False, False, "operator_connect", "service", "", ""),
        "+442079460140": (True, False, False, "direct_routing", "user", "", ""),
    },
    "webex": {
        "+12125550150": (True, False, False, "external_trunk", "user", "", ""),
        "+12125550151": (True, False, False, "external_trunk", "service", "", ""),
        "+12125550152": (True, False, True, "external_trunk", "user", "", ""),
    },
    "twilio": {
        "+12125550160": (True, True, False, "external_trunk", "user", "", ""),
        "+12125550161": (False, True, False, "", "user", "", ""),
    },
    "telnyx": {
        "+12125550170": (
            True,
            True,
            False,
            "external_trunk",
            "user",
            "pbx-trunk-nyc",
            ";nyc;sales;",
        ),
        "+12125550171": (False, True, False, "", "user", "", ""),
        "+12125550172": (True, False, True, "external_trunk", "user", "fax-gateway", ";fax;"),
    },
    "bandwidth": {
        "+12125550180": (True, False, False, "external_trunk", "user", "886599", ""),
        "+12125550181": (True, False, False, "external_trunk", "user", "886599", ""),
    },
}
# What the uploader chooses for the upload where the export says nothing.
CHOSEN = {
    "teams": {},
    "webex": {"voice": "TRUE", "route": "External Trunk"},
    "twilio": {"route": "External Trunk"},
    "telnyx": {"route": "External Trunk"},
    "bandwidth": {"voice": "TRUE", "route": "External Trunk"},
}


def test_every_vendor_has_a_sample_and_an_expectation():
    assert {vendor.key for vendor in VENDORS} == set(VENDOR_SAMPLES) == set(EXPECTED)


@pytest.mark.parametrize("vendor", [vendor.key for vendor in VENDORS])
def test_a_vendor_sample_uploads_and_commits_with_its_meanings(tree, client, vendor):
    answer = upload(client, tree, vendor_sample_csv(vendor), f"{vendor}.csv", **CHOSEN[vendor])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["errors"] == []
    assert (body["valid"], body["invalid"]) == (len(EXPECTED[vendor]), 0)
    title = next(v.title for v in VENDORS if v.key == vendor)
    assert body["notes"][0].startswith(f"Read as {title}: ")
    committed = client.post(f"{URL}{body['id']}/commit/")
    assert committed.json()["state"] == "done", committed.content
    numbers = Number.objects.filter(e164__in=EXPECTED[vendor])
    got = {
        n.e164: (n.voice, n.sms, n.fax, n.route, n.usage, n.sip_connection, n.tags) for n in numbers
    }
    assert got == EXPECTED[vendor]


def test_teams_number_type_is_the_route_and_calling_plan_numbers_are_refused(tree, client):
    data = (
        b"TelephoneNumber,OperatorId,NumberType,ActivationState,AssignedPstnTargetId,"
        b"Capability,City,IsoCountryCode\n"
        b"+12125550140,,DirectRouting,Activated,,UserAssignment,New York,US\n"
        b"+12125550141,,CallingPlan,Activated,,UserAssignment,New York,US\n"
    )
    answer = upload(client, tree, data)
    assert answer.json()["valid"] == 1
    assert errors_of(answer) == [
        (
            3,
            "Voice Route Type",
            "CallingPlan",
            "bad_route",
            "'CallingPlan' is not a route: use Direct Routing, External Trunk or Operator Connect.",
        )
    ]


def test_a_windows_powershell_export_with_its_type_line_is_read(tree, client):
    """``Export-Csv`` in Windows PowerShell: a ``#TYPE`` line, quoted cells, a list's type."""
    data = (
        "#TYPE Deserialized.Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Models."
        "SkypeTelephoneNumberMgmtCmdletAcquiredTelephoneNumber\r\n"
        '"TelephoneNumber","OperatorId","NumberType","ActivationState",'
        '"AssignedPstnTargetId","Capability","City","IsoCountryCode"\r\n'
        '"+12125550140","","OperatorConnect","Activated","",'
        '"System.Collections.Generic.List`1[System.String]","New York","US"\r\n'
    ).encode("cp1252")
    answer = upload(client, tree, data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["valid"], body["errors"]) == (1, [])
    client.post(f"{URL}{body['id']}/commit/")
    number = Number.objects.get(e164="+12125550140")
    assert (number.route, number.usage) == ("operator_connect", "user")


def test_a_column_added_to_an_export_is_read_unless_the_export_fills_it(tree, client):
    data = (
        b"phone_number,capabilities_voice,capabilities_sms,Voice Route Type,Tags\n"
        b"+12125550160,true,false,Direct Routing,migrated\n"
    )
    answer = upload(client, tree, data)
    body = answer.json()
    assert (body["valid"], body["errors"]) == (1, [])
    assert body["notes"][0] == (
        "Read as a Twilio number export: phone_number as Phone Number, capabilities_voice "
        "as Voice, capabilities_sms as SMS, Voice Route Type as Voice Route Type, Tags as "
        "Tags. Voice numbers need a Voice Route Type: choose it for the upload (its column "
        "defaults), or add a Voice Route Type column."
    )


def test_a_vendor_export_saved_as_xlsx_is_read_the_same(tree, client):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in csv.reader(io.StringIO(vendor_sample_csv("teams").decode())):
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    answer = upload(client, tree, out.getvalue(), "teams.xlsx")
    body = answer.json()
    assert (body["valid"], body["errors"]) == (len(EXPECTED["teams"]), [])
    assert body["notes"][0].startswith("Read as a Microsoft Teams number export: ")
