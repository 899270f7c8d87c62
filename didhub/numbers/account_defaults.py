"""An account's default voice carrier and SMS profile: kept by numbers, set as the account's.

A number uploaded without a voice carrier (SMS profile) gets the default of the
uploading account, else of the nearest account above it that has one (docs/domain.md,
"Uploading"). The defaults name entries of the catalog, so they live here
(``AccountDefaults``, one row per account that has set one) and not on the account:
accounts is below numbers and never imports it.

To clients they are still two settings of the account, ``default_voice_carrier`` and
``default_sms_profile``: :data:`PART`, registered in ``NumbersConfig.ready()`` with
``didhub.accounts.parts``, lets the account services set them in the account's own
transaction and event, judged by ``placement.unusable_defaults`` (an account's defaults
are ones it may use), and the account API show and take them. Every read for an upload
goes through :func:`default_carriers`.
"""

from collections.abc import Mapping

from didhub.accounts.parts import AccountPart
from didhub.core.errors import ErrorItem
from didhub.numbers import attributes
from didhub.numbers.models import AccountDefaults, Carrier, SmsProfile
from didhub.numbers.placement import unusable_defaults

# The account's setting -> the column of AccountDefaults and the catalog it names.
COLUMNS = {"default_voice_carrier": "voice_carrier", "default_sms_profile": "sms_profile"}
MODELS = {"default_voice_carrier": Carrier, "default_sms_profile": SmsProfile}


def stored(account) -> dict[str, int | None]:
    """The account's own defaults as ids, ``{setting: id or None}``."""
    row = (
        AccountDefaults.objects.filter(account_id=account.pk)
        .values_list(*(f"{column}_id" for column in COLUMNS.values()))
        .first()
    )
    return dict(zip(COLUMNS, row or (None,) * len(COLUMNS), strict=True))


def default_carriers(account) -> tuple[int | None, int | None]:
    """The default voice carrier and SMS profile ids an upload by ``account`` gives: its
    own, else those of the nearest account above it that has one. One query."""
    ids = account.ancestor_ids()
    rows = {
        pk: (voice, sms)
        for pk, voice, sms in AccountDefaults.objects.filter(account_id__in=ids).values_list(
            "account_id", "voice_carrier_id", "sms_profile_id"
        )
    }
    nearest_first = [rows.get(pk, (None, None)) for pk in reversed(ids)]
    return (
        attributes.inherited(voice for voice, _ in nearest_first),
        attributes.inherited(sms for _, sms in nearest_first),
    )


def refusals(account, values: Mapping) -> list[ErrorItem]:
    """The defaults of ``values`` that ``account`` may not hold, each keyed by its field."""
    items = [
        ErrorItem(
            code="invalid",
            message=f"{field} is a {MODELS[field]._meta.verbose_name} or nothing.",
            field=field,
        )
        for field, entry in values.items()
        if entry is not None and not isinstance(entry, MODELS[field])
    ]
    if items:
        return items
    return [
        ErrorItem(code="not_usable", message=reason, field=field)
        for field, reason in unusable_defaults(account, values)
    ]


def save(account, values: Mapping) -> None:
    """Store the defaults of ``values`` (carriers and profiles, or None) for ``account``."""
    AccountDefaults.objects.update_or_create(
        account_id=account.pk,
        defaults={COLUMNS[field]: entry for field, entry in values.items()},
    )


def api_fields(writable: bool) -> dict:
    """The defaults' fields of the account serializers (imported late: DRF shapes)."""
    from didhub.numbers.api.accounts import default_fields

    return default_fields(writable)


PART = AccountPart(
    fields=tuple(COLUMNS),
    own_editable=True,
    follows="location_country",
    related="number_defaults",
    stored=stored,
    refusals=refusals,
    save=save,
    api_fields=api_fields,
)
