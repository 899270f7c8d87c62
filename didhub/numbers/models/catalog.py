"""The catalog: voice carriers, SMS and calling profiles, and an account's defaults."""

from django.db import models
from django.utils import timezone

from didhub.numbers import attributes
from didhub.numbers.models.owned import OwnedQuerySet


class Carrier(models.Model):
    """A voice carrier (the "Voice Carrier Name" of the upload form)."""

    owner = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="carriers")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="carrier_unique_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class SmsProfile(models.Model):
    """An SMS carrier profile: underlying carrier, profile name and its owner.

    Shown as ``Bandwidth(BW for Testing) - (Demo Company)`` (docs/domain.md, "Carriers and
    profiles").
    """

    owner = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="sms_profiles"
    )
    carrier_name = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["carrier_name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "carrier_name", "name"], name="smsprofile_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier_name}({self.name}) - ({self.owner.name})"


class CallingProfile(models.Model):
    """A calling profile, mapped to the SBC device that routes its numbers."""

    owner = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="calling_profiles"
    )
    name = models.CharField(max_length=attributes.TEXT_LIMITS["calling_profile"])
    sbc_device = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="callingprofile_unique_name_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AccountDefaults(models.Model):
    """An account's default voice carrier and SMS profile (``numbers.account_defaults``).

    The numbers an account, or an account below it, uploads without a carrier or profile
    get the nearest default up the tree. Kept here and not on the account: they name
    entries of the catalog, and accounts sits below numbers. No row, no default. They are
    the account's settings to clients (``default_voice_carrier``, ``default_sms_profile``);
    a deleted carrier or profile leaves the default empty.
    """

    account = models.OneToOneField(
        "accounts.Account",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="number_defaults",
    )
    voice_carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sms_profile = models.ForeignKey(
        SmsProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "account defaults"

    def __str__(self) -> str:
        return f"defaults of account {self.account_id}"
