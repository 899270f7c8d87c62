"""What people type -> a valid, canonical number: :func:`normalize` and :func:`parse`.

:func:`normalize` turns what people type or paste from spreadsheets into a candidate
``'+<digits>'`` string; :func:`parse` is ``normalize`` followed by the matcher's
``validate``, with a fast path for input that is already E.164.
"""

from __future__ import annotations

import re

from .compiler import Country
from .matcher import (
    BY_LENGTH,
    Builder,
    InvalidNumber,
    check,
    countries,
    country_for,
    is_plain_digits,
)
from .results import (
    E164_MAX_CHARS,
    E164_MAX_DIGITS,
    MAX_INPUT_STRING_LENGTH,
    NumberError,
    ParsedNumber,
)

__all__ = ["normalize", "parse"]


# Characters ignored anywhere: whitespace (incl. no-break and other Unicode spaces),
# dots, dashes, parentheses, slashes.  Full-width digits and '+' are mapped to ASCII.
_IGNORED = (
    " \t\n\r\v\f"
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
    ".-()/\\"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d"  # dashes
    "\uff08\uff09\uff0e\uff0f"  # full-width ( ) . /
)
_TRANSLATE = str.maketrans(
    {
        **{ch: None for ch in _IGNORED},
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "\uff0b": "+",
    }
)
_APOSTROPHES = "'\u2018\u2019"
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")


def _country_code_param(country_code: str | int) -> Country:
    if isinstance(country_code, bool) or not isinstance(country_code, (str, int)):
        raise NumberError(
            "bad_country_code",
            f"country code must be digits such as '44' or '+44', got {country_code!r}",
        )
    # Digits with an optional leading '+', spaces allowed anywhere ('+ 44', ' 1 ').
    text = "".join(str(country_code).split())
    if text.startswith(("+", "\uff0b")):
        text = text[1:]
    if not is_plain_digits(text) or len(text) > 3:
        raise NumberError(
            "bad_country_code",
            f"country code must be 1 to 3 digits such as '44' or '+44', got {country_code!r}",
        )
    info = countries().get(text)
    if info is None:
        raise NumberError(
            "bad_country_code",
            f"+{text} is not an assigned country calling code",
        )
    return info


def _bad_character(s: str) -> NumberError:
    seen_significant = False
    for pos, ch in enumerate(s, 1):
        mapped = ch.translate(_TRANSLATE)
        if mapped == "":
            continue
        if mapped.isdigit() and mapped.isascii():
            seen_significant = True
            continue
        if mapped == "+" and not seen_significant:
            seen_significant = True
            continue
        if ch.isalpha():
            hint = "letters are not allowed (no vanity numbers, no extensions like 'ext. 12')"
        elif ch == "+":
            hint = "'+' is only allowed once, at the start"
        elif ch == ",":
            hint = "commas are not allowed (is the column formatted as a number?)"
        else:
            hint = "only digits, a leading '+', spaces, dots, dashes, parentheses and slashes"
            hint += " are allowed"
        return NumberError(
            "bad_characters",
            f"unexpected character {ch!r} (U+{ord(ch):04X}) at position {pos} of {s!r}: {hint}",
        )
    return NumberError("bad_characters", f"{s!r} is not a phone number")  # pragma: no cover


