"""Uploads in two phases: ``import_create`` validates, ``import_commit`` imports.

Validation reads the file, refuses what is wrong row by row, and stages what is right;
commit turns every staged row into a number in one transaction, or none of them.
Large uploads run both phases as background tasks (``didhub.imports.tasks``) with
progress on the import; small ones run inline.
"""

import hashlib
import json
import time
from datetime import timedelta
from functools import partial
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts.choices import AccountKind
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import Conflict, ValidationFailed, invalid
from didhub.core.logs import current_request_id
from didhub.imports import sharing, staging, uploads
from didhub.imports.choices import ImportSource, ImportState
from didhub.imports.columns import COLUMNS_BY_KEY
from didhub.imports.locks import unless_worked_on, work_lock
from didhub.imports.models import Import
from didhub.imports.readers import FileError, Table, entries_table, open_table
from didhub.imports.sharing import Outcome
from didhub.imports.validation import RowError, Rules
from didhub.numbers import attributes
from didhub.numbers.account_defaults import default_carriers
from didhub.numbers.choices import NumberState
from didhub.numbers.models import CallingProfile, Carrier, SmsProfile

# Uploads with more rows than this are validated and committed by a background task.
INLINE_ROWS = settings.DIDHUB_IMPORT_INLINE_ROWS
# Columns a default may be given for (blank cells take it): the country code and every
# attribute, by the key the upload file, the API and the portal's form all use.
DEFAULTABLE = {"country_code", *attributes.KEYS}
IN_PROGRESS = (ImportState.VALIDATING, ImportState.COMMITTING)
PROGRESS_EVERY = 50_000


def upload_folder(import_id: int) -> Path:
    return uploads.folder(import_id)


def _usable(model, account, value, field):
    """A carrier or profile (instance, id or name) the destination may use, or None."""
    if value in (None, ""):
        return None
    usable = model.objects.usable_by(account)
    if isinstance(value, model):
        found = usable.filter(pk=value.pk).first()
    elif isinstance(value, int) or str(value).isdigit():
        found = usable.filter(pk=int(value)).first()
    else:
        found = usable.filter(name__iexact=str(value).strip()).first()
    if found is None:
        raise invalid(
            f"{value!r} is not a {model._meta.verbose_name} this account may use.",
            field=field,
            code="not_usable",
        )
    return found


