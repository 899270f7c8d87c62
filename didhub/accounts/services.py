"""Changing accounts, users and tokens. Each function is one transaction with its event."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from didhub.accounts import parts
from didhub.accounts.choices import ROLES_BY_ACCOUNT_KIND, AccountKind, Role, TokenScope
from didhub.accounts.models import Account, ApiToken, User, hash_token
from didhub.accounts.policy import Action, check
from didhub.core import audit
from didhub.core.errors import Conflict, ErrorItem, PolicyDenied, ValidationFailed, invalid

ACCOUNT_FIELDS = (
    "name",
    "kind",
    "parent",
    "allow_external_numbers",
    "stations_purchased",
    "location_country",
    "aging_days",
    "is_active",
)
# What an account may change of itself; the rest is granted by its provider. Settings
# kept by other apps (``accounts.parts``: the default carrier and SMS profile) say
# themselves whether an account sets them on itself.
OWN_EDITABLE_FIELDS = {"name", "aging_days"}


def account_snapshot(account: Account) -> dict:
    """An account's settings as its events record them, those kept by other apps too."""
    return {**audit.snapshot(account, ACCOUNT_FIELDS), **parts.stored(account)}


def refuse(items) -> None:
    """Raise the field-keyed refusals of a part's settings (``accounts.parts``), if any."""
    if items:
        raise ValidationFailed(message=items[0].message, code=items[0].code, errors=items)


def platform_root_create(*, name: str = "Platform") -> Account:
    """The root of the tree; created once, by set-up, not by a user."""
    with transaction.atomic():
        if Account.objects.filter(kind=AccountKind.PLATFORM).exists():
            raise Conflict("The platform root exists already.", code="root_exists")
        root = Account(name=name, kind=AccountKind.PLATFORM, path="")
        root.save()
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        audit.record(
            actor=None,
            action="account.created",
            obj=root,
            account=root,
            after=account_snapshot(root),
        )
    return root


