"""Fast E.164 normalisation and validation with libphonenumber's exact semantics.

What this package does
----------------------
* :func:`normalize` turns what people type or paste from spreadsheets into a
  candidate ``'+<digits>'`` string (not yet validated).
* :func:`validate` decides whether a ``'+<digits>'`` string is a valid number
  *exactly* as ``phonenumbers.is_valid_number(phonenumbers.parse(s))`` does,
  and reports the region and number type that ``phonenumbers`` would report
  (``region_code_for_number`` and ``number_type``).
* :func:`parse` is ``normalize`` followed by ``validate``.

How it is fast
--------------
``phonenumbers.parse`` + ``is_valid_number`` + ``format_number`` costs tens of
microseconds per number: generic code paths, and several regular expressions
per number type and region, evaluated one by one.  This package compiles the
metadata shipped with the ``phonenumbers`` package into per-country-calling-code
tables, so that checking a number is two dict lookups and one ``re.fullmatch``.

Its parts, each depending only on the ones above it:

* ``results``: :class:`ParsedNumber`, :class:`NumberError`, the number types and the
  length limits;
* ``prover``: facts about the metadata's regular expressions that let the tables skip
  work (a ``general_desc`` check implied by the type patterns, the digits a national
  prefix can start with), proved from CPython's parse trees; it checks itself, and
  without it the tables give the same answers, slower;
* ``compiler``: the metadata -> the tables (one regex per country code and length);
* ``matcher``: the tables in use, :func:`validate`, :func:`is_valid`,
  :func:`number_type_of`, and why a number is invalid;
* ``parsing``: :func:`normalize` and :func:`parse`.

The tables are built lazily on first use and cached for the life of the process;
building them takes about half a second, several on a busy machine.  Call
:func:`warm_up` at start-up to pay that cost eagerly.  No Django import happens here.

Known, deliberate differences from ``phonenumbers``
---------------------------------------------------
* :func:`validate` accepts only ``'+'`` followed by ASCII digits; use
  :func:`normalize`/:func:`parse` for anything else.
* :func:`normalize` (and therefore :func:`parse`) enforces the E.164 maximum of
  15 digits.  ``phonenumbers`` considers a few longer numbers valid (some
  German, Indonesian, Japanese, Korean, Nigerian and Uruguayan ranges with up
  to 17 national digits); ``validate`` still gives libphonenumber's answer for
  them, ``parse`` rejects them as ``over_15_digits`` (``too_long`` is for longer
  digit strings that are not valid numbers at all).
"""

from __future__ import annotations

from .matcher import is_valid, number_type_of, validate, warm_up
from .parsing import normalize, parse
from .results import E164_MAX_DIGITS, NUMBER_TYPES, NumberError, ParsedNumber

__all__ = [
    "E164_MAX_DIGITS",
    "NUMBER_TYPES",
    "NumberError",
    "ParsedNumber",
    "is_valid",
    "normalize",
    "number_type_of",
    "parse",
    "validate",
    "warm_up",
]
