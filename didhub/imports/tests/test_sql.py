"""didhub.imports.sql: every statement of an upload's set-based path, on this database.

The suite runs on SQLite and PostgreSQL, so each holds on both: staging (COPY or
``executemany``), present and unavailable numbers, the commit's insert, clearing.
"""

import pytest
from django.utils import timezone

from didhub.imports import sql, staging
from didhub.imports.models import Import, ImportRow
from didhub.numbers import attributes
from didhub.numbers.choices import NumberState, NumberType, SyncState
from didhub.numbers.models import Carrier, Number

pytestmark = pytest.mark.django_db


def row(line: int, e164: str, *, voice=True, sms=False, tags="") -> tuple:
    """A staged row in ``STAGE_COLUMNS`` order, as the validator gives it."""
    values = {**attributes.DEFAULTS, "voice": voice, "sms": sms, "fax": False, "tags": tags}
    flags = [values[key] for key in attributes.FLAGS]
    texts = [values.get(key) or "" for key in attributes.TEXTS]
    return (
        line,
        e164,
        1,
        "US",
        NumberType.values[0],
        *flags,
        "",
        values["usage"],
        values["cac_limit"],
        None,
        *texts,
    )


def staged_run(tree, account, *rows) -> Import:
    run = Import.objects.create(account=account, uploaded_by=tree.master)
    assert staging.stage_rows(run.pk, rows) == len(rows)
    return run


def commit(run, account, **options) -> int:
    defaults = {
        "owner_id": account.pk,
        "uploaded_by_id": run.uploaded_by_id,
        "external": False,
        "state": NumberState.AVAILABLE,
        "sync_state": SyncState.values[0],
        "voice_carrier_id": None,
        "sms_profile_id": None,
        "now": timezone.now(),
    }
    return sql.insert_numbers(run.pk, **{**defaults, **options})


def test_staged_rows_are_counted_and_cleared(tree):
    run = staged_run(tree, tree.acme, row(2, "+12125550100"), row(3, "+12125550101", tags=";a;"))
    assert sql.staged_count(run.pk) == 2
    assert set(ImportRow.objects.values_list("line", "e164", "tags", "present")) == {
        (2, "+12125550100", "", False),
        (3, "+12125550101", ";a;", False),
    }
    sql.clear_staging(run.pk)
    assert sql.staged_count(run.pk) == 0


def test_present_numbers_are_flagged_and_numbers_held_elsewhere_taken_out(tree):
    mine = staged_run(tree, tree.acme, row(2, "+12125550100"))
    theirs = staged_run(tree, tree.globex, row(2, "+12125550101"))
    assert commit(mine, tree.acme) == 1
    assert commit(theirs, tree.globex) == 1
    run = staged_run(
        tree,
        tree.acme,
        row(2, "+12125550100"),
        row(3, "+12125550101"),
        row(4, "+12125550102"),
    )
    assert sql.mark_present(run.pk, tree.acme.path) == 1
    assert sql.take_unavailable(run.pk) == [(3, "+12125550101")]
    assert sorted(ImportRow.objects.filter(import_run=run).values_list("e164", "present")) == [
        ("+12125550100", True),
        ("+12125550102", False),
    ]
    assert commit(run, tree.acme) == 1  # the present number is left as it is
    assert Number.objects.get(e164="+12125550102").source_import_id == run.pk
    assert Number.objects.filter(owner=tree.acme).count() == 2


def test_a_carrier_is_written_only_where_its_capability_is(tree):
    carrier = Carrier.objects.create(owner=tree.master, name="Carrier A")
    run = staged_run(tree, tree.acme, row(2, "+12125550100"), row(3, "+12125550101", voice=False))
    assert commit(run, tree.acme, voice_carrier_id=carrier.pk) == 2
    assert dict(Number.objects.values_list("e164", "voice_carrier_id")) == {
        "+12125550100": carrier.pk,
        "+12125550101": None,
    }


def test_unstaging_and_taking_many_rows_out(tree):
    rows = [row(line, f"+1212555{line:04d}") for line in range(2, 6002)]
    run = staged_run(tree, tree.acme, *rows)
    sql.unstage(run.pk, [(2, "+12125550002"), (3, "+12125559999")])
    assert sql.staged_count(run.pk) == 5999
    other = staged_run(tree, tree.globex, *rows[1:])
    assert commit(other, tree.globex) == 5999
    # More numbers held elsewhere than one DELETE takes: every one is taken out.
    assert len(sql.take_unavailable(run.pk)) == 5999
    assert sql.staged_count(run.pk) == 0