def validate_account(account: Account) -> None:
    from django.core.exceptions import ValidationError

    try:
        account.full_clean(
            exclude={"path", "parent"} if account.parent_id is None else {"path"},
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        raise ValidationFailedFrom(error) from error


def ValidationFailedFrom(error):
    """A Django ValidationError as didhub's field-keyed ValidationFailed."""
    items = []
    for field_name, messages in error.message_dict.items():
        for message in messages:
            field_key = None if field_name == "__all__" else field_name
            items.append(ErrorItem(code="invalid", message=message, field=field_key))
    return ValidationFailed(message=items[0].message if items else str(error), errors=items)


def account_create(*, actor: User, parent: Account, name: str, kind: str, **settings) -> Account:
    """A reseller or enterprise below ``parent``."""
    if kind not in (AccountKind.RESELLER, AccountKind.ENTERPRISE):
        raise invalid("An account is a reseller or an enterprise.", field="kind")
    settings, held = parts.split(settings)
    with transaction.atomic():
        check(actor, Action.ACCOUNT_CREATE_CHILD, parent)
        account = Account(name=name.strip(), kind=kind, parent=parent, path="", **settings)
        validate_account(account)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError as error:
            raise Conflict(
                f"{parent.name} already has an account named {name!r}.", code="duplicate_name"
            ) from error
        account.path = f"{parent.path}{account.pk}/"
        account.depth = parent.depth + 1
        account.save(update_fields=["path", "depth"])
        refuse(parts.refusals(account, held))
        parts.save(account, held)
        audit.record(
            actor=actor,
            action="account.created",
            obj=account,
            account=account,
            after=account_snapshot(account),
        )
    return account


def account_update(*, actor: User, account: Account, **changes) -> Account:
    """Change an account's settings; granted settings only from above."""
    unknown = set(changes) - set(ACCOUNT_FIELDS) - set(parts.field_names()) - {"parent", "kind"}
    if unknown or {"parent", "kind"} & set(changes):
        field_name = sorted(unknown | ({"parent", "kind"} & set(changes)))[0]
        raise invalid(f"{field_name} cannot be changed.", field=field_name)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.pk == actor.account_id:
            check(actor, Action.VIEW, account)
            if actor.role in (Role.PLATFORM_VIEWER, Role.ENTERPRISE_VIEWER):
                raise PolicyDenied("Your role has read-only access.", code="not_allowed")
            if changes.get("is_active") is False and account.kind == AccountKind.PLATFORM:
                raise invalid(
                    "The platform root cannot be deactivated: nobody could sign in.",
                    field="is_active",
                )
            if granted := sorted(set(changes) - OWN_EDITABLE_FIELDS - parts.own_editable()):
                raise PolicyDenied(
                    f"{granted[0]} of your own account is set by your provider.",
                    code="not_allowed",
                )
        else:
            check(actor, Action.ACCOUNT_UPDATE, account)
        own, held = parts.split(changes)
        before = account_snapshot(account)
        for field_name, value in own.items():
            setattr(account, field_name, value)
        validate_account(account)
        # Only the settings being set are judged, so that a default stored before a
        # rule existed does not block an edit of the account's name.
        refuse(parts.refusals(account, held))
        after = {
            **before,
            **audit.snapshot(account, ACCOUNT_FIELDS),
            **{name: audit.jsonable(value) for _, values in held for name, value in values.items()},
        }
        if after == before:
            return account  # a form saved unchanged: nothing to write, nothing to record
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError as error:
            raise Conflict(
                "Another account below the same parent has that name.", code="duplicate_name"
            ) from error
        parts.save(account, held)
        audit.record(
            actor=actor,
            action="account.updated",
            obj=account,
            account=account,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return account


def account_delete(*, actor: User, account: Account) -> None:
    """Only an empty account goes: no accounts, numbers, users or targets left in it."""
    with transaction.atomic():
        check(actor, Action.ACCOUNT_DELETE, account)
        if account.kind == AccountKind.PLATFORM:
            raise Conflict("The platform root cannot be deleted.", code="root")
        for relation, label in (
            ("children", "accounts"),
            ("numbers", "numbers"),
            ("uploaded_numbers", "numbers it uploaded (held by other accounts now)"),
            ("users", "users"),
            ("targets", "targets"),
        ):
            if getattr(account, relation).exists():
                raise Conflict(
                    f"{account.name} still has {label}; remove them first.", code="not_empty"
                )
        snapshot = account_snapshot(account)
        audit.record(
            actor=actor, action="account.deleted", obj=account, account=account, before=snapshot
        )
        account.delete()


def user_create(
    *,
    actor: User | None,
    account: Account,
    email: str,
    role: str,
    password: str | None = None,
    name: str = "",
) -> User:
    """A person with one role on one account. ``actor=None`` is set-up (CLI, demo)."""
    if role not in ROLES_BY_ACCOUNT_KIND[account.kind]:
        raise invalid(
            f"A {account.kind} account has no role {role!r}; choose one of "
            f"{', '.join(sorted(ROLES_BY_ACCOUNT_KIND[account.kind]))}.",
            field="role",
        )
    with transaction.atomic():
        if actor is not None:
            check(actor, Action.USER_MANAGE, account)
        email = email.strip().lower()
        if User.objects.filter(email=email).exists():
            raise Conflict(f"A user with the email {email} exists already.", code="duplicate_email")
        user = User.objects.create_user(email, password, account=account, role=role, name=name)
        audit.record(
            actor=actor,
            action="user.created",
            obj=user,
            account=account,
            after={"email": email, "role": role, "name": name},
        )
    return user


USER_FIELDS = ("email", "name", "role", "is_active")
USER_EDITABLE_FIELDS = {"name", "role", "is_active"}


def user_update(*, actor: User | None, user: User, **changes) -> User:
    """Change a user's name, role or access; ``actor=None`` is set-up (CLI).

    Deactivating (``is_active=False``) revokes every token of the user at once, and the
    user's portal sessions end on their next request (``didhub.accounts.backends``).
    Reactivating restores sign-in with the password; tokens stay revoked, so scripts
    need new ones. Nobody changes their own access (the policy's rule for
    ``user.manage``).
    """
    if unknown := sorted(set(changes) - USER_EDITABLE_FIELDS):
        raise invalid(f"{unknown[0]} cannot be changed.", field=unknown[0])
    with transaction.atomic():
        user = User.objects.select_for_update().select_related("account").get(pk=user.pk)
        if actor is not None:
            check(actor, Action.USER_MANAGE, user)
        if "role" in changes and changes["role"] not in ROLES_BY_ACCOUNT_KIND[user.account.kind]:
            raise invalid(
                f"A {user.account.kind} account has no role {changes['role']!r}; choose one "
                f"of {', '.join(sorted(ROLES_BY_ACCOUNT_KIND[user.account.kind]))}.",
                field="role",
            )
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        before = audit.snapshot(user, USER_FIELDS)
        for field_name, value in changes.items():
            setattr(user, field_name, value)
        user.save(update_fields=sorted(changes) or None)
        after = audit.snapshot(user, USER_FIELDS)
        changed = {k for k in after if after[k] != before[k]}
        if not changed:
            return user
        record_after = {k: after[k] for k in sorted(changed)}
        if "is_active" in changed and not user.is_active:
            action = "user.deactivated"
            record_after["tokens_revoked"] = ApiToken.objects.filter(
                user=user, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        elif "is_active" in changed:
            action = "user.reactivated"
        else:
            action = "user.updated"
        audit.record(
            actor=actor,
            action=action,
            obj=user,
            account=user.account,
            before={"email": user.email, **{k: before[k] for k in sorted(changed)}},
            after=record_after,
        )
    return user


def user_remove(*, actor: User | None, user: User) -> None:
    """Remove a user and its tokens; its history stays (events keep plain values)."""
    with transaction.atomic():
        user = User.objects.select_for_update().select_related("account").get(pk=user.pk)
        if actor is not None:
            check(actor, Action.USER_MANAGE, user)
        audit.record(
            actor=actor,
            action="user.removed",
            obj=user,
            account=user.account,
            before=audit.snapshot(user, USER_FIELDS),
        )
        user.delete()


def token_create(
    *, actor: User, name: str, scope: str = TokenScope.READ, expires_at=None
) -> tuple[ApiToken, str]:
    """A new API token of ``actor``; the key is returned once and never stored."""
    if scope not in TokenScope.values:
        raise invalid("Scope is read or write.", field="scope")
    if scope == TokenScope.WRITE and actor.role in (Role.PLATFORM_VIEWER, Role.ENTERPRISE_VIEWER):
        raise invalid("A read-only role can only have read tokens.", field="scope")
    key = f"dh_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name.strip() or "API token",
            prefix=key[:10],
            key_hash=hash_token(key),
            scope=scope,
            expires_at=expires_at,
        )
        audit.record(
            actor=actor,
            action="token.created",
            obj=token,
            account=actor.account,
            after={"name": token.name, "scope": scope, "prefix": token.prefix},
        )
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens (others' tokens are not visible)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.user_id != actor.pk:
            from didhub.core.errors import NotVisible

            raise NotVisible("Not found.", code="not_found")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                actor=actor,
                action="token.revoked",
                obj=token,
                account=actor.account,
                after={"prefix": token.prefix},
            )
    return token
