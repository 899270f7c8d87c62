"""Adding numbers in one call: an upload validated and committed together.

The API, the portal and the CLI bring numbers in through the two phases of an upload
(``services.import_create``, then ``services.import_commit``); that is the one path by
which numbers enter the inventory: one validation (``validation.py``), one set-based
insertion (``staging.insert_numbers``), one history (the import's ``import.committed``
event, and each number pointing at its import). The demo and the tests add numbers
here, through the same two phases, so that the numbers they build are the numbers
production builds.

What this module adds is the caller's promise of all or none. A person reads an
upload's preview and commits the valid rows; a program that names the numbers it wants
gets all of them or an error: any row the upload refuses (invalid, repeated, held by
another account) or finds already in the inventory refuses the whole call, and nothing
is left behind, neither the import nor its file.
"""

from django.db import transaction

from didhub.core.errors import ErrorItem, ValidationFailed
from didhub.imports import services
from didhub.imports.columns import column_for_header
from didhub.imports.models import Import, ImportRow
from didhub.numbers.models import Number

# The keyword arguments of ``number_add`` and ``numbers_add_range`` that are choices of
# the whole upload; every other one is a column default (``import_create``'s defaults).
UPLOAD_OPTIONS = frozenset(
    {"voice_carrier", "sms_profile", "voice_carrier_later", "sms_profile_later", "porting"}
)


def numbers_add(
    *,
    actor,
    account,
    entries: list | None = None,
    number_range: dict | None = None,
    defaults: dict | None = None,
    voice_carrier=None,
    sms_profile=None,
    voice_carrier_later: bool = False,
    sms_profile_later: bool = False,
    porting: bool = False,
) -> list[Number]:
    """Upload ``entries`` or ``number_range`` into ``account`` and commit it, all or none.

    ``entries``, ``number_range``, ``defaults`` and the carrier and porting choices are
    those of ``import_create``. A refusal is one ValidationFailed whose items carry the
    column key as field and, as row, the entry's position from 1 (for a range, the
    number refused inside it). Answers the new numbers in E.164 order.
    """
    with transaction.atomic():
        run = services.import_create(
            actor=actor,
            account=account,
            entries=entries,
            number_range=number_range,
            defaults=defaults,
            voice_carrier=voice_carrier,
            sms_profile=sms_profile,
            voice_carrier_later=voice_carrier_later,
            sms_profile_later=sms_profile_later,
            porting=porting,
            inline=True,
        )
        try:
            if refusal := _refusal(run, by_number=number_range is not None):
                raise refusal
            services.import_commit(actor=actor, import_run=run, inline=True)
        finally:
            # Done with the file now, not when the caller's transaction commits: a
            # caller whose transaction rolls back (a refusal, a test) leaves none behind.
            services.import_delete_files(import_run=run)
    return list(Number.objects.filter(source_import=run).order_by("e164"))


def number_add(*, actor, account, e164: str, **attributes) -> Number:
    """Add one number, as the portal's "Single number" upload does.

    ``e164`` is raw input (normalized and validated exactly); ``attributes`` are column
    defaults (``voice``, ``route``, ``country_code``, ...) and the upload's choices
    (``UPLOAD_OPTIONS``). Errors are keyed by field only.
    """
    options, defaults = _split(attributes)
    try:
        added = numbers_add(
            actor=actor, account=account, entries=[e164], defaults=defaults, **options
        )
    except ValidationFailed as error:
        items = [ErrorItem(code=i.code, message=i.message, field=i.field) for i in error.errors]
        raise ValidationFailed(message=error.message, code=error.code, errors=items) from None
    return added[0]


def numbers_add_range(*, actor, account, start: str, end: str, **attributes) -> list[Number]:
    """Add every number from ``start`` to ``end`` (at most DIDHUB_MAX_RANGE), all or none,
    as the portal's "Range" upload does; ``attributes`` as for ``number_add``."""
    options, defaults = _split(attributes)
    return numbers_add(
        actor=actor,
        account=account,
        number_range={"start": start, "end": end},
        defaults=defaults,
        **options,
    )


def _split(attributes: dict) -> tuple[dict, dict]:
    options = {key: value for key, value in attributes.items() if key in UPLOAD_OPTIONS}
    defaults = {key: value for key, value in attributes.items() if key not in UPLOAD_OPTIONS}
    return options, defaults


def _refusal(run: Import, *, by_number: bool) -> ValidationFailed | None:
    """Every row the validated upload refused or found present, as one error (or None)."""
    items = [
        ErrorItem(
            code=error.code,
            message=error.message,
            field=column_for_header(error.column) or error.column,
            row=error.value if by_number else error.line,
        )
        for error in run.row_errors.order_by("line", "id")
    ]
    present = ImportRow.objects.filter(import_run=run, present=True).order_by("line", "e164")
    items += [
        ErrorItem(
            code="exists",
            message=f"{e164} is already in the inventory.",
            field="phone_number",
            row=e164 if by_number else line,
        )
        for line, e164 in present.values_list("line", "e164")
    ]
    if not items:
        return None
    items.sort(key=lambda item: (item.row, item.field or ""))
    what = "numbers of the range" if by_number else "rows"
    message = items[0].message if len(items) == 1 else f"{len(items):,} {what} are refused."
    return ValidationFailed(message=message, code=items[0].code, errors=items)
