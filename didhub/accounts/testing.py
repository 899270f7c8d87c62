"""Shared test fixtures: a believable account tree built through the services.

    platform ─┬─ Master Reseller ─┬─ Sub Reseller ── Acme Corp (enterprise)
              │                   └─ Globex (enterprise, allow external numbers)
              └─ Foreign Reseller ── Initech (enterprise)

Every role has a user (Acme has its admin, a professional and a viewer); ``Foreign
Reseller`` and ``Initech`` are the foreign tenant that isolation tests try to reach.
"""

from dataclasses import dataclass

from didhub.accounts import services as account_services
from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.models import Account, User


@dataclass
class Tree:
    root: Account
    master: Account
    sub: Account
    acme: Account
    globex: Account
    foreign: Account
    initech: Account
    platform_admin: User
    platform_viewer: User
    master_admin: User
    sub_admin: User
    acme_admin: User
    acme_viewer: User
    acme_pro: User
    globex_admin: User
    foreign_admin: User
    initech_admin: User

    def users(self) -> dict[str, User]:
        return {name: value for name, value in vars(self).items() if isinstance(value, User)}


def build_tree() -> Tree:
    root = account_services.platform_root_create(name="Platform")

    def user(account, email, role):
        return account_services.user_create(
            actor=None, account=account, email=email, role=role, password="correct horse 42"
        )

    platform_admin = user(root, "admin@platform.test", Role.PLATFORM_ADMIN)
    platform_viewer = user(root, "viewer@platform.test", Role.PLATFORM_VIEWER)

    def account(parent, name, kind, **settings):
        return account_services.account_create(
            actor=platform_admin, parent=parent, name=name, kind=kind, **settings
        )

    master = account(root, "Master Reseller", AccountKind.RESELLER)
    sub = account(master, "Sub Reseller", AccountKind.RESELLER)
    acme = account(sub, "Acme Corp", AccountKind.ENTERPRISE, stations_purchased=10)
    globex = account(master, "Globex", AccountKind.ENTERPRISE, allow_external_numbers=True)
    foreign = account(root, "Foreign Reseller", AccountKind.RESELLER)
    initech = account(foreign, "Initech", AccountKind.ENTERPRISE)
    return Tree(
        root=root,
        master=master,
        sub=sub,
        acme=acme,
        globex=globex,
        foreign=foreign,
        initech=initech,
        platform_admin=platform_admin,
        platform_viewer=platform_viewer,
        master_admin=user(master, "admin@master.test", Role.RESELLER_ADMIN),
        sub_admin=user(sub, "admin@sub.test", Role.RESELLER_ADMIN),
        acme_admin=user(acme, "admin@acme.test", Role.ENTERPRISE_ADMIN),
        acme_viewer=user(acme, "viewer@acme.test", Role.ENTERPRISE_VIEWER),
        acme_pro=user(acme, "pro@acme.test", Role.PROFESSIONAL),
        globex_admin=user(globex, "admin@globex.test", Role.ENTERPRISE_ADMIN),
        foreign_admin=user(foreign, "admin@foreign.test", Role.RESELLER_ADMIN),
        initech_admin=user(initech, "admin@initech.test", Role.ENTERPRISE_ADMIN),
    )
