"""The sample files and docs/upload-format.md come from the column definitions."""

import io

from openpyxl import load_workbook

from didhub.imports.columns import COLUMNS, ERROR_CODES, template_header
from didhub.imports.readers import open_table
from didhub.imports.samples import DOC_PATH, template_csv, template_xlsx, upload_format_markdown
from didhub.imports.validation import Validator


def test_docs_upload_format_is_written_from_columns():
    assert DOC_PATH.read_text() == upload_format_markdown(), (
        "docs/upload-format.md is stale: run `python -m didhub.imports.samples`"
    )
    text = DOC_PATH.read_text()
    for column in COLUMNS:
        assert f"| {column.header} |" in text
    for code in ERROR_CODES:
        assert f"`{code}`" in text


def test_the_sample_files_have_the_columns_and_valid_example_rows():
    for data, name in ((template_csv(), "t.csv"), (template_xlsx(), "t.xlsx")):
        table = open_table(io.BytesIO(data), name)
        assert [c for c in table.keys] == [c.key for c in COLUMNS if c.in_template]
        validator = Validator(table)
        staged = list(validator)
        assert [row[1] for row in staged] == ["+12125550100", "+442079460000"]
        assert validator.errors == []


def test_the_xlsx_sample_keeps_numbers_as_text():
    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    assert [cell.value for cell in sheet[1]] == template_header()
    assert sheet["B2"].number_format == "@"
