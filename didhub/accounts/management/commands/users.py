"""``didhub users ...``: the grouped spelling of ``didhub user ...`` (add, deactivate,
reactivate, remove), like ``didhub numbers`` and ``didhub calls``. ``didhub user``
stays for a release."""

from didhub.accounts.management.commands.user import Command  # noqa: F401
