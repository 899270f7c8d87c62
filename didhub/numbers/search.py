"""Search helpers for the number list: digits anywhere, vanity patterns, predefined searches.

Everything here produces plain ``Q`` objects over ``Number`` columns, so the one
FilterSet (portal, API, bulk, exports) and the benchmarks share the same SQL. The
predefined searches (docs/domain.md, "Finding numbers") are tests on the denormalized
``*_target_kind`` columns, ``route`` and the capabilities, which the composite indexes
of ``Number.Meta`` serve without a join to the assignments.
"""

import re

from django.db.models import F, Lookup, Q, Value

from didhub.numbers.choices import NumberState, Route, TargetKind

NON_DIGITS = re.compile(r"\D")
# What people type around digits: "+1 (212) 555-0100", "1.212.555.0100".
SEPARATORS = re.compile(r"[\s().\-/+]")
HAS_LETTERS = re.compile(r"[^\W\d_]")

# Phone keypad letters, so that a vanity pattern such as "1800FLOWERS" finds its digits.
KEYPAD = str.maketrans(
    {
        **dict.fromkeys("ABC", "2"),
        **dict.fromkeys("DEF", "3"),
        **dict.fromkeys("GHI", "4"),
        **dict.fromkeys("JKL", "5"),
        **dict.fromkeys("MNO", "6"),
        **dict.fromkeys("PQRS", "7"),
        **dict.fromkeys("TUV", "8"),
        **dict.fromkeys("WXYZ", "9"),
    }
)


class PatternError(ValueError):
    """A vanity pattern that cannot be turned into a digit pattern."""