def normalize(raw: str, country_code: str | int | None = None) -> str:
    """What people type -> candidate ``'+<digits>'`` (not yet validated).

    Rules:

    * surrounding whitespace (including no-break spaces) and a leading
      apostrophe (Excel's "store as text" marker) are dropped; spaces, dots,
      dashes, parentheses and slashes anywhere are ignored; full-width digits
      are read as digits; a trailing ``'.0'`` after plain digits (a number
      that went through a float, e.g. ``'12125550100.0'``) is dropped;
    * a leading ``'+'`` or ``'00'`` means the digits start with the country
      code (``country_code`` is then not used, but still checked);
    * otherwise, with ``country_code`` (``'1'``, ``'+44'``, ``44``), the digits
      are the national number: the result is ``'+' + cc + digits``, except that
      when that is not a valid number but the digits themselves already start
      with the country code and form a valid full number, they are taken as
      full E.164 (people paste full numbers into the number column), and
      when the digits start with the country's national (trunk) prefix, e.g.
      the UK ``'0'`` in ``'020 7946 0000'``, it is stripped the way
      ``phonenumbers.parse`` strips it for that country's main region, if
      the stripped number is valid and the unstripped one is not;
    * otherwise (no ``'+'``, no ``'00'``, no ``country_code``: ``None`` or a
      blank string) the digits are taken as already including the country
      code, like E.164 without the ``'+'``: ``'442079460000'`` ->
      ``'+442079460000'``;
    * ``raw`` may be an ``int`` (a numeric spreadsheet cell); a ``float`` is
      refused (``'scientific_notation'``): its digits cannot be trusted.

    The result is not canonicalised: ``'+44 (0)20 7946 0000'`` gives
    ``'+4402079460000'``, which :func:`validate` / :func:`parse` turn into
    ``'+442079460000'`` exactly as phonenumbers does.

    Raises NumberError with code ``'empty'``, ``'bad_characters'``,
    ``'scientific_notation'`` (Excel turned the number into a float such as
    ``'1.21E+10'``; digits were lost, so nothing is guessed),
    ``'bad_country_code'``, ``'too_short'`` (fewer national digits than any
    number of that country code has), ``'over_15_digits'`` (a number libphonenumber
    calls valid that has more than 15 digits: E.164 forbids it) or ``'too_long'``
    (more than 15 digits, and not a valid number either);
    both length rules look at the number as phonenumbers would canonicalise it,
    so ``'+44 (0)…'`` or Madagascar's 7-digit short form are not rejected.
    """
    if not isinstance(raw, str):
        if raw is None:
            raise NumberError("empty", "no phone number given")
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        elif isinstance(raw, float):
            raise NumberError(
                "scientific_notation",
                f"got the floating-point value {raw!r}: the spreadsheet turned the number "
                "into a float and digits may have been lost; format the column as text",
            )
        else:
            raise NumberError("bad_characters", f"expected text, got {type(raw).__name__}")

    # Fast path: already '+<ascii digits>' and no country code to apply.
    if country_code is None and raw[:1] == "+":
        digits = raw[1:]
        if digits.isdigit() and digits.isascii():
            return _finish(raw, digits)

    s = raw.strip()
    if s and s[0] in _APOSTROPHES:
        s = s[1:].strip()
    if not s:
        raise NumberError("empty", "the phone number is empty")
    if s.endswith(".0"):
        head = s[:-2]
        body = head[1:] if head[:1] == "+" else head
        if body and is_plain_digits(body):
            s = head
    t = s.translate(_TRANSLATE)
    if t[:1] == "+":
        intl = True
        digits = t[1:]
    elif t[:2] == "00":
        intl = True
        digits = t[2:]
    else:
        intl = False
        digits = t
    if not is_plain_digits(digits):
        if ("e" in s or "E" in s) and _SCIENTIFIC.fullmatch(s):
            raise NumberError(
                "scientific_notation",
                f"{s!r} is in scientific notation: the spreadsheet turned the number into a "
                "float and digits were lost; format the column as text and re-enter it",
            )
        if not digits:
            raise NumberError("empty", f"{s!r} contains no digits")
        raise _bad_character(s)

    if country_code is None or (country_code.__class__ is str and not country_code.strip()):
        info = None  # a blank country-code cell counts as none
    else:
        info = _country_code_param(country_code)
    if intl or info is None:
        return _finish(None, digits)
    return _finish(None, _with_country_code(info, digits))


