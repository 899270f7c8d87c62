"""The delivery loop: pack queued changes into messages, send them, record the outcome.

Guarantees, and how they are kept:

* **At least once.** A message is claimed with a lease (``locked_until``) in a short
  transaction, sent outside any transaction, and only then marked delivered. A worker
  killed in between leaves the lease to expire; the message is sent again, with the
  same body and the same ``webhook-id``.
* **In order per number.** A number's next changes are packed only once no message
  carrying that number is outstanding (pending or dead), so two messages never race
  for one number. Packing a link happens under a lock on the link row
  (``select_for_update(skip_locked=True)`` on PostgreSQL; SQLite's IMMEDIATE
  transactions serialize writers), so concurrent workers never pack the same link.
* **Batched and coalesced.** One message carries up to ``max_batch`` numbers; several
  changes of one number waiting together become one item with its latest state.
* **Back-off per link.** A platform that times out, refuses connections or answers 5xx,
  429 or 401/403 is down for every message, not for one: the failure backs off the
  *link* (``failures``, ``retry_at``: ``base * 2**(failures-1)`` seconds, capped, with
  equal jitter, or exactly what ``Retry-After`` asks). While a link is down nothing of it
  is sent but one message at a time, the probe, at ``retry_at``; the other messages wait
  without spending attempts. The first delivery resets the link and brings its waiting
  messages forward, so a platform back from an outage gets its backlog at once.
* **Dead.** A message that has made ``DIDHUB_SYNC_MAX_ATTEMPTS`` attempts (only a probe
  makes attempts while its link is down), or that the platform refused in a way no retry
  can fix, is dead: its numbers show ``failed`` with the error, and it can be replayed,
  alone or with every dead message of its link.
"""

import json
import logging
import random
import threading
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync import conf, sql
from didhub.sync.choices import LinkStatus, Operation, OutboxState
from didhub.sync.connectors import Result, connector_for
from didhub.sync.documents import digest, documents
from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange
from didhub.sync.outbox import chunked, expand_imports

logger = logging.getLogger("didhub.sync")

MESSAGE_TYPE = "numbers.changed"


def lease_until(now):
    return now + timedelta(seconds=conf.get("DIDHUB_SYNC_LEASE"))


def backoff_seconds(failures: int) -> float:
    """Exponential back-off with equal jitter: half fixed, half random."""
    base = conf.get("DIDHUB_SYNC_BACKOFF_BASE")
    exponent = min(max(failures - 1, 0), 40)
    delay = min(conf.get("DIDHUB_SYNC_BACKOFF_CAP"), base * 2**exponent)
    return delay / 2 + random.uniform(0, delay / 2)


def build_body(link: PlatformLink, changes: list[tuple], now) -> tuple[str, list[dict]]:
    """The frozen JSON body of a message: one item per number, its latest state."""
    order: dict[str, dict] = {}
    for change_id, e164, action in changes:
        item = order.setdefault(e164, {"e164": e164, "seq": change_id, "changes": []})
        item["seq"] = max(item["seq"], change_id)
        item["changes"].append(action)
    keys = list(order)
    docs = documents(enterprise_id=link.enterprise_id, e164s=keys)
    synced = sql.synced_among(link.pk, keys) if keys else set()
    items = []
    for e164, item in order.items():
        doc = docs.get(e164)
        if doc is None:
            item.update(op=Operation.REMOVE.value, previously_synced=e164 in synced, number=None)
        else:
            op = Operation.UPDATE if e164 in synced else Operation.ADD
            item.update(op=op.value, number=doc, digest=digest(doc))
        items.append(item)
    body = {
        "type": MESSAGE_TYPE,
        "timestamp": now.isoformat(),
        "data": {
            "link": {
                "id": link.pk,
                "organization_id": link.organization_id,
                "location_id": link.location_id,
            },
            "enterprise": {"id": link.enterprise_id, "name": link.enterprise.name},
            "numbers": items,
        },
    }
    return json.dumps(body, separators=(",", ":")), items


class LinkBusy(Exception):
    """Another sender is packing this link right now."""


