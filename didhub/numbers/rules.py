"""Which numbers fit which targets: the target's kind decides channel, capability,
route and usage (docs/domain.md, "Assignments and targets").

One table, ``TARGET_RULES``, is read by the assignment services, the portal (to offer
only numbers that fit) and the station inventory (``uses_station``). ``check_fit``
answers with a sentence that names the broken rule, or None when the number fits.
"""

from dataclasses import dataclass

from didhub.numbers.choices import Channel, Route, TargetKind, Usage


@dataclass(frozen=True)
class TargetRule:
    """What a target kind accepts. ``routes``/``usages`` of None accept any value."""

    channel: str
    capability: str
    routes: frozenset[str] | None
    usages: frozenset[str] | None
    service: str
    uses_station: bool


def _rule(channel, routes=None, usages=None, *, service, uses_station=False) -> TargetRule:
    return TargetRule(
        channel=channel,
        capability=channel,
        routes=frozenset(routes) if routes is not None else None,
        usages=frozenset(usages) if usages is not None else None,
        service=service,
        uses_station=uses_station,
    )


DR = (Route.DIRECT_ROUTING,)
USER_OR_SERVICE = (Usage.USER, Usage.SERVICE)

TARGET_RULES: dict[str, TargetRule] = {
    TargetKind.PBX_USER: _rule(Channel.VOICE, DR, (Usage.USER,), service="PBX", uses_station=True),
    TargetKind.CALLAPP_USER: _rule(
        Channel.VOICE, DR, (Usage.USER,), service="CallApp", uses_station=True
    ),
    TargetKind.TRUNK: _rule(Channel.VOICE, DR, USER_OR_SERVICE, service="Trunk", uses_station=True),
    TargetKind.EXTERNAL_TRUNK: _rule(
        Channel.VOICE, (Route.EXTERNAL_TRUNK,), USER_OR_SERVICE, service="ET"
    ),
    TargetKind.OPERATOR_CONNECT_TRUNK: _rule(
        Channel.VOICE, (Route.OPERATOR_CONNECT,), USER_OR_SERVICE, service="OC"
    ),
    TargetKind.SERVICE: _rule(Channel.VOICE, DR, USER_OR_SERVICE, service="Service"),
    TargetKind.GROUP: _rule(Channel.VOICE, DR, USER_OR_SERVICE, service="Group"),
    # Contact-center numbers go to agents only; agents take them on any route.
    TargetKind.CONTACT_CENTER_AGENT: _rule(
        Channel.VOICE, None, (Usage.CONTACT_CENTER,), service="Contact Center", uses_station=True
    ),
    TargetKind.SMS_USER: _rule(Channel.SMS, service="SMS"),
    TargetKind.SMS_GROUP: _rule(Channel.SMS, service="SMS"),
    TargetKind.FAX: _rule(Channel.FAX, service="Fax"),
}

# Kinds whose voice assignments count against an enterprise's purchased stations
# (docs/domain.md, "Stations").
STATION_KINDS = frozenset(kind for kind, rule in TARGET_RULES.items() if rule.uses_station)

KIND_NAMES = {
    TargetKind.PBX_USER: "a PBX user",
    TargetKind.CALLAPP_USER: "a CallApp user",
    TargetKind.TRUNK: "a trunk",
    TargetKind.EXTERNAL_TRUNK: "an external trunk",
    TargetKind.OPERATOR_CONNECT_TRUNK: "an Operator Connect trunk",
    TargetKind.SMS_USER: "an SMS user",
    TargetKind.SMS_GROUP: "an SMS group",
    TargetKind.SERVICE: "a service",
    TargetKind.GROUP: "a group",
    TargetKind.CONTACT_CENTER_AGENT: "a contact-center agent",
    TargetKind.FAX: "a fax target",
}

CAPABILITY_NAMES = {Channel.VOICE: "voice", Channel.SMS: "SMS", Channel.FAX: "fax"}


def kind_name(kind: str, *, capitalize: bool = False) -> str:
    """``'an external trunk'`` (or ``'An external trunk'``) for a target kind."""
    name = KIND_NAMES[kind]
    return name[0].upper() + name[1:] if capitalize else name


def default_channel(kind: str) -> str:
    return TARGET_RULES[kind].channel


def _labels(values, choices) -> str:
    return " or ".join(str(choices(value).label) for value in sorted(values))


def check_fit(number, target, channel: str) -> str | None:
    """Why ``number`` cannot serve ``target`` on ``channel``, or None when it fits."""
    rule = TARGET_RULES[target.kind]
    who = kind_name(target.kind, capitalize=True)
    if channel != rule.channel:
        return (
            f"{who} uses numbers on the {CAPABILITY_NAMES[rule.channel]} channel, "
            f"not {CAPABILITY_NAMES.get(channel, channel)}."
        )
    capability = CAPABILITY_NAMES[rule.capability]
    if not getattr(number, rule.capability):
        return f"{who} takes only {capability}-capable numbers; {number.e164} has no {capability}."
    if rule.routes is not None and number.route not in rule.routes:
        current = Route(number.route).label if number.route else "none"
        return (
            f"{who} takes only numbers with route {_labels(rule.routes, Route)}; "
            f"{number.e164} has route {current}."
        )
    if rule.usages is not None and number.usage not in rule.usages:
        if number.usage == Usage.CONTACT_CENTER:
            return (
                f"Numbers with usage Contact Center go only to contact-center agents; "
                f"{number.e164} cannot go to {kind_name(target.kind)}."
            )
        return (
            f"{who} takes only numbers with usage {_labels(rule.usages, Usage)}; "
            f"{number.e164} has usage {Usage(number.usage).label}."
        )
    return None
