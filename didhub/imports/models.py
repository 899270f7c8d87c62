"""One upload of numbers, from its validation to its commit."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from didhub.core.fields import E164Field
from didhub.imports.choices import ImportSource, ImportState
from didhub.numbers.attributes import DEFAULTS, TEXT_LIMITS


class ImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or user.account_id is None:
            return self.none()
        if user.account.is_platform:
            return self.all()
        return self.filter(account__path__startswith=user.account.path)


class Import(models.Model):
    """An upload: who, when, what file, with which options, and how it went.

    Counts always add up: ``valid + invalid + duplicate == total_rows`` where
    ``present`` (already in the uploader's inventory) is part of ``valid`` rows that
    commit leaves unchanged.
    """

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="imports",
        help_text="The account the numbers go to.",
    )
    uploaded_by = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account that brings the numbers in.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
    )
    source = models.CharField(max_length=8, choices=ImportSource.choices, default=ImportSource.FILE)
    file_name = models.CharField(max_length=255, blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the file.")
    stored_file = models.CharField(max_length=500, blank=True)
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=12, choices=ImportState.choices, default=ImportState.VALIDATING
    )
    total_rows = models.PositiveIntegerField(default=0)
    valid = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    committed = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True, help_text="Warnings about the whole file.")
    error = models.TextField(blank=True, help_text="Why the import failed.")
    task_id = models.CharField(max_length=64, blank=True, help_text="The background task.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"], name="import_account_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ImportState.values), name="import_state_valid"
            )
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.file_name or self.get_source_display()})"


class ImportRowError(models.Model):
    """One rejected row of an upload: where, which column, what value, which rule."""

    import_run = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=64, blank=True)
    value = models.CharField(max_length=255, blank=True)
    code = models.CharField(max_length=48)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["import_run", "line"]
        indexes = [models.Index(fields=["import_run", "line"], name="importerror_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRow(models.Model):
    """A validated row waiting for commit (the staging area of a two-phase upload).

    Written by COPY (PostgreSQL) or executemany (SQLite) and read by one set-based
    INSERT at commit, so it carries plain ids rather than foreign keys: the commit's
    insert into ``numbers_number`` checks them. On PostgreSQL the table is UNLOGGED
    (no write-ahead log for data that can be validated again); a commit that finds
    fewer rows than were validated fails and asks for a new upload.
    """

    import_run = models.ForeignKey(
        Import, on_delete=models.CASCADE, related_name="rows", db_index=False, db_constraint=False
    )
    line = models.PositiveIntegerField()
    e164 = E164Field()
    country_code = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=3, blank=True)
    number_type = models.CharField(max_length=24)
    # The attributes as the validator read them (didhub.numbers.attributes).
    voice = models.BooleanField(default=DEFAULTS["voice"])
    sms = models.BooleanField(default=DEFAULTS["sms"])
    fax = models.BooleanField(default=DEFAULTS["fax"])
    route = models.CharField(max_length=20, blank=True)
    usage = models.CharField(max_length=16, default=DEFAULTS["usage"])
    cac_limit = models.PositiveSmallIntegerField(default=DEFAULTS["cac_limit"])
    calling_profile_id = models.BigIntegerField(null=True, blank=True)
    sip_connection = models.CharField(max_length=TEXT_LIMITS["sip_connection"], blank=True)
    service_info = models.CharField(max_length=TEXT_LIMITS["service_info"], blank=True)
    tags = models.CharField(max_length=TEXT_LIMITS["tags"], blank=True)
    present = models.BooleanField(
        default=False, help_text="Already in the uploader's inventory: left unchanged."
    )

    class Meta:
        # Rows arrive in line order, so this index grows at its right edge; one keyed by
        # E.164 took random inserts and doubled the database's share of staging.
        indexes = [models.Index(fields=["import_run", "line"], name="importrow_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.e164}"


class UploadChunk(models.Model):
    """A piece of an uploaded file, kept in the database on PostgreSQL.

    On PostgreSQL didhub may run on several nodes: the node that receives an upload is
    rarely the one whose worker validates it. The file's bytes therefore live in the
    database, in pieces of ``didhub.imports.uploads.CHUNK_BYTES``, and each node writes
    its own local copy the first time it needs one. They are deleted with the local
    copies once the import is done or failed. On SQLite (one node) the local file is
    the only copy.
    """

    import_run = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["import_run", "seq"], name="uploadchunk_unique_seq")
        ]

    def __str__(self) -> str:
        return f"piece {self.seq} of upload {self.import_run_id}"
