"""factory_boy factories of accounts and users, created through the accounts services.

``create`` calls the service a person's request would call (policy check, validation,
events), never ``Model.save``: test data carries the history production writes.
``actor`` is the user acting; it must be allowed to create the object.

    acme = AccountFactory(actor=tree.master_admin, parent=tree.master)
    admin = UserFactory(account=acme)
"""

import factory

from didhub.accounts import services
from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.models import Account, User

PASSWORD = "correct horse 42"  # the password of every user of didhub.accounts.testing too
# The role a user of each kind of account gets unless a test names another.
ADMIN_ROLES = {
    AccountKind.PLATFORM: Role.PLATFORM_ADMIN,
    AccountKind.RESELLER: Role.RESELLER_ADMIN,
    AccountKind.ENTERPRISE: Role.ENTERPRISE_ADMIN,
}


class ServiceFactory(factory.Factory):
    """Creates by calling the subclass's ``_service`` with the declared fields (``actor``
    among them), as a request would, so that the object comes with its events."""

    class Meta:
        abstract = True

    actor = None

    @classmethod
    def _create(cls, model_class, **fields):
        return cls._service(**fields)


class AccountFactory(ServiceFactory):
    """A reseller or an enterprise below ``parent`` (an enterprise unless ``kind`` says);
    other keywords are account settings (``stations_purchased``, ``location_country``,
    ``allow_external_numbers``, ...)."""

    class Meta:
        model = Account

    _service = staticmethod(services.account_create)
    parent = None
    name = factory.Sequence(lambda n: f"Account {n}")
    kind = AccountKind.ENTERPRISE


class UserFactory(ServiceFactory):
    """A user of ``account``, its admin unless ``role`` says; ``actor=None`` is set-up
    (as the CLI and the demo create users)."""

    class Meta:
        model = User

    _service = staticmethod(services.user_create)
    account = None
    email = factory.Sequence(lambda n: f"user{n}@factory.test")
    role = factory.LazyAttribute(lambda user: ADMIN_ROLES[user.account.kind])
    password = PASSWORD
