"""An inventory worth exporting, built through the numbers services.

Acme (under Sub Reseller) holds five numbers: ``+12125550100`` used for voice by Alice
and for SMS by a group whose name is a formula; ``+12125550101`` only SMS-assigned to
that group; the rest available. Text fields carry what a spreadsheet would run. Globex
holds one UK number; the foreign tenant Initech holds ``+12125550999``.
"""

import base64
import csv
import io
import re
import zlib
from dataclasses import dataclass

import pytest

from didhub.accounts import services as account_services
from didhub.imports import adding
from didhub.numbers import services
from didhub.numbers.models import Number

FORMULA_GROUP = '=HYPERLINK("http://evil.test","click")'
ACME_NUMBERS = [f"+1212555010{i}" for i in range(5)]
GLOBEX_NUMBER = "+442071838750"
INITECH_NUMBER = "+12125550999"


@dataclass
class Inventory:
    acme: list[Number]
    globex: Number
    initech: Number


@pytest.fixture
def inventory(tree):
    carrier = services.carrier_create(actor=tree.master_admin, owner=tree.master, name="Lumen")
    profile = services.sms_profile_create(
        actor=tree.master_admin, owner=tree.master, carrier_name="Bandwidth", name="BW for Testing"
    )
    calling = services.calling_profile_create(
        actor=tree.master_admin, owner=tree.master, name="SBC East", sbc_device="sbc1.example"
    )
    first = adding.number_add(
        actor=tree.sub_admin,
        account=tree.acme,
        e164=ACME_NUMBERS[0],
        voice=True,
        sms=True,
        route="direct_routing",
        voice_carrier=carrier,
        sms_profile=profile,
        calling_profile=calling,
        sip_connection="+1 (212) trunk",
        service_info="@SUM(A1:A2)",
        tags=["-1+1", "vip"],
    )
    second = adding.number_add(
        actor=tree.sub_admin, account=tree.acme, e164=ACME_NUMBERS[1], sms=True
    )
    rest = [
        adding.number_add(
            actor=tree.sub_admin,
            account=tree.acme,
            e164=e164,
            voice=True,
            route="external_trunk",
        )
        for e164 in ACME_NUMBERS[2:]
    ]
    alice = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="pbx_user", name="Alice"
    )
    group = services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind="sms_group", name=FORMULA_GROUP
    )
    services.number_assign(actor=tree.acme_admin, number=first, target=alice)
    services.number_assign(actor=tree.acme_admin, number=first, target=group)
    services.number_assign(actor=tree.acme_admin, number=second, target=group)
    globex = adding.number_add(
        actor=tree.master_admin,
        account=tree.globex,
        e164=GLOBEX_NUMBER,
        voice=True,
        route="operator_connect",
    )
    initech = adding.number_add(
        actor=tree.foreign_admin, account=tree.initech, e164=INITECH_NUMBER, fax=True
    )
    return Inventory(acme=[first, second, *rest], globex=globex, initech=initech)


@pytest.fixture
def token_for():
    """``Authorization`` header value of a fresh read token of a user."""

    def make(user) -> str:
        _, key = account_services.token_create(actor=user, name="export")
        return f"Token {key}"

    return make


def content_of(response) -> bytes:
    """The whole body of a streaming or plain response."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[dict[str, str]]:
    """The CSV export as dicts, keyed by header; asserts the BOM Excel needs."""
    text = content_of(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def pdf_text(data: bytes) -> str:
    """Every content stream of a PDF, inflated, as one text (for assertions)."""
    assert data.startswith(b"%PDF-")
    pieces = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):  # reportlab's ASCII85 wrapping of compressed streams
            raw = zlib.decompress(base64.a85decode(b"<~" + raw, adobe=True))
        elif raw.startswith(b"x"):  # deflated
            raw = zlib.decompress(raw)
        pieces.append(raw.decode("latin-1"))
    return "\n".join(pieces)
