"""The account tree, the people who log in, and their API tokens."""

import hashlib

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from didhub.accounts.choices import ROLES_BY_ACCOUNT_KIND, AccountKind, Role, TokenScope


class AccountQuerySet(models.QuerySet):
    def subtree_of(self, account: "Account") -> "AccountQuerySet":
        """The account and every account below it (materialized path prefix)."""
        return self.filter(path__startswith=account.path)

    def visible_to(self, user) -> "AccountQuerySet":
        """The one gate for accounts: a user sees its account and everything below it."""
        if not getattr(user, "is_authenticated", False) or user.account_id is None:
            return self.none()
        return self.subtree_of(user.account)


class Account(models.Model):
    """A node of the one account tree: the platform root, resellers, enterprises.

    ``path`` is a materialized path (``/1/7/42/``) so that "this account and everything
    below it" is one indexed prefix match, whatever the depth of the reseller tree.
    Accounts never move, so the path never has to be rewritten.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    allow_external_numbers = models.BooleanField(
        default=False, help_text="Enterprises only: may upload their own numbers."
    )
    stations_purchased = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Enterprises only: stations bought from the reseller; empty means no quota.",
    )
    location_country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO country code; numbers imported for this account must carry its code.",
    )
    aging_days = models.PositiveIntegerField(
        default=90, help_text="How long a released number stays quarantined before reuse."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="account_unique_name_in_parent"
            ),
            models.CheckConstraint(
                condition=(Q(kind="platform") & Q(parent__isnull=True))
                | (~Q(kind="platform") & Q(parent__isnull=False)),
                name="account_only_platform_is_root",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="account_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="enterprise")
                | (Q(allow_external_numbers=False) & Q(stations_purchased__isnull=True)),
                name="account_enterprise_only_fields",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.kind == AccountKind.PLATFORM

    @property
    def is_reseller(self) -> bool:
        return self.kind == AccountKind.RESELLER

    @property
    def is_enterprise(self) -> bool:
        return self.kind == AccountKind.ENTERPRISE

    def is_within(self, other: "Account") -> bool:
        """True when this account is ``other`` or below it."""
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this account, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def clean(self):
        errors = {}
        if self.parent_id and self.parent.kind == AccountKind.ENTERPRISE:
            errors["parent"] = "An enterprise cannot have accounts below it."
        if self.kind != AccountKind.ENTERPRISE:
            if self.allow_external_numbers:
                errors["allow_external_numbers"] = "Only enterprises upload external numbers."
            if self.stations_purchased is not None:
                errors["stations_purchased"] = "Only enterprises have a station quota."
        if self.location_country:
            import phonenumbers

            if not phonenumbers.country_code_for_region(self.location_country.upper()):
                errors["location_country"] = f"{self.location_country!r} is not a country code."
        if errors:
            raise ValidationError(errors)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        """Django's createsuperuser: a platform admin on the platform root."""
        root = Account.objects.filter(kind=AccountKind.PLATFORM).first()
        if root is None:
            root = Account(name="Platform", kind=AccountKind.PLATFORM, path="")
            root.save()
            root.path = f"/{root.pk}/"
            root.save(update_fields=["path"])
        fields.setdefault("account", root)
        fields.setdefault("role", Role.PLATFORM_ADMIN)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, with exactly one role on exactly one account."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=24, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid")
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        if self.account_id and self.role not in ROLES_BY_ACCOUNT_KIND[self.account.kind]:
            raise ValidationError(
                {
                    "role": f"A {self.account.get_kind_display().lower()} account has no role "
                    f"{self.get_role_display()!r}."
                }
            )


def hash_token(key: str) -> str:
    """Tokens are stored as SHA-256: high-entropy keys need no slow password hash."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """An API token of a user; the key is shown once and only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, editable=False, help_text="Shown to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE
