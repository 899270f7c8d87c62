"""Deterministic, realistic phone-number inventory for benchmarks.

:func:`realistic_numbers` produces E.164 strings shaped like a telecom
provider's DID inventory:

* numbers come in contiguous, aligned blocks (``…000``-``…999`` and so on):
  by share of numbers, about 30% in blocks of 1000, 40% in blocks of 100,
  25% in blocks of 10 and 5% single numbers; blocks appear in random order;
* country mix: NANP (US + CA) about half, then GB, DE, FR, AU, NL, ES, IT, BR,
  MX, IN, JP, and a long tail over every other region ``phonenumbers``
  supports (about 15%);
* number types: mostly fixed line (80%), some toll-free (10%) and mobile (10%),
  where the region has such numbers;
* ``invalid_ratio`` of the numbers (default 2%) are replaced by invalid ones:
  a digit dropped or added, or the number moved into an unallocated range.
  Each is checked invalid with ``phonenumbers``.

Valid numbers are grown from ``phonenumbers``' example numbers: the digits after
the area code are randomised and a block is kept only when its first, middle
and last numbers are valid per ``phonenumbers`` (holes inside an allocated
block are possible but rare, so the real share of invalid numbers is
``invalid_ratio`` plus a little).  Every number has at most 15 digits (E.164),
and all numbers are distinct.

The output depends only on ``count``, ``seed``, ``invalid_ratio`` and the
installed ``phonenumbers`` metadata version.  Generating 1,000,000 numbers
takes a few seconds.

Usage::

    from bench.inventory import realistic_numbers

    numbers = realistic_numbers(1_000_000)  # list of '+…' strings
"""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = ["DEFAULT_SEED", "realistic_numbers"]

DEFAULT_SEED = 20_240_601

# Share of numbers per region; "*" is spread evenly over every other supported region.
REGION_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("US", 0.42),
    ("CA", 0.08),
    ("GB", 0.07),
    ("DE", 0.05),
    ("FR", 0.04),
    ("AU", 0.03),
    ("NL", 0.025),
    ("ES", 0.025),
    ("IT", 0.025),
    ("BR", 0.02),
    ("MX", 0.02),
    ("IN", 0.02),
    ("JP", 0.02),
    ("*", 0.155),
)

TYPE_WEIGHTS: tuple[tuple[int, float], ...] = (
    (PhoneNumberType.FIXED_LINE, 0.80),
    (PhoneNumberType.TOLL_FREE, 0.10),
    (PhoneNumberType.MOBILE, 0.10),
)

# Share of *numbers* (not blocks) per block size.
BLOCK_WEIGHTS: tuple[tuple[int, float], ...] = ((1, 0.05), (10, 0.25), (100, 0.40), (1000, 0.30))

_E164_MAX_DIGITS = 15
_TRIES = 40
_DIGITS = "0123456789"


