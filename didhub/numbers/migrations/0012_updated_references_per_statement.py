"""PostgreSQL only: an UPDATE's changed references checked once per statement.

Migration ``numbers/0006`` checked an UPDATE's changed references with a row trigger,
one row at a time as a foreign key does: 7 s for a bulk release or delegation that moves
a million numbers to another owner. ``didhub.numbers.references`` now checks them once
per statement, over the statement's old and new rows; this replaces the row trigger
with that one (an installation migrated from scratch has it from 0006 already).

Serving while it runs: the triggers are replaced in one transaction, so every UPDATE
is checked by the one or by the other; ``CREATE TRIGGER`` and ``DROP TRIGGER`` hold the
tables for milliseconds, after the writes in flight.
"""

from django.db import migrations, transaction

from didhub.core.db.operations import online_safe
from didhub.numbers.references import NUMBER_REFERENCES, install_statements, replaced_statements

TABLE = "numbers_number"


@online_safe(
    "replaces triggers in one short transaction: no data is read or written, and the "
    "tables are held for milliseconds"
)
def check_per_statement(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias):
        for statement in [*replaced_statements(TABLE), *install_statements(TABLE, NUMBER_REFERENCES)]:
            # No parameters: the functions' format() strings hold literal %s.
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("numbers", "0011_tallies")]

    # Going back keeps the statement trigger: it gives the guarantee the row trigger did.
    operations = [migrations.RunPython(check_per_statement, migrations.RunPython.noop)]
