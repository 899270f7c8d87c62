"""Who may do what: the one place that answers it (docs/permissions.md has the table).

Every interface asks here: services call ``check`` before they change anything, and
the portal calls ``allows`` to hide what would be refused (no Delete button where
delete is not allowed). Answers come in two kinds, on purpose:

* outside the user's subtree -> ``NotVisible`` (404): its existence is not disclosed;
* visible but not allowed -> ``PolicyDenied`` (403) with the reason.
"""

from enum import StrEnum

from didhub.accounts.choices import AccountKind, Role
from didhub.core.errors import NotVisible, PolicyDenied


class Action(StrEnum):
    VIEW = "view"
    EXPORT = "export"
    # Numbers
    NUMBER_UPDATE = "number.update"
    NUMBER_CHANGE_CARRIER = "number.change_carrier"
    NUMBER_DELETE = "number.delete"
    NUMBER_DELEGATE = "number.delegate"
    NUMBER_RECLAIM = "number.reclaim"
    NUMBER_ASSIGN = "number.assign"
    NUMBER_UNASSIGN = "number.unassign"
    NUMBER_RESERVE = "number.reserve"
    NUMBER_RELEASE = "number.release"
    NUMBER_RESTORE = "number.restore"
    NUMBERS_UPLOAD = "numbers.upload"
    # Accounts and what hangs off them
    ACCOUNT_CREATE_CHILD = "account.create_child"
    ACCOUNT_UPDATE = "account.update"
    ACCOUNT_DELETE = "account.delete"
    USER_MANAGE = "user.manage"
    TARGET_MANAGE = "target.manage"
    CATALOG_MANAGE = "catalog.manage"
    LINK_MANAGE = "link.manage"
    LINK_CONSENT = "link.consent"
    CALLS_RECORD = "calls.record"


READ_ACTIONS = {Action.VIEW, Action.EXPORT}

RESELLER_ACTIONS = {
    Action.NUMBER_UPDATE,
    Action.NUMBER_CHANGE_CARRIER,
    Action.NUMBER_DELETE,
    Action.NUMBER_DELEGATE,
    Action.NUMBER_RECLAIM,
    # Higher administrators may act for the accounts below them (docs/domain.md, "Acting
    # for an account below").
    Action.NUMBER_ASSIGN,
    Action.NUMBER_UNASSIGN,
    Action.NUMBER_RESERVE,
    Action.NUMBER_RELEASE,
    Action.NUMBER_RESTORE,
    Action.NUMBERS_UPLOAD,
    Action.ACCOUNT_CREATE_CHILD,
    Action.ACCOUNT_UPDATE,
    Action.ACCOUNT_DELETE,
    Action.USER_MANAGE,
    Action.TARGET_MANAGE,
    Action.CATALOG_MANAGE,
    Action.LINK_MANAGE,
    Action.LINK_CONSENT,
    Action.CALLS_RECORD,
}

ENTERPRISE_ADMIN_ACTIONS = {
    Action.NUMBER_DELETE,  # its own external numbers only (uploader rule below)
    Action.NUMBER_ASSIGN,
    Action.NUMBER_UNASSIGN,
    Action.NUMBER_RESERVE,
    Action.NUMBER_RELEASE,
    Action.NUMBER_RESTORE,
    Action.NUMBERS_UPLOAD,  # only with allow_external_numbers (rule below)
    Action.USER_MANAGE,
    Action.TARGET_MANAGE,
    Action.LINK_CONSENT,
}

# A professional works on the enterprise's numbers and assignments like its administrator,
# but does not administer its people (a "professional" is an enterprise of one person).
PROFESSIONAL_ACTIONS = ENTERPRISE_ADMIN_ACTIONS - {Action.USER_MANAGE}

ALLOWED_ACTIONS: dict[str, set[Action]] = {
    Role.PLATFORM_VIEWER: set(READ_ACTIONS),
    Role.PLATFORM_ADMIN: READ_ACTIONS | RESELLER_ACTIONS,
    Role.RESELLER_ADMIN: READ_ACTIONS | RESELLER_ACTIONS,
    Role.ENTERPRISE_ADMIN: READ_ACTIONS | ENTERPRISE_ADMIN_ACTIONS,
    Role.PROFESSIONAL: READ_ACTIONS | PROFESSIONAL_ACTIONS,
    Role.ENTERPRISE_VIEWER: set(READ_ACTIONS),
}

ROLE_REFUSALS = {
    Role.PLATFORM_VIEWER: "Platform viewers can see everything and change nothing.",
    Role.ENTERPRISE_VIEWER: "Enterprise viewers have read-only access.",
}

RESELLER_ONLY = {
    Action.NUMBER_UPDATE: "Only resellers change capabilities, route, usage and attributes.",
    Action.NUMBER_CHANGE_CARRIER: "Only resellers change carriers.",
    Action.NUMBER_DELEGATE: "Only resellers delegate numbers.",
    Action.NUMBER_RECLAIM: "Only resellers reclaim numbers.",
    Action.ACCOUNT_CREATE_CHILD: "Only resellers create accounts.",
    Action.CATALOG_MANAGE: "Only resellers manage carriers and profiles.",
    Action.LINK_MANAGE: "Only resellers create platform links.",
    Action.CALLS_RECORD: "Only resellers and the platform record call events.",
}
ADMIN_ONLY = {
    Action.USER_MANAGE: "Only administrators manage users.",
}


