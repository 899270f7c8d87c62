"""An import left mid-work by a dead process is failed by the housekeeping, unread."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from didhub.imports.locks import work_lock
from didhub.imports.models import Import
from didhub.imports.tests.conftest import upload


@pytest.mark.django_db
def test_housekeeping_fails_an_abandoned_commit_and_leaves_a_live_one(tree, capsys):
    abandoned = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n")
    working = upload(tree.master_admin, tree.sub, "1,2125550101,,,,\n")
    waiting = upload(tree.master_admin, tree.sub, "1,2125550102,,,,\n")
    now = timezone.now()
    Import.objects.filter(pk__in=[abandoned.pk, working.pk]).update(
        state="committing", started_at=now
    )
    # Queued for a worker but not started: nobody has died, it is just waiting.
    Import.objects.filter(pk=waiting.pk).update(state="committing", started_at=None)

    with work_lock(working.pk):
        call_command("housekeeping", only=["imports.abandoned"])

    states = dict(Import.objects.values_list("pk", "state"))
    assert states[abandoned.pk] == "failed"
    assert states[working.pk] == "committing"
    assert states[waiting.pk] == "committing"
    assert "imports.abandoned: failed 1" in capsys.readouterr().out
    assert "commit stopped before it finished" in Import.objects.get(pk=abandoned.pk).error


@pytest.mark.django_db
def test_an_upload_left_ready_for_a_week_is_failed_with_its_reason(tree, settings):
    from datetime import timedelta

    from didhub.core.models import Event
    from didhub.imports.models import ImportRow

    settings.DIDHUB_IMPORT_READY_DAYS = 7
    stale = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n")
    fresh = upload(tree.master_admin, tree.sub, "1,2125550101,,,,\n")
    Import.objects.filter(pk=stale.pk).update(validated_at=timezone.now() - timedelta(days=8))

    call_command("housekeeping", only=["imports.expire_ready"])

    stale.refresh_from_db()
    assert stale.state == "failed"
    assert stale.error == (
        "Not committed within 7 days of its validation; nothing was imported. "
        "Upload the file again."
    )
    assert not ImportRow.objects.filter(import_run=stale).exists()
    assert Event.objects.filter(action="import.failed", import_id=stale.pk).exists()
    assert Import.objects.get(pk=fresh.pk).state == "ready"
