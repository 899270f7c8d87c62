"""The policy: every role of the tree x every action x own and foreign objects.

The expected outcomes are written out here, independently of ``didhub.accounts.policy``,
and ``docs/permissions.md`` is checked against the policy so that it cannot drift.
"""

import re
from pathlib import Path

import pytest

from didhub.accounts.choices import Role
from didhub.accounts.policy import ALLOWED_ACTIONS, OBJECT_RULES, Action, check
from didhub.core.errors import NotVisible, PolicyDenied
from didhub.numbers.models import Number

A, D, N = "allowed", "denied", "not visible"
ROLE_ORDER = [
    Role.PLATFORM_VIEWER,
    Role.PLATFORM_ADMIN,
    Role.RESELLER_ADMIN,
    Role.ENTERPRISE_ADMIN,
    Role.PROFESSIONAL,
    Role.ENTERPRISE_VIEWER,
]

# Outcome on the actor's own objects, per role: platform admin, platform viewer,
# reseller admin, enterprise admin, professional, enterprise viewer.
ADMINS_AND_RESELLERS = {"platform_admin": A, "reseller_admin": A, "enterprise_admin": D}
EVERY_ADMIN = {"platform_admin": A, "reseller_admin": A, "enterprise_admin": A}
# A professional works on numbers and assignments as an enterprise admin does.
NUMBER_WORK = {**EVERY_ADMIN, "professional": A}
EXPECTED = {
    Action.VIEW: {**NUMBER_WORK, "platform_viewer": A, "enterprise_viewer": A},
    Action.EXPORT: {**NUMBER_WORK, "platform_viewer": A, "enterprise_viewer": A},
    Action.NUMBER_UPDATE: ADMINS_AND_RESELLERS,
    Action.NUMBER_CHANGE_CARRIER: ADMINS_AND_RESELLERS,
    Action.NUMBER_DELEGATE: ADMINS_AND_RESELLERS,
    Action.NUMBER_RECLAIM: ADMINS_AND_RESELLERS,
    # Only the uploading account deletes (docs/domain.md, "Deleting a number"): not even
    # the platform admin deletes
    # what a reseller uploaded.
    Action.NUMBER_DELETE: {**NUMBER_WORK, "platform_admin": D},
    Action.NUMBER_ASSIGN: NUMBER_WORK,
    Action.NUMBER_UNASSIGN: NUMBER_WORK,
    Action.NUMBER_RESERVE: NUMBER_WORK,
    Action.NUMBER_RELEASE: NUMBER_WORK,
    Action.NUMBER_RESTORE: NUMBER_WORK,
    # Enterprises upload only when their reseller allows it (Globex does, Acme not).
    Action.NUMBERS_UPLOAD: {
        **NUMBER_WORK,
        "enterprise_admin": "allow_external_numbers",
        "professional": "allow_external_numbers",
    },
    Action.ACCOUNT_CREATE_CHILD: ADMINS_AND_RESELLERS,
    Action.ACCOUNT_UPDATE: ADMINS_AND_RESELLERS,
    Action.ACCOUNT_DELETE: ADMINS_AND_RESELLERS,
    # ... but it administers no people.
    Action.USER_MANAGE: EVERY_ADMIN,
    Action.TARGET_MANAGE: NUMBER_WORK,
    Action.CATALOG_MANAGE: ADMINS_AND_RESELLERS,
    Action.LINK_MANAGE: ADMINS_AND_RESELLERS,
    Action.LINK_CONSENT: NUMBER_WORK,
    Action.CALLS_RECORD: ADMINS_AND_RESELLERS,
}
NUMBER_ACTIONS = {action for action in Action if action.value.startswith("number.")}
# Actions whose natural object is an enterprise below the actor (or the actor's own).
ENTERPRISE_ACTIONS = {
    Action.ACCOUNT_UPDATE,
    Action.ACCOUNT_DELETE,
    Action.TARGET_MANAGE,
    Action.LINK_MANAGE,
    Action.LINK_CONSENT,
    Action.NUMBER_DELEGATE,
}
USERS = [
    "platform_admin",
    "platform_viewer",
    "master_admin",
    "sub_admin",
    "acme_admin",
    "acme_viewer",
    "acme_pro",
    "globex_admin",
    "foreign_admin",
    "initech_admin",
]


def places(tree, name: str) -> tuple:
    """(home account, enterprise below or at it) of a user, and of its foreign tenant."""
    own = {
        "platform_admin": (tree.master, tree.acme),
        "platform_viewer": (tree.master, tree.acme),
        "master_admin": (tree.master, tree.acme),
        "sub_admin": (tree.sub, tree.acme),
        "acme_admin": (tree.acme, tree.acme),
        "acme_viewer": (tree.acme, tree.acme),
        "acme_pro": (tree.acme, tree.acme),
        "globex_admin": (tree.globex, tree.globex),
        "foreign_admin": (tree.foreign, tree.initech),
        "initech_admin": (tree.initech, tree.initech),
    }[name]
    tenant_a = {"foreign_admin", "initech_admin"}
    foreign = (tree.master, tree.acme) if name in tenant_a else (tree.foreign, tree.initech)
    return own, foreign


def subject(action: Action, home, enterprise):
    """The natural object of ``action`` for an actor at ``home`` (unsaved numbers)."""
    if action == Action.NUMBER_DELETE:
        return Number(e164="+12125550100", owner=home, uploaded_by=home, state="available")
    if action == Action.NUMBER_RECLAIM:
        return Number(e164="+12125550100", owner=enterprise, uploaded_by=home, state="available")
    if action in NUMBER_ACTIONS:
        return Number(e164="+12125550100", owner=enterprise, uploaded_by=home, state="available")
    if action in ENTERPRISE_ACTIONS:
        return enterprise
    return home


