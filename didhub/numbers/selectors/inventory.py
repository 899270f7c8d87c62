"""Inventory figures: stations, numbers by state and capability, children, blocks.

Each answer is one or two grouped aggregate queries whatever the size of the tree. The
number counts are conditional sums over the account's own tallies, which count its
whole subtree (``didhub.numbers.models.tallies``): a few rows, where counting the
numbers themselves would read one index entry per number (seconds for a reseller of
millions). Never a loop over child accounts.
"""

from django.db.models import Count, Q, Sum
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


def account_ref(account) -> dict:
    return {"id": account.pk, "name": account.name, "kind": account.kind}


def visible_account(user, account) -> Account:
    """``account`` (an instance or id) when ``user`` may see it, else ``NotVisible``."""
    pk = account.pk if isinstance(account, Account) else account
    found = Account.objects.visible_to(user).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotVisible("Not found.", code="not_found")
    return found


def numbers_where(condition: Q) -> Sum:
    """How many numbers of ``subtree_tallies`` meet ``condition`` (0 when none)."""
    return Sum("held", filter=condition, default=0)


def held_counts(prefix: str, condition: Q) -> dict:
    """Owned, and held away from use (aging, reserved, porting in), of one group."""
    return {
        f"{prefix}owned": numbers_where(condition),
        **{f"{prefix}{state}": numbers_where(condition & Q(state=state)) for state in HELD_STATES},
    }


def inventory_aggregates() -> dict:
    """Every count of ``account_inventory`` as aggregates of one query over tallies.

    All numbers: by state. Per capability: numbers with it; ``assigned`` means assigned
    on that channel, ``available`` capable and free on that channel (a voice number used
    only for SMS is still available for voice, as in the "Available voice numbers" search),
    while reserved, aging and porting-in numbers are held from every channel.
    """
    aggregates = held_counts("all_", Q())
    aggregates["all_assigned"] = numbers_where(Q(state=NumberState.ASSIGNED))
    aggregates["all_available"] = numbers_where(Q(state=NumberState.AVAILABLE))
    not_held = Q(state__in=[NumberState.AVAILABLE, NumberState.ASSIGNED])
    for channel in CAPABILITIES:
        capable = Q(**{channel: True})
        assigned_on_channel = Q(**{f"{channel}_assigned": True})
        aggregates.update(held_counts(f"in_{channel}_", capable))
        aggregates[f"in_{channel}_assigned"] = numbers_where(capable & assigned_on_channel)
        aggregates[f"in_{channel}_available"] = numbers_where(
            capable & ~assigned_on_channel & not_held
        )
    return aggregates


def subtree_tallies(account: Account):
    """How many numbers ``account`` and every account below it hold (``held``), per
    combination of the tallies (``TALLY_KEY`` but the account).

    Summed per combination (the rows of changes not yet folded), at most a few hundred
    rows whatever the size of the tree.
    """
    combination = [column for column in TALLY_KEY if column != "account_id"]
    return (
        Tally.objects.filter(account=account)
        .order_by()
        .values(*combination)
        .annotate(held=Sum("numbers"))
    )


def group_counts(values: dict, prefix: str) -> dict:
    keys = ("owned", "assigned", "available", *HELD_STATES)
    return {key: values[f"{prefix}{key}"] for key in keys}


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
    values = subtree_tallies(account).aggregate(**inventory_aggregates())
    numbers = {"all": group_counts(values, "all_")}
    for channel in CAPABILITIES:
        numbers[str(channel)] = group_counts(values, f"in_{channel}_")
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
    received calls, ``pending`` ones none yet (docs/domain.md, "Call activity"); one
    aggregate query."""
    account = visible_account(user, account)
    return subtree_tallies(account).aggregate(
        active=numbers_where(Q(activity=Activity.ACTIVE)),
        pending=numbers_where(Q(activity=Activity.PENDING)),
    )


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
