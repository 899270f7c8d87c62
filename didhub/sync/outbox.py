"""The outbox: sync work written in the same transaction as the change it reports.

A rolled-back change therefore sends nothing, and a committed one is never missed,
whatever happens to the worker afterwards. Everything here is set-based: an import of a
million numbers into a linked enterprise queues one row, which the worker later expands
with one ``INSERT ... SELECT``; nothing loops over numbers.

The per-number sync state is kept here too: ``pending`` while a change waits for a
consented link, ``pending_consent`` while the enterprise's link waits for its customer,
``not_linked`` for numbers of enterprises without a link. The worker sets ``ready`` and
``failed`` (``didhub.sync.delivery``). A number that a dead message of its link carries
stays ``failed`` when it changes again: its new change waits behind the dead message,
so nothing of it reached the platform, and only a delivery (after a replay or a resync)
makes it ``pending`` or ``ready`` again (``held_by_dead_message``).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, Model, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from didhub.core.db.sql import member_of
from didhub.numbers.attributes import starting_sync_state
from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import sql
from didhub.sync.choices import LinkStatus, OutboxState
from didhub.sync.documents import SHOWN_FIELDS
from didhub.sync.models import PlatformLink, SyncChange

# Ids per statement: well below SQLite's 32,766 host parameters.
CHUNK = 5000


@dataclass
class ActiveLinks:
    """Active links by enterprise: those that send, and those waiting for consent."""

    sending: dict[int, int] = field(default_factory=dict)  # enterprise id -> link id
    waiting: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.sending or self.waiting)

    def state_for(self, enterprise_id: int) -> str:
        return starting_sync_state(
            linked=enterprise_id in self.sending or enterprise_id in self.waiting,
            consented=enterprise_id in self.sending,
        )


def active_links() -> ActiveLinks:
    links = ActiveLinks()
    rows = PlatformLink.objects.exclude(status=LinkStatus.DISABLED).values_list(
        "enterprise_id", "id", "consented_at"
    )
    for enterprise_id, link_id, consented_at in rows:
        if consented_at is None:
            links.waiting.add(enterprise_id)
        else:
            links.sending[enterprise_id] = link_id
    return links


def initial_sync_state(account_id: int) -> str:
    """The sync state a number created for ``account_id`` starts in.

    Bulk loaders set it on the rows they insert, so that linking costs no second pass
    over a million freshly written numbers.
    """
    return active_links().state_for(account_id)


def chunked(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_changes_select(
    *, link_id: int, action: str, where_sql: str, params: list, created_at=None
) -> int:
    """``INSERT INTO sync_syncchange ... SELECT`` over the numbers matching ``where_sql``."""
    return sql.insert_changes_select(
        link_id=link_id,
        action=action,
        where_sql=where_sql,
        params=params,
        now=created_at or timezone.now(),
    )


def held_by_dead_message():
    """``Exists``: a dead message of the number owner's link carries the number."""
    return Exists(
        SyncChange.objects.filter(
            link__enterprise_id=OuterRef("owner_id"),
            e164=OuterRef("e164"),
            message__state=OutboxState.DEAD,
        )
    )


def set_sync_states(numbers, links: ActiveLinks) -> None:
    """Bring the sync state of ``numbers`` (a queryset) in line with their owner's link.

    A failed number whose dead message still holds it stays failed (module docstring).
    """
    if links.sending:
        moving = numbers.filter(owner_id__in=list(links.sending)).exclude(
            sync_state=SyncState.PENDING
        )
        moving.exclude(Q(sync_state=SyncState.FAILED) & held_by_dead_message()).update(
            sync_state=SyncState.PENDING, sync_error=""
        )
    if links.waiting:
        numbers.filter(owner_id__in=list(links.waiting)).exclude(
            sync_state=SyncState.PENDING_CONSENT
        ).update(sync_state=SyncState.PENDING_CONSENT, sync_error="")
    linked = [*links.sending, *links.waiting]
    numbers.exclude(owner_id__in=linked).exclude(sync_state=SyncState.NOT_LINKED).update(
        sync_state=SyncState.NOT_LINKED, sync_error=""
    )


def enqueue_import(*, action: str, import_id: int, links: ActiveLinks) -> int:
    from didhub.imports.models import Import

    account_id = Import.objects.filter(pk=import_id).values_list("account_id", flat=True).first()
    if account_id is None or links.state_for(account_id) == SyncState.NOT_LINKED:
        return 0
    numbers = Number.objects.filter(source_import_id=import_id, owner_id=account_id)
    # A no-op when the loader already set the state (``initial_sync_state``).
    numbers.exclude(sync_state=links.state_for(account_id)).update(
        sync_state=links.state_for(account_id), sync_error=""
    )
    if account_id not in links.sending:
        return 0
    size = numbers.count()
    if size:
        SyncChange.objects.create(
            link_id=links.sending[account_id],
            import_id=import_id,
            e164="",
            action=action,
            size=size,
        )
    return size


def expand_imports(link: PlatformLink) -> int:
    """Replace the link's import rows by one change per number those imports created,
    each in the place of its import row.

    Run by the worker under the link's lock before it packs (and by resync), so that
    everything downstream sees numbers only. Numbers that left the enterprise since the
    import are skipped: their leaving queued its own change. Changes are sent in the
    order of their ids, and a number's later change (assigned the minute after the
    upload) has an id after its import row but before the rows the expansion adds. So
    the link's queue from the first import row on is written again in its order: each
    import row's numbers, then the changes queued after it, then the next import's; the
    rows written before are deleted.
    """
    waiting = list(
        SyncChange.objects.filter(link_id=link.pk, import_id__isnull=False, message__isnull=True)
        .order_by("id")
        .values_list("id", "import_id", "action", "created_at")
    )
    if not waiting:
        return 0
    last = sql.last_change_id(link.pk)
    count = 0
    for index, (change_id, import_id, action, created_at) in enumerate(waiting):
        count += insert_changes_select(
            link_id=link.pk,
            action=action,
            where_sql="n.source_import_id = %s AND n.owner_id = %s",
            params=[import_id, link.enterprise_id],
            created_at=created_at,
        )
        upto = waiting[index + 1][0] if index + 1 < len(waiting) else last + 1
        sql.requeue_changes(link_id=link.pk, after=change_id, before=upto)
    sql.drop_unsent_changes(link_id=link.pk, first=waiting[0][0], last=last)
    return count


