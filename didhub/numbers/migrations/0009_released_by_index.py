"""The numbers an enterprise released, by the enterprise: built without blocking writers.

The portal's list counts, for an enterprise, the aging numbers it released and may
restore; without this index that count read every aging number of the platform (680 ms
at 10,000,000 numbers, docs/performance.md). Partial: only aging numbers are in it.
"""

from django.db import migrations, models
from django.db.models.fields.json import KeyTransform

from didhub.core.db.operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("numbers", "0008_account_defaults")]

    operations = [
        AddIndexOnline(
            model_name="number",
            index=models.Index(
                KeyTransform("id", KeyTransform("owner", "released_from")),
                name="number_released_by",
                condition=models.Q(state="aging"),
            ),
        )
    ]
