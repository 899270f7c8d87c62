"""Inventory figures: stations, numbers by state and capability, children, blocks.

Each answer is one or two queries whatever the size of the tree. The number counts are
sums over the account's own tallies, which count its whole subtree
(``didhub.numbers.models.tallies``): a few rows, where counting the numbers themselves
would read one index entry per number (seconds for a reseller of millions). Never a
loop over child accounts.
"""

from django.db.models import Count
from django.db.models.functions import Length

from didhub.accounts.models import Account
from didhub.accounts.policy import check_visible
from didhub.core.db.replica import read_alias
from didhub.core.errors import NotVisible
from didhub.numbers import sql
from didhub.numbers.choices import Activity, Channel, NumberState
from didhub.numbers.models import TALLY_KEY, Block, Number, Tally

CAPABILITIES = (Channel.VOICE, Channel.SMS, Channel.FAX)
# Number states that hold a number away from use: it is neither assigned nor free.
HELD_STATES = (NumberState.AGING, NumberState.RESERVED, NumberState.PORTING_IN)
NOT_HELD = (NumberState.AVAILABLE, NumberState.ASSIGNED)
# The figures of each group of ``account_inventory`` (all numbers, each capability).
GROUP_KEYS = ("owned", "assigned", "available", *HELD_STATES)


def account_ref(account) -> dict:
    return {"id": account.pk, "name": account.name, "kind": account.kind}


def visible_account(user, account) -> Account:
    """``account`` (an instance or id) when ``user`` may see it, else ``NotVisible``."""
    pk = account.pk if isinstance(account, Account) else account
    found = Account.objects.visible_to(user).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotVisible("Not found.", code="not_found")
    return found


def subtree_tallies(account: Account) -> list[dict]:
    """The tally rows of ``account``: how many numbers it and every account below it
    hold (``numbers``), per combination (``TALLY_KEY`` but the account).

    A few hundred rows at most whatever the size of the tree (a combination may have
    several until housekeeping folds them), summed here in Python: cheaper than asking
    the ORM for forty conditional sums over them.
    """
    combination = [column for column in TALLY_KEY if column != "account_id"]
    return list(Tally.objects.filter(account=account).values(*combination, "numbers"))


def inventory_counts(rows: list[dict]) -> dict:
    """The ``numbers`` figures of ``account_inventory`` from ``subtree_tallies``.

    All numbers: by state. Per capability: numbers with it; ``assigned`` means assigned
    on that channel, ``available`` capable and free on that channel (a voice number used
    only for SMS is still available for voice, as in the "Available voice numbers" search),
    while reserved, aging and porting-in numbers are held from every channel.
    """
    numbers = {group: dict.fromkeys(GROUP_KEYS, 0) for group in ("all", *CAPABILITIES)}
    everything = numbers["all"]
    for row in rows:
        held, state = row["numbers"], row["state"]
        everything["owned"] += held
        if state in HELD_STATES:
            everything[state] += held
        elif state == NumberState.ASSIGNED:
            everything["assigned"] += held
        elif state == NumberState.AVAILABLE:
            everything["available"] += held
        for channel in CAPABILITIES:
            if not row[channel]:
                continue
            group = numbers[channel]
            group["owned"] += held
            if state in HELD_STATES:
                group[state] += held
            if row[f"{channel}_assigned"]:
                group["assigned"] += held
            elif state in NOT_HELD:
                group["available"] += held
    return {str(group): counts for group, counts in numbers.items()}


def account_inventory(*, user, account) -> dict:
    """Stations and numbers of an account and everything below it (docs/domain.md,
    "Stations").

    ``numbers``: ``all``, ``voice``, ``sms``, ``fax``, each with owned / assigned /
    available / aging / reserved / porting_in. ``stations`` (enterprises only, ``None``
    for resellers and the platform): purchased (``None``: no quota), in use (voice
    assignments to station-using targets: PBX and CallApp users, trunks, contact-center
    agents) and available (never below zero, also when the quota was lowered).
    """
    account = visible_account(user, account)
    numbers = inventory_counts(subtree_tallies(account))
    stations = None
    if account.is_enterprise:
        in_use = Tally.objects.stations_in_use(account.pk)
        purchased = account.stations_purchased
        stations = {
            "purchased": purchased,
            "in_use": in_use,
            "available": None if purchased is None else max(purchased - in_use, 0),
        }
    return {"account": account_ref(account), "stations": stations, "numbers": numbers}


def account_activity(*, user, account) -> dict:
    """Call activity of an account and everything below it: ``active`` numbers have
    received calls, ``pending`` ones none yet (docs/domain.md, "Call activity")."""
    account = visible_account(user, account)
    activity = {Activity.ACTIVE: 0, Activity.PENDING: 0}
    for row in subtree_tallies(account):
        if row["activity"] in activity:
            activity[row["activity"]] += row["numbers"]
    return {"active": activity[Activity.ACTIVE], "pending": activity[Activity.PENDING]}


def account_children_utilization(*, user, account) -> list[dict]:
    """Per child account: numbers owned, assigned and free over the child's subtree.

    ``free`` counts available numbers (reserved, aging and porting-in numbers are
    neither assigned nor free); ``utilization`` is assigned / owned (0 when empty).
    Children without numbers are listed with zeros.
    """
    account = visible_account(user, account)
    rows = sql.children_utilization(account.pk, using=read_alias())
    return [
        {
            "account": {"id": pk, "name": name, "kind": kind},
            "owned": owned,
            "assigned": assigned,
            "free": free,
            "utilization": assigned / owned if owned else 0.0,
        }
        for pk, name, kind, owned, assigned, free in rows
    ]


def block_utilization(*, user, block: Block) -> dict:
    """How much of a block is in the inventory, held by whom, assigned, free.

    One grouped query: a range scan of the unique e164 index between the block's ends
    (equal length, so ``+121255501005`` is not taken for part of ``+1212555010x``).
    Only numbers ``user`` may see are counted; ``absent`` is the rest of the block.
    """
    check_visible(user, block)
    rows = (
        Number.objects.visible_to(user)
        .filter(e164__gte=block.start, e164__lte=block.end)
        .annotate(digits=Length("e164"))
        .filter(digits=len(block.start))
        .order_by()
        .values("owner_id", "owner__name", "owner__kind", "state")
        .annotate(count=Count("pk"))
    )
    by_state = dict.fromkeys(NumberState.values, 0)
    owners: dict[int, dict] = {}
    for row in rows:
        by_state[row["state"]] += row["count"]
        owner = owners.setdefault(
            row["owner_id"],
            {
                "account": {
                    "id": row["owner_id"],
                    "name": row["owner__name"],
                    "kind": row["owner__kind"],
                },
                "numbers": 0,
                "assigned": 0,
            },
        )
        owner["numbers"] += row["count"]
        if row["state"] == NumberState.ASSIGNED:
            owner["assigned"] += row["count"]
    present = sum(by_state.values())
    return {
        "block": {
            "id": block.pk,
            "name": block.name,
            "start": block.start,
            "end": block.end,
            "size": block.size,
            "owner": account_ref(block.owner),
        },
        "present": present,
        "absent": block.size - present,
        **by_state,
        "utilization": by_state[NumberState.ASSIGNED] / block.size if block.size else 0.0,
        "by_owner": sorted(
            owners.values(), key=lambda item: (-item["numbers"], item["account"]["id"])
        ),
    }
