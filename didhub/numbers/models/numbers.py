"""Numbers and their assignments to targets."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from didhub.core.fields import E164Field
from didhub.numbers import attributes
from didhub.numbers.choices import (
    Activity,
    Channel,
    NumberState,
    NumberType,
    Route,
    SyncState,
    TargetKind,
    Usage,
)
from didhub.numbers.models.catalog import CallingProfile, Carrier, SmsProfile
from didhub.numbers.models.owned import OwnedQuerySet
from didhub.numbers.models.targets import Target


class NumberQuerySet(OwnedQuerySet):
    pass


class Number(models.Model):
    """One phone number, stored as E.164 text and unique across the platform.

    ``owner`` is the account holding it now, ``uploaded_by`` the account that brought it
    in (only that account may delete it). ``*_target_kind`` mirror the assignments per
    channel so that the predefined searches (docs/domain.md, "Finding numbers") are plain
    indexed column tests at ten million rows; services keep them in step.
    """

    # Unique by the constraint below rather than ``unique=True``, which on PostgreSQL
    # adds a second (pattern-ops) index that no query uses: prefixes are ranges.
    e164 = E164Field()
    country_code = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=3, blank=True)
    number_type = models.CharField(
        max_length=24, choices=NumberType.choices, default=NumberType.UNKNOWN
    )
    voice = models.BooleanField(default=attributes.DEFAULTS["voice"])
    sms = models.BooleanField(default=attributes.DEFAULTS["sms"])
    fax = models.BooleanField(default=attributes.DEFAULTS["fax"])
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    usage = models.CharField(max_length=16, choices=Usage.choices, default=Usage.USER)
    cac_limit = models.PositiveSmallIntegerField(default=attributes.DEFAULTS["cac_limit"])
    voice_carrier = models.ForeignKey(
        Carrier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="numbers",
        db_index=False,
    )
    sms_profile = models.ForeignKey(
        SmsProfile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="numbers",
        db_index=False,
    )
    calling_profile = models.ForeignKey(
        CallingProfile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="numbers",
        db_index=False,
    )
    # Limits, defaults and checks of these attributes: didhub.numbers.attributes.
    sip_connection = models.CharField(
        max_length=attributes.TEXT_LIMITS["sip_connection"], blank=True
    )
    service_info = models.CharField(max_length=attributes.TEXT_LIMITS["service_info"], blank=True)
    # ";a;b;" so that one tag is an exact, index-free substring test on both databases.
    tags = models.CharField(max_length=attributes.TEXT_LIMITS["tags"], blank=True)

    # Composite indexes below lead with these columns; single-column ones would only
    # slow down bulk uploads.
    owner = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="numbers", db_index=False
    )
    # Provenance, written once by the services that create numbers. Neither it nor
    # ``source_import`` has a database foreign key: the per-row check would cost an
    # upload about 4 s per million numbers (docs/performance.md). The application keeps
    # them right: accounts and imports that numbers point at are never deleted.
    uploaded_by = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="uploaded_numbers",
        db_index=False,
        db_constraint=False,
    )
    external = models.BooleanField(default=False)
    source_import = models.ForeignKey(
        "imports.Import",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="numbers",
        db_index=False,
        db_constraint=False,
        help_text="The upload that created it; its history starts there.",
    )

    state = models.CharField(
        max_length=12, choices=NumberState.choices, default=NumberState.AVAILABLE
    )
    voice_target_kind = models.CharField(max_length=32, blank=True)
    sms_target_kind = models.CharField(max_length=32, blank=True)
    fax_target_kind = models.CharField(max_length=32, blank=True)
    reserved_until = models.DateTimeField(null=True, blank=True)
    reserved_for = models.ForeignKey(
        Target,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reservations",
        db_index=False,
    )
    aging_until = models.DateTimeField(null=True, blank=True)
    # What a release took away, so that an aging number can be given back (restore).
    released_from = models.JSONField(null=True, blank=True)

    activity = models.CharField(max_length=8, choices=Activity.choices, default=Activity.PENDING)
    last_call_at = models.DateTimeField(null=True, blank=True)
    sync_state = models.CharField(
        max_length=16, choices=SyncState.choices, default=SyncState.NOT_LINKED
    )
    sync_error = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = NumberQuerySet.as_manager()

    class Meta:
        ordering = ["e164"]
        constraints = [
            models.UniqueConstraint(fields=["e164"], name="number_e164_unique"),
            models.CheckConstraint(condition=Q(e164__startswith="+"), name="number_e164_form"),
            models.CheckConstraint(
                condition=Q(state__in=NumberState.values), name="number_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(route="") | Q(voice=True), name="number_route_needs_voice"
            ),
            models.CheckConstraint(condition=Q(cac_limit__gte=1), name="number_cac_positive"),
            models.CheckConstraint(
                condition=~Q(usage=attributes.USER_USAGE) | Q(cac_limit=attributes.USER_CAC_LIMIT),
                name="number_user_cac_fixed",
            ),
            models.CheckConstraint(
                condition=Q(state="assigned")
                | (Q(voice_target_kind="") & Q(sms_target_kind="") & Q(fax_target_kind="")),
                name="number_assignments_mean_assigned",
            ),
            models.CheckConstraint(
                condition=~Q(state="assigned")
                | ~(Q(voice_target_kind="") & Q(sms_target_kind="") & Q(fax_target_kind="")),
                name="number_assigned_means_assignments",
            ),
            models.CheckConstraint(
                condition=~Q(state="reserved") | Q(reserved_until__isnull=False),
                name="number_reservation_expires",
            ),
            models.CheckConstraint(
                condition=~Q(state="aging") | Q(aging_until__isnull=False),
                name="number_aging_ends",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "e164"], name="number_owner_e164"),
            models.Index(fields=["owner", "state"], name="number_owner_state"),
            # Partial indexes hold only what a search needs to find among many: every
            # row they leave out (a fresh upload: available, unassigned, mostly no
            # calling profile) costs an upload or an update nothing.
            models.Index(
                fields=["state", "e164"],
                name="number_state_e164",
                condition=~Q(state="available"),
            ),
            models.Index(
                fields=["voice_target_kind", "e164"],
                name="number_voicekind_e164",
                condition=~Q(voice_target_kind=""),
            ),
            models.Index(
                fields=["sms_target_kind", "e164"],
                name="number_smskind_e164",
                condition=~Q(sms_target_kind=""),
            ),
            # An account's share of a predefined search, counted from the index alone
            # (API lists count exactly up to 10,000 rows).
            models.Index(
                fields=["owner", "voice_target_kind", "route"],
                name="number_owner_voicekind",
                condition=~Q(voice_target_kind=""),
            ),
            models.Index(
                fields=["owner", "sms_target_kind"],
                name="number_owner_smskind",
                condition=~Q(sms_target_kind=""),
            ),
            models.Index(
                fields=["owner", "route"],
                name="number_owner_free_trunk",
                condition=Q(
                    voice_target_kind="", route__in=[Route.EXTERNAL_TRUNK, Route.OPERATOR_CONNECT]
                ),
            ),
            models.Index(fields=["uploaded_by", "state"], name="number_uploader_state"),
            models.Index(fields=["source_import"], name="number_import"),
            models.Index(fields=["created_at"], name="number_created"),
            # Which numbers use a catalog entry (deleting one, counting its use).
            models.Index(
                fields=["voice_carrier"],
                name="number_voice_carrier",
                condition=Q(voice_carrier__isnull=False),
            ),
            models.Index(
                fields=["sms_profile"],
                name="number_sms_profile",
                condition=Q(sms_profile__isnull=False),
            ),
            models.Index(
                fields=["calling_profile"],
                name="number_calling_profile",
                condition=Q(calling_profile__isnull=False),
            ),
            models.Index(
                fields=["sync_state", "e164"],
                name="number_sync_state",
                condition=~Q(sync_state="not_linked"),
            ),
            models.Index(
                fields=["reserved_for"],
                name="number_reserved_for",
                condition=Q(reserved_for__isnull=False),
            ),
            models.Index(
                fields=["reserved_until"],
                name="number_reserved_until",
                condition=Q(state="reserved"),
            ),
            models.Index(
                fields=["aging_until"], name="number_aging_until", condition=Q(state="aging")
            ),
            # What an enterprise released and may still restore, found by the enterprise
            # (``selectors.released_by``) instead of by reading every aging number.
            models.Index(
                KeyTransform("id", KeyTransform("owner", "released_from")),
                name="number_released_by",
                condition=Q(state="aging"),
            ),
        ]

    def __str__(self) -> str:
        return self.e164

    @property
    def digits(self) -> str:
        return self.e164[1:]

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(";") if tag]

    @property
    def capabilities(self) -> list[str]:
        return [name for name in ("voice", "sms", "fax") if getattr(self, name)]

    def target_kind_for(self, channel: str) -> str:
        return getattr(self, f"{channel}_target_kind")

    @property
    def is_assigned(self) -> bool:
        return bool(self.voice_target_kind or self.sms_target_kind or self.fax_target_kind)

    def clean(self):
        values = {key: getattr(self, key) for key in attributes.CHECKED}
        errors: dict[str, list[str]] = {}
        for problem in attributes.problems(values):
            errors.setdefault(problem.key, []).append(problem.message)
        if errors:
            raise ValidationError(errors)


class Assignment(models.Model):
    """A number used on one channel by one target; at most one per number and channel."""

    number = models.ForeignKey(Number, on_delete=models.CASCADE, related_name="assignments")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="assignments")
    # The target's kind, copied so that "assigned to an OC trunk" needs no join.
    target_kind = models.CharField(max_length=32, choices=TargetKind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["number_id", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "channel"], name="assignment_one_per_number_channel"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="assignment_channel_valid"
            ),
        ]
        indexes = [models.Index(fields=["target", "channel"], name="assignment_target")]

    def __str__(self) -> str:
        return f"{self.number_id} {self.channel} -> {self.target_id}"