def _with_country_code(info: Country, national: str) -> str:
    cc_str = info.cc_str
    plain = cc_str + national
    if info.classify(national) is not None:
        return plain
    if national.startswith(cc_str):
        full = check("+" + national)
        if full is not None:
            return full.e164[1:]
    stripped = info.trunk_stripped(national)
    if stripped is not national and info.classify(stripped) is not None:
        return cc_str + stripped
    prefix = info.national_prefix
    if prefix and national.startswith(prefix):
        stripped = national[len(prefix) :]
        if info.classify(stripped) is not None:
            return cc_str + stripped
    return plain


def _finish(e164: str | None, digits: str) -> str:
    """Country-code and length checks common to every input form."""
    if not digits:
        raise NumberError("empty", "no digits after '+'")
    n = len(digits)
    if digits[0] == "0":
        raise NumberError(
            "bad_country_code",
            f"'{digits[:6]}…' cannot start with a country code (country codes never start "
            "with 0); without '+' or a country code, digits are read as a full international "
            "number — add '+' and the country code, or give the country code",
        )
    info = country_for(digits)
    if info is None:
        raise NumberError(
            "bad_country_code",
            f"'+{digits[:3]}…' does not start with an assigned country calling code",
        )
    national = n - len(info.cc_str)
    if n > E164_MAX_DIGITS or national < info.min_length:
        # Lengths are judged on the number phonenumbers would keep: it may drop a
        # national prefix ('+44 (0)…') or expand a short form (+261: 7 -> 9 digits).
        canonical = check("+" + digits) if n < MAX_INPUT_STRING_LENGTH else None
        if canonical is not None and len(canonical.e164) <= E164_MAX_CHARS:
            return e164 if e164 is not None else "+" + digits
        if canonical is not None:
            # The one deliberate deviation from libphonenumber: E.164's cap of 15 digits.
            raise NumberError(
                "over_15_digits",
                f"{canonical.e164} has {len(canonical.e164) - 1} digits: libphonenumber "
                f"accepts it as a number of {info.describe(canonical.region)}, but E.164 "
                f"allows at most {E164_MAX_DIGITS} digits including the country code, and "
                "didhub keeps to E.164",
            )
        if n > E164_MAX_DIGITS:
            raise NumberError(
                "too_long",
                f"{n} digits: an E.164 number has at most {E164_MAX_DIGITS} digits "
                "including the country code",
            )
        raise NumberError(
            "too_short",
            f"{info.describe()} numbers have at least {info.min_length} digits after the "
            f"country code; got {national}",
        )
    return e164 if e164 is not None else "+" + digits


# --------------------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------------------


def parse(raw: str, country_code: str | int | None = None) -> ParsedNumber:
    """normalize + validate: what people type -> a valid, canonical ParsedNumber."""
    if country_code is None and raw.__class__ is str and raw[:1] == "+":
        # Fast path for valid E.164 input: check() inlined, with the length and the
        # first four digits selecting the regex.  A match implies that the input is '+'
        # and ASCII digits only (the dictionary key is digits, and the patterns only
        # match ASCII digits); anything else takes the general path below.
        try:
            entry = BY_LENGTH[len(raw)].get(raw[1:5])
        except IndexError:  # longer than E.164
            entry = None
        if entry is not None:
            cut, cc, strip, rx, labels, info = entry
            nn = raw[cut:]
            if not strip or info.npfp.match(nn) is None:
                m = rx.fullmatch(nn)
                if m is not None:
                    o = Builder()
                    o.e164 = raw
                    o.country_code = cc
                    o.national_number = nn
                    o.region, o.number_type = labels[m.lastindex]
                    o.__class__ = ParsedNumber
                    return o
    e164 = normalize(raw, country_code)
    result = check(e164)
    if result is None:
        raise _error_for(e164)
    return result


def _error_for(e164: str) -> NumberError:
    """The error for a '+<digits>' string that check() rejected."""
    try:
        _finish(e164, e164[1:])
    except NumberError as exc:
        return exc
    return InvalidNumber(e164[1:])
