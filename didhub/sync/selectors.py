"""Reading platform links and their outbox, always through the visibility gate."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from didhub.core.api.fields import MAX_ID
from didhub.core.errors import NotVisible
from didhub.sync.choices import LinkStatus, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange


def count_of(queryset, total=None):
    """Per link: how many rows of ``queryset`` (or the ``total`` aggregate)."""
    counted = queryset.order_by().values("link_id").annotate(n=total or Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_counts(links):
    """Links with how many changes wait and how many messages are dead."""
    return links.select_related("enterprise").annotate(
        # An import's row stands for all its numbers.
        queued_changes=count_of(
            SyncChange.objects.filter(link_id=OuterRef("pk")), total=Sum("size")
        ),
        dead_messages=count_of(
            OutboxMessage.objects.filter(link_id=OuterRef("pk"), state=OutboxState.DEAD)
        ),
    )


def link_list(*, user, filters: dict | None = None):
    """Links the user can see, with how much waits and how much is dead."""
    links = with_counts(PlatformLink.objects.visible_to(user))
    filters = filters or {}
    if enterprise := filters.get("enterprise"):
        links = links.filter(enterprise_id=enterprise)
    if status := filters.get("status"):
        links = links.filter(status=status)
    return links


def link_get(*, user, pk: int) -> PlatformLink:
    """One visible link, or NotVisible (missing and foreign alike)."""
    found = link_list(user=user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise NotVisible(f"No platform link with id {pk} is visible to you.", code="not_found")
    return found


def message_list(*, user, link: PlatformLink, state: str | None = None):
    """The link's outbox, newest first by default; ``link`` comes from ``link_get``."""
    messages = OutboxMessage.objects.filter(link=link)
    if state:
        messages = messages.filter(state=state)
    return messages


def message_get(*, user, link: PlatformLink, pk: int) -> OutboxMessage:
    found = message_list(user=user, link=link).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise NotVisible(f"No message with id {pk} in this link's outbox.", code="not_found")
    return found


def link_number_states(*, user, link: PlatformLink) -> dict[str, int]:
    """How many numbers of the link's enterprise are in each sync state, every state named."""
    from didhub.numbers.choices import SyncState
    from didhub.numbers.models import Number

    rows = (
        Number.objects.visible_to(user)
        .filter(owner_id=link.enterprise_id)
        .order_by()
        .values("sync_state")
        .annotate(n=Count("id"))
    )
    counts = {row["sync_state"]: row["n"] for row in rows}
    return {state: counts.get(state, 0) for state in SyncState.values}


def has_active_links(*, user) -> bool:
    """Whether a link that is not disabled exists at or below the user's account."""
    return PlatformLink.objects.visible_to(user).exclude(status=LinkStatus.DISABLED).exists()


def failed_sync_count(*, user) -> int:
    """Numbers whose sync failed, for the dashboard."""
    from didhub.numbers.models import Number

    return Number.objects.visible_to(user).filter(Q(sync_state="failed")).count()