def pack(link_id: int) -> OutboxMessage | None:
    """Pack the oldest waiting changes of one link into a new, claimed message.

    None when nothing can be packed now; ``LinkBusy`` when another sender holds the link.
    """
    now = timezone.now()
    with transaction.atomic():
        sending = PlatformLink.objects.filter(pk=link_id, consented_at__isnull=False).exclude(
            status=LinkStatus.DISABLED
        )
        link = (
            sending.select_for_update(skip_locked=True, of=("self",))
            .select_related("enterprise")
            .first()
        )
        if link is None:
            if sending.exists():
                raise LinkBusy(link_id)
            return None
        if link.failures and link.outbox.filter(state=OutboxState.PENDING).exists():
            return None  # the link is down: its waiting messages probe it first
        expand_imports(link)
        batch = connector_for(link).max_batch
        # Numbers with a message outstanding wait for it (in order per number).
        window = sql.waiting_changes(link.pk, batch * 2)
        chosen: dict[str, None] = {}
        for _, e164, _ in window:
            if len(chosen) >= batch and e164 not in chosen:
                continue
            chosen[e164] = None
        changes = [change for change in window if change[1] in chosen]
        if not changes:
            return None
        message = OutboxMessage.objects.create(
            link=link,
            message_id=f"msg_{uuid.uuid4().hex}",
            message_type=MESSAGE_TYPE,
            body="",
            size=len(chosen),
            attempts=1,
            next_attempt_at=now,
            locked_until=lease_until(now),
        )
        for ids in chunked([change[0] for change in changes]):
            sql.claim_changes(message.pk, ids)
        if link.status != LinkStatus.SYNCING and link.status != LinkStatus.FAILED:
            PlatformLink.objects.filter(pk=link.pk).update(status=LinkStatus.SYNCING)
        if link.failures:
            # This message probes a link that is down: nobody else sends to it meanwhile.
            PlatformLink.objects.filter(pk=link.pk).update(retry_at=lease_until(now))
    # The numbers are the message's now: the next sender may pack the link while this
    # one reads their documents and writes the body.
    freeze_body(message, link, changes, now)
    return message


def freeze_body(message: OutboxMessage, link: PlatformLink, changes: list[tuple], now) -> None:
    """Write the message's body once; every attempt sends these bytes."""
    body, items = build_body(link, changes, now)
    OutboxMessage.objects.filter(pk=message.pk, body="").update(body=body)
    message.body = body
    # Kept at hand for recording the outcome; a retry reads them from the body.
    message.items = items


def ensure_body(message: OutboxMessage) -> None:
    """A sender that died between packing and writing the body left it empty: write it."""
    if message.body:
        return
    link = PlatformLink.objects.select_related("enterprise").get(pk=message.link_id)
    changes = list(message.changes.order_by("id").values_list("id", "e164", "action"))
    freeze_body(message, link, changes, message.created_at)
    message.refresh_from_db(fields=["body"])
    message.items = items_of_body(message.body)


