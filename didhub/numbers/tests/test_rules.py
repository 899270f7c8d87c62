"""The compatibility table: which number shape fits which target kind."""

from types import SimpleNamespace

import pytest

from didhub.numbers.choices import Channel, Route, TargetKind, Usage
from didhub.numbers.models import Number
from didhub.numbers.rules import STATION_KINDS, TARGET_RULES, check_fit, default_channel

K = TargetKind
CC = Usage.CONTACT_CENTER
SHAPES = {
    "user_dr": {"voice": True, "route": Route.DIRECT_ROUTING, "usage": Usage.USER},
    "service_dr": {"voice": True, "route": Route.DIRECT_ROUTING, "usage": Usage.SERVICE},
    "user_et": {"voice": True, "route": Route.EXTERNAL_TRUNK, "usage": Usage.USER},
    "user_oc": {"voice": True, "route": Route.OPERATOR_CONNECT, "usage": Usage.USER},
    "cc_dr": {"voice": True, "route": Route.DIRECT_ROUTING, "usage": Usage.CONTACT_CENTER},
    "cc_oc": {"voice": True, "route": Route.OPERATOR_CONNECT, "usage": Usage.CONTACT_CENTER},
    "sms_only": {"sms": True},
    "fax_only": {"fax": True},
    "cc_sms": {"voice": True, "sms": True, "route": Route.DIRECT_ROUTING, "usage": CC},
}
# What fits, on the target's own channel (docs/domain.md, "Assignments and targets").
FITS = {
    K.PBX_USER: {"user_dr"},
    K.CALLAPP_USER: {"user_dr"},
    K.TRUNK: {"user_dr", "service_dr"},
    K.EXTERNAL_TRUNK: {"user_et"},
    K.OPERATOR_CONNECT_TRUNK: {"user_oc"},
    K.SERVICE: {"user_dr", "service_dr"},
    K.GROUP: {"user_dr", "service_dr"},
    K.CONTACT_CENTER_AGENT: {"cc_dr", "cc_oc", "cc_sms"},
    K.SMS_USER: {"sms_only", "cc_sms"},
    K.SMS_GROUP: {"sms_only", "cc_sms"},
    K.FAX: {"fax_only"},
}


def number(shape: str) -> Number:
    values = {"voice": False, "sms": False, "fax": False, "route": "", "usage": Usage.USER}
    return Number(e164="+12125550100", **{**values, **SHAPES[shape]})


@pytest.mark.parametrize("kind", TargetKind.values)
@pytest.mark.parametrize("shape", SHAPES)
def test_fit_matrix(kind, shape):
    target = SimpleNamespace(kind=kind)
    reason = check_fit(number(shape), target, default_channel(kind))
    assert (reason is None) == (shape in FITS[kind]), reason


def test_every_kind_has_a_rule():
    assert set(TARGET_RULES) == set(TargetKind.values) == set(FITS)


def test_refusals_name_the_rule():
    et = SimpleNamespace(kind=K.EXTERNAL_TRUNK)
    assert check_fit(number("user_dr"), et, Channel.VOICE) == (
        "An external trunk takes only numbers with route External Trunk; "
        "+12125550100 has route Direct Routing."
    )
    group = SimpleNamespace(kind=K.SMS_GROUP)
    assert check_fit(number("fax_only"), group, Channel.SMS) == (
        "An SMS group takes only SMS-capable numbers; +12125550100 has no SMS."
    )
    pbx = SimpleNamespace(kind=K.PBX_USER)
    assert "go only to contact-center agents" in check_fit(number("cc_dr"), pbx, Channel.VOICE)
    assert "usage User; +12125550100 has usage Service" in check_fit(
        number("service_dr"), pbx, Channel.VOICE
    )
    assert "on the voice channel, not SMS" in check_fit(number("cc_sms"), pbx, Channel.SMS)


def test_channels_and_stations():
    assert default_channel(K.SMS_GROUP) == Channel.SMS
    assert default_channel(K.FAX) == Channel.FAX
    assert default_channel(K.OPERATOR_CONNECT_TRUNK) == Channel.VOICE
    assert {K.PBX_USER, K.CALLAPP_USER, K.TRUNK, K.CONTACT_CENTER_AGENT} == STATION_KINDS
