"""schemathesis against the live schema: no server error, no answer that breaks the schema.

Every operation of /api/schema/ is called with generated input through Django's WSGI
application, authenticated once as a reseller admin and once as an enterprise admin,
on the shared tree with numbers, targets and catalog entries in both tenants. Few
examples per operation and a fixed seed keep the run short and repeatable.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from didhub.accounts import services as account_services

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """The tree and its inventory, built once; a write token of a reseller admin and of
    an enterprise admin. Each operation's test rolls its own changes back."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, transaction

    from didhub.core.testing import build_tree

    from .world import build_world

    # As Django's test client does: the WSGI app must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        tree = build_tree()
        build_world(tree)
        yield {
            name: account_services.token_create(actor=user, name="schemathesis", scope="write")[1]
            for name, user in (("reseller", tree.master_admin), ("enterprise", tree.acme_admin))
        }
        transaction.set_rollback(True)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded through the WSGI app like a client would, once, when the module is collected.
# The explicit examples and a few generated cases per operation; the coverage phase
# (every boundary value of every parameter) would take minutes.
# No test database exists yet at collection, so the anonymous fetch's throttle count goes
# to a memory cache instead of the database cache table that the API uses.
with override_settings(CACHES={"default": {"BACKEND": LOCMEM}}):
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/",
        get_wsgi_application(),
        config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
    )


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, tokens):
    from django.core.cache import cache

    for key in tokens.values():
        cache.clear()  # generated traffic must not trip the throttles
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)