def enqueue_numbers(
    *, action: str, number_ids: list[int], links: ActiveLinks, skip: set[int] = frozenset()
) -> int:
    """Queue ``number_ids`` held by sending links and align their sync states.

    ``skip`` are numbers queued as gone (``removed``): only their state is aligned, so a
    service that reports a deletion just before deleting the row queues it once.
    """
    count = 0
    for ids in chunked(number_ids):
        owners = dict(
            Number.objects.filter(pk__in=ids)
            .values_list("owner_id", "sync_state")
            .distinct()
            .order_by()
        )
        stale = any(links.state_for(owner) != state for owner, state in owners.items())
        if stale or any(owner in links.sending for owner in owners):
            set_sync_states(Number.objects.filter(pk__in=ids), links)
        queued = [pk for pk in ids if pk not in skip]
        if not queued:
            continue
        among, values = member_of("n.id", queued)
        for owner in owners.keys() & links.sending.keys():
            count += insert_changes_select(
                link_id=links.sending[owner],
                action=action,
                where_sql=f"n.owner_id = %s AND {among}",
                params=[owner, *values],
            )
    return count


def enqueue_referring(*, action: str, obj: Model, fields: Iterable[str]) -> int:
    """Queue every number of a sending link whose document shows ``obj``'s ``fields``.

    A target renamed, a carrier or a profile renamed: the document of each number
    referring to it changed without the number being touched. One ``INSERT ... SELECT``
    joined to the sending links, however many numbers and enterprises, and one
    ``UPDATE`` of their sync state. Numbers of links waiting for consent need nothing
    (consent sends everything); unlinked numbers need nothing at all.
    """
    shown = SHOWN_FIELDS.get(type(obj), ())
    if not set(fields) & set(shown):
        return 0
    return sql.enqueue_referring(action=action, model=type(obj), pk=obj.pk, now=timezone.now())


def enqueue_selection(
    *, action: str, selection: str | None, left_selection: str | None, links: ActiveLinks
) -> int:
    """The set-based form of ``enqueue_numbers`` and of the ``removed`` rows, for bulk
    actions over a selection of any size: the sync states of the numbers ``selection``
    names are aligned by three UPDATEs, the numbers of sending links are queued by one
    ``INSERT ... SELECT`` joined to the links, and the numbers ``left_selection`` names
    (``number_id``, ``e164``, ``owner_id`` before they left) are queued as gone to the
    link of the enterprise they left. A number that left is not queued twice."""
    count = 0
    now = timezone.now()
    if selection:
        set_sync_states(Number.objects.filter(pk__in=RawSQL(selection, [])), links)
        if links.sending:
            count += sql.enqueue_selected(
                action=action, selection=selection, left_selection=left_selection, now=now
            )
    if left_selection and links.sending:
        count += sql.enqueue_left(action=action, left_selection=left_selection, now=now)
    return count


def enqueue_number_changes(
    *,
    action,
    number_ids,
    import_id=None,
    removed=(),
    referenced=None,
    fields=(),
    selection=None,
    left_selection=None,
) -> int:
    """Queue the sync work of a number change; returns how many changes were queued.

    Called by ``didhub.core.audit.numbers_changed`` inside the changing transaction.
    ``number_ids`` exist after the change; ``import_id`` names every number an import
    created; ``removed`` are numbers that left an enterprise (``{"number_id", "e164",
    "owner_id"}``, captured before they left); ``referenced`` is a target, carrier or
    profile whose ``fields`` changed (``enqueue_referring``); ``selection`` and
    ``left_selection`` are SQL naming numbers of a bulk action (``enqueue_selection``).
    The worker reads each
    number's latest state when it sends, so a change row only needs to say which number
    moved.
    """
    links = active_links()
    if not links:
        return 0
    count = 0
    if selection or left_selection:
        count += enqueue_selection(
            action=action, selection=selection, left_selection=left_selection, links=links
        )
    if referenced is not None:
        count += enqueue_referring(action=action, obj=referenced, fields=fields)
    if import_id is not None:
        count += enqueue_import(action=action, import_id=import_id, links=links)
    removed = list(removed)
    left = [item["number_id"] for item in removed if item.get("number_id")]
    ids = list(dict.fromkeys([*number_ids, *left]))
    if ids:
        count += enqueue_numbers(action=action, number_ids=ids, links=links, skip=set(left))
    gone = [
        SyncChange(
            link_id=links.sending[item["owner_id"]],
            number_id=item.get("number_id"),
            e164=item["e164"],
            action=action,
        )
        for item in removed
        if item.get("owner_id") in links.sending
    ]
    SyncChange.objects.bulk_create(gone, batch_size=1000)
    return count + len(gone)


def enqueue_full_sync(*, link: PlatformLink, action: str) -> int:
    """Queue every number of the link's enterprise (consent, resync of everything)."""
    return insert_changes_select(
        link_id=link.pk, action=action, where_sql="n.owner_id = %s", params=[link.enterprise_id]
    )