def account_of(obj):
    """The account an object belongs to, for the subtree test."""
    if obj is None:
        return None
    if obj._meta.model_name == "account":
        return obj
    for attribute in ("owner", "enterprise", "account"):
        if hasattr(obj, f"{attribute}_id"):
            return getattr(obj, attribute)
    raise TypeError(f"policy: no account for {type(obj).__name__}")


def is_visible(user, obj) -> bool:
    account = account_of(obj)
    return account is None or account.path.startswith(user.account.path)


def refusal(user, action: Action, obj=None) -> str | None:
    """Why ``user`` may not do ``action`` to ``obj`` (a visible object), or None."""
    if action not in ALLOWED_ACTIONS.get(user.role, set()):
        if user.role in ROLE_REFUSALS:
            return ROLE_REFUSALS[user.role]
        return RESELLER_ONLY.get(action) or ADMIN_ONLY.get(action, "Your role does not allow this.")
    rule = OBJECT_RULES.get(action)
    return rule(user, obj) if rule and obj is not None else None


def allows(user, action: Action, obj=None) -> bool:
    """For templates and serializers: would ``check`` pass?"""
    if not getattr(user, "is_authenticated", False) or user.account_id is None:
        return False
    if obj is not None and not is_visible(user, obj):
        return False
    return refusal(user, action, obj) is None


def check(user, action: Action, obj=None) -> None:
    """Raise ``NotVisible`` (404) or ``PolicyDenied`` (403) unless allowed."""
    if not getattr(user, "is_authenticated", False) or user.account_id is None:
        raise PolicyDenied("You must be signed in.", code="not_authenticated")
    if obj is not None and not is_visible(user, obj):
        raise NotVisible("Not found.", code="not_found")
    if reason := refusal(user, action, obj):
        raise PolicyDenied(reason, code="not_allowed")


def check_visible(user, obj) -> None:
    check(user, Action.VIEW, obj)


# Object rules: the part of a decision that depends on the object itself.


def rule_delete(user, number) -> str | None:
    # Only the uploader may delete, and only numbers nobody uses (docs/domain.md,
    # "Deleting a number").
    if number.uploaded_by_id != user.account_id:
        return "Only the account that uploaded this number can delete it."
    if number.is_assigned or number.state != "available":
        return f"Only available numbers can be deleted; this one is {number.state}."
    if number.owner_id != number.uploaded_by_id:
        return f"This number is delegated to {number.owner.name}; reclaim it first."
    return None


def rule_change_carrier(user, number) -> str | None:
    # The carrier can be changed as long as the number is not yet assigned
    # (docs/domain.md, "Carriers and profiles").
    if number.is_assigned:
        return "The carrier cannot change while the number is assigned; unassign it first."
    return None


def rule_upload(user, account) -> str | None:
    # An enterprise uploads its own ("external") numbers only when its reseller allows it.
    if user.account.kind == AccountKind.ENTERPRISE and not account.allow_external_numbers:
        return (
            "Your service provider has not allowed this enterprise to upload its own "
            "numbers (Allow External Numbers)."
        )
    if account.kind == AccountKind.PLATFORM:
        return "Numbers belong to a reseller or an enterprise, not to the platform root."
    return None


def rule_below_own_account(user, account) -> str | None:
    # Settings such as Allow External Numbers are granted from above, never to oneself.
    if account.pk == user.account_id and not user.account.is_platform:
        return "Your own account's settings are managed by your provider."
    return None


def rule_create_child(user, parent) -> str | None:
    if parent.kind == AccountKind.ENTERPRISE:
        return "An enterprise cannot have accounts below it."
    return None


def rule_reclaim(user, number) -> str | None:
    if number.owner_id == user.account_id:
        return "This number is already held by your account."
    return None


def rule_enterprise_only(user, obj) -> str | None:
    # Asked about the enterprise itself (creating) or about its target or link (editing).
    if account_of(obj).kind != AccountKind.ENTERPRISE:
        return "Targets and platform links belong to enterprises."
    return None


def rule_user_manage(user, obj) -> str | None:
    # Nobody deactivates, removes or re-roles themselves: an account never locks out its
    # last administrator by accident, and a change of one's own access needs a second person.
    if obj._meta.model_name == "user" and obj.pk == user.pk:
        return "You cannot change your own access; ask another administrator."
    return None


OBJECT_RULES = {
    Action.NUMBER_DELETE: rule_delete,
    Action.NUMBER_CHANGE_CARRIER: rule_change_carrier,
    Action.NUMBERS_UPLOAD: rule_upload,
    Action.ACCOUNT_UPDATE: rule_below_own_account,
    Action.ACCOUNT_DELETE: rule_below_own_account,
    Action.ACCOUNT_CREATE_CHILD: rule_create_child,
    Action.NUMBER_RECLAIM: rule_reclaim,
    Action.TARGET_MANAGE: rule_enterprise_only,
    Action.LINK_MANAGE: rule_enterprise_only,
    Action.USER_MANAGE: rule_user_manage,
}
