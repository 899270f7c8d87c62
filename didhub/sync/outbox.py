"""The outbox: sync work written in the same transaction as the change it reports.

A rolled-back change therefore sends nothing, and a committed one is never missed,
whatever happens to the worker afterwards.
"""

import uuid

from didhub.sync.choices import LinkStatus
from didhub.sync.models import OutboxMessage, PlatformLink


def active_links_by_enterprise() -> dict[int, PlatformLink]:
    return {
        link.enterprise_id: link
        for link in PlatformLink.objects.exclude(status=LinkStatus.DISABLED)
    }


def number_payload(number) -> dict:
    return {
        "e164": number.e164,
        "state": number.state,
        "voice": number.voice,
        "sms": number.sms,
        "fax": number.fax,
        "route": number.route,
        "usage": number.usage,
        "cac_limit": number.cac_limit,
    }


def enqueue_number_changes(*, action, number_ids, import_id=None, removed=()) -> int:
    """Queue one message per changed number of a linked enterprise; returns how many."""
    from didhub.numbers.models import Number

    links = active_links_by_enterprise()
    if not links:
        return 0
    messages = []
    numbers = Number.objects.filter(owner_id__in=links)
    if import_id is not None:
        numbers = numbers.filter(source_import_id=import_id)
    elif number_ids:
        numbers = numbers.filter(pk__in=number_ids)
    else:
        numbers = numbers.none()
    for number in numbers.iterator(chunk_size=5000):
        messages.append(
            OutboxMessage(
                link=links[number.owner_id],
                number_id=number.pk,
                e164=number.e164,
                message_type=f"number.{action}",
                payload=number_payload(number),
                message_id=f"msg_{uuid.uuid4().hex}",
            )
        )
    for gone in removed:
        if (link := links.get(gone["owner_id"])) is not None:
            messages.append(
                OutboxMessage(
                    link=link,
                    number_id=gone.get("number_id"),
                    e164=gone["e164"],
                    message_type="number.removed",
                    payload={"e164": gone["e164"], "reason": action},
                    message_id=f"msg_{uuid.uuid4().hex}",
                )
            )
    OutboxMessage.objects.bulk_create(messages, batch_size=5000)
    return len(messages)
