"""What the two-node test asks of the cluster's database, run as a process of its own.

The test process is connected to the suite's test database; the cluster has a database
of its own (``DIDHUB_DATABASE_URL`` in this process's environment). Two commands, each
printing one JSON line:

* ``setup RECEIVER_URL``: the account tree, a write token of the master reseller, an
  integrated webhook link of Acme Corp to the receiver, and Globex numbers whose
  reservations ended an hour ago (the workers' housekeeping must expire them).
* ``documents ENTERPRISE_ID``: each number's document as the platform should now hold
  it (``didhub.sync.documents``), keyed by E.164.
"""

import json
import os
import sys
from datetime import timedelta

RESERVED_FROM = "+12125590000"
RESERVED_COUNT = 40


def setup(receiver_url: str) -> dict:
    from django.utils import timezone

    from didhub.accounts import services as account_services
    from didhub.accounts.choices import TokenScope
    from didhub.accounts.testing import build_tree
    from didhub.imports.adding import numbers_add_range
    from didhub.numbers import services as number_services
    from didhub.numbers.models import Number
    from didhub.sync import services as sync_services
    from didhub.sync.choices import Connector, LinkMode

    tree = build_tree()
    _, token = account_services.token_create(
        actor=tree.master_admin, name="cluster test", scope=TokenScope.WRITE
    )
    link, secret = sync_services.link_create(
        actor=tree.sub_admin,
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        endpoint=receiver_url + "/hook",
    )
    end = f"+{int(RESERVED_FROM[1:]) + RESERVED_COUNT - 1}"
    numbers = numbers_add_range(
        actor=tree.master_admin, account=tree.globex, start=RESERVED_FROM, end=end
    )
    for number in numbers:
        number_services.number_reserve(
            actor=tree.globex_admin, number=number, until=timezone.now() + timedelta(hours=1)
        )
    # A reservation cannot be made in the past: these ended an hour ago, as if the
    # installation had been down since.
    reserved = Number.objects.filter(pk__in=[number.pk for number in numbers])
    reserved.update(reserved_until=timezone.now() - timedelta(hours=1))
    return {
        "token": token,
        "password": "correct horse 42",
        "master_admin": tree.master_admin.email,
        "acme": tree.acme.pk,
        "globex": tree.globex.pk,
        "link": link.pk,
        "secret": secret,
        "reserved": sorted(reserved.values_list("e164", flat=True)),
    }


def documents(enterprise_id: int) -> dict:
    from didhub.sync.documents import documents as build

    return build(enterprise_id=enterprise_id)


def main(command: str, argument: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()
    answer = setup(argument) if command == "setup" else documents(int(argument))
    sys.stdout.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