def claim_due(limit: int = 20) -> list[OutboxMessage]:
    """Claim messages due for another attempt (and those whose worker died).

    A link that is down gives one message, its probe, and only when no other message of
    it is in flight; claiming the probe moves the link's ``retry_at`` past the lease, so
    that no other sender probes it meanwhile.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .filter(Q(link__retry_at__isnull=True) | Q(link__retry_at__lte=now))
            .annotate(link_failures=F("link__failures"))
            .order_by("next_attempt_at", "id")[: limit * 4]
        )
        down = {message.link_id for message in due if message.link_failures}
        if down:
            probing = set(
                PlatformLink.objects.select_for_update(skip_locked=True)
                .filter(pk__in=down)
                .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
                .values_list("pk", flat=True)
            )
            in_flight = set(
                OutboxMessage.objects.filter(
                    link_id__in=probing, state=OutboxState.PENDING, locked_until__gte=now
                ).values_list("link_id", flat=True)
            )
            probes: set[int] = set()
            claimed = []
            for message in due:
                if message.link_id in down:
                    link_id = message.link_id
                    if link_id not in probing or link_id in in_flight or link_id in probes:
                        continue
                    probes.add(link_id)
                claimed.append(message)
            due = claimed
            PlatformLink.objects.filter(pk__in=probes).update(retry_at=lease_until(now))
        due = due[:limit]
        for message in due:
            message.attempts += 1
            message.locked_until = lease_until(now)
            message.save(update_fields=["attempts", "locked_until"])
    return due


def items_of_body(body: str) -> list[dict]:
    return json.loads(body)["data"]["numbers"]


def items_of(message: OutboxMessage) -> list[dict]:
    if hasattr(message, "items"):
        return message.items
    return items_of_body(message.body)


def refresh_link_status(link_id: int) -> None:
    """Ready when every number is confirmed; failed while a message is dead."""
    link = PlatformLink.objects.filter(pk=link_id).values("status", "enterprise_id").first()
    if link is None or link["status"] in (LinkStatus.DISABLED, LinkStatus.PENDING_CONSENT):
        return
    if OutboxMessage.objects.filter(link_id=link_id, state=OutboxState.DEAD).exists():
        status = LinkStatus.FAILED
    elif SyncChange.objects.filter(link_id=link_id).exists():
        status = LinkStatus.SYNCING
    else:
        status = LinkStatus.READY
    if status != link["status"]:
        PlatformLink.objects.filter(pk=link_id).update(status=status)


def confirm(link_id: int, present: list[dict], gone: list[str], now) -> None:
    """What the platform now holds: upsert the present numbers' digests, drop the gone."""
    sql.confirm_synced(link_id, present, now)
    for keys in chunked(gone):
        sql.forget_synced(link_id, keys)


def mark_ready(link_id: int, enterprise_id: int, e164s: list[str]) -> None:
    """Delivered numbers are ready, unless a newer change of theirs waits."""
    for keys in chunked(e164s):
        sql.mark_ready(link_id, enterprise_id, keys)


def record_success(message: OutboxMessage, result: Result) -> None:
    """Delivered: confirm what the platform holds now, and bring the link's backlog forward.

    Numbers the platform refused one by one (``result.rejected``) are neither confirmed
    nor ready: they show ``failed`` with the platform's reason until a later delivery
    of them succeeds, and a resync sends them again.
    """
    now = timezone.now()
    items = items_of(message)
    rejected = result.rejected
    present = [
        item for item in items if item["op"] != Operation.REMOVE and item["e164"] not in rejected
    ]
    gone = [item["e164"] for item in items if item["op"] == Operation.REMOVE]
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.PENDING).update(
            state=OutboxState.DELIVERED,
            delivered_at=now,
            locked_until=None,
            last_status=result.status,
            last_error=rejected_summary(rejected),
        )
        if not updated:
            return  # superseded while in flight (resync, link disabled)
        sql.drop_changes(message.pk)
        confirm(message.link_id, present, gone, now)
        link = PlatformLink.objects.filter(pk=message.link_id)
        enterprise_id = link.values_list("enterprise_id", flat=True).get()
        mark_ready(message.link_id, enterprise_id, [item["e164"] for item in present])
        mark_failed(enterprise_id, rejected)
        link.update(last_success_at=now, failures=0, retry_at=None)
        # The platform answers: what waited for it is due now.
        OutboxMessage.objects.filter(
            link_id=message.link_id, state=OutboxState.PENDING, next_attempt_at__gt=now
        ).filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now)).update(next_attempt_at=now)
        refresh_link_status(message.link_id)


def rejected_summary(rejected: dict[str, str]) -> str:
    if not rejected:
        return ""
    first = next(iter(rejected))
    more = f" and {len(rejected) - 1:,} more" if len(rejected) > 1 else ""
    return f"Refused one by one: {first}{more}: {rejected[first]}"


def mark_failed(enterprise_id: int, errors: dict[str, str]) -> None:
    """Numbers whose latest state the platform did not take, each with its reason."""
    by_error: dict[str, list[str]] = {}
    for e164, error in errors.items():
        by_error.setdefault(error, []).append(e164)
    for error, keys in by_error.items():
        for chunk in chunked(keys):
            Number.objects.filter(e164__in=chunk, owner_id=enterprise_id).update(
                sync_state=SyncState.FAILED, sync_error=error
            )


def record_failure(message: OutboxMessage, result: Result) -> None:
    """A failed attempt: back the link off (if the platform is down), or the message dies.

    A retryable failure (no answer, 5xx, 429, 401/403) says the platform cannot take
    anything now, so the *link* waits: ``failures`` grows and ``retry_at`` says when to
    probe it again. A refusal of the message itself says the platform is up: the link's
    back-off ends there.
    """
    now = timezone.now()
    error = result.error or "The platform refused the message."
    dead = not result.retryable or message.attempts >= conf.get("DIDHUB_SYNC_MAX_ATTEMPTS")
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().filter(pk=message.link_id).first()
        if link is None:
            return
        if result.retryable:
            failures = link.failures + 1
            delay = result.retry_after
            if delay is None:
                delay = backoff_seconds(failures)
            retry_at = now + timedelta(seconds=delay)
        else:
            failures, retry_at = 0, None
        updated = OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.PENDING).update(
            state=OutboxState.DEAD if dead else OutboxState.PENDING,
            next_attempt_at=retry_at or now,
            locked_until=None,
            last_status=result.status,
            last_error=error,
        )
        if not updated:
            return
        PlatformLink.objects.filter(pk=link.pk).update(
            last_error=error, last_error_at=now, failures=failures, retry_at=retry_at
        )
        if dead:
            keys = [item["e164"] for item in items_of(message)]
            mark_failed(link.enterprise_id, dict.fromkeys(keys, error))
            refresh_link_status(message.link_id)
    logger.warning(
        "sync message %s to link %s failed (attempt %s%s): %s",
        message.message_id,
        message.link_id,
        message.attempts,
        ", dead" if dead else "",
        error,
    )


def send(message: OutboxMessage) -> bool:
    """Send one claimed message and record what happened; True when delivered."""
    ensure_body(message)
    link = PlatformLink.objects.get(pk=message.link_id)
    result = connector_for(link).send(link, message)
    if result.ok:
        record_success(message, result)
    else:
        record_failure(message, result)
    return result.ok


def links_with_work() -> list[int]:
    """Links with changes to pack, leaving out those down until their next probe."""
    now = timezone.now()
    sending = (
        PlatformLink.objects.filter(consented_at__isnull=False)
        .exclude(status=LinkStatus.DISABLED)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    )
    return [
        link_id
        for link_id in sending.values_list("id", flat=True)
        if SyncChange.objects.filter(link_id=link_id, message__isnull=True).exists()
    ]


def deliver_pass() -> tuple[int, bool]:
    """One pass: retries that are due, then one new message per link with work.

    Returns how many messages were sent (delivered or not), and whether a link had work
    that another sender was packing just then (worth another look at once).
    """
    sent, contended = 0, False
    for message in claim_due():
        send(message)
        sent += 1
    for link_id in links_with_work():
        try:
            message = pack(link_id)
        except LinkBusy:
            contended = True
            continue
        if message is not None:
            send(message)
            sent += 1
    return sent, contended


def deliver_once() -> int:
    return deliver_pass()[0]


def deliver_all(max_passes: int = 10_000) -> int:
    """Deliver until nothing is due now (tests, management commands, tasks)."""
    total = 0
    for _ in range(max_passes):
        sent = deliver_once()
        total += sent
        if not sent:
            break
    return total


# How long a sender waits when the only work was a link another sender was packing.
CONTENDED_WAIT = 0.005


def run(stop: threading.Event) -> None:
    """One sender's delivery loop, until ``stop`` is set.

    Several senders may run side by side (``DIDHUB_SYNC_SENDERS``): each packs under the
    link's row lock and never packs a number another message still carries, so while
    one waits for the platform or records an outcome, another packs the next message.
    """
    poll = conf.get("DIDHUB_SYNC_POLL")
    while not stop.is_set():
        try:
            sent, contended = deliver_pass()
        except Exception:
            # A database hiccup must not end delivery; the next pass starts afresh.
            logger.exception("sync delivery pass failed")
            sent, contended = 0, False
        if not sent:
            stop.wait(CONTENDED_WAIT if contended else poll)
