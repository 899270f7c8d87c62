from django.db import models


class AccountKind(models.TextChoices):
    PLATFORM = "platform", "Platform"
    RESELLER = "reseller", "Reseller"
    ENTERPRISE = "enterprise", "Enterprise"


class Role(models.TextChoices):
    PLATFORM_VIEWER = "platform_viewer", "Platform viewer"
    PLATFORM_ADMIN = "platform_admin", "Platform admin"
    RESELLER_ADMIN = "reseller_admin", "Reseller admin"
    ENTERPRISE_ADMIN = "enterprise_admin", "Enterprise admin"
    ENTERPRISE_VIEWER = "enterprise_viewer", "Enterprise viewer"
    # A professional works on an enterprise's numbers (assign, release, upload where
    # allowed) without administering its people: it manages no users.
    PROFESSIONAL = "professional", "Professional"


# Which roles a user may hold on which kind of account.
ROLES_BY_ACCOUNT_KIND = {
    AccountKind.PLATFORM: {Role.PLATFORM_VIEWER, Role.PLATFORM_ADMIN},
    AccountKind.RESELLER: {Role.RESELLER_ADMIN},
    AccountKind.ENTERPRISE: {Role.ENTERPRISE_ADMIN, Role.PROFESSIONAL, Role.ENTERPRISE_VIEWER},
}

READ_ONLY_ROLES = {Role.PLATFORM_VIEWER, Role.ENTERPRISE_VIEWER}


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"
