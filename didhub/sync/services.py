"""Changing platform links, consenting, resyncing, replaying, and recording calls.

Each service is one transaction with its audit event. Credentials never reach an
event, a log line or an answer: events record only that they changed.
"""

import base64
import binascii
import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts.choices import AccountKind
from didhub.accounts.policy import Action, allows, check
from didhub.core import audit
from didhub.core.errors import Conflict, PolicyDenied, invalid
from didhub.numbers.choices import SyncState
from didhub.numbers.models import Number
from didhub.sync.activity import calls_record
from didhub.sync.choices import Connector, LinkMode, LinkStatus, OutboxState
from didhub.sync.connectors import connector_for
from didhub.sync.delivery import refresh_link_status
from didhub.sync.documents import digest, documents
from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange, SyncedNumber
from didhub.sync.outbox import chunked, enqueue_full_sync, expand_imports
from didhub.sync.targets import UnsafeTarget
from didhub.sync.targets import check as check_target

# What events and answers may show of a link; never ``credentials``.
PUBLIC_FIELDS = (
    "enterprise",
    "name",
    "connector",
    "mode",
    "organization_id",
    "location_id",
    "endpoint",
    "status",
    "consented_at",
    "consented_by",
)
EDITABLE_FIELDS = {"name", "organization_id", "location_id", "endpoint", "credentials"}
CONSENT_LINK_DAYS = 7

__all__ = [
    "calls_record",
    "consent_link_create",
    "link_by_consent_token",
    "link_consent",
    "link_create",
    "link_disable",
    "link_replay",
    "link_resync",
    "link_update",
    "message_replay",
    "webhook_secret_generate",
]


WEBHOOK_SECRET_PREFIX = "whsec_"
# The generated secrets have 32 bytes; fewer than 24 is too weak a key for HMAC-SHA256.
WEBHOOK_SECRET_MIN_BYTES = 24


