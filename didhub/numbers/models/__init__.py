"""Numbers and everything that gives them meaning: targets, assignments, carriers, blocks.

Rules that must hold whatever writes the rows live in the database: one number per
E.164 text, one assignment per number and channel, sane blocks. Rules that depend on
who is acting live in ``didhub.accounts.policy``; state changes live in ``services``.

The models live in one module per part: ``catalog`` (carriers, profiles, an
account's defaults), ``targets``, ``numbers`` (numbers and their assignments),
``blocks``, ``tallies`` (how many numbers each account and its subtree hold) and
``owned`` (the queryset of everything owned by an account). Every model is imported
here, so ``from didhub.numbers.models import Number`` keeps working and Django
registers them all.
"""

from didhub.numbers.models.blocks import Block
from didhub.numbers.models.catalog import AccountDefaults, CallingProfile, Carrier, SmsProfile
from didhub.numbers.models.numbers import Assignment, Number, NumberQuerySet
from didhub.numbers.models.owned import OwnedQuerySet
from didhub.numbers.models.tallies import TALLY_KEY, Tally
from didhub.numbers.models.targets import Target, TargetQuerySet

__all__ = [
    "TALLY_KEY",
    "AccountDefaults",
    "Assignment",
    "Block",
    "CallingProfile",
    "Carrier",
    "Number",
    "NumberQuerySet",
    "OwnedQuerySet",
    "SmsProfile",
    "Tally",
    "Target",
    "TargetQuerySet",
]
