"""The columns of the Phone Numbers table: which exist, which show, who chose them.

One list says every column's key, heading, whether it sorts, whether it shows by
default and for which accounts it means something (an enterprise's own numbers all
belong to it, so Company and VAR say nothing there). The column chooser keeps each
person's choice in ``TableColumns``; the row renderer (``rows.py``) and the headers
read the same list, so a chosen column always has its heading and its cells.

The default set fits a 1280 px laptop; the others are one tick away. The Number and
Actions columns are always shown.
"""

from dataclasses import dataclass

from didhub.web.models import TableColumns

TABLE = "numbers"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sortable: bool = False
    default: bool = True
    # False: only meaningful above an enterprise (Company, VAR).
    for_enterprise: bool = True
    # Lower shows first when a phone lays the row out as a card.
    always: bool = False


COLUMNS = (
    Column("number", "Number", sortable=True, always=True),
    Column("assigned", "Used by"),
    Column("company", "Company", sortable=True, for_enterprise=False),
    Column("var", "VAR", sortable=True, for_enterprise=False),
    Column("capabilities", "Capabilities", sortable=True),
    Column("services", "Services", sortable=True),
    Column("usage", "Use type", sortable=True, default=False),
    Column("route", "Route", sortable=True, default=False),
    Column("owner", "Owner", sortable=True, default=False),
    Column("carrier", "Carrier", sortable=True, default=False),
    Column("state", "State", sortable=True),
    Column("activity", "Activity", sortable=True),
    Column("sync", "Sync", sortable=True),
)
BY_KEY = {column.key: column for column in COLUMNS}


def offered(actor) -> list[Column]:
    """The columns the chooser offers this actor (Company and VAR only above enterprises)."""
    enterprise = actor.account.is_enterprise
    return [column for column in COLUMNS if column.for_enterprise or not enterprise]


def chosen(actor, user) -> list[Column]:
    """The columns ``user`` chose (or the defaults), among those offered to ``actor``."""
    available = offered(actor)
    saved = (
        TableColumns.objects.filter(user_id=user.pk, table=TABLE)
        .values_list("columns", flat=True)
        .first()
    )
    keys = set(saved) if isinstance(saved, list) else None
    return [
        column
        for column in available
        if column.always or (column.key in keys if keys is not None else column.default)
    ]


def save(user, keys) -> list[str]:
    """Keep ``user``'s choice; unknown keys are dropped, Number is always in."""
    wanted = [key for key in dict.fromkeys(keys) if key in BY_KEY]
    wanted = ["number", *[key for key in wanted if key != "number"]]
    TableColumns.objects.update_or_create(
        user_id=user.pk, table=TABLE, defaults={"columns": wanted}
    )
    return wanted


def reset(user) -> None:
    TableColumns.objects.filter(user_id=user.pk, table=TABLE).delete()