def webhook_secret_generate() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes, base64."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_secret_is_valid(secret: str) -> bool:
    """``whsec_`` then strict base64 (padding optional) of at least 24 bytes.

    ``standardwebhooks.Webhook`` takes almost anything (``"nope"`` decodes to three
    bytes), so the shape is checked here rather than left to the signer.
    """
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        return False
    encoded = secret[len(WEBHOOK_SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(key) >= WEBHOOK_SECRET_MIN_BYTES


def validate_link(link: PlatformLink, *, check_endpoint: bool = True) -> None:
    """The fields a connector needs, each with a message that names the field.

    A webhook's endpoint is also checked for where it leads (``didhub.sync.targets``)
    when it is new; the worker checks it again before every request.
    """
    if link.connector not in Connector.values:
        raise invalid(f"Choose a connector: {', '.join(Connector.values)}.", field="connector")
    if link.mode not in LinkMode.values:
        raise invalid(f"Choose a mode: {', '.join(LinkMode.values)}.", field="mode")
    if link.connector == Connector.WEBHOOK:
        try:
            URLValidator(schemes=["http", "https"])(link.endpoint)
        except ValidationError as error:
            raise invalid("A webhook needs an http(s) endpoint URL.", field="endpoint") from error
        try:
            if check_endpoint:
                check_target(link.endpoint)
        except UnsafeTarget as error:
            raise invalid(str(error), field="endpoint") from error
        if not webhook_secret_is_valid(link.credentials):
            raise invalid(
                "The secret must be whsec_ followed by the base64 of at least "
                f"{WEBHOOK_SECRET_MIN_BYTES} random bytes.",
                field="credentials",
            )
    if link.connector == Connector.WEBEX_CALLING:
        for name, label in (
            ("organization_id", "the customer's Webex organization id"),
            ("location_id", "the Webex Calling location id"),
            ("credentials", "the partner's access token"),
        ):
            if not getattr(link, name):
                raise invalid(f"A Webex Calling link needs {label}.", field=name)


def start_sync(link: PlatformLink, action: str) -> int:
    """Queue every number of the enterprise and mark them pending."""
    queued = enqueue_full_sync(link=link, action=action)
    Number.objects.filter(owner_id=link.enterprise_id).exclude(sync_state=SyncState.PENDING).update(
        sync_state=SyncState.PENDING, sync_error=""
    )
    status = LinkStatus.SYNCING if queued else LinkStatus.READY
    PlatformLink.objects.filter(pk=link.pk).update(status=status)
    link.status = status
    return queued


def link_create(
    *,
    actor,
    enterprise,
    connector: str,
    mode: str,
    name: str = "",
    organization_id: str = "",
    location_id: str = "",
    endpoint: str = "",
    credentials: str = "",
) -> tuple[PlatformLink, str]:
    """Link an enterprise to a platform; returns the link and a secret to show once.

    A webhook without a secret gets a generated ``whsec_`` one, returned here and never
    again. An integrated link counts as consented (the consent API was used at
    onboarding; docs/domain.md, "Platform sync") and starts a full sync; a
    non-integrated one waits.
    """
    with transaction.atomic():
        check(actor, Action.LINK_MANAGE, enterprise)
        if enterprise.kind != AccountKind.ENTERPRISE:
            raise invalid("Platform links belong to enterprises.", field="enterprise")
        shown_secret = ""
        if connector == Connector.WEBHOOK and not credentials:
            credentials = shown_secret = webhook_secret_generate()
        link = PlatformLink(
            enterprise=enterprise,
            name=name.strip(),
            connector=connector,
            mode=mode,
            organization_id=organization_id.strip(),
            location_id=location_id.strip(),
            endpoint=endpoint.strip(),
            credentials=credentials.strip(),
            created_by=actor,
        )
        validate_link(link)
        if mode == LinkMode.INTEGRATED:
            link.consented_at = timezone.now()
            link.consented_by = "consent API (integrated onboarding)"
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError as error:
            raise Conflict(
                f"{enterprise.name} already has an active platform link; disable it first.",
                code="link_exists",
            ) from error
        if link.consented_at:
            start_sync(link, "linked")
        else:
            Number.objects.filter(owner_id=enterprise.pk).update(
                sync_state=SyncState.PENDING_CONSENT, sync_error=""
            )
        audit.record(
            actor=actor,
            action="platform_link.created",
            obj=link,
            account=enterprise,
            after=audit.snapshot(link, PUBLIC_FIELDS),
        )
    return link, shown_secret


def link_update(*, actor, link: PlatformLink, **changes) -> PlatformLink:
    """Change a link's name, ids, endpoint or credentials (write-only)."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise invalid(f"{unknown[0]} cannot be changed.", field=unknown[0])
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().get(pk=link.pk)
        check(actor, Action.LINK_MANAGE, link.enterprise)
        if link.status == LinkStatus.DISABLED:
            raise Conflict("This link is disabled.", code="link_disabled")
        before = audit.snapshot(link, PUBLIC_FIELDS)
        endpoint = link.endpoint
        for name, value in changes.items():
            setattr(link, name, str(value).strip())
        validate_link(link, check_endpoint=link.endpoint != endpoint)
        if changes.keys() & {"endpoint", "credentials", "organization_id", "location_id"}:
            # Whatever kept the platform from answering may be fixed: probe it now.
            link.retry_at = None
            link.outbox.filter(state=OutboxState.PENDING).update(next_attempt_at=timezone.now())
        link.save()
        after = audit.snapshot(link, PUBLIC_FIELDS)
        if "credentials" in changes:
            after["credentials"] = "(changed)"
        audit.record(
            actor=actor,
            action="platform_link.updated",
            obj=link,
            account=link.enterprise,
            before=before,
            after=after,
        )
    return link


def link_disable(*, actor, link: PlatformLink) -> PlatformLink:
    """Stop syncing: nothing more is sent, and the numbers are no longer linked."""
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().get(pk=link.pk)
        check(actor, Action.LINK_MANAGE, link.enterprise)
        if link.status == LinkStatus.DISABLED:
            return link
        before = audit.snapshot(link, PUBLIC_FIELDS)
        SyncChange.objects.filter(link=link).delete()
        link.outbox.filter(state__in=[OutboxState.PENDING, OutboxState.DEAD]).update(
            state=OutboxState.SUPERSEDED, locked_until=None
        )
        link.status = LinkStatus.DISABLED
        link.consent_token_hash = ""
        link.save()
        Number.objects.filter(owner_id=link.enterprise_id).exclude(
            sync_state=SyncState.NOT_LINKED
        ).update(sync_state=SyncState.NOT_LINKED, sync_error="")
        audit.record(
            actor=actor,
            action="platform_link.disabled",
            obj=link,
            account=link.enterprise,
            before=before,
            after=audit.snapshot(link, PUBLIC_FIELDS),
        )
    return link


def hash_consent_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def consent_link_create(*, actor, link: PlatformLink, days: int = CONSENT_LINK_DAYS) -> str:
    """A single-use consent token for the customer, valid ``days``; only its hash is kept.

    The caller turns it into a URL (``/sync/consent/<token>/``).
    """
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().get(pk=link.pk)
        check(actor, Action.LINK_MANAGE, link.enterprise)
        if link.consented_at is not None or link.status == LinkStatus.DISABLED:
            raise Conflict("This link needs no consent.", code="no_consent_needed")
        token = secrets.token_urlsafe(32)
        link.consent_token_hash = hash_consent_token(token)
        link.consent_expires_at = timezone.now() + timedelta(days=days)
        link.save(update_fields=["consent_token_hash", "consent_expires_at", "updated_at"])
        audit.record(
            actor=actor,
            action="platform_link.consent_link_created",
            obj=link,
            account=link.enterprise,
            after={"expires_at": link.consent_expires_at},
        )
    return token


def link_by_consent_token(*, pk: int, token: str) -> PlatformLink:
    """The link a consent token belongs to; the same refusal for any wrong pair."""
    link = PlatformLink.objects.filter(pk=pk, consent_token_hash=hash_consent_token(token)).first()
    if link is None or not token:
        raise PolicyDenied(
            "This consent link is not valid: it was used, has expired, or was replaced.",
            code="consent_token_invalid",
        )
    return link


def link_consent(*, actor=None, link: PlatformLink, token: str = "") -> PlatformLink:
    """The customer's consent (docs/sync.md): from its admin, or with a consent token.

    Records who and when, and starts a full sync. A token works once, until it expires.
    """
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().get(pk=link.pk)
        if token:
            valid = (
                link.consent_token_hash
                and secrets.compare_digest(link.consent_token_hash, hash_consent_token(token))
                and link.consent_expires_at is not None
                and link.consent_expires_at > timezone.now()
            )
            if not valid:
                raise PolicyDenied(
                    "This consent link is not valid: it was used, has expired, or was replaced.",
                    code="consent_token_invalid",
                )
            who = actor.email if actor is not None else "consent link"
        else:
            check(actor, Action.LINK_CONSENT, link.enterprise)
            who = actor.email
        if link.status == LinkStatus.DISABLED:
            raise Conflict("This link is disabled.", code="link_disabled")
        if link.consented_at is not None:
            raise Conflict("Consent was given already.", code="already_consented")
        before = audit.snapshot(link, PUBLIC_FIELDS)
        link.consented_at = timezone.now()
        link.consented_by = who
        link.consent_token_hash = ""
        link.consent_expires_at = None
        link.save()
        start_sync(link, "consented")
        audit.record(
            actor=actor,
            action="platform_link.consented",
            obj=link,
            account=link.enterprise,
            before=before,
            after=audit.snapshot(link, PUBLIC_FIELDS),
        )
    return link


def link_resync(*, actor, link: PlatformLink) -> dict:
    """Send the platform the difference between what it should hold and what it holds.

    What it holds is what it confirmed (``SyncedNumber``), corrected by what it says it
    holds where its API can list it (Webex Calling): a number it lost is sent again, a
    number it holds that didhub knows and the enterprise no longer holds is removed
    (numbers didhub has never known are the customer's own and left alone). Numbers
    with a change already on its way are left to it; dead messages are superseded
    (their numbers are compared afresh). Running it twice queues nothing new.
    """
    link = PlatformLink.objects.get(pk=link.pk)
    check_link_operator(actor, link)
    if not link.sends:
        raise Conflict("This link waits for the customer's consent.", code="no_consent")
    connector = connector_for(link)
    # Read before the transaction: a platform's answer may take seconds.
    listed = connector.list_numbers(link)
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().get(pk=link.pk)
        check_link_operator(actor, link)
        if not link.sends:
            raise Conflict("This link waits for the customer's consent.", code="no_consent")
        expand_imports(link)
        dead = link.outbox.filter(state=OutboxState.DEAD)
        SyncChange.objects.filter(message__in=dead).delete()
        superseded = dead.update(state=OutboxState.SUPERSEDED)
        busy = set(SyncChange.objects.filter(link=link).values_list("e164", flat=True))
        if listed is not None:
            align_confirmed(link, listed, busy)
        confirmed = dict(SyncedNumber.objects.filter(link=link).values_list("e164", "digest"))
        held = list(
            Number.objects.filter(owner_id=link.enterprise_id)
            .order_by("e164")
            .values_list("e164", "id")
        )
        changes = []
        for chunk in chunked(held, 2000):
            docs = documents(enterprise_id=link.enterprise_id, e164s=[e for e, _ in chunk])
            for e164, number_id in chunk:
                doc = docs.get(e164)
                if doc and e164 not in busy and confirmed.get(e164) != digest(doc):
                    changes.append(SyncChange(link=link, number_id=number_id, e164=e164))
        held_keys = {e164 for e164, _ in held}
        changes += [
            SyncChange(link=link, e164=e164) for e164 in sorted(set(confirmed) - held_keys - busy)
        ]
        for change in changes:
            change.action = "resync"
        SyncChange.objects.bulk_create(changes, batch_size=1000)
        for keys in chunked([c.e164 for c in changes if c.number_id]):
            Number.objects.filter(e164__in=keys, owner_id=link.enterprise_id).update(
                sync_state=SyncState.PENDING, sync_error=""
            )
        refresh_link_status(link.pk)
        summary = {
            "queued": len(changes),
            "superseded_messages": superseded,
            "compared_with": "platform" if listed is not None else "confirmed",
        }
        audit.record(
            actor=actor,
            action="platform_link.resynced",
            obj=link,
            account=link.enterprise,
            after=summary,
        )
    return summary


def align_confirmed(link: PlatformLink, listed: set[str], busy: set[str]) -> None:
    """Make ``SyncedNumber`` say what the platform listed, for numbers not on their way.

    A confirmed number the platform no longer holds is forgotten (so it is sent again);
    a listed number that didhub knows is recorded as held with an unknown digest (so
    it is compared afresh: updated if the enterprise holds it, removed otherwise).
    """
    confirmed = set(SyncedNumber.objects.filter(link=link).values_list("e164", flat=True))
    lost = sorted(confirmed - listed - busy)
    for keys in chunked(lost):
        SyncedNumber.objects.filter(link=link, e164__in=keys).delete()
    found = sorted(listed - confirmed - busy)
    known = []
    for keys in chunked(found):
        known += Number.objects.filter(e164__in=keys).values_list("e164", flat=True).distinct()
    SyncedNumber.objects.bulk_create(
        [SyncedNumber(link=link, e164=e164, digest="") for e164 in sorted(set(known))],
        batch_size=1000,
        ignore_conflicts=True,
    )


def check_link_operator(actor, link: PlatformLink) -> None:
    """Resellers manage links; the enterprise's admin may also resync and replay."""
    if not allows(actor, Action.LINK_MANAGE, link.enterprise):
        check(actor, Action.LINK_CONSENT, link.enterprise)


def message_replay(*, actor, message: OutboxMessage) -> OutboxMessage:
    """Send a dead message again: the same body and ``webhook-id``, attempts from zero."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        link = PlatformLink.objects.select_for_update().get(pk=message.link_id)
        check_link_operator(actor, link)
        if message.state != OutboxState.DEAD:
            raise Conflict(
                f"Only dead messages can be replayed; this one is {message.state}.",
                code="not_dead",
            )
        if link.status == LinkStatus.DISABLED:
            raise Conflict("This link is disabled.", code="link_disabled")
        revive(link, [message.pk])
        audit.record(
            actor=actor,
            action="platform_link.message_replayed",
            obj=link,
            account=link.enterprise,
            after={"message_id": message.message_id},
        )
    message.refresh_from_db()
    return message


def link_replay(*, actor, link: PlatformLink) -> dict:
    """Send every dead message of a link again, at once (after an outage or a fix)."""
    with transaction.atomic():
        link = PlatformLink.objects.select_for_update().get(pk=link.pk)
        check_link_operator(actor, link)
        if link.status == LinkStatus.DISABLED:
            raise Conflict("This link is disabled.", code="link_disabled")
        dead = list(
            link.outbox.select_for_update()
            .filter(state=OutboxState.DEAD)
            .order_by("id")
            .values_list("pk", "message_id")
        )
        if not dead:
            raise Conflict("This link has no dead messages.", code="nothing_dead")
        revive(link, [pk for pk, _ in dead])
        audit.record(
            actor=actor,
            action="platform_link.replayed",
            obj=link,
            account=link.enterprise,
            after={"replayed": len(dead), "message_ids": [mid for _, mid in dead]},
        )
    return {"replayed": len(dead)}


def revive(link: PlatformLink, message_ids: list[int]) -> None:
    """Dead messages due now with attempts from zero; their numbers pending; the link
    probed at once (whatever its back-off), since someone says the platform is back."""
    now = timezone.now()
    for ids in chunked(message_ids):
        OutboxMessage.objects.filter(pk__in=ids).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=now, locked_until=None
        )
        keys = list(
            SyncChange.objects.filter(message_id__in=ids).values_list("e164", flat=True).distinct()
        )
        for chunk in chunked(keys):
            Number.objects.filter(e164__in=chunk, owner_id=link.enterprise_id).update(
                sync_state=SyncState.PENDING, sync_error=""
            )
    PlatformLink.objects.filter(pk=link.pk).update(retry_at=None)
    refresh_link_status(link.pk)
