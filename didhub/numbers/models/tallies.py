"""How many numbers each account's subtree holds, by state, capability, use and activity.

The inventory figures (dashboard, an account's inventory, its children's utilization,
the metrics) are sums over these rows, not counts over the numbers: at ten million
numbers a count over a reseller's subtree reads millions of index entries (seconds),
and even a sum over the tallies of every account below it reads tens of thousands of
rows. A tally counts the numbers of an account *and every account below it*, so an
account's figures are its own few rows, whatever the size of its tree. Accounts never
move (``Account.path``), so a number counts towards the accounts of its owner's path
for as long as that owner holds it.

The database keeps them, not the code: triggers on ``numbers_number`` (migration
``numbers/0011``) add, for every statement that inserts, updates or deletes numbers,
one row per account and combination it changed, holding the change (+n or -n). On
PostgreSQL the trigger runs once per statement over its transition tables and only ever
inserts, so writers never wait on one another for a tally row; the housekeeping job
``numbers.tallies`` folds an account's rows back into one per combination
(``didhub.numbers.sql.compact_tallies``). On SQLite (one writer at a time) the trigger
runs per number and adds to the combination's rows in place. Either way a sum over an
account's rows is exact at every moment, whatever path wrote the numbers: upload, bulk
action, API, portal, transfer, or SQL typed by hand.
"""

from django.db import models
from django.db.models import Sum

# The columns of a combination, in the order the triggers and the compaction group by.
TALLY_KEY = (
    "account_id",
    "state",
    "voice",
    "sms",
    "fax",
    "voice_assigned",
    "sms_assigned",
    "fax_assigned",
    "voice_station",
    "activity",
)


class TallyQuerySet(models.QuerySet):
    def stations_in_use(self, enterprise_id: int) -> int:
        """Stations an enterprise uses (docs/domain.md, "Stations"): its numbers assigned
        on voice to a station-using target. A number is only ever assigned to a target
        of the enterprise that holds it, and cannot move while assigned, so this is the
        count of those voice assignments, read from a few tally rows."""
        found = self.filter(account_id=enterprise_id, voice_station=True).aggregate(
            stations=Sum("numbers", default=0)
        )
        return found["stations"]


class Tally(models.Model):
    """``numbers`` numbers held by ``account`` or an account below it, in one combination
    (a change, until folded).

    ``<channel>_assigned``: the number is assigned on that channel (its
    ``<channel>_target_kind`` is set); ``voice_station``: on voice, to a target that uses
    a station (``rules.STATION_KINDS``, written out in the triggers). No foreign key:
    rows of an account whose numbers all left sum to zero and are folded away; until
    then they must not hold the account.
    """

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    state = models.CharField(max_length=12)
    voice = models.BooleanField()
    sms = models.BooleanField()
    fax = models.BooleanField()
    voice_assigned = models.BooleanField()
    sms_assigned = models.BooleanField()
    fax_assigned = models.BooleanField()
    voice_station = models.BooleanField()
    activity = models.CharField(max_length=8)
    numbers = models.IntegerField()

    objects = TallyQuerySet.as_manager()

    # Written by the database alone: a copy of the numbers (``didhub transfer``) makes
    # the target's triggers write the target's tallies, so the rows are never copied.
    kept_by_triggers = True

    class Meta:
        verbose_name_plural = "tallies"

    def __str__(self) -> str:
        return f"{self.numbers:+d} {self.state} numbers under account {self.account_id}"
