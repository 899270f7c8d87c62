"""On PostgreSQL the database writes the CSV (COPY): the same bytes as the Python writer."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from didhub.exports import selectors
from didhub.exports.columns import HEADERS
from didhub.exports.tests.conftest import ACME_NUMBERS
from didhub.exports.writers.csv import crlf_rows, csv_chunks, csv_export
from didhub.imports import adding
from didhub.numbers import services
from didhub.numbers.models import Number
from didhub.sync.activity import calls_record

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="COPY is PostgreSQL's; SQLite keeps the Python writer"
)

TRIPLE = "+12125550110"
SMS_ONLY = "+12125550111"
FAX_ONLY = "+12125550112"
LOADED, RESERVED, RELEASED, CALLED = ACME_NUMBERS[1:5]
ZOE = 'Zoë "Z" Müller, Jr.'


@pytest.fixture
def nasty(tree, inventory):
    """The export inventory and more: every kind of text a CSV or a spreadsheet trips on.

    Quotes, commas, newlines and accents in names and free text; formula starts and
    E.164 look-alikes; missing names (NULL); a number on all three channels; times
    with microseconds on both sides of a second.
    """
    master, acme = tree.master_admin, tree.acme_admin
    carrier = services.carrier_create(actor=master, owner=tree.master, name='Lumen, "Level 3"')
    profile = services.sms_profile_create(
        actor=master, owner=tree.master, carrier_name="Bändwidth", name="=cmd|' /C calc'!A0"
    )
    calling = services.calling_profile_create(
        actor=master, owner=tree.master, name="Zoë's SBC\nEast", sbc_device="sbc2.example"
    )
    triple = adding.number_add(
        actor=tree.sub_admin,
        account=tree.acme,
        e164=TRIPLE,
        voice=True,
        sms=True,
        fax=True,
        route="direct_routing",
        voice_carrier=carrier,
        sms_profile=profile,
        calling_profile=calling,
        sip_connection="+12125550100",
        service_info='say "hi", then\nleave',
        tags=["+44", "é", "=1"],
    )
    sms_only = adding.number_add(
        actor=tree.sub_admin, account=tree.acme, e164=SMS_ONLY, sms=True, sms_profile=profile
    )
    fax_only = adding.number_add(actor=tree.sub_admin, account=tree.acme, e164=FAX_ONLY, fax=True)
    zoe = services.target_create(actor=acme, enterprise=tree.acme, kind="pbx_user", name=ZOE)
    e164_named = services.target_create(
        actor=acme, enterprise=tree.acme, kind="sms_user", name="+12125550199"
    )
    fax = services.target_create(actor=acme, enterprise=tree.acme, kind="fax", name="-fax-")
    for target in (zoe, e164_named, fax):
        services.number_assign(actor=acme, number=triple, target=target)
    services.number_assign(actor=acme, number=sms_only, target=e164_named)
    services.number_assign(actor=acme, number=fax_only, target=fax)

    numbers = {number.e164: number for number in inventory.acme}
    until = (timezone.now() + timedelta(days=40)).replace(microsecond=999_999)
    services.number_reserve(actor=acme, number=numbers[RESERVED], until=until)
    services.number_release(actor=acme, number=numbers[RELEASED])
    called = datetime(2025, 3, 30, 1, 30, 59, 500_000, tzinfo=UTC)  # Paris just moved clocks on
    calls_record(actor=None, events=[{"e164": CALLED, "at": called.isoformat()}])
    # Services strip what a bulk load might keep: leading tabs and carriage returns.
    Number.objects.filter(e164=LOADED).update(
        sip_connection="\r=1+1", service_info="\tcmd", tags=";;-x;"
    )


def copied(queryset, monkeypatch, tz=None, *, viewer) -> bytes:
    """The export as the database writes it, sure that Python writes no row of it."""

    def python_rows(*args, **kwargs):
        raise AssertionError("the database writes this export")

    with monkeypatch.context() as patch:
        patch.setattr(selectors, "export_chunks", python_rows)
        return b"".join(csv_export(queryset, viewer=viewer, tz=tz))


def python_written(queryset, tz=None, *, viewer) -> bytes:
    return b"".join(csv_chunks(selectors.export_chunks(queryset, viewer=viewer), tz=tz))


def rows_of(data: bytes) -> dict[str, dict[str, str]]:
    text = data.decode("utf-8").removeprefix("\ufeff")
    return {row["Number"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


@pytest.mark.postgres_only
@needs_postgres
@pytest.mark.parametrize("copy_chunk", [None, 2])
@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York"])
@pytest.mark.usefixtures("nasty")
def test_copy_writes_the_python_writers_bytes(tree, monkeypatch, zone, copy_chunk):
    tz = ZoneInfo(zone)
    queryset = selectors.export_queryset(user=tree.platform_admin)
    if copy_chunk:
        # Many chunks: each COPY starts after the last number of the one before.
        monkeypatch.setattr(selectors, "COPY_CHUNK_SIZE", copy_chunk)
    viewer = tree.platform_admin
    assert copied(queryset, monkeypatch, tz, viewer=viewer) == python_written(
        queryset, tz, viewer=viewer
    )


@pytest.mark.postgres_only
@needs_postgres
@pytest.mark.parametrize(
    ("user", "filters", "expected"),
    [
        ("acme_admin", {}, 7),
        ("acme_admin", {"sms": "true"}, 4),
        ("acme_admin", {"search": "assigned_pbx"}, 2),
        ("globex_admin", {}, 1),
        ("initech_admin", {"q": "5550999"}, 1),
        ("initech_admin", {"owner": "acme"}, 0),
    ],
)
@pytest.mark.usefixtures("nasty")
def test_copy_exports_what_the_list_shows(tree, monkeypatch, user, filters, expected):
    if filters.get("owner") == "acme":
        filters = {"owner": tree.acme.pk}
    queryset = selectors.export_queryset(user=getattr(tree, user), filters=filters)
    data = copied(queryset, monkeypatch, viewer=getattr(tree, user))
    assert data == python_written(queryset, viewer=getattr(tree, user))
    assert len(rows_of(data)) == expected


@pytest.mark.postgres_only
@needs_postgres
@pytest.mark.usefixtures("nasty")
def test_copied_cells(tree, monkeypatch):
    tz = ZoneInfo("Europe/Paris")
    queryset = selectors.export_queryset(user=tree.platform_admin)
    rows = rows_of(copied(queryset, monkeypatch, tz, viewer=tree.platform_admin))

    triple = rows[TRIPLE]
    assert triple["Assigned To"] == f"{ZOE} (Voice); +12125550199 (SMS); -fax- (Fax)"
    assert triple["Services"] == "PBX, SMS, Fax"
    assert triple["Capabilities"] == "Voice, SMS, Fax"
    assert triple["Voice Carrier"] == 'Lumen, "Level 3"'
    assert triple["SMS Carrier Profile"] == "Bändwidth(=cmd|' /C calc'!A0) - (Master Reseller)"
    assert triple["Calling Profile"] == "Zoë's SBC\nEast"
    assert triple["SIP Connection"] == "+12125550100"
    assert triple["Service Info"] == 'say "hi", then\nleave'
    assert triple["Tags"] == "'+44;=1;é"
    assert rows[SMS_ONLY]["Assigned To"] == "+12125550199"
    assert rows[SMS_ONLY]["Voice Carrier"] == ""
    assert rows[FAX_ONLY]["Assigned To"] == "'-fax-"
    assert rows[LOADED] == {
        **rows[LOADED],
        "SIP Connection": "'\r=1+1",
        "Service Info": "'\tcmd",
        "Tags": "'-x",
    }
    # 01:30:59.5 UTC is 03:30:59 in Paris, the clocks just moved on; never rounded up.
    assert rows[CALLED]["Last Call"] == "2025-03-30 03:30:59"
    reserved = Number.objects.get(e164=RESERVED).reserved_until.astimezone(tz)
    assert rows[RESERVED]["Reserved Until"] == reserved.strftime("%Y-%m-%d %H:%M:%S")
    assert rows[RESERVED]["State"] == "Reserved"
    assert rows[RELEASED]["Aging Until"]
    assert rows[RELEASED]["Reserved Until"] == ""


@pytest.mark.postgres_only
@needs_postgres
def test_an_empty_copy_export_still_has_its_header(tree, inventory, monkeypatch):
    queryset = selectors.export_queryset(user=tree.acme_admin, filters={"state": "aging"})
    data = copied(queryset, monkeypatch, viewer=tree.acme_admin)
    assert data == python_written(queryset, viewer=tree.acme_admin)
    assert data.decode("utf-8") == "\ufeff" + ",".join(HEADERS) + "\r\n"


def test_copied_rows_end_as_the_python_writers_do():
    assert crlf_rows(b"+1,a\n+2,b\n", 2) == b"+1,a\r\n+2,b\r\n"
    # A newline inside a quoted cell is the cell's: it stays.
    copied = b'+1,"a\nb",x\n+2,"say ""hi""\n",y\n+3,"""",z\n'
    assert crlf_rows(copied, 3) == b'+1,"a\nb",x\r\n+2,"say ""hi""\n",y\r\n+3,"""",z\r\n'