def import_create(
    *,
    actor,
    account,
    file=None,
    file_name: str = "",
    entries: list | None = None,
    number_range: dict | None = None,
    voice_carrier=None,
    sms_profile=None,
    voice_carrier_later: bool = False,
    sms_profile_later: bool = False,
    porting: bool = False,
    defaults: dict | None = None,
    source: str | None = None,
    inline: bool | None = None,
    progress=None,
) -> Import:
    """Start an upload into ``account``: store what was sent, then validate it.

    Exactly one of ``file`` (a binary file object: CSV or XLSX), ``entries`` (numbers
    as strings or as objects keyed by column) or ``number_range`` (``{start, end}``).
    The import is ``ready`` on return when validation ran inline, ``validating`` when
    it was handed to a task. ``voice_carrier``/``sms_profile`` (instance, id or name)
    are applied to voice/SMS numbers; without them the uploader's default carriers
    are, unless ``*_later`` is set ("Assign Voice Carrier Later"; docs/domain.md,
    "Uploading").
    ``inline`` forces (True) or forbids (False) validating in this process; by default
    uploads over ``DIDHUB_IMPORT_INLINE_ROWS`` go to a task. ``progress(done, total)``
    hears about inline progress.
    """
    given = [part for part in (file, entries, number_range) if part is not None]
    if len(given) != 1:
        raise invalid("Send one file, one list of numbers or one range.", field="file")
    defaults = {key: value for key, value in (defaults or {}).items() if value not in (None, "")}
    if unknown := sorted(set(defaults) - DEFAULTABLE):
        raise invalid(f"No column default for {', '.join(unknown)}.", field="defaults")
    with transaction.atomic():
        check(actor, Action.NUMBERS_UPLOAD, account)
        options = {
            "voice_carrier": _pk(_usable(Carrier, account, voice_carrier, "voice_carrier")),
            "sms_profile": _pk(_usable(SmsProfile, account, sms_profile, "sms_profile")),
            "voice_carrier_later": bool(voice_carrier_later),
            "sms_profile_later": bool(sms_profile_later),
            "porting": bool(porting),
            "defaults": {key: _text(value) for key, value in defaults.items()},
        }
        if file is not None:
            kind = source or ImportSource.FILE
        elif number_range is not None:
            kind = ImportSource.RANGE
            if not isinstance(number_range, dict) or not {"start", "end"} <= set(number_range):
                raise invalid("A range needs a start and an end.", field="range")
            entries = [{"phone_number": number_range["start"], "range_end": number_range["end"]}]
        else:
            kind = source or (ImportSource.SINGLE if len(entries) == 1 else ImportSource.LIST)
            if not isinstance(entries, list) or not entries:
                raise invalid("The list of numbers is empty.", field="numbers")
        run = Import.objects.create(
            account=account,
            uploaded_by=actor.account,
            user=actor,
            source=kind,
            file_name=(file_name or getattr(file, "name", "") or "")[:255],
            options=options,
            state=ImportState.VALIDATING,
        )
        run.stored_file, run.checksum = _store(run.pk, file, entries)
        run.save(update_fields=["stored_file", "checksum"])
        uploads.keep(run.pk, upload_folder(run.pk) / run.stored_file)
        audit.record(
            actor=actor,
            action="import.created",
            obj=run,
            account=account,
            import_id=run.pk,
            after={"file_name": run.file_name, "source": run.source, "options": options},
        )
    estimated = _estimate_rows(run, entries, number_range)
    if inline is False or (inline is None and estimated > INLINE_ROWS):
        from didhub.imports.tasks import validate_import

        # A worker, on this node or another, reads the database's copy (before the task
        # is queued, so that a worker on this node never reads a file being removed).
        uploads.release_local(run.pk)
        Import.objects.filter(pk=run.pk).update(progress_total=estimated)
        result = validate_import.enqueue(run.pk, request_id=current_request_id.get())
        Import.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
        run.refresh_from_db()
        return run
    import_validate(import_id=run.pk, raise_file_errors=True, progress=progress)
    run.refresh_from_db()
    return run


def _pk(obj):
    return obj.pk if obj is not None else None


