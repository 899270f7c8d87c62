import importlib

import pytest

from didhub.imports import adding
from didhub.sync import services
from didhub.sync.choices import Connector, LinkMode
from didhub.sync.tests.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def fast_retries(settings):
    """Delivery knobs for tests: short timeouts, back-off in milliseconds."""
    settings.DIDHUB_SYNC_TIMEOUT = 2.0
    settings.DIDHUB_SYNC_BACKOFF_BASE = 0.0
    settings.DIDHUB_SYNC_BACKOFF_CAP = 0.0
    settings.DIDHUB_SYNC_MAX_ATTEMPTS = 4
    return settings


def add_range(tree, account, start: str, count: int, **attributes):
    """Numbers from ``start`` on, uploaded by the master reseller and given to ``account``."""
    end = f"+{int(start[1:]) + count - 1}"
    numbers = adding.numbers_add_range(
        actor=tree.master_admin, account=account, start=start, end=end, **attributes
    )
    return numbers


def webhook_link(tree, url: str, *, enterprise=None, mode=LinkMode.INTEGRATED):
    link, secret = services.link_create(
        actor=tree.sub_admin if enterprise is None else tree.master_admin,
        enterprise=enterprise or tree.acme,
        connector=Connector.WEBHOOK,
        mode=mode,
        endpoint=url + "/hook",
    )
    return link, secret


@pytest.fixture
def history_cleanup(transactional_db):
    """Let the flush after a transactional test pass the append-only trigger on SQLite.

    PostgreSQL flushes with TRUNCATE, which row triggers do not see; SQLite deletes row
    by row, so the test's events are removed here with the trigger lifted for that
    statement only and put back at once.
    """
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("didhub.core.migrations.0002_event_append_only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_event_no_delete")
        cursor.execute("DELETE FROM core_event")
        cursor.execute(migration.SQLITE[1])
