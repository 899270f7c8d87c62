"""Two-phase uploads through the services: validate, commit, history, rights, recovery."""

import sqlite3

import psycopg
import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from didhub.core.errors import Conflict, NotVisible, PolicyDenied, ValidationFailed
from didhub.core.models import Event
from didhub.imports import adding, services, staging
from didhub.imports.models import Import, ImportRow
from didhub.imports.tests.conftest import csv_file, upload
from didhub.numbers import services as number_services
from didhub.numbers.models import Number

ROWS = (
    "1,212 555 0100,TRUE,yes,no,Direct Routing\n"
    "1,(212) 555-0101,FALSE,x,,\n"
    "\n"
    "1,212.555.0100,TRUE,no,no,Operator Connect\n"
    "1,1.21E+10,TRUE,no,no,Direct Routing\n"
    "1,212 555 0102,TRUE,no,no,\n"
)


def test_validation_counts_and_reports_every_rejected_row(tree):
    run = upload(tree.master_admin, tree.acme, ROWS)
    assert run.state == "ready"
    assert (run.total_rows, run.valid, run.invalid, run.duplicate, run.present) == (5, 2, 2, 1, 0)
    assert run.notes == ["1 blank line(s) skipped."]
    rows = list(run.row_errors.values_list("line", "column", "value", "code"))
    assert rows == [
        (5, "Phone Number", "212.555.0100", "duplicate"),
        (6, "Phone Number", "1.21E+10", "scientific_notation"),
        (7, "Voice Route Type", "", "voice_without_route"),
    ]
    assert Number.objects.count() == 0
    assert ImportRow.objects.filter(import_run=run).count() == 2
    event = Event.objects.get(action="import.created")
    assert (event.import_id, event.account_id, event.actor_user_id) == (
        run.pk,
        tree.acme.pk,
        tree.master_admin.pk,
    )


def test_commit_creates_the_numbers_in_one_go_with_one_history_event(tree, catalog, outbox):
    run = upload(tree.master_admin, tree.acme, ROWS)
    run = services.import_commit(actor=tree.master_admin, import_run=run)
    assert (run.state, run.committed) == ("done", 2)
    voice = Number.objects.get(e164="+12125550100")
    sms = Number.objects.get(e164="+12125550101")
    assert (voice.owner, voice.uploaded_by, voice.external) == (tree.acme, tree.master, False)
    assert (voice.voice, voice.sms, voice.route) == (True, True, "direct_routing")
    # Default carriers of the uploading reseller, only where the capability is set.
    assert (voice.voice_carrier, voice.sms_profile) == (catalog.carrier, catalog.profile)
    assert (sms.voice_carrier, sms.sms_profile, sms.route) == (None, catalog.profile, "")
    assert {voice.source_import_id, sms.source_import_id} == {run.pk}
    assert (voice.state, voice.number_type, voice.region) == (
        "available",
        "fixed_line_or_mobile",
        "US",
    )
    event = Event.objects.get(action="import.committed")
    assert (event.import_id, event.object_type, event.object_id) == (run.pk, "import", run.pk)
    assert event.after["committed"] == 2
    assert outbox == [{"action": "added", "import_id": run.pk}]
    assert not ImportRow.objects.filter(import_run=run).exists()