def _text(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def _store(import_id: int, file, entries) -> tuple[str, str]:
    """Keep what was sent beside the import, so that a task can read it; its SHA-256."""
    folder = upload_folder(import_id)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    if file is None:
        path = folder / "entries.json"
        data = json.dumps(entries).encode()
        digest.update(data)
        path.write_bytes(data)
        return path.name, digest.hexdigest()
    name = getattr(file, "name", "") or ""
    path = folder / ("upload.xlsx" if str(name).lower().endswith((".xlsx", ".xlsm")) else "upload")
    if hasattr(file, "seek"):
        file.seek(0)
    limit = settings.DIDHUB_MAX_UPLOAD_BYTES
    size = 0
    with open(path, "wb") as out:
        while chunk := file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise ValidationFailed(
                    f"The file is larger than {limit:,} bytes.",
                    code="too_large",
                    errors=[],
                )
            digest.update(chunk)
            out.write(chunk)
    return path.name, digest.hexdigest()


def _estimate_rows(run, entries, number_range) -> int:
    if number_range is not None:
        try:
            start = int("".join(ch for ch in str(number_range["start"]) if ch.isdigit()))
            end = int("".join(ch for ch in str(number_range["end"]) if ch.isdigit()))
        except ValueError:
            return 1
        return max(1, min(end - start + 1, settings.DIDHUB_MAX_RANGE))
    if entries is not None:
        return len(entries)
    with open(stored_path(run), "rb") as stream:
        try:
            return open_table(stream, run.stored_file).estimated_rows
        except FileError:
            return 0


def stored_path(run: Import) -> Path:
    """The upload's file on this node (written from the database first if need be)."""
    return uploads.local_path(run.pk, run.stored_file)


def open_stored(run: Import, stream) -> Table:
    if run.stored_file.endswith("entries.json"):
        return entries_table(json.load(stream))
    return open_table(stream, run.stored_file)


def destination_rules(account, defaults: dict) -> Rules:
    """What validation must know about the destination, read once from the database."""
    from didhub.numbers.placement import CountryRule

    country = CountryRule.of_account(account)
    profiles = {}
    for pk, name in CallingProfile.objects.usable_by(account).values_list("pk", "name"):
        profiles.setdefault(name.lower(), pk)
    return Rules(
        country_code=country.code,
        country=country.country,
        calling_profiles=profiles,
        defaults=dict(defaults),
        max_range=settings.DIDHUB_MAX_RANGE,
    )


def import_validate(*, import_id: int, raise_file_errors: bool = False, progress=None) -> None:
    """Phase one (system): read, validate and stage an import's rows; state ``ready``.

    Runs under the import's work lock so that a crash shows as ``failed`` (see
    ``import_recover``). A file that cannot be read at all fails the import, with the
    reason; ``raise_file_errors`` also raises it as ValidationFailed (for inline calls).
    """
    with work_lock(import_id):
        run = Import.objects.select_related("account", "uploaded_by").get(pk=import_id)
        if run.state != ImportState.VALIDATING:
            return
        started = timezone.now()
        Import.objects.filter(pk=import_id).update(started_at=started, progress_done=0)
        try:
            path = stored_path(run)
            with open(path, "rb") as stream:
                table = open_stored(run, stream)
                if table.estimated_rows:
                    Import.objects.filter(pk=import_id).update(progress_total=table.estimated_rows)

                def report(rows_read: int) -> None:
                    Import.objects.filter(pk=import_id).update(progress_done=rows_read)
                    if progress is not None:
                        progress(rows_read, table.estimated_rows)

                outcome = sharing.validate_and_stage(
                    import_id,
                    table,
                    destination_rules(run.account, run.options["defaults"]),
                    path=str(path),
                    opener=partial(open_stored, run),
                    progress=report,
                )
            _finish_validation(run, table, outcome)
        except FileError as error:
            staging.clear_staging(import_id)
            _fail(import_id, error.message)
            if raise_file_errors:
                raise invalid(error.message, field="file", code=error.code) from error
        except Exception as error:
            staging.clear_staging(import_id)
            _fail(import_id, f"Validation stopped: {error}")
            raise
        finally:
            uploads.release_local(import_id)


def _finish_validation(run: Import, table: Table, outcome: Outcome) -> None:
    counts = outcome.counts
    with transaction.atomic():
        present = staging.mark_present(run.pk, run.uploaded_by.path)
        unavailable = staging.take_unavailable(run.pk)
        unavailable_errors = (_unavailable_error(line, e164) for line, e164 in unavailable)
        staging.store_errors(run.pk, chain(outcome.errors, unavailable_errors))
        notes = list(table.notes)
        if table.blank_lines:
            notes.append(f"{table.blank_lines:,} blank line(s) skipped.")
        Import.objects.filter(pk=run.pk).update(
            state=ImportState.READY,
            total_rows=counts.total,
            valid=counts.valid - len(unavailable),
            invalid=counts.invalid + len(unavailable),
            duplicate=counts.duplicate,
            present=present,
            progress_done=outcome.rows_read,
            progress_total=outcome.rows_read,
            notes=notes,
            validated_at=timezone.now(),
        )


def _unavailable_error(line: int, e164: str) -> RowError:
    # The owner is never named: another tenant's inventory is not disclosed.
    return RowError(
        line,
        COLUMNS_BY_KEY["phone_number"].header,
        e164,
        "not_available",
        f"{e164} is not available: another account holds it.",
    )


def _fail(import_id: int, reason: str) -> None:
    Import.objects.filter(pk=import_id).update(state=ImportState.FAILED, error=reason[:2000])
    # Nothing reads a failed upload's file again ("upload the file again").
    transaction.on_commit(partial(uploads.forget, import_id))


def import_commit(*, actor, import_run: Import, inline: bool | None = None) -> Import:
    """Phase two: turn every valid row of a ``ready`` import into a number, all or none.

    Large imports are handed to a task (state ``committing`` until it ends); small ones
    commit inline. Numbers already present are left unchanged.
    """
    check(actor, Action.NUMBERS_UPLOAD, import_run.account)
    claimed = Import.objects.filter(pk=import_run.pk, state=ImportState.READY).update(
        state=ImportState.COMMITTING, started_at=None, error=""
    )
    if not claimed:
        import_run.refresh_from_db()
        raise Conflict(
            f"The import is {import_run.state}; only a ready import can be committed.",
            code="not_ready",
        )
    import_run.refresh_from_db()
    large = import_run.valid - import_run.present > INLINE_ROWS
    if inline is False or (inline is None and large):
        from didhub.imports.tasks import commit_import

        result = commit_import.enqueue(import_run.pk, actor.pk, request_id=current_request_id.get())
        Import.objects.filter(pk=import_run.pk).update(task_id=str(result.id)[:64])
    else:
        import_commit_run(import_id=import_run.pk, actor=actor)
    import_run.refresh_from_db()
    return import_run


def import_commit_run(*, import_id: int, actor) -> None:
    """The commit itself (inline or in a task), under the import's work lock."""
    with work_lock(import_id):
        run = Import.objects.select_related("account", "uploaded_by").get(pk=import_id)
        if run.state != ImportState.COMMITTING:
            return
        Import.objects.filter(pk=import_id).update(
            started_at=timezone.now(), progress_done=0, progress_total=run.valid - run.present
        )
        try:
            with transaction.atomic():
                _commit(run, actor)
        except IntegrityError as error:
            if _missing_reference(error):
                # A carrier or profile was deleted since validation: committing again
                # would fail the same way, so the import ends here.
                reason = (
                    "A carrier or profile chosen for these numbers was deleted after the file "
                    "was validated; nothing was imported. Upload the file again."
                )
                _fail(import_id, reason)
                staging.clear_staging(import_id)
                raise Conflict(reason, code="reference_deleted") from error
            # Someone added one of these numbers during the commit: nothing was written.
            Import.objects.filter(pk=import_id).update(state=ImportState.READY)
            raise Conflict(
                "Numbers of this import were added elsewhere while it committed; nothing was "
                "imported. Commit again.",
                code="changed",
            ) from error
        except Exception as error:
            _fail(import_id, f"The commit failed and nothing was imported: {error}")
            staging.clear_staging(import_id)
            raise


def _missing_reference(error: IntegrityError) -> bool:
    """A row points at a catalog entry that is gone: a foreign-key violation.

    PostgreSQL reports it as SQLSTATE 23503 (``didhub.numbers.references``), SQLite by
    its message when the transaction commits.
    """
    return getattr(error.__cause__, "sqlstate", None) == "23503" or (
        "FOREIGN KEY constraint failed" in str(error)
    )


def _commit(run: Import, actor) -> None:
    from didhub.sync.outbox import initial_sync_state

    locked = Import.objects.select_for_update().get(pk=run.pk)
    # Conflicts that appeared since validation, found the same set-based way.
    present = staging.mark_present(run.pk, run.uploaded_by.path)
    unavailable = staging.take_unavailable(run.pk)
    staging.store_errors(run.pk, [_unavailable_error(line, e164) for line, e164 in unavailable])
    valid = locked.valid - len(unavailable)
    staged = staging.staged_count(run.pk)
    if staged != valid:
        raise RuntimeError(
            f"{staged:,} staged rows where {valid:,} were validated (the database lost its "
            "staging area); upload the file again"
        )
    voice_carrier_id, sms_profile_id = commit_carriers(run)
    now = timezone.now()
    started = time.monotonic()
    inserted = staging.insert_numbers(
        run.pk,
        owner_id=run.account_id,
        uploaded_by_id=run.uploaded_by_id,
        external=run.uploaded_by.kind == AccountKind.ENTERPRISE,
        state=NumberState.PORTING_IN if run.options.get("porting") else NumberState.AVAILABLE,
        # New numbers of a linked enterprise wait for the platform sync, in the state
        # the outbox holds them in, so that queueing them needs no second pass.
        sync_state=initial_sync_state(run.account_id),
        voice_carrier_id=voice_carrier_id,
        sms_profile_id=sms_profile_id,
        now=now,
    )
    staging.clear_staging(run.pk)
    audit.record(
        actor=actor,
        action="import.committed",
        obj=run,
        account=run.account,
        import_id=run.pk,
        after={
            "committed": inserted,
            "present": present,
            "unavailable": len(unavailable),
            "voice_carrier": voice_carrier_id,
            "sms_profile": sms_profile_id,
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    audit.numbers_changed(action="added", import_id=run.pk)
    transaction.on_commit(lambda: import_delete_files(import_run=run))
    Import.objects.filter(pk=run.pk).update(
        state=ImportState.DONE,
        valid=valid,
        invalid=locked.invalid + len(unavailable),
        present=present,
        committed=inserted,
        progress_done=inserted,
        progress_total=inserted,
        committed_at=now,
    )


def commit_carriers(run: Import) -> tuple[int | None, int | None]:
    """The carriers numbers get: the chosen ones, else the default ones (docs/domain.md,
    "Uploading").

    Defaults are the uploading account's, inherited from the nearest account above it
    that has one (as for a single number); "later" leaves the carrier empty.
    """
    options = run.options
    voice, sms = options.get("voice_carrier"), options.get("sms_profile")
    default_voice, default_sms = default_carriers(run.uploaded_by)
    if voice is None and not options.get("voice_carrier_later"):
        voice = default_voice
    if sms is None and not options.get("sms_profile_later"):
        sms = default_sms
    return voice, sms


def import_recover(*, import_run: Import) -> Import:
    """Fail an import whose worker died mid-validation or mid-commit (system).

    Its transaction rolled back with the process, so nothing was imported; this only
    makes that visible. Imports waiting for a worker (not started yet) are left alone.
    """
    if import_run.state not in IN_PROGRESS or import_run.started_at is None:
        return import_run
    with unless_worked_on(import_run.pk) as abandoned:
        if abandoned:
            with transaction.atomic():
                run = Import.objects.select_for_update().get(pk=import_run.pk)
                if run.state in IN_PROGRESS and run.started_at is not None:
                    phase = "validation" if run.state == ImportState.VALIDATING else "commit"
                    _fail_by_system(
                        run,
                        f"The {phase} stopped before it finished (the process running it "
                        "ended); nothing was imported. Upload the file again.",
                    )
    import_run.refresh_from_db()
    return import_run


def _fail_by_system(run: Import, reason: str) -> None:
    """Fail a locked import on the system's behalf: staged rows and files go, with an event.

    Inside the caller's transaction, which holds the import's row lock.
    """
    staging.clear_staging(run.pk)
    run.state = ImportState.FAILED
    run.error = reason
    run.save(update_fields=["state", "error"])
    audit.record(
        actor=None,
        action="import.failed",
        obj=run,
        account=run.account,
        import_id=run.pk,
        after={"error": run.error},
    )
    transaction.on_commit(partial(import_delete_files, import_run=run))


def imports_recover_abandoned() -> int:
    """Fail every import whose worker died mid-work; answer how many (housekeeping).

    Without this sweep an import killed mid-commit would say ``committing`` until
    somebody happened to read it.
    """
    failed = 0
    started = Import.objects.filter(state__in=IN_PROGRESS, started_at__isnull=False)
    for run in started.only("pk", "state", "started_at"):
        if import_recover(import_run=run).state == ImportState.FAILED:
            failed += 1
    return failed


def imports_expire_ready(*, now) -> int:
    """Fail uploads validated but not committed within DIDHUB_IMPORT_READY_DAYS (system).

    A ready upload holds its staged rows and its file; nobody returning to it after a
    week should commit numbers validated against a week-old inventory. Answers how many.
    """
    deadline = now - timedelta(days=settings.DIDHUB_IMPORT_READY_DAYS)
    expired = 0
    for run in Import.objects.filter(state=ImportState.READY, validated_at__lt=deadline):
        with transaction.atomic():
            locked = (
                Import.objects.select_for_update()
                .filter(pk=run.pk, state=ImportState.READY)
                .first()
            )
            if locked is None:
                continue
            _fail_by_system(
                locked,
                f"Not committed within {settings.DIDHUB_IMPORT_READY_DAYS:g} days of its "
                "validation; nothing was imported. Upload the file again.",
            )
        expired += 1
    return expired


def import_delete_files(*, import_run: Import) -> None:
    """Drop the stored upload once it is no longer needed (done or failed)."""
    uploads.forget(import_run.pk)
