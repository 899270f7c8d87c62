"""What the portal remembers for a person: the columns each table shows."""

from django.conf import settings
from django.db import models


class TableColumns(models.Model):
    """The columns one user chose for one table of the portal (the column chooser).

    Kept per user, not per session, so the choice follows the person to every browser.
    Unknown keys are ignored when read, so a renamed column never breaks a page.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="table_columns"
    )
    table = models.CharField(max_length=32)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "table"], name="table_columns_one_per_table")
        ]

    def __str__(self) -> str:
        return f"{self.table}: {', '.join(self.columns)}"