@pytest.fixture
def outbox(monkeypatch):
    from didhub.core import audit

    calls = []
    original = audit.numbers_changed

    def recorder(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(audit, "numbers_changed", recorder)
    return calls


def test_chosen_carriers_and_later(tree, catalog):
    run = upload(tree.master_admin, tree.acme, ROWS, voice_carrier="Lumen", sms_profile_later=True)
    services.import_commit(actor=tree.master_admin, import_run=run)
    voice = Number.objects.get(e164="+12125550100")
    assert (voice.voice_carrier, voice.sms_profile) == (catalog.other_carrier, None)


def test_a_carrier_the_destination_cannot_use_is_refused(tree, catalog):
    with pytest.raises(ValidationFailed) as error:
        upload(tree.master_admin, tree.acme, ROWS, voice_carrier=catalog.foreign_carrier.pk)
    assert error.value.errors[0].field == "voice_carrier"
    assert not Import.objects.exists()


def test_numbers_already_held_are_present_or_not_available(tree):
    adding.number_add(actor=tree.sub_admin, account=tree.sub, e164="+12125550100")
    adding.number_add(actor=tree.foreign_admin, account=tree.foreign, e164="+12125550101")
    run = upload(
        tree.master_admin, tree.acme, "1,2125550100,,,,\n1,2125550101,,,,\n1,2125550102,,,,\n"
    )
    assert (run.total_rows, run.valid, run.present, run.invalid) == (3, 2, 1, 1)
    [error] = run.row_errors.all()
    assert (error.line, error.code) == (3, "not_available")
    assert "Foreign" not in error.message and "another account" in error.message
    run = services.import_commit(actor=tree.master_admin, import_run=run)
    assert run.committed == 1
    # Present numbers are left as they are.
    assert Number.objects.get(e164="+12125550100").owner == tree.sub


def test_commit_rechecks_numbers_taken_since_validation(tree):
    run = upload(tree.master_admin, tree.acme, "1,2125550100,,,,\n1,2125550101,,,,\n")
    adding.number_add(actor=tree.foreign_admin, account=tree.foreign, e164="+12125550101")
    run = services.import_commit(actor=tree.master_admin, import_run=run)
    assert (run.state, run.committed, run.valid, run.invalid) == ("done", 1, 1, 1)
    assert run.row_errors.get().code == "not_available"
    assert Number.objects.get(e164="+12125550101").owner == tree.foreign


def test_an_enterprise_uploads_external_numbers_only_when_allowed(tree):
    run = upload(tree.globex_admin, tree.globex, "1,2125550100,,,,\n")
    services.import_commit(actor=tree.globex_admin, import_run=run)
    number = Number.objects.get()
    assert (number.owner, number.uploaded_by, number.external) == (tree.globex, tree.globex, True)
    with pytest.raises(PolicyDenied) as error:
        upload(tree.acme_admin, tree.acme, "1,2125550101,,,,\n")
    assert "Allow External Numbers" in error.value.message


@pytest.mark.parametrize("who", ["acme_viewer", "platform_viewer"])
def test_read_only_roles_cannot_upload(tree, who):
    with pytest.raises(PolicyDenied):
        upload(getattr(tree, who), tree.acme, "1,2125550100,,,,\n")


def test_a_foreign_account_is_not_visible(tree):
    with pytest.raises(NotVisible):
        upload(tree.foreign_admin, tree.acme, "1,2125550100,,,,\n")


def test_location_country_is_enforced(tree):
    from didhub.accounts import services as account_services

    account_services.account_update(
        actor=tree.platform_admin, account=tree.acme, location_country="IT"
    )
    run = upload(
        tree.master_admin, tree.acme, "39,06 6982 0000,,,,\n1,2125550100,,,,\n,06 6982 0001,,,,\n"
    )
    assert (run.valid, run.invalid) == (2, 1)
    assert run.row_errors.get().code == "wrong_country"


def test_calling_profiles_usage_and_tags_reach_the_numbers(tree, catalog):
    text = (
        "Phone Number,Voice,Voice Route Type,Usage,CAC,Calling Profile,Tags\n"
        "+12125550100,yes,Direct Routing,Contact Center,4,contact centre,vip;hq\n"
        "+12125550101,yes,Direct Routing,User,9,Nope,\n"
    )
    run = upload(tree.master_admin, tree.acme, text)
    assert run.row_errors.get().code == "unknown_calling_profile"
    services.import_commit(actor=tree.master_admin, import_run=run)
    number = Number.objects.get()
    assert (number.usage, number.cac_limit, number.calling_profile) == (
        "contact_center",
        4,
        catalog.calling,
    )
    assert number.tags == ";hq;vip;"


def test_json_entries_ranges_and_single_numbers_take_the_same_path(tree):
    run = services.import_create(
        actor=tree.master_admin,
        account=tree.sub,
        entries=["+12125550100", {"Phone Number": "2125550101", "country_code": 1, "sms": True}],
    )
    assert (run.source, run.valid) == ("list", 2)
    single = services.import_create(
        actor=tree.master_admin, account=tree.sub, entries=["+12125550102"]
    )
    assert (single.source, single.valid) == ("single", 1)
    ranged = services.import_create(
        actor=tree.master_admin,
        account=tree.sub,
        number_range={"start": "+12125550100", "end": "+12125550199"},
        defaults={"voice": True, "route": "direct_routing"},
    )
    assert (ranged.source, ranged.total_rows, ranged.valid) == ("range", 100, 100)
    ranged = services.import_commit(actor=tree.master_admin, import_run=ranged)
    assert Number.objects.filter(voice=True, route="direct_routing").count() == 100
    with pytest.raises(ValidationFailed):
        services.import_create(actor=tree.master_admin, account=tree.sub, entries=[{"colour": 1}])


def test_porting_numbers_wait_in_porting_in(tree):
    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n", porting=True)
    services.import_commit(actor=tree.master_admin, import_run=run)
    assert Number.objects.get().state == "porting_in"


def test_only_a_ready_import_commits_and_only_once(tree):
    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n")
    services.import_commit(actor=tree.master_admin, import_run=run)
    with pytest.raises(Conflict) as error:
        services.import_commit(actor=tree.master_admin, import_run=run)
    assert "done" in error.value.message
    assert Number.objects.count() == 1


def test_a_failing_commit_writes_nothing_and_says_why(tree, monkeypatch):
    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n1,2125550101,,,,\n")
    real_clear = staging.clear_staging

    def broken(import_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr(staging, "clear_staging", broken)
    with pytest.raises(RuntimeError):
        services.import_commit(actor=tree.master_admin, import_run=run)
    monkeypatch.setattr(staging, "clear_staging", real_clear)
    run.refresh_from_db()
    assert run.state == "failed" and "disk full" in run.error
    assert Number.objects.count() == 0
    assert not Event.objects.filter(action="import.committed").exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite checks foreign keys when the outermost transaction commits, after a test",
)
def test_a_carrier_deleted_after_validation_fails_the_commit_cleanly(tree):
    carrier = number_services.carrier_create(
        actor=tree.master_admin, owner=tree.master, name="Lumen"
    )
    run = upload(
        tree.master_admin,
        tree.sub,
        "1,2125550100,TRUE,,,direct_routing\n1,2125550101,TRUE,,,direct_routing\n",
        voice_carrier=carrier,
    )
    number_services.carrier_delete(actor=tree.master_admin, carrier=carrier)
    with pytest.raises(Conflict) as error:
        services.import_commit(actor=tree.master_admin, import_run=run)
    assert error.value.code == "reference_deleted"
    run.refresh_from_db()
    assert run.state == "failed" and "was deleted after the file was validated" in run.error
    assert Number.objects.count() == 0
    assert not ImportRow.objects.filter(import_run=run).exists()
    assert not Event.objects.filter(action="import.committed").exists()


def test_both_databases_missing_reference_errors_are_recognised():
    """SQLite's own wording, from a real violation; PostgreSQL's by SQLSTATE."""
    sqlite = sqlite3.connect(":memory:")
    sqlite.executescript(
        "PRAGMA foreign_keys = ON; CREATE TABLE a (id INTEGER PRIMARY KEY);"
        "CREATE TABLE b (a_id INTEGER REFERENCES a (id));"
    )
    with pytest.raises(sqlite3.IntegrityError) as raised:
        sqlite.execute("INSERT INTO b VALUES (1)")
    assert services._missing_reference(IntegrityError(*raised.value.args))
    assert services._missing_reference(wrapped(psycopg.errors.ForeignKeyViolation("gone")))
    assert not services._missing_reference(wrapped(psycopg.errors.UniqueViolation("taken")))
    assert not services._missing_reference(IntegrityError("UNIQUE constraint failed: x.e164"))


def wrapped(cause: Exception) -> IntegrityError:
    """As Django raises a driver's error: its own class, the driver's as the cause."""
    error = IntegrityError(*cause.args)
    error.__cause__ = cause
    return error


def test_an_unreadable_file_fails_the_import_with_the_reason(tree):
    with pytest.raises(ValidationFailed) as error:
        services.import_create(
            actor=tree.master_admin, account=tree.sub, file=csv_file("Name,Email\nAnn,a@b.c\n")
        )
    assert error.value.errors[0].field == "file"
    assert error.value.code == "no_number_column"
    run = Import.objects.get()
    assert run.state == "failed" and "Phone Number" in run.error


def test_large_uploads_run_as_tasks_with_progress(tree, immediate_tasks, monkeypatch):
    monkeypatch.setattr(services, "INLINE_ROWS", 2)
    run = upload(tree.master_admin, tree.sub, "".join(f"1,21255501{n:02d},,,,\n" for n in range(5)))
    assert run.state == "ready" and run.task_id
    assert (run.progress_done, run.progress_total) == (5, 5)
    run = services.import_commit(actor=tree.master_admin, import_run=run)
    assert (run.state, run.committed, run.progress_done) == ("done", 5, 5)


def test_a_queued_import_waits_for_the_worker(tree, monkeypatch):
    monkeypatch.setattr(services, "INLINE_ROWS", 2)
    run = upload(tree.master_admin, tree.sub, "".join(f"1,21255501{n:02d},,,,\n" for n in range(5)))
    assert (run.state, run.started_at, run.progress_total) == ("validating", None, 5)
    # Not started: not abandoned either.
    assert services.import_recover(import_run=run).state == "validating"
    from didhub.imports.tasks import validate_import

    validate_import.call(run.pk)
    run.refresh_from_db()
    assert (run.state, run.valid) == ("ready", 5)


def test_an_import_abandoned_mid_commit_shows_failed(tree):
    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n")
    # What a killed worker leaves: the claim and its start, no lock holder, no numbers.
    Import.objects.filter(pk=run.pk).update(state="committing", started_at=timezone.now())
    run = services.import_recover(import_run=Import.objects.get(pk=run.pk))
    assert run.state == "failed"
    assert "commit stopped before it finished" in run.error and "nothing was imported" in run.error
    assert Event.objects.filter(action="import.failed", import_id=run.pk).exists()
    assert not ImportRow.objects.filter(import_run=run).exists()


def test_a_running_commit_is_not_taken_for_abandoned(tree):
    from didhub.imports.locks import work_lock

    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n")
    Import.objects.filter(pk=run.pk).update(state="committing", started_at=timezone.now())
    with work_lock(run.pk):
        assert (
            services.import_recover(import_run=Import.objects.get(pk=run.pk)).state == "committing"
        )


def test_staging_lost_since_validation_fails_the_commit(tree):
    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n")
    staging.clear_staging(run.pk)
    with pytest.raises(RuntimeError):
        services.import_commit(actor=tree.master_admin, import_run=run)
    run.refresh_from_db()
    assert run.state == "failed" and "upload the file again" in run.error


def test_the_history_of_an_imported_number_starts_with_its_import(tree):
    from didhub.numbers.selectors import number_history

    run = upload(tree.master_admin, tree.acme, "1,2125550100,,,,\n")
    services.import_commit(actor=tree.master_admin, import_run=run)
    number = Number.objects.get()
    [event] = number_history(user=tree.acme_admin, number=number)
    assert (event.action, event.import_id) == ("import.committed", run.pk)


def test_refused_rows_are_stored_byte_for_byte(tree):
    """COPY (PostgreSQL) and executemany (SQLite) keep tabs, backslashes, quotes and
    line breaks of a refused value as they were."""
    from didhub.imports.validation import RowError

    run = Import.objects.create(account=tree.acme, uploaded_by=tree.master)
    hostile = 'a\tb\\N\r\n"c",;\\.'
    written = staging.store_errors(
        run.pk,
        [
            RowError(7, "Phone Number", hostile, "not_a_number", f"{hostile} is not a number."),
            RowError(3, "Voice", "", "bad_boolean", "Voice must be TRUE or FALSE."),
        ],
    )
    assert written == 2
    assert list(run.row_errors.values_list("line", "column", "value", "code", "message")) == [
        (3, "Voice", "", "bad_boolean", "Voice must be TRUE or FALSE."),
        (7, "Phone Number", hostile, "not_a_number", f"{hostile} is not a number."),
    ]
    assert staging.store_errors(run.pk, []) == 0


def test_staged_text_reaches_the_numbers_byte_for_byte(tree):
    """The staging COPY escapes what COPY's text format would read as its own."""
    hostile = r'sbc\01.example.com "A" \N \t'
    text = (
        "Phone Number,Voice,Voice Route Type,SIP Connection,Service Info,Tags\n"
        f"+12125550100,yes,Direct Routing,{hostile},back\\slash,\\x;b\\\n"
        f"+12125550101,yes,Direct Routing,{hostile},back\\slash,\\x;b\\\n"
    )
    run = upload(tree.master_admin, tree.acme, text)
    assert (run.valid, run.invalid) == (2, 0), list(run.row_errors.values_list("message"))
    services.import_commit(actor=tree.master_admin, import_run=run)
    stored = set(Number.objects.values_list("sip_connection", "service_info", "tags"))
    assert stored == {(hostile, "back\\slash", ";\\x;b\\;")}


def test_unstage_takes_out_exactly_the_rows_named(tree):
    run = upload(tree.master_admin, tree.acme, "1,2125550100,,,,\n1,2125550101,,,,\n")
    staging.unstage(run.pk, [(2, "+12125550100"), (2, "+12125550101"), (9, "+12125550100")])
    assert list(ImportRow.objects.filter(import_run=run).values_list("line", "e164")) == [
        (3, "+12125550101")
    ]
    staging.unstage(run.pk, [])
    assert staging.staged_count(run.pk) == 1
