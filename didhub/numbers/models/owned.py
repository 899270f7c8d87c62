"""Objects owned by an account: what every owned model's queryset can answer."""

from django.db import models


class OwnedQuerySet(models.QuerySet):
    """Objects owned by an account and visible to everything above it."""

    owner_field = "owner"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or user.account_id is None:
            return self.none()
        if user.account.is_platform:
            return self.all()
        if user.account.is_enterprise:
            # An enterprise is a leaf: an id test lets the (owner, e164) index order a page.
            return self.filter(**{f"{self.owner_field}_id": user.account_id})
        return self.filter(**{f"{self.owner_field}__path__startswith": user.account.path})

    def usable_by(self, account):
        """Carriers and profiles are owned by an account and usable below it."""
        return self.filter(**{f"{self.owner_field}_id__in": account.ancestor_ids()})
