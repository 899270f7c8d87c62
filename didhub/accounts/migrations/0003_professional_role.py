"""The professional role: an enterprise's numbers and assignments, without its users."""

from django.db import migrations, models

ROLES = [
    ("platform_viewer", "Platform viewer"),
    ("platform_admin", "Platform admin"),
    ("reseller_admin", "Reseller admin"),
    ("enterprise_admin", "Enterprise admin"),
    ("enterprise_viewer", "Enterprise viewer"),
    ("professional", "Professional"),
]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(choices=ROLES, max_length=24),
        ),
        migrations.RemoveConstraint(model_name="user", name="user_role_valid"),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("role__in", [value for value, _ in ROLES])),
                name="user_role_valid",
            ),
        ),
    ]