class Like(Lookup):
    """``lhs LIKE rhs``, for patterns built by :func:`pattern_to_like` (digits, % and _)."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class LikeInOrder(Like):
    """``lhs LIKE rhs`` that no index answers: tested on each number the list reads in
    its own order (see :func:`e164_like_q`)."""

    lookup_name = "like_in_order"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} || '') LIKE {rhs}", [*lhs_params, *rhs_params]


# Digits in a row that make a search selective enough for the trigram index on e164.
# Three digits are a single trigram that about 3 % of a real inventory holds (300,000 of
# ten million numbers): the index would hand them all back to be sorted for a page of
# 50, where reading the numbers in E.164 order finds 50 matches within a few thousand.
TRIGRAM_DIGITS = 4


def e164_like_q(like: str) -> Q:
    """``e164 LIKE like`` for a pattern of digits, ``%`` and ``_``.

    With a run of at least ``TRIGRAM_DIGITS`` digits the trigram index finds the few
    numbers that match; with shorter runs only, the planner cannot tell how common
    they are, so the condition is written where no index applies and the list reads
    its numbers in page order (``number_e164_unique``, ``number_owner_e164``), testing
    each. Measured at ten million numbers in docs/performance.md.
    """
    longest = max((len(run) for run in re.findall(r"\d+", like)), default=0)
    lookup = Like if longest >= TRIGRAM_DIGITS else LikeInOrder
    return Q(lookup(F("e164"), Value(like)))


def digits_only(text: str) -> str:
    """The digits of ``text``: ``"+1 (212) 555-0100"`` -> ``"12125550100"``."""
    return NON_DIGITS.sub("", text or "")


def has_letters(text: str) -> bool:
    return bool(HAS_LETTERS.search(text or ""))


def quick_search_q(query: str) -> Q | None:
    """The portal's quick search: digits anywhere in the number, or a target's name.

    Separators and ``+`` are ignored for digits; a query with letters looks for the text
    in the name of a target the number is assigned to. ``None`` when there is nothing to
    search for (an empty or separator-only query).
    """
    from didhub.numbers.models import Assignment

    query = (query or "").strip()
    if has_letters(query):
        assigned_to = Assignment.objects.filter(target__name__icontains=query)
        return Q(pk__in=assigned_to.values("number_id"))
    digits = digits_only(query)
    if not digits:
        return None
    return e164_like_q(f"%{digits}%")


def pattern_to_like(pattern: str) -> str:
    """A vanity pattern over digits as a LIKE pattern on ``e164``.

    ``*`` stands for any run of digits and ``?`` for one digit; letters count as their
    keypad digits; separators and a leading ``+`` are ignored. Without a ``*`` the
    pattern must match the whole number. Only digits, ``%`` and ``_`` reach the LIKE
    pattern, so user input can never inject wildcards or escapes of its own.
    """
    cleaned = SEPARATORS.sub("", (pattern or "").strip()).upper().translate(KEYPAD)
    if not cleaned or not cleaned.strip("*?"):
        raise PatternError("A pattern needs at least one digit, e.g. *555* or 1212555*.")
    if bad := sorted(set(re.sub(r"[\d*?]", "", cleaned))):
        raise PatternError(
            f"A pattern holds digits, * (any digits) and ? (one digit); not {bad[0]!r}."
        )
    like = re.sub(r"\*+", "%", cleaned).replace("?", "_")
    return f"+{like}"


def pattern_q(pattern: str) -> Q:
    """Numbers whose digits match a vanity pattern (see :func:`pattern_to_like`).

    Digits before the first wildcard also bound an index range (``1212555*``).
    """
    like = pattern_to_like(pattern)
    literal = re.match(r"\+\d*", like).group()
    if like == f"{literal}%":
        # A plain prefix: the same test as e164__startswith, read in order from the index.
        return prefix_range_q(literal)
    condition = e164_like_q(like)
    return prefix_range_q(literal) & condition if len(literal) > 1 else condition


def prefix_range_q(prefix: str) -> Q:
    """``e164`` in ``[prefix, next prefix)``: a range scan of the unique e164 index.

    ``+44`` -> ``+44 <= e164 < +45``; ``+49`` -> ``< +5``; an all-nines prefix has no
    upper bound. A range, unlike ``LIKE 'prefix%'``, is read in e164 order from the
    same index that orders the list, so the first page stops after 50 rows whatever
    the collation. Exact for E.164 text (``+`` and digits, as every number is stored);
    a ``LIKE`` next to it would only lead the planner to a sort.
    """
    condition = Q(e164__gte=prefix)
    digits = prefix[1:].rstrip("9")
    if digits:
        condition &= Q(e164__lt=f"+{digits[:-1]}{int(digits[-1]) + 1}")
    return condition


def normalize_e164_text(text: str) -> str:
    """``"1 212 555 0100"``, ``"+12125550100"`` or a URL-decoded ``" 12125550100"`` as
    ``"+12125550100"``; empty when there are no digits."""
    digits = digits_only(text)
    return f"+{digits}" if digits else ""


NO_VOICE = Q(voice_target_kind="")
NO_SMS = Q(sms_target_kind="")
UNASSIGNED = Q(voice_target_kind="", sms_target_kind="", fax_target_kind="")

# The predefined searches ("search="; docs/domain.md, "Finding numbers"), name -> (label, Q).
PREDEFINED_SEARCHES: dict[str, tuple[str, Q]] = {
    "unassigned": ("All unassigned numbers", UNASSIGNED),
    "available_voice": ("Available voice numbers", Q(voice=True) & NO_VOICE),
    "available_et": (
        "Available external trunk numbers",
        Q(route=Route.EXTERNAL_TRUNK) & NO_VOICE,
    ),
    "available_oc": (
        "Available Operator Connect numbers",
        Q(route=Route.OPERATOR_CONNECT) & NO_VOICE,
    ),
    "available_sms": ("Available SMS numbers", Q(sms=True) & NO_SMS),
    "assigned_pbx": (
        "Assigned PBX numbers",
        Q(route=Route.DIRECT_ROUTING)
        & Q(voice_target_kind__in=[TargetKind.PBX_USER, TargetKind.TRUNK]),
    ),
    "assigned_callapp": (
        "Assigned CallApp numbers",
        Q(route=Route.DIRECT_ROUTING) & Q(voice_target_kind=TargetKind.CALLAPP_USER),
    ),
    "assigned_et": (
        "Assigned external trunk numbers",
        Q(voice_target_kind=TargetKind.EXTERNAL_TRUNK),
    ),
    "assigned_oc": (
        "Assigned Operator Connect numbers",
        Q(voice_target_kind=TargetKind.OPERATOR_CONNECT_TRUNK),
    ),
    "assigned_sms": (
        "Assigned SMS numbers",
        Q(sms_target_kind__in=[TargetKind.SMS_USER, TargetKind.SMS_GROUP]),
    ),
    # Equal to ~UNASSIGNED: the database ties assignments and state "assigned" both ways
    # (two check constraints), and the state test alone is counted from an index.
    "used": ("Numbers used", Q(state=NumberState.ASSIGNED)),
    "available": ("Numbers available", UNASSIGNED),
}

PREDEFINED_SEARCH_CHOICES = [(name, label) for name, (label, _) in PREDEFINED_SEARCHES.items()]
