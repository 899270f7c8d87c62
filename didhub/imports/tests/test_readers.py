"""Reading files: separators, encodings, headers in any case, XLSX, blank lines."""

import io

import pytest
from openpyxl import Workbook

from didhub.imports.columns import COLUMNS, column_for_header
from didhub.imports.readers import FileError, cell_text, open_table


def table_of(data: bytes, name="f.csv"):
    table = open_table(io.BytesIO(data), name)
    return table, list(table.rows)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Phone Number", "phone_number"),
        (" PHONE_NUMBER ", "phone_number"),
        ("phone-number", "phone_number"),
        ("DID", "phone_number"),
        ("tn", "phone_number"),
        ("Country Code", "country_code"),
        ("CC", "country_code"),
        ("country", "country_code"),
        ("Voice Route Type", "route"),
        ("route", "route"),
        ("CAC Value", "cac_limit"),
        ("Range End", "range_end"),
        ("Colour", None),
    ],
)
def test_headers_are_matched_in_any_case_and_spacing(header, key):
    assert column_for_header(header) == key


def test_every_alias_names_its_own_column():
    for column in COLUMNS:
        for name in (column.header, column.key, *column.aliases):
            assert column_for_header(name) == column.key, name


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_separators_are_sniffed(separator):
    data = separator.join(["Country Code", "Phone Number", "Voice"]) + "\n"
    data += separator.join(["1", "212 555 0100", "yes"]) + "\n"
    table, rows = table_of(data.encode())
    assert table.keys == ["country_code", "phone_number", "voice"]
    assert rows == [(2, ["1", "212 555 0100", "yes"])]
    assert (separator == ",") == (not table.notes)


def test_utf8_bom_is_dropped_and_no_note_is_made():
    table, rows = table_of("\ufeffPhone Number,Service Info\n+12125550100,Café\n".encode())
    assert table.keys == ["phone_number", "service_info"]
    assert rows == [(2, ["+12125550100", "Café"])]
    assert table.notes == []


def test_a_file_that_is_not_utf8_is_read_as_windows_1252_with_a_note():
    table, rows = table_of("Phone Number,Service Info\n+12125550100,Café\n".encode("cp1252"))
    assert rows == [(2, ["+12125550100", "Café"])]
    assert "Windows-1252" in table.notes[0]


def test_blank_lines_are_skipped_counted_and_line_numbers_stay_physical():
    data = b"\n\nPhone Number\n+12125550100\n\n,,\n+12125550101\n"
    table, rows = table_of(data)
    assert rows == [(4, ["+12125550100"]), (7, ["+12125550101"])]
    assert table.blank_lines == 4


def test_a_quoted_multi_line_record_keeps_the_line_it_starts_on():
    data = b'Phone Number,Service Info\n+12125550100,"two\nlines"\n+12125550101,x\n'
    _, rows = table_of(data)
    assert [line for line, _ in rows] == [2, 4]


def test_unknown_columns_are_ignored_with_a_note():
    table, _ = table_of(b"Phone Number,Colour,Size\n+12125550100,red,9\n")
    assert table.keys == ["phone_number", None, None]
    assert table.notes == ["Ignored columns 'Colour', 'Size': not upload columns."]


def test_a_file_without_a_number_column_is_refused():
    with pytest.raises(FileError) as error:
        table_of(b"Name,Email\nAnn,a@b.c\n")
    assert error.value.code == "no_number_column"


def test_two_headers_for_one_column_are_refused():
    with pytest.raises(FileError) as error:
        table_of(b"Number,DID\n1,2\n")
    assert error.value.code == "duplicate_column"
    assert "'Number' and 'DID'" in error.value.message


def test_an_empty_file_is_refused():
    with pytest.raises(FileError) as error:
        table_of(b"\n \n")
    assert error.value.code == "empty_file"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Other")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_first_sheet_streams_with_exact_whole_numbers():
    data = xlsx(
        [
            ["Country Code", "Phone Number", "Voice"],
            [1, 2125550100, True],
            [None, None, None],
            ["44", "020 7946 0000", "no"],
            [1, 12125550100.0, False],
        ]
    )
    table, rows = table_of(data, "upload.xlsx")
    assert table.keys == ["country_code", "phone_number", "voice"]
    assert rows == [
        (2, ["1", "2125550100", "TRUE"]),
        (4, ["44", "020 7946 0000", "no"]),
        (5, ["1", "12125550100", "FALSE"]),
    ]
    assert table.blank_lines == 1
    assert "Only the first sheet" in table.notes[0]


def test_a_broken_workbook_is_refused_as_unreadable():
    with pytest.raises(FileError) as error:
        table_of(b"PK\x03\x04 not really a zip", "x.xlsx")
    assert error.value.code == "unreadable"


def test_cell_text_keeps_fractions_visible():
    assert cell_text(1.5) == "1.5"
    assert cell_text(12125550100.0) == "12125550100"
    assert cell_text(None) == ""
