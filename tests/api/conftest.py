"""API clients authenticated by real tokens, one per role of the shared tree."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from didhub.accounts import services as account_services
from didhub.accounts.choices import READ_ONLY_ROLES, TokenScope

from .world import build_world


@pytest.fixture(autouse=True)
def fresh_throttles(db):
    """Throttle counters live in the cache (which may be a database table); each test
    starts with none spent."""
    cache.clear()
    yield
    cache.clear()


def token_client(user, scope=None) -> APIClient:
    if scope is None:
        scope = TokenScope.READ if user.role in READ_ONLY_ROLES else TokenScope.WRITE
    _, key = account_services.token_create(actor=user, name="tests", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


@pytest.fixture
def memory_cache(settings):
    """Throttle counts in process memory: for tests that count a view's own queries,
    which the database cache's reads and writes of a request's count would blur."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def api(tree):
    """``api("acme_admin")``: a client with a fresh token of that user of the tree."""
    users = tree.users()

    def make(name: str, scope=None) -> APIClient:
        return token_client(users[name], scope)

    return make


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def world(tree):
    """Numbers, targets and catalog in both tenants (see ``tests/api/world.py``)."""
    return build_world(tree)
