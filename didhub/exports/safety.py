"""Spreadsheet formula injection: text that a spreadsheet would run is made inert.

A cell whose text starts with ``=``, ``@``, ``+``, ``-``, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (OWASP "CSV injection"), so
``=HYPERLINK(...)`` in a target name could run on the exporting user's machine. Such text
gets a leading apostrophe, which spreadsheets show as text. An E.164 number (``+``
followed only by digits) is data, not a formula, and is left exactly as it is: the
export must round-trip the inventory's own numbers.
"""

import re

FORMULA_STARTS = frozenset("=@+-\t\r")
E164_TEXT = re.compile(r"\+[0-9]+")


def neutralize(text: str) -> str:
    """``text`` safe to put in a spreadsheet cell (see module doc)."""
    if text and text[0] in FORMULA_STARTS and not E164_TEXT.fullmatch(text):
        return "'" + text
    return text