def _is_valid(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False


class _RangePool:
    """Validated number ranges ("heads") per (region, type), created on demand."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.examples: dict[tuple[str, int], tuple[str, str] | None] = {}
        self.heads: dict[tuple[str, int], list[tuple[str, int]]] = {}

    def example(self, region: str, number_type: int) -> tuple[str, str] | None:
        key = (region, number_type)
        if key not in self.examples:
            ex = phonenumbers.example_number_for_type(region, number_type)
            value = None
            if ex is not None:
                cc = str(ex.country_code)
                nsn = phonenumbers.national_significant_number(ex)
                if len(cc) + len(nsn) <= _E164_MAX_DIGITS and len(nsn) >= 5:
                    value = (cc, nsn)
            self.examples[key] = value
        return self.examples[key]

    def new_head(self, region: str, number_type: int) -> tuple[str, int] | None:
        """A validated '+<cc><leading digits>' head and the number of free tail digits."""
        found = self.example(region, number_type)
        if found is None:
            return None
        cc, nsn = found
        length = len(nsn)
        tail = 3 if length >= 7 else 2
        # Randomise the digits before the tail; when that keeps failing, keep more and
        # more leading (area / range) digits of the example number.
        keep_max = max(1, length - tail - 3)
        rng = self.rng
        zeros, nines, middle_number = "0" * tail, "9" * tail, "5" + "0" * (tail - 1)
        for attempt in range(_TRIES):
            keep = min(keep_max, attempt // 8 + rng.randint(0, 1))
            middle = "".join(rng.choice(_DIGITS) for _ in range(length - tail - keep))
            head = f"+{cc}{nsn[:keep]}{middle}"
            if (
                _is_valid(head + zeros)
                and _is_valid(head + nines)
                and _is_valid(head + middle_number)
            ):
                return head, tail
        return None

    def block(self, region: str, number_type: int, size: int) -> tuple[str, int] | None:
        """An aligned block: (prefix, width) covering prefix + 0..(10**width - 1)."""
        heads = self.heads.setdefault((region, number_type), [])
        rng = self.rng
        width = len(str(size)) - 1  # 1 -> 0, 10 -> 1, 100 -> 2, 1000 -> 3
        for _ in range(_TRIES):
            if len(heads) >= 3 and rng.random() < 0.75:
                head, tail = heads[rng.randrange(len(heads))]
            else:
                made = self.new_head(region, number_type)
                if made is None:
                    return None
                heads.append(made)
                head, tail = made
            if width <= tail:
                fixed = "".join(rng.choice(_DIGITS) for _ in range(tail - width))
                return head + fixed, width
        return None


def _weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def _make_invalid(rng: random.Random, e164: str) -> str:
    """An invalid variant of a valid number (checked with phonenumbers)."""
    cc = str(phonenumbers.parse(e164).country_code)
    nsn = e164[1 + len(cc) :]
    for _ in range(_TRIES):
        kind = rng.random()
        if kind < 0.35:
            candidate = e164[:-1]  # a digit lost
        elif kind < 0.6:
            candidate = e164 + rng.choice(_DIGITS)  # a digit too many
        else:
            # Same length, different leading digits: usually an unallocated range.
            lead = "".join(rng.choice(_DIGITS) for _ in range(2))
            candidate = f"+{cc}{lead}{nsn[2:]}"
        if len(candidate) - 1 <= _E164_MAX_DIGITS and not _is_valid(candidate):
            return candidate
    return f"+{cc}{nsn[:2]}"  # far too short: always invalid


def realistic_numbers(
    count: int, seed: int = DEFAULT_SEED, invalid_ratio: float = 0.02
) -> list[str]:
    """``count`` E.164 strings shaped like a provider's DID inventory (see module doc).

    Deterministic for a given ``seed`` (and ``phonenumbers`` version); all
    numbers are distinct apart from the injected invalid ones, and roughly
    ``invalid_ratio`` of them are invalid.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if not 0.0 <= invalid_ratio <= 1.0:
        raise ValueError("invalid_ratio must be between 0 and 1")
    rng = random.Random(seed)
    pool = _RangePool(rng)

    listed = {region for region, _ in REGION_WEIGHTS}
    tail_regions = sorted(r for r in phonenumbers.SUPPORTED_REGIONS if r not in listed)
    regions = [r for r, _ in REGION_WEIGHTS]
    region_weights = [w for _, w in REGION_WEIGHTS]
    types = [t for t, _ in TYPE_WEIGHTS]
    type_weights = [w for _, w in TYPE_WEIGHTS]
    sizes = [s for s, _ in BLOCK_WEIGHTS]
    # Convert number shares into block probabilities.
    size_weights = [w / s for s, w in BLOCK_WEIGHTS]

    numbers: list[str] = []
    seen: set[str] = set()
    while len(numbers) < count:
        region = _weighted(rng, regions, region_weights)
        if region == "*":
            region = tail_regions[rng.randrange(len(tail_regions))]
        number_type = _weighted(rng, types, type_weights)
        size = _weighted(rng, sizes, size_weights)
        found = pool.block(region, number_type, size)
        if found is None and number_type != PhoneNumberType.FIXED_LINE:
            found = pool.block(region, PhoneNumberType.FIXED_LINE, size)
        if found is None:
            continue
        prefix, width = found
        take = min(size, count - len(numbers))
        block = [f"{prefix}{i:0{width}d}" for i in range(take)] if width else [prefix]
        if seen.isdisjoint(block):  # overlapping an earlier block: draw another one
            seen.update(block)
            numbers.extend(block)

    n_invalid = round(count * invalid_ratio)
    for index in rng.sample(range(count), n_invalid):
        numbers[index] = _make_invalid(rng, numbers[index])
    return numbers


if __name__ == "__main__":  # pragma: no cover
    import sys
    import time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    started = time.perf_counter()
    sample = realistic_numbers(n)
    print(f"{n:,} numbers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print("\n".join(sample[:50]))


def shaped_rows(texts, pick_owner, uploader, targets, rng, now):
    """Rows of ``numbers_number`` and ``numbers_assignment`` for a bench load by COPY.

    ``texts`` are valid E.164 numbers in the order of their ids; ``pick_owner()`` draws an
    account; about 45 % of enterprise numbers are assigned to a target of a fitting kind
    from ``targets[(owner_id, kind)]``. Shared by the API and portal benchmarks so both
    measure the same inventory.
    """
    from didhub.numbers import e164

    rows, assignments = [], []
    for index, text in enumerate(texts, start=1):
        parsed = e164.validate(text)
        owner = pick_owner()
        voice = rng.random() < 0.9
        sms = rng.random() < 0.3 or not voice
        route = ""
        if voice:
            route = rng.choices(
                ["direct_routing", "external_trunk", "operator_connect"], [0.7, 0.15, 0.15]
            )[0]
        voice_kind = sms_kind = ""
        if owner.is_enterprise and rng.random() < 0.45:
            if voice:
                voice_kind = {
                    "direct_routing": rng.choice(["pbx_user", "pbx_user", "callapp_user", "trunk"]),
                    "external_trunk": "external_trunk",
                    "operator_connect": "operator_connect_trunk",
                }[route]
            if sms and (not voice or rng.random() < 0.2):
                sms_kind = rng.choice(["sms_group", "sms_user"])
        for channel, kind in (("voice", voice_kind), ("sms", sms_kind)):
            if kind:
                target = rng.choice(targets[(owner.pk, kind)])
                assignments.append((index, channel, target, kind, now))
        state = "assigned" if (voice_kind or sms_kind) else "available"
        rows.append(
            (index, parsed.e164, parsed.country_code, parsed.region or "", parsed.number_type,
             voice, sms, False, route, "user", 2, "", "", "", owner.pk, uploader[owner.pk],
             False, state, voice_kind, sms_kind, "", "pending", "not_linked", "", now, now)
        )  # fmt: skip
    return rows, assignments