def outcome(user, action, obj) -> str:
    try:
        check(user, action, obj)
    except NotVisible:
        return N
    except PolicyDenied:
        return D
    return A


def expected_own(user, action: Action, home) -> str:
    value = EXPECTED[action].get(user.role, D)
    if value == "allow_external_numbers":
        return A if home.allow_external_numbers else D
    return value


@pytest.mark.parametrize("name", USERS)
def test_matrix_every_action_on_own_and_foreign_objects(tree, name):
    user = getattr(tree, name)
    (home, enterprise), (other_home, other_enterprise) = places(tree, name)
    wrong = []
    for action in Action:
        own = expected_own(user, action, home)
        got = outcome(user, action, subject(action, home, enterprise))
        if got != own:
            wrong.append(f"{action} on own: expected {own}, got {got}")
        # Nobody touches anything outside their subtree; the platform sees everything.
        foreign = expected_own(user, action, other_home) if user.account.is_platform else N
        got = outcome(user, action, subject(action, other_home, other_enterprise))
        if got != foreign:
            wrong.append(f"{action} on foreign: expected {foreign}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_platform_viewers_change_nothing(tree):
    for action in set(Action) - {Action.VIEW, Action.EXPORT}:
        with pytest.raises(PolicyDenied, match="change nothing"):
            check(tree.platform_viewer, action, tree.acme)


def test_only_resellers_change_capabilities_route_and_carriers(tree):
    number = Number(e164="+12125550100", owner=tree.acme, uploaded_by=tree.master)
    for action in (Action.NUMBER_UPDATE, Action.NUMBER_CHANGE_CARRIER):
        with pytest.raises(PolicyDenied, match="Only resellers"):
            check(tree.acme_admin, action, number)
        check(tree.sub_admin, action, number)


def test_carrier_change_refused_while_assigned(tree):
    number = Number(e164="+12125550100", owner=tree.acme, uploaded_by=tree.master)
    number.voice_target_kind = "pbx_user"
    number.state = "assigned"
    with pytest.raises(PolicyDenied, match="while the number is assigned"):
        check(tree.master_admin, Action.NUMBER_CHANGE_CARRIER, number)
    check(tree.master_admin, Action.NUMBER_UPDATE, number)


@pytest.mark.parametrize(
    ("uploaded_by", "owner", "state", "kind", "reason"),
    [
        ("master", "master", "available", "", None),
        ("sub", "sub", "available", "", "Only the account that uploaded"),
        ("master", "acme", "available", "", "delegated to Acme Corp"),
        ("master", "master", "reserved", "", "this one is reserved"),
        ("master", "master", "aging", "", "this one is aging"),
        ("master", "master", "porting_in", "", "this one is porting_in"),
        ("master", "master", "assigned", "pbx_user", "this one is assigned"),
    ],
)
def test_only_the_uploader_deletes_and_only_unused_numbers(
    tree, uploaded_by, owner, state, kind, reason
):
    number = Number(
        e164="+12125550100",
        owner=getattr(tree, owner),
        uploaded_by=getattr(tree, uploaded_by),
        state=state,
        voice_target_kind=kind,
    )
    if reason is None:
        check(tree.master_admin, Action.NUMBER_DELETE, number)
    else:
        with pytest.raises(PolicyDenied, match=reason):
            check(tree.master_admin, Action.NUMBER_DELETE, number)


def test_enterprises_upload_only_when_allowed(tree):
    with pytest.raises(PolicyDenied, match="Allow External Numbers"):
        check(tree.acme_admin, Action.NUMBERS_UPLOAD, tree.acme)
    check(tree.globex_admin, Action.NUMBERS_UPLOAD, tree.globex)
    # A reseller uploads into an enterprise below it whatever that grant says.
    check(tree.sub_admin, Action.NUMBERS_UPLOAD, tree.acme)
    with pytest.raises(PolicyDenied, match="not to the platform root"):
        check(tree.platform_admin, Action.NUMBERS_UPLOAD, tree.root)


def test_nobody_reaches_a_parent_or_sibling(tree):
    for user, obj in (
        (tree.sub_admin, tree.master),
        (tree.sub_admin, tree.globex),
        (tree.acme_admin, tree.sub),
        (tree.globex_admin, tree.acme),
    ):
        with pytest.raises(NotVisible):
            check(user, Action.VIEW, obj)


# docs/permissions.md: its role table is the policy's, rendered.

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"
START, END = "<!-- role-table:start -->", "<!-- role-table:end -->"


def role_table() -> str:
    header = "| action | " + " | ".join(Role(role).label.lower() for role in ROLE_ORDER) + " |"
    lines = [header, "| --- |" + " :---: |" * len(ROLE_ORDER)]
    for action in Action:
        marks = ["yes" if action in ALLOWED_ACTIONS[role] else "—" for role in ROLE_ORDER]
        rule = " ¹" if action in OBJECT_RULES else ""
        lines.append(f"| `{action.value}`{rule} | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def test_permissions_doc_table_is_the_policy():
    text = DOC.read_text()
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == role_table(), f"Regenerate the table in {DOC}:\n{role_table()}"


def test_permissions_doc_explains_every_object_rule():
    section = DOC.read_text().split("## Object rules", 1)[1].split("\n## ", 1)[0]
    heads = re.findall(r"^- (.+?):", section, flags=re.MULTILINE)
    explained = {name for head in heads for name in re.findall(r"`([a-z_.]+)`", head)}
    assert explained == {action.value for action in OBJECT_RULES}
