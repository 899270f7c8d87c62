"""One writer per export format, all fed by the same chunks of rows (see selectors).

Each format has a content type, a file extension and a writer; the view and the
``export`` command pick them here.
"""

from dataclasses import dataclass

from didhub.exports.writers.csv import csv_chunks, csv_export, write_csv, write_csv_export
from didhub.exports.writers.pdf import write_pdf
from didhub.exports.writers.xlsx import write_xlsx


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    extension: str


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", ".csv"),
    "xlsx": Format(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    "pdf": Format("pdf", "application/pdf", ".pdf"),
}

__all__ = [
    "FORMATS",
    "Format",
    "csv_chunks",
    "csv_export",
    "write_csv",
    "write_csv_export",
    "write_pdf",
    "write_xlsx",
]
