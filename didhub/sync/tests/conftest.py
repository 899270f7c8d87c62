import pytest

from didhub.numbers import services as number_services
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
    numbers = number_services.numbers_add_range(
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
